"""updateCompany: the profile fields a company edits itself."""

from __future__ import annotations

from typing import Annotated

from bidbridge.api.account_functions import CompanyOut, company_out
from bidbridge.api.call import Call
from bidbridge.api.declare import Api, Input, Param, function
from bidbridge.errors import InvalidParameters
from bidbridge.services import account_reads
from bidbridge.services.company_profile import update_company

_LINE = r"^[^\x00-\x1f\x7f]{1,200}$"
# API parameter -> column.
FIELDS = {
    "address_1": "address_1",
    "address_2": "address_2",
    "zip": "zip",
    "city": "city",
    "countryCode": "country_code",
    "phone": "phone",
    "website": "website",
}


class UpdateCompanyIn(Input):
    address_1: Annotated[str | None, Param(
        "address_1", "query", "Street and number.", pattern=_LINE, max_length=200,
        expected="one line of at most 200 characters", example="Stationsplein 1")] = None
    address_2: Annotated[str | None, Param(
        "address_2", "query", "Second address line.", pattern=_LINE, max_length=200,
        expected="one line of at most 200 characters", example="Unit 4")] = None
    zip: Annotated[str | None, Param(
        "zip", "query", "Postal code.", pattern=r"^[A-Za-z0-9]([A-Za-z0-9 -]{0,14})$",
        max_length=16, expected="letters, digits, spaces or dashes, at most 16",
        example="3511 ED")] = None
    city: Annotated[str | None, Param(
        "city", "query", "City.", pattern=r"^[^\x00-\x1f\x7f]{1,100}$", max_length=100,
        expected="at most 100 characters", example="Utrecht")] = None
    country_code: Annotated[str | None, Param(
        "countryCode", "query", "Country, ISO 3166 alpha-2 in capitals.",
        pattern=r"^[A-Z]{2}$", expected="two capital letters, e.g. NL, BE, DE, AT",
        example="NL")] = None
    phone: Annotated[str | None, Param(
        "phone", "query", "Phone number.", pattern=r"^\+?[0-9][0-9 ()./-]{4,30}$",
        max_length=32, expected="digits with an optional leading + and spaces, dashes, "
        "dots or brackets", example="+31 30 123 4567")] = None
    website: Annotated[str | None, Param(
        "website", "query", "Website, with http:// or https://.",
        pattern=r"^https?://[^\s/$.?#][^\s]{0,190}$", max_length=200,
        expected="an http(s) address", example="https://www.example.nl")] = None


def _update_company(call: Call, args: UpdateCompanyIn) -> CompanyOut:
    sent = args.sent()
    changes = {column: sent[param] for param, column in FIELDS.items() if param in sent}
    if not changes:
        names = ", ".join(FIELDS)
        raise InvalidParameters(
            f"updateCompany: send at least one of {names}. Name and chamber of commerce "
            "number follow your registration; ask support to change them.",
            data={"errors": [{"parameter": p, "in": "query", "problem": "missing",
                              "message": "at least one profile field is required"}
                             for p in FIELDS]})
    update_company(call.session, call.ctx, call.principal.company_id, changes)
    return company_out(*account_reads.company_and_module(call.session,
                                                         call.principal.company_id))


def register_update_company(api: Api) -> None:
    function(api=api, name="updateCompany", path="/company", tag="Account",
             summary="Change your company's address, phone or website.",
             description=("Send only the fields to change; at least one. The name and the "
                          "chamber of commerce number follow the registration and are changed "
                          "through support. The audit log records each change (old → new) as "
                          "company.updated."),
             input=UpdateCompanyIn, response=CompanyOut, idempotent_writes=True)(_update_company)
