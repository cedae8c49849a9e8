"""getMe, getCompany and getContacts: the API user, their company and its people."""

from __future__ import annotations

from pydantic import TypeAdapter

from bidbridge.api.call import Call
from bidbridge.api.declare import Api, NoInput, function
from bidbridge.clock import unix
from bidbridge.models import ApiModule, Company, Contact
from bidbridge.services import account_reads
from bidbridge.services.account_reads import CompanyRow, ContactRow
from bidbridge.wire.account import (
    CompanyOut,
    ContactOut,
    MeOut,
)


def company_out(company: Company | CompanyRow, module: ApiModule | None, *,
                api_user_id: int | None = None) -> CompanyOut:
    """The company as the API shows it; the API user from ``module`` when given."""
    return CompanyOut(
        id=company.id, kind=company.kind.value, name=company.name, coc_number=company.coc_number,
        address_1=company.address_1, address_2=company.address_2, zip=company.zip,
        city=company.city, country_code=company.country_code, phone=company.phone,
        website=company.website, api_user_id=module.api_user_id if module else api_user_id,
        updated_at=unix(company.updated_at))


def contact_out(contact: Contact | ContactRow, api_user_id: int | None) -> ContactOut:
    return ContactOut(id=contact.id, name=contact.name, email=contact.email, phone=contact.phone,
                      role=contact.role.value, contact_type=contact.contact_type.value,
                      active=contact.active, is_api_user=contact.id == api_user_id)


def _get_me(call: Call, args: NoInput) -> MeOut:
    """No statement besides the token's: its check read the user and the company (and a valid
    token's user is the company's API user)."""
    principal = call.principal
    return MeOut(contact=contact_out(principal.contact, principal.contact_id),
                 company=company_out(principal.company, None, api_user_id=principal.contact_id),
                 token_expire_date=str(unix(principal.token_expires_at)))


def _get_company(call: Call, args: NoInput) -> CompanyOut:
    return company_out(*account_reads.company_and_module(call.session,
                                                         call.principal.company_id))


CONTACTS = TypeAdapter(list[ContactOut])


def _get_contacts(call: Call, args: NoInput) -> list[ContactOut]:
    company, module = account_reads.company_and_module(call.session, call.principal.company_id)
    api_user_id = module.api_user_id if module else None
    return [contact_out(c, api_user_id) for c in account_reads.contacts(call.session, company.id)]


def register_account_functions(api: Api) -> None:
    function(api=api, name="getMe", light=True, path="/me", tag="Account", response=MeOut, input=NoInput,
             summary="The API user this token speaks for, and their company.")(_get_me)
    function(api=api, name="getCompany", light=True, path="/company", tag="Account",
             response=CompanyOut, input=NoInput, summary="Your company's profile.")(_get_company)
    function(api=api, name="getContacts", path="/contacts", tag="Account", response=CONTACTS, input=NoInput,
             summary="Every contact of your company, active or not, with the API user marked.")(
        _get_contacts)
