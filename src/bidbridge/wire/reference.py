"""Wire schemas: reference."""

from __future__ import annotations

from bidbridge.wire import ApiModel


class PhaseOut(ApiModel):
    id: int
    name: str
    description: str


class NamedOut(ApiModel):
    name: str


class StatusOut(ApiModel):
    status: str
    label: str
