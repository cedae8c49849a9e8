"""The id range, stated once (bidbridge/ids.py): exactly 1..2**31-1, as the 32-bit id columns."""

from __future__ import annotations

import re

import pytest

from bidbridge.api.declare import REGISTRY, Param, id_parameter
from bidbridge.ids import ID_PATTERN, MAX_ID, parse_id


def test_the_id_pattern_admits_exactly_the_ids_of_32_bit_columns():
    admits = re.compile(ID_PATTERN).fullmatch
    top = str(MAX_ID)
    numbers = set(range(0, 1200)) | {MAX_ID + d for d in range(-1200, 1200)}
    # Every digit at every position next to MAX_ID's own digits, and every length.
    for i in range(len(top)):
        for d in range(10):
            for rest in ("0", "9"):
                numbers.add(int(top[:i] + str(d) + rest * (len(top) - i - 1)))
    numbers |= {10**k + e for k in range(1, 20) for e in (-1, 0, 1)}
    for n in numbers:
        assert bool(admits(str(n))) == (1 <= n <= MAX_ID), n
    for text in ("", "0", "01", "+1", "-1", " 1", "1\n", "²", "١٢", "1e3", "2147483647 "):
        assert not admits(text), text
        assert parse_id(text) is None, text
    assert parse_id(str(MAX_ID)) == MAX_ID and parse_id(MAX_ID + 1) is None


def test_every_id_parameter_but_event_ids_takes_the_one_id_range():
    ids = [p for api in REGISTRY.values() for fn in api.values() for p in fn.params
           if p.type == "integer" and (p.name.endswith("Id") or p.name in ("version",
                                                                           "addendumNumber"))]
    assert ids
    for param in ids:
        if param.name in ("eventId", "phaseId"):  # 64-bit on PostgreSQL; one of three phases
            assert param.bounds is None
            continue
        assert (param.pattern, param.bounds) == (ID_PATTERN, (1, MAX_ID)), param.name


def test_bounds_that_disagree_with_the_pattern_fail_at_declaration():
    assert id_parameter("rfpId", "template", "x", expected="an id", required=True).bounds
    with pytest.raises(ValueError, match="bounds"):
        Param("limit", "query", "x", pattern=r"^[1-9][0-9]?$", type="integer", bounds=(1, 200))


@pytest.mark.parametrize("path", ["/bids/2147483648", "/bids/99999999999999999999",
                                  "/workpackages/2147483648", "/projects/0"])
def test_a_page_path_beyond_the_id_range_is_no_page(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
