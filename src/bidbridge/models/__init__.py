"""All persistent models; importing this module registers every table on Base.metadata."""

from bidbridge.models.accounts import (
    AccountEmail,
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
from bidbridge.models.browser import BrowserSession, TwoFactor
from bidbridge.models.changes import (
    Addendum,
    AddendumAcknowledgement,
    BidOpening,
    Question,
    QuestionState,
)
from bidbridge.models.events import Event, WebhookDelivery, WebhookEndpoint
from bidbridge.models.idempotency import IdempotencyKey
from bidbridge.models.proposals import (
    Document,
    DocumentVersion,
    Message,
    MessageDirection,
    Proposal,
    ProposalState,
)
from bidbridge.models.reads import MessageRead
from bidbridge.models.tendering import (
    Bill,
    BillSection,
    BudgetLine,
    PriceEntry,
    Project,
    Rfp,
    RfpResponse,
    RfpStatus,
    Workpackage,
)

__all__ = [
    "AccountEmail",
    "Addendum",
    "AddendumAcknowledgement",
    "ApiKey",
    "ApiModule",
    "ApiRequest",
    "ApiToken",
    "AuditEvent",
    "Base",
    "BidOpening",
    "Bill",
    "BillSection",
    "BrowserSession",
    "BudgetLine",
    "Company",
    "CompanyKind",
    "Contact",
    "ContactRole",
    "ContactType",
    "Document",
    "DocumentVersion",
    "Event",
    "IdempotencyKey",
    "Message",
    "MessageDirection",
    "MessageRead",
    "PriceEntry",
    "Project",
    "Proposal",
    "ProposalState",
    "Question",
    "QuestionState",
    "Rfp",
    "RfpResponse",
    "RfpStatus",
    "SupportUser",
    "TwoFactor",
    "WebhookDelivery",
    "WebhookEndpoint",
    "Workpackage",
]
