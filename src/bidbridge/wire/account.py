"""Wire schemas: account."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class CompanyOut(ApiModel):
    id: int
    kind: str = Field(description="contractor or subcontractor")
    name: str
    coc_number: str | None = Field(description="Chamber of commerce number.")
    address_1: str | None = Field(serialization_alias="address_1")
    address_2: str | None = Field(serialization_alias="address_2")
    zip: str | None
    city: str | None
    country_code: str = Field(description="ISO 3166 alpha-2.")
    phone: str | None
    website: str | None
    api_user_id: int | None = Field(description="The contact id of the designated API user.")
    updated_at: int = Field(description="Unix seconds.")


class ContactOut(ApiModel):
    id: int
    name: str
    email: str
    phone: str | None
    role: str = Field(description="administrator or user")
    contact_type: str = Field(description="visible, hidden or other")
    active: bool
    is_api_user: bool


class MeOut(ApiModel):
    contact: ContactOut
    company: CompanyOut
    token_expire_date: str = Field(description="When the token used for this call expires (unix "
                                               "seconds, as getToken gives it).")


class TokenOut(ApiModel):
    token: str = Field(description="128 lowercase hex characters; send it as X-Auth-Token.")
    expire_date: str = Field(description="When the token expires, in unix seconds (a string).")
    expires_in: int = Field(description=(
        "Whole seconds the token has left: 3600 for a new token, fewer for a still-valid token "
        "handed back (the seconds until expireDate)."))
