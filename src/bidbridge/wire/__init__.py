"""The API's wire schemas: what a function answers, as pydantic models and nothing else.

This package imports only the standard library and pydantic, never the server (no SQLAlchemy, no
services), so that the integrator client and ``bidbridge sync`` can use the same models the server
renders. Put every output model of an API function here, in a module per area.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """Response and item models: camelCase on the wire, built from rows, objects or dicts."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True,
                              from_attributes=True, serialize_by_alias=True)
