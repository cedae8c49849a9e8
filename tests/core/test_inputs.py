"""Typed handler inputs: the class is checked against its Params when it is defined."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from bidbridge.api.call import Call
from bidbridge.api.declare import REGISTRY, Input, Param, function
from bidbridge.api.params import validate
from bidbridge.api.subcontractor.rfps import GetRfpsIn

ID = Param("rfpId", "template", "The RFP.", pattern=r"^[1-9][0-9]*$", required=True,
           type="integer")


def test_fields_become_the_functions_params_in_order() -> None:
    class Example(Input):
        rfp_id: Annotated[int, ID]
        note: Annotated[str | None, Param("note", "query", "A note.")] = None

    assert [p.name for p in Example.PARAMS] == ["rfpId", "note"]
    assert Example.of({"rfpId": 7}) == Example(rfp_id=7)
    assert Example.of({"rfpId": 7, "note": "x"}).note == "x"


def test_a_declared_function_takes_its_params_from_the_input() -> None:
    fn = REGISTRY["subcontractor"]["getRfps"]
    assert fn.input is GetRfpsIn
    assert fn.params == GetRfpsIn.PARAMS
    values = validate(fn, {}, {"limit": "10", "projectId": "3"}, {})
    args = GetRfpsIn.of(values)
    assert (args.limit, args.project_id, args.status) == (10, 3, None)
    assert GetRfpsIn.of(validate(fn, {}, {}, {})).limit == 50  # the Param's default


def test_field_named_unlike_its_param_is_refused() -> None:
    with pytest.raises(TypeError, match="snake_case"):
        class Wrong(Input):
            rfp: Annotated[int, ID]


def test_field_without_param_is_refused() -> None:
    with pytest.raises(TypeError, match="exactly one Param"):
        class Bare(Input):
            rfp_id: int


def test_required_param_with_optional_type_is_refused() -> None:
    with pytest.raises(TypeError, match="required"):
        class Loose(Input):
            rfp_id: Annotated[int | None, ID] = None


def test_optional_param_must_default_to_none_or_its_default() -> None:
    with pytest.raises(TypeError, match=r"X \| None"):
        class NotOptional(Input):
            note: Annotated[str, Param("note", "query", "A note.")] = None
    with pytest.raises(TypeError, match="default is None"):
        class OtherDefault(Input):
            note: Annotated[str | None, Param("note", "query", "A note.")] = "x"
    with pytest.raises(TypeError, match="default is 5"):
        class MissingDefault(Input):
            limit: Annotated[int, Param("limit", "query", "n", type="integer", default=5)]


def test_type_must_fit_the_param() -> None:
    with pytest.raises(TypeError, match="does not fit"):
        class Mistyped(Input):
            rfp_id: Annotated[str, ID]
    with pytest.raises(TypeError, match="does not fit"):
        class MistypedDecimal(Input):
            price: Annotated[int, Param("price", "query", "p", type="decimal", required=True)]


def test_file_params_say_one_or_many() -> None:
    class Files(Input):
        one: Annotated[UploadFile, Param("one", "query", "f", type="file", required=True)]
        many: Annotated[list[UploadFile] | None, Param("many", "query", "f", type="file",
                                                       many=True)] = None

    assert [p.many for p in Files.PARAMS] == [False, True]
    with pytest.raises(TypeError, match="many-file"):
        class OneAsMany(Input):
            one: Annotated[list[UploadFile], Param("one", "query", "f", type="file",
                                                   required=True)]


class Line(BaseModel):
    quantity: Decimal


def test_json_param_gets_a_validator_from_its_type() -> None:
    class Lines(Input):
        lines: Annotated[list[Line], Param("lines", "query", "l", type="json", required=True)]

    (param,) = Lines.PARAMS
    assert param.adapter is not None
    assert param.adapter.validate_python([{"quantity": "1.5"}]) == [Line(quantity=Decimal("1.5"))]


def test_every_registered_function_declares_a_typed_input() -> None:
    import bidbridge.api.contractor
    import bidbridge.api.subcontractor  # noqa: F401

    fns = [fn for table in REGISTRY.values() for fn in table.values()]
    assert len(fns) > 40
    for fn in fns:
        assert isinstance(fn.input, type) and issubclass(fn.input, Input), fn.name
        assert fn.params == fn.input.PARAMS, fn.name


def test_a_function_without_input_is_refused() -> None:
    with pytest.raises(TypeError, match="input="):
        function(api="subcontractor", name="noInput", path="/no-input", summary="s",
                 input=None)(lambda call, args: None)  # type: ignore[arg-type]
    assert "noInput" not in REGISTRY["subcontractor"]


def test_handlers_cannot_read_raw_values_from_the_call() -> None:
    assert not hasattr(Call, "__getitem__")
    assert "values" not in {f.name for f in dataclasses.fields(Call)}


def test_sent_lists_what_the_caller_sent_by_wire_name() -> None:
    class Profile(Input):
        address_1: Annotated[str | None, Param("address_1", "query", "a")] = None
        country_code: Annotated[str | None, Param("countryCode", "query", "c")] = None

    assert Profile.of({"countryCode": "NL"}).sent() == {"countryCode": "NL"}
    assert Profile(address_1="x").sent() == {"address_1": "x"}
