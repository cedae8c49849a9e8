"""Properties every declared function must have; new functions are checked automatically."""

import re

import pytest

from bidbridge.api.declare import REGISTRY, Function
from bidbridge.app import create_app  # noqa: F401  (registers every function)

ALL = [fn for table in REGISTRY.values() for fn in table.values()]


def _top_level_alternation(pattern: str) -> bool:
    depth, escaped, in_class = 0, False, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f"{f.api}.{f.name}")
def test_patterns_are_anchored_and_grouped(fn: Function):
    for param in fn.params:
        if param.type in ("json", "file"):
            continue
        assert param.pattern, f"{fn.name}.{param.name} has no pattern"
        assert param.pattern.startswith("^") and param.pattern.endswith("$"), param.name
        assert not _top_level_alternation(param.pattern), (
            f"{fn.name}.{param.name}: alternation outside a group: {param.pattern}")
        assert param.expected, f"{fn.name}.{param.name} says nothing of what is expected"


def test_the_grouping_check_catches_the_modelled_platforms_mistake():
    assert _top_level_alternation("^tender|none$")
    assert not _top_level_alternation("^(tender|none)$")
    assert not _top_level_alternation("^[|]$")


@pytest.mark.parametrize("fn", ALL, ids=lambda f: f"{f.api}.{f.name}")
def test_method_follows_parameter_types(fn: Function):
    kinds = {p.kind for p in fn.params}
    assert fn.method == ("POST" if "query" in kinds else "GET")
    for name in re.findall(r"{(\w+)}", fn.path):
        assert fn.param_index[name].kind == "template"


def test_every_function_has_a_summary_and_examples():
    for fn in ALL:
        assert fn.summary, fn.name
        for param in fn.params:
            if param.required and param.type != "file":
                assert param.example is not None, f"{fn.name}.{param.name} has no example"
