"""The subcontractor API at /rest/subcontractor/v1."""

from bidbridge.api.account_functions import register_account_functions
from bidbridge.api.shared import register_audit_function, register_token_function

register_token_function("subcontractor")
register_account_functions("subcontractor")
register_audit_function("subcontractor")

# Tendering (issue #3): RFPs, documents, messages, forwarding, reference lists, company profile.
from bidbridge.api.company_update import register_update_company  # noqa: E402
from bidbridge.api.reference_functions import register_reference_functions  # noqa: E402

# After the functions whose writes its examples read (api/docs/plan.py).
from bidbridge.api.subcontractor import bill_gaeb as _bill_gaeb  # noqa: E402, F401
from bidbridge.api.subcontractor import budget_lines as _budget_lines  # noqa: E402, F401
from bidbridge.api.subcontractor import changes as _changes  # noqa: E402, F401
from bidbridge.api.subcontractor import documents as _documents  # noqa: E402, F401
from bidbridge.api.subcontractor import messages as _messages  # noqa: E402, F401
from bidbridge.api.subcontractor import proposals as _proposals  # noqa: E402, F401
from bidbridge.api.subcontractor import rfps as _rfps  # noqa: E402, F401

register_reference_functions("subcontractor")
register_update_company("subcontractor")

# Events (issue #15): the change feed and webhook endpoints.
from bidbridge.api.subcontractor import events as _events  # noqa: E402, F401
from bidbridge.api.subcontractor import webhooks as _webhooks  # noqa: E402, F401
