"""The tendering scenarios' data: RFPs in bulk, one RFP with 200 budget lines, a large document.

Each scenario names the API function it needs; when that function is not registered in this
checkout, the scenario is reported as not measured, never approximated.
"""

from __future__ import annotations

from bidbridge.api import subcontractor as _subcontractor  # noqa: F401  (registers functions)
from bidbridge.api.declare import REGISTRY

FUNCTIONS = ("getRfp", "getRfps", "submitProposal", "getDocument")


def missing(function: str) -> str | None:
    """Why a scenario needing ``function`` cannot run here, or None when it can."""
    if function not in REGISTRY["subcontractor"]:
        return "not measured: function missing"
    return None
