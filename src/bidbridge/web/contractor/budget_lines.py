"""Budget lines on the workpackage page: add, edit, move up or down, delete, and import from a
spreadsheet. Each form posts without JavaScript; with htmx only the lines section is swapped."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bidbridge.models import Workpackage
from bidbridge.services import budget_import, budget_setup
from bidbridge.services.budget_import import ImportRefused
from bidbridge.web.contractor.common import Contractor, done, page, workpackage_of
from bidbridge.web.contractor.workpackages import workpackage_page
from bidbridge.web.csrf import checked_form, checked_upload_form
from bidbridge.web.unit_of_work import Acting

router = APIRouter()
LINE_FIELDS = ("code", "description", "quantity", "unit")
MAX_SPREADSHEET_BYTES = 10 * 1024 * 1024


def _line_values(form: FormData) -> dict[str, str]:
    return {name: str(form.get(name) or "").strip() for name in LINE_FIELDS}


def _checked(values: dict[str, str]) -> budget_setup.NewLine | dict[str, str]:
    """The line, or the problems per field (with what is expected)."""
    given = {k: v for k, v in values.items() if v}
    checked = budget_setup.check_line(given)
    if isinstance(checked, budget_setup.NewLine):
        return checked
    return {p.field: ("Required" if not values.get(p.field) else p.message.capitalize())
            + f"; expected {p.expected}." for p in checked}


@router.post("/workpackages/{wp_id:id}/lines")
def add_line(request: Request, acting: Contractor, wp_id: int,
             form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    values = _line_values(form)
    checked = _checked(values)
    if isinstance(checked, dict):
        return workpackage_page(request, acting, wp, status=422, line_problems=checked,
                                line_values=values, error="The line was not added.")
    budget_setup.add_budget_lines(acting.db, acting.ctx, wp, acting.company_id, [checked])
    return done(f"/workpackages/{wp.id}#lines", "line_added")


def _line_form(request: Request, wp: Workpackage, line_id: int, values: dict[str, str], *,
               status: int = 200, problems: dict[str, str] | None = None) -> Response:
    return page(request, "contractor/line_form.html", status=status, wp=wp, project=wp.project,
                line_id=line_id, values=values, problems=problems or {},
                error="The line was not saved." if problems else None)


@router.get("/workpackages/{wp_id:id}/lines/{line_id:id}/edit")
def edit_line(request: Request, acting: Contractor, wp_id: int, line_id: int) -> Response:
    wp = workpackage_of(acting, wp_id)
    line = budget_setup.line_of(acting.db, wp, line_id)
    return _line_form(request, wp, line.id, {
        "code": line.code or "", "description": line.description, "unit": line.unit,
        "quantity": format(line.quantity.normalize(), "f") if line.quantity else "0"})


@router.post("/workpackages/{wp_id:id}/lines/{line_id:id}/edit")
def save_line(request: Request, acting: Contractor, wp_id: int, line_id: int,
              form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    line = budget_setup.line_of(acting.db, wp, line_id)
    values = _line_values(form)
    checked = _checked(values)
    if isinstance(checked, dict):
        return _line_form(request, wp, line.id, values, status=422, problems=checked)
    budget_setup.update_budget_line(acting.db, acting.ctx, wp, line, checked)
    return done(f"/workpackages/{wp.id}#line-{line.id}", "line_saved")


@router.post("/workpackages/{wp_id:id}/lines/{line_id:id}/move")
def move_line(request: Request, acting: Contractor, wp_id: int, line_id: int,
              form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    line = budget_setup.line_of(acting.db, wp, line_id)
    offset = -1 if form.get("direction") == "up" else 1
    budget_setup.move_budget_line(acting.db, acting.ctx, wp, line, offset)
    return done(f"/workpackages/{wp.id}#line-{line.id}", "line_moved")


@router.post("/workpackages/{wp_id:id}/lines/{line_id:id}/delete")
def delete_line(request: Request, acting: Contractor, wp_id: int, line_id: int,
                form: FormData = Depends(checked_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    budget_setup.delete_budget_line(acting.db, acting.ctx, wp,
                                    budget_setup.line_of(acting.db, wp, line_id))
    return done(f"/workpackages/{wp.id}#lines", "line_deleted")


def _import_refused(request: Request, acting: Acting, wp: Workpackage, errors: list[str]
                    ) -> Response:
    return workpackage_page(request, acting, wp, status=422, import_errors=errors,
                            error="Nothing was imported. Correct the rows below and import "
                                  "the file again.")


@router.post("/workpackages/{wp_id:id}/lines/import")
def import_lines(request: Request, acting: Contractor, wp_id: int,
                 form: FormData = Depends(checked_upload_form)) -> Response:
    wp = workpackage_of(acting, wp_id)
    file = form.get("spreadsheet")
    if not isinstance(file, UploadFile) or not file.filename:
        return _import_refused(request, acting, wp, ["Choose an .xlsx or .csv file (field "
                                                     "spreadsheet)."])
    data = file.file.read(MAX_SPREADSHEET_BYTES + 1)
    if len(data) > MAX_SPREADSHEET_BYTES:
        return _import_refused(request, acting, wp, [
            f"The file is larger than {MAX_SPREADSHEET_BYTES // 1024 // 1024} MB; split it."])
    try:
        acting.attempt(lambda: budget_import.import_budget_lines(
            acting.db, acting.ctx, wp, acting.company_id, file.filename or "spreadsheet", data))
    except ImportRefused as refused:
        return _import_refused(request, acting, wp, [str(e) for e in refused.errors])
    return done(f"/workpackages/{wp.id}#lines", "imported")
