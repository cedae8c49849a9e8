"""The contractor's workspace: projects, workpackages with their budget lines and documents,
invitations and the status board, the bid comparison and the award, messages per RFP.

Pages only draw and parse; every rule and every audit event lives in the services the contractor
API uses. Any id of another company is the services' NotFound: a 404 page.
"""

from __future__ import annotations

from fastapi import APIRouter

from bidbridge.web.contractor import (
    bill_files,
    budget_lines,
    changes,
    comparison,
    invitations,
    messages,
    projects,
    workpackages,
)

router = APIRouter()
for _module in (projects, workpackages, budget_lines, bill_files, invitations, comparison,
                messages, changes):
    router.include_router(_module.router)
