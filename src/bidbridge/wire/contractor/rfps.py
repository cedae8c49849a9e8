"""Wire schemas: contractor rfps."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel
from bidbridge.wire.contractor.outputs import RfpOut


class InvitationOut(ApiModel):
    rfp: RfpOut
    company_created: bool = Field(description="A new subcontractor company was created.")
    contact_created: bool = Field(description="A new 'other' contact was created for the e-mail.")


class RfpListOut(ApiModel):
    rfps: list[RfpOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end.")


class SiblingOut(ApiModel):
    rfp_id: int
    company: str
    status: str


class StatusOut(ApiModel):
    rfp: RfpOut
    changed: bool = Field(description="False when status and shared were already so.")
    not_awarded: list[SiblingOut] = Field(
        description="The other RFPs of the workpackage now set to not_awarded (awardOthers=1); "
                    "each got a thank-you message.")
    offers: list[SiblingOut] = Field(
        description="After awarding with awardOthers=0: the other RFPs that can be set to "
                    "not_awarded (call again with awardOthers=1, or set each yourself).")
