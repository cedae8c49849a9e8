"""Audit log pages: a company administrator sees their company's log, support sees everyone's.

Both views have the same filters, keyset paging and a streamed CSV export of the same rows.
A page reads in the request's unit of work; the export streams from a session of its own that
lives while the body is sent (unit_of_work.StreamSession).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from bidbridge.errors import InvalidParameters
from bidbridge.services import audit_queries as q
from bidbridge.web.fields import record_id
from bidbridge.web.identity import WebUser, runtime_of
from bidbridge.web.templating import render, secure_headers
from bidbridge.web.unit_of_work import (
    Acting,
    ActingContact,
    ActingSupport,
    StreamSession,
    contact_user,
    support_user,
)

router = APIRouter()
VIEWS = ("events", "requests")


def _admin(user: WebUser = Depends(contact_user)) -> WebUser:
    if not user.is_admin:
        raise HTTPException(404, "Not Found")
    return user


def _acting_admin(acting: ActingContact) -> Acting:
    _admin(acting.user)
    return acting


class _Params:
    """The filter form's values, as typed, plus what they mean."""

    def __init__(self, request: Request, *, with_company: bool) -> None:
        get = request.query_params.get
        self.view = get("view", "events") if get("view") in VIEWS else "events"
        self.raw = {"name": get("name", ""), "from": get("from", ""), "to": get("to", ""),
                    "status": get("status", "")}
        self.company = get("company", "").strip() if with_company else ""
        before = get("before", "")
        self.before = record_id(before)
        self.error: str | None = None
        try:
            self.filter = q.parse_filter(self.raw["name"], self.raw["from"], self.raw["to"],
                                         self.raw["status"] if self.view == "requests" else "")
            if self.company and record_id(self.company) is None:
                raise InvalidParameters("Check the filters — company: expected a company id.")
        except InvalidParameters as exc:
            self.error = exc.detail
            self.filter = q.AuditFilter()

    def query(self, **changes: Any) -> str:
        values = {"view": self.view, **self.raw}
        if self.company:
            values["company"] = self.company
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _list(db: Session, scope: q.AuditScope, p: _Params) -> q.Page:
    lister = q.list_events if p.view == "events" else q.list_requests
    return lister(db, scope, p.filter, before=p.before)


def _support_scope(p: _Params) -> q.AuditScope:
    return q.AuditScope.everything(record_id(p.company))


@router.get("/account/audit")
def company_audit(request: Request, acting: Acting = Depends(_acting_admin)) -> Response:
    p = _Params(request, with_company=False)
    page = _list(acting.db, q.AuditScope.company(acting.company_id), p)
    return render(request, "account/audit.html", status=422 if p.error else 200,
                  active_tab="audit", p=p, page=page, base="/account/audit", error=p.error)


@router.get("/support/audit")
def support_audit(request: Request, acting: ActingSupport) -> Response:
    p = _Params(request, with_company=True)
    page = _list(acting.db, _support_scope(p), p)
    return render(request, "support/audit.html", status=422 if p.error else 200,
                  section="audit", p=p, page=page, base="/support/audit", error=p.error)


@router.get("/account/audit.csv")
def company_audit_csv(request: Request, rows: StreamSession,
                      user: WebUser = Depends(_admin)) -> Response:
    assert user.company_id is not None
    return _csv(request, rows, q.AuditScope.company(user.company_id),
                _Params(request, with_company=False))


@router.get("/support/audit.csv")
def support_audit_csv(request: Request, rows: StreamSession,
                      user: WebUser = Depends(support_user)) -> Response:
    p = _Params(request, with_company=True)
    return _csv(request, rows, _support_scope(p), p)


def _csv(request: Request, rows: Session, scope: q.AuditScope, p: _Params) -> Response:
    if p.error:
        return render(request, "error.html", status=422, status_code=422,
                      title="Invalid filters", detail=p.error)
    columns = q.EVENT_COLUMNS if p.view == "events" else q.REQUEST_COLUMNS
    stamp = runtime_of(request).clock.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingResponse(
        _csv_chunks(rows, scope, p, columns), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{p.view}-{stamp}.csv"'})
    return secure_headers(response)


def _csv_chunks(db: Session, scope: q.AuditScope, p: _Params,
                columns: list[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for n, row in enumerate(q.iter_all(db, p.view, scope, p.filter), start=1):
        writer.writerow([_cell(getattr(row, c)) for c in columns])
        if n % 200 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        # A spreadsheet would run it as a formula (CSV injection): make it plain text.
        return "'" + value
    return value
