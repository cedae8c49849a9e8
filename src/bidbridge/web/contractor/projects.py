"""Projects: the list, creating one, its page with its workpackages, and editing it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.errors import AppError
from bidbridge.models import Project
from bidbridge.reference import PHASES
from bidbridge.services import contractor_queries, projects
from bidbridge.web.contractor.common import Contractor, done, page, project_of
from bidbridge.web.contractor.forms import (
    PROJECT_FIELD_NAMES,
    PROJECT_FORM,
    posted_values,
    project_values,
    read_project,
)
from bidbridge.web.csrf import checked_form

router = APIRouter()
MESSAGES = {"created": "The project is created. Add its workpackages next.",
            "updated": "The project is saved. Invited subcontractors see the change.",
            "unchanged": "Nothing was changed."}
PHASE_NAMES = {p.id: p.name for p in PHASES}


@router.get("/projects")
def project_list(request: Request, acting: Contractor, msg: str | None = None) -> Response:
    rows = contractor_queries.recent_projects(acting.db, acting.company_id)
    counts = contractor_queries.workpackage_counts_by_project(acting.db, [p.id for p in rows])
    return page(request, "contractor/projects.html", projects=rows, counts=counts,
                phases=PHASE_NAMES, message=MESSAGES.get(msg or ""))


def _form_page(request: Request, project: Project | None, shown: dict[str, Any], *,
               status: int = 200, problems: dict[str, str] | None = None,
               error: str | None = None) -> Response:
    return page(request, "contractor/project_form.html", status=status, project=project,
                fields=PROJECT_FORM, shown=shown, problems=problems or {}, error=error)


@router.get("/projects/new")
def new_project(request: Request, acting: Contractor) -> Response:
    return _form_page(request, None, project_values(None))


def _save(request: Request, acting: Contractor, form: FormData, project: Project | None
          ) -> Response:
    values, problems = read_project(form)
    error = None
    if not problems:
        try:
            if project is None:
                given = {k: v for k, v in values.items() if v is not None}
                created = acting.attempt(lambda: projects.add_project(
                    acting.db, acting.ctx, acting.company_id, given))
                return done(f"/projects/{created.id}", "created")
            changed = acting.attempt(lambda: projects.update_project(
                acting.db, acting.ctx, project, values))
            return done(f"/projects/{project.id}", "updated" if changed else "unchanged")
        except AppError as exc:
            error = problems.absorb(exc, PROJECT_FIELD_NAMES)
    return _form_page(request, project, posted_values(form), status=422,
                      problems=problems.fields,
                      error=error or "Check the marked fields: nothing was saved.")


@router.post("/projects")
def create_project(request: Request, acting: Contractor,
                   form: FormData = Depends(checked_form)) -> Response:
    return _save(request, acting, form, None)


@router.get("/projects/{project_id:id}")
def project_page(request: Request, acting: Contractor, project_id: int,
                 msg: str | None = None) -> Response:
    project = project_of(acting, project_id)
    counts = projects.workpackage_counts(acting.db, [w.id for w in project.workpackages])
    return page(request, "contractor/project.html", project=project, counts=counts,
                documents=contractor_queries.project_documents(acting.db, project),
                phases=PHASE_NAMES, message=MESSAGES.get(msg or ""))


@router.get("/projects/{project_id:id}/edit")
def edit_project(request: Request, acting: Contractor, project_id: int) -> Response:
    project = project_of(acting, project_id)
    return _form_page(request, project, project_values(project))


@router.post("/projects/{project_id:id}")
def update_project(request: Request, acting: Contractor, project_id: int,
                   form: FormData = Depends(checked_form)) -> Response:
    return _save(request, acting, form, project_of(acting, project_id))
