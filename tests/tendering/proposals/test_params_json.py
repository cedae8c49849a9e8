"""params.py reports every pydantic error of a JSON parameter as its own 422 entry."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, TypeAdapter

from bidbridge.api.declare import Function, Param
from bidbridge.api.params import validate
from bidbridge.errors import InvalidParameters


class Item(BaseModel):
    n: int


FN = Function(name="probe", api="subcontractor", path="/probe", summary="", handler=lambda c: None,
              params=(Param("items", "query", "items", type="json", required=True,
                            adapter=TypeAdapter(list[Item]), expected="a list of {n: int}"),
                      Param("flag", "query", "a flag", pattern=r"^(0|1)$")))


def test_each_offending_item_is_its_own_entry_and_other_parameters_still_count():
    with pytest.raises(InvalidParameters) as caught:
        validate(FN, {}, {"items": '[{"n": 1}, {"n": "x"}, {}, {"n": 2}]', "flag": "2"}, {})
    errors = caught.value.data["errors"]
    assert [(e["parameter"], e["problem"]) for e in errors] == [
        ("items[1].n", "invalid"), ("items[2].n", "invalid"), ("flag", "pattern")]
    assert errors[0]["message"].startswith("items[1].n: ")
    assert errors[0]["expected"] == "a list of {n: int}"
    assert "items[1].n, items[2].n, flag" in caught.value.detail


def test_a_valid_list_converts():
    assert validate(FN, {}, {"items": [{"n": 3}]}, {}) == {"items": [Item(n=3)]}
