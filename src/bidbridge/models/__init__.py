"""All persistent models; importing this module registers every table on Base.metadata."""

from bidbridge.models.accounts import (
    Company,
    CompanyKind,
    Contact,
    ContactRole,
    ContactType,
    SupportUser,
)
from bidbridge.models.api_access import ApiKey, ApiModule, ApiToken
from bidbridge.models.audit import ApiRequest, AuditEvent
from bidbridge.models.base import Base
from bidbridge.models.idempotency import IdempotencyKey

__all__ = [
    "ApiKey",
    "ApiModule",
    "ApiRequest",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Company",
    "CompanyKind",
    "Contact",
    "ContactRole",
    "ContactType",
    "IdempotencyKey",
    "SupportUser",
]
