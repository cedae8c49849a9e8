import re

import pytest

from bidbridge.api.declare import REGISTRY
from bidbridge.app import create_app  # noqa: F401  (registers every function)

MINE = ("getRfps", "getRfp", "respondToRfp", "forwardRfp", "getDocuments", "getDocument",
        "getDocumentVersion", "getMessages", "sendMessage", "updateCompany", "getPhases",
        "getBuildingSectors", "getClassificationSystems", "getRfpStatuses")


@pytest.mark.parametrize("name", MINE)
def test_examples_fit_their_patterns(name):
    fn = REGISTRY["subcontractor"][name]
    for param in fn.params:
        if param.example is not None and param.pattern:
            assert re.fullmatch(param.pattern, str(param.example)), (name, param.name)


def test_text_pattern_refuses_blank_and_control_characters():
    from bidbridge.api.subcontractor.common import TEXT_PATTERN

    assert re.fullmatch(TEXT_PATTERN, "Prijs volgt\r\nvrijdag\t!")
    for bad in ("", "   \n", "a\x00", "a\x1b[31m"):
        assert not re.fullmatch(TEXT_PATTERN, bad)
