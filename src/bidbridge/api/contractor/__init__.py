"""The contractor API at /rest/contractor/v1."""

from bidbridge.api.account_functions import register_account_functions
from bidbridge.api.shared import register_audit_function, register_token_function

register_token_function("contractor")
register_account_functions("contractor")
register_audit_function("contractor")

# Tendering functions (issue #3): importing a module registers its functions.
from bidbridge.api.contractor import (  # noqa: E402, F401
    bill_gaeb,
    changes,
    comparison,
    messages,
    projects,
    rfps,
    workpackages,
)
from bidbridge.api.reference_functions import register_reference_functions  # noqa: E402

register_reference_functions("contractor")
