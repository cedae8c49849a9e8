"""The subcontractor API at /rest/subcontractor/v1."""

from bidbridge.api.account_functions import register_account_functions
from bidbridge.api.shared import register_audit_function, register_token_function

register_token_function("subcontractor")
register_account_functions("subcontractor")
register_audit_function("subcontractor")
from bidbridge.api.subcontractor import budget_lines as _budget_lines  # noqa: E402, F401
from bidbridge.api.subcontractor import proposals as _proposals  # noqa: E402, F401
