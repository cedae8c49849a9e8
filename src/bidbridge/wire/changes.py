"""Addenda and questions on the wire: what both APIs answer (the contractor's view adds who
asked and who acknowledged)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bidbridge.wire import ApiModel


class AddendumLineChangeOut(ApiModel):
    action: str = Field(description="add, remove or change")
    budget_line_id: int
    changed: list[str] | None = Field(default=None,
                                      description="With change: the fields that changed.")
    before: dict[str, Any] | None = Field(default=None, description="code, description, "
                                          "quantity, unit before (remove, change).")
    after: dict[str, Any] | None = Field(default=None, description="The line after (add, "
                                         "change).")


class AddendumDocumentOut(ApiModel):
    document_id: int
    version: int = Field(description="The version the addendum published.")
    name: str


class AddendumOut(ApiModel):
    addendum_id: int
    workpackage_id: int
    number: int = Field(description="1, 2, … per workpackage; a published addendum never "
                                    "changes.")
    text: str
    published_at: int
    published_by_name: str
    previous_deadline: int | None = Field(description="The deadline before (unix seconds).")
    new_deadline: int | None = Field(description="The deadline it set; null: unchanged.")
    line_changes: list[AddendumLineChangeOut]
    documents: list[AddendumDocumentOut] = Field(description="Tender documents it adds or "
                                                             "replaces.")
    answers_question_ids: list[int]


class SubAddendumOut(AddendumOut):
    acknowledged: bool
    acknowledged_at: int | None


class AcknowledgementOut(ApiModel):
    rfp_id: int
    company: str
    acknowledged_at: int
    acknowledged_by_name: str


class ContractorAddendumOut(AddendumOut):
    acknowledgements: list[AcknowledgementOut] = Field(description="Which invitees "
                                                       "acknowledged it, and when.")


class QuestionOut(ApiModel):
    question_id: int
    rfp_id: int | None = Field(description="Your RFP, for your own questions; null for "
                                           "another bidder's (never named).")
    mine: bool = Field(description="You asked it.")
    text: str
    budget_line_id: int | None
    document_id: int | None
    asked_at: int
    state: str = Field(description="open, answered or declined (as a duplicate).")
    answer: str | None
    answered_at: int | None
    answered_by_addendum: int | None = Field(description="The number of the addendum that "
                                                         "answered it.")
    duplicate_of_id: int | None


class ContractorQuestionOut(QuestionOut):
    company_id: int
    company: str
    asked_by_name: str


class SubAddendaOut(ApiModel):
    rfp_id: int
    latest_addendum: int = Field(description="The latest addendum's number; 0: none.")
    addenda: list[SubAddendumOut]


class ContractorAddendaOut(ApiModel):
    workpackage_id: int
    addenda: list[ContractorAddendumOut]


class SubQuestionsOut(ApiModel):
    rfp_id: int
    questions: list[QuestionOut]


class ContractorQuestionsOut(ApiModel):
    workpackage_id: int
    questions: list[ContractorQuestionOut]


class CancelledOut(ApiModel):
    workpackage_id: int
    cancelled_rfp_ids: list[int] = Field(description="The RFPs that got the outcome cancelled "
                                                     "now (none when it was cancelled before).")


class BidOpeningOut(ApiModel):
    workpackage_id: int
    sealed: bool = Field(description="Whether the workpackage's bids are sealed until the "
                                     "deadline.")
    deadline: int | None = Field(description="The workpackage's effective deadline, unix "
                                             "seconds.")
    opened_at: int | None = Field(description="When the sealed bids were opened (recorded "
                                              "once); null when not sealed.")
    opened_by_name: str | None
    bid_count: int | None = Field(description="How many bids stood at the opening.")
