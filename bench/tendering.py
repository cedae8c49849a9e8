"""The tendering scenarios' data: RFPs in bulk, one RFP with priced budget lines, a large document.

Each scenario names the API function it needs; when that function is not registered in this
checkout, the scenario is reported as not measured, never approximated.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from bench.bulk import analyze, load_rows
from bench.loadgen import Load
from bench.setup_data import ApiUser
from bidbridge.api import subcontractor as _subcontractor  # noqa: F401  (registers functions)
from bidbridge.api.declare import REGISTRY
from bidbridge.models import (
    BudgetLine,
    CompanyKind,
    PriceEntry,
    Project,
    Rfp,
    RfpStatus,
    Workpackage,
)
from bidbridge.services import accounts, documents
from bidbridge.services.context import Actor, RequestContext

if TYPE_CHECKING:
    from rich.console import Console

    from bench.run import Options
    from bench.scenarios import Plan
    from bidbridge.services.runtime import Runtime

FUNCTIONS = ("getRfp", "getRfps", "submitProposal", "getDocument")
INVITED_PER_WORKPACKAGE = 5  # the measured company and four others, as a GC invites a handful
WORKPACKAGES_PER_PROJECT = 10
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PROPOSAL_CONNECTIONS = 1
DOCUMENT_CONNECTIONS = 4


def missing(function: str) -> str | None:
    """Why a scenario needing ``function`` cannot run here, or None when it can."""
    if function not in REGISTRY["subcontractor"]:
        return "not measured: function missing"
    return None


@dataclass
class Data:
    contractor_id: int
    company_id: int  # the measured subcontractor
    other_company_ids: list[int]
    rfp_id: int
    document_id: int | None = None
    document_bytes: int = 0
    rfps: int = 1
    next_ids: dict[str, int] = field(default_factory=dict)


def _ctx(runtime: Runtime) -> RequestContext:
    return RequestContext(actor=Actor.system("bench"), clock=runtime.clock)


def prepare(runtime: Runtime, user: ApiUser, opts: Options, console: Console) -> Data:
    """A contractor, one project and workpackage with priced budget lines, the RFP to the
    measured company, and the large document when getDocument is measured."""
    now = runtime.clock.now()
    ctx = _ctx(runtime)
    with runtime.sessions() as s, s.begin():
        contractor = accounts.create_company(s, ctx, kind=CompanyKind.CONTRACTOR,
                                             name="bench contractor", city="Amsterdam",
                                             country_code="NL")
        others = [accounts.create_company(s, ctx, kind=CompanyKind.SUBCONTRACTOR,
                                          name=f"bench other subcontractor {i}",
                                          country_code="NL")
                  for i in range(INVITED_PER_WORKPACKAGE - 1)]
        project = Project(company_id=contractor.id, name="bench project", phase_id=1,
                          status="active", city="Utrecht", country_code="NL",
                          deadline_date=now + timedelta(days=365), created_at=now, updated_at=now)
        s.add(project)
        s.flush()
        wp = Workpackage(project_id=project.id, code="22", name="Metselwerk",
                         description="Gevelmetselwerk", created_at=now, updated_at=now)
        s.add(wp)
        s.flush()
        rfp = Rfp(workpackage_id=wp.id, project_id=project.id, company_id=user.company_id,
                  contractor_company_id=contractor.id, status=RfpStatus.CALCULATING,
                  status_shared=True, invited_at=now, created_at=now, updated_at=now)
        s.add(rfp)
        s.flush()
        for i in range(opts.proposal_lines):
            line = BudgetLine(workpackage_id=wp.id, code=f"22.{i + 1:03d}",
                              description=f"Metselwerk regel {i + 1}",
                              quantity=Decimal("12.500") + i, unit="m2", position=i,
                              created_at=now, updated_at=now)
            s.add(line)
            s.flush()
            s.add(PriceEntry(rfp_id=rfp.id, budget_line_id=line.id,
                             unit_price=Decimal("41.25") + i, included=True, position=i,
                             updated_at=now))
        data = Data(contractor.id, user.company_id, [c.id for c in others], rfp.id)
        if "document" in opts.scenarios and missing("getDocument") is None:
            data.document_id, data.document_bytes = _large_document(
                s, runtime, ctx, contractor.id, project.id, opts.document_mb, console)
    return data


def _large_document(s: Any, runtime: Runtime, ctx: RequestContext, contractor_id: int,
                    project_id: int, megabytes: int, console: Console) -> tuple[int, int]:
    size = megabytes * 1024 * 1024
    console.print(f"storing a {megabytes} MB document")
    with tempfile.TemporaryFile() as tmp:
        block = os.urandom(1024 * 1024)  # incompressible, like a scanned drawing
        for _ in range(megabytes):
            tmp.write(block)
        tmp.seek(0)
        upload = documents.Upload("bench-drawing.pdf", "application/pdf", tmp)
        doc = documents.add_document(s, ctx, runtime.storage, upload,
                                     owner_company_id=contractor_id, max_bytes=size + 1,
                                     project_id=project_id)
    return doc.id, size


def _next_id(runtime: Runtime, model: Any) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def grow_rfps(plan: Plan, total: int) -> None:
    """Add RFPs until the table holds ``total``: new projects of ten workpackages, each
    workpackage inviting the measured company and four others (COPY on PostgreSQL)."""
    runtime, data = plan.runtime, plan.data
    assert data is not None
    with runtime.sessions() as s:
        current = int(s.scalar(select(func.count()).select_from(Rfp)) or 0)
    needed = total - current
    if needed <= 0:
        return
    workpackages = math.ceil(needed / INVITED_PER_WORKPACKAGE)
    projects = math.ceil(workpackages / WORKPACKAGES_PER_PROJECT)
    first_project, first_wp, first_rfp = (_next_id(runtime, m) for m in (Project, Workpackage, Rfp))
    pg = runtime.engine.dialect.name == "postgresql"
    now = runtime.clock.now()
    rng = random.Random(total)

    def when(seconds: int) -> Any:
        moment = now - timedelta(seconds=seconds)
        return moment.replace(tzinfo=None) if pg else moment

    # Change times spread over the past year; a pool of them keeps row generation cheap.
    stamps = [when(rng.randrange(365 * 86400)) for _ in range(8192)]

    def project_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(projects):
            t = stamps[(i * 7919) % 8192]
            yield (first_project + i, data.contractor_id, f"bench bulk project {first_project + i}",
                   "active", "NL", t, t)

    def workpackage_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(workpackages):
            t = stamps[(i * 104729) % 8192]
            yield (first_wp + i, first_project + i // WORKPACKAGES_PER_PROJECT, f"{i % 99:02d}",
                   "bulk workpackage", t, t)

    companies = [data.company_id, *data.other_company_ids]

    def rfp_rows() -> Iterator[tuple[Any, ...]]:
        made = 0
        for i in range(workpackages):
            wp_id = first_wp + i
            project_id = first_project + i // WORKPACKAGES_PER_PROJECT
            for company in companies:
                if made == needed:
                    return
                t = stamps[(made * 15485863) % 8192]
                yield (first_rfp + made, wp_id, project_id, company, data.contractor_id,
                       "unknown", False, t, t, t)
                made += 1

    plan.console.print(f"growing rfps from {current:,} to {total:,}")
    tables = {m: m.__table__ for m in (Project, Workpackage, Rfp)}
    load_rows(runtime.engine, tables[Project],
              ["id", "company_id", "name", "status", "country_code", "created_at", "updated_at"],
              project_rows(), projects, "projects")
    load_rows(runtime.engine, tables[Workpackage],
              ["id", "project_id", "code", "name", "created_at", "updated_at"],
              workpackage_rows(), workpackages, "workpackages")
    load_rows(runtime.engine, tables[Rfp],
              ["id", "workpackage_id", "project_id", "company_id", "contractor_company_id",
               "status", "status_shared", "invited_at", "created_at", "updated_at"],
              rfp_rows(), needed, "rfps")
    if pg:
        with runtime.engine.begin() as conn:
            for table in ("projects", "workpackages", "rfps"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
    analyze(runtime.engine)
    data.rfps = total


def company_rfp_count(runtime: Runtime, company_id: int) -> int:
    with runtime.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Rfp)
                            .where(Rfp.company_id == company_id)) or 0)


def get_rfp_load(plan: Plan, api: str, auth: dict[str, str]) -> Load:
    return Load(url=f"{api}/rfps/{plan.data.rfp_id}", headers=auth,
                connections=plan.opts.connections, duration_s=plan.opts.duration_s)


def get_rfps_load(plan: Plan, api: str, auth: dict[str, str]) -> Load:
    return Load(url=f"{api}/rfps", method="POST", headers={**auth, **FORM},
                bodies=[b"limit=50"], connections=plan.opts.connections,
                duration_s=plan.opts.duration_s)


def submit_proposal_load(plan: Plan, api: str, auth: dict[str, str]) -> Load:
    # One integrator submitting one after another: submissions to one RFP queue on its row
    # lock by design, so more connections would measure the queue, not the submission.
    body = b"message=" + b"Prijzen+conform+bestek%2C+geldig+30+dagen."
    return Load(url=f"{api}/rfps/{plan.data.rfp_id}/proposals", method="POST",
                headers={**auth, **FORM}, bodies=[body], connections=PROPOSAL_CONNECTIONS,
                duration_s=plan.opts.duration_s, timeout_s=30)


def get_document_load(plan: Plan, api: str, auth: dict[str, str]) -> Load:
    return Load(url=f"{api}/documents/{plan.data.document_id}", headers=auth,
                connections=DOCUMENT_CONNECTIONS, duration_s=plan.opts.duration_s,
                timeout_s=60)

