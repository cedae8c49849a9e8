"""Wire schemas: a project, as the contractor owns it and as its invited subcontractors see it."""

from __future__ import annotations

from pydantic import Field

from bidbridge.wire import ApiModel


class SharedProjectOut(ApiModel):
    """The project fields a contractor shares with the subcontractors it invites."""

    id: int
    name: str
    phase_id: int | None
    classification_systems: list[str]
    calc_number: str | None
    work_number: str | None
    status: str
    address_1: str | None = Field(serialization_alias="address_1")
    address_2: str | None = Field(serialization_alias="address_2")
    zip: str | None
    city: str | None
    country_code: str | None
    client: str | None
    manager: str | None
    architect: str | None
    constructor: str | None
    calculator: str | None
    inkoper: str | None = Field(description="The buyer.")
    werkvoorbereider: str | None = Field(description="The work planner.")
    planned_start: int | None
    planned_complete: int | None
    deadline_date: int | None
    questions_date: int | None
    questions_time: int | None = Field(description="Hour of the questions deadline, 1–23.")
    update_date: int | None
    update_time: int | None
    tender_date: int | None
    inspection_date: int | None
    reason: str | None
    building_sectors: list[str]


class ProjectOut(SharedProjectOut):
    """A contractor's own project: the shared fields, its description and its times."""

    description: str | None
    created_at: int
    updated_at: int = Field(description="Unix seconds; moves when anything in the project changes.")
