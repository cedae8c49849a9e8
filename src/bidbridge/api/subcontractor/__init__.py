"""The subcontractor API at /rest/subcontractor/v1."""

from bidbridge.api.account_functions import register_account_functions
from bidbridge.api.shared import register_audit_function, register_token_function

register_token_function("subcontractor")
register_account_functions("subcontractor")
register_audit_function("subcontractor")
