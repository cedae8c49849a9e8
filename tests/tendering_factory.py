"""Tendering test data: a contractor's project, workpackage, lines, documents and RFPs.

Rows are created directly (with the documents service for bytes) so tests of the subcontractor
functions do not depend on the contractor functions that feed them in production.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from bidbridge.models import BudgetLine, CompanyKind, Document, Project, Rfp, RfpStatus, Workpackage
from bidbridge.services import documents
from bidbridge.services.context import Actor
from tests.factories import CompanySetup, Factory, unique


@dataclass
class Tender:
    contractor: CompanySetup
    project: Project
    workpackage: Workpackage
    lines: list[BudgetLine]
    documents: list[Document]
    rfps: dict[int, Rfp] = field(default_factory=dict)  # subcontractor company id -> rfp

    def rfp_for(self, setup: CompanySetup) -> Rfp:
        return self.rfps[setup.company.id]


def pdf_bytes(title: str) -> bytes:
    """A tiny but valid PDF."""
    body = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode()
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length " + str(len(body)).encode() + b">>stream\n" + body +
            b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def tender(
    factory: Factory,
    invite: list[CompanySetup],
    *,
    lines: int = 3,
    deadline_in: timedelta | None = timedelta(days=14),
    workpackage_deadline_in: timedelta | None = None,
    document_count: int = 2,
    contractor: CompanySetup | None = None,
) -> Tender:
    runtime = factory.runtime
    contractor = contractor or factory.company(CompanyKind.CONTRACTOR)
    now: datetime = runtime.clock.now()
    ctx = factory.ctx(Actor("contact", contractor.admin.id, contractor.admin.name,
                            contractor.company.id))
    with runtime.sessions() as s, s.begin():
        project = Project(company_id=contractor.company.id, name=unique("Project"), phase_id=1,
                          status="active", city="Utrecht", country_code="NL",
                          building_sectors="Bouw,Utiliteitsbouw", reason="prijsopgave",
                          deadline_date=now + deadline_in if deadline_in else None,
                          created_at=now, updated_at=now)
        s.add(project)
        s.flush()
        wp = Workpackage(project_id=project.id, code="22", name=unique("Metselwerk"),
                         description="Gevelmetselwerk incl. voegen",
                         deadline=now + workpackage_deadline_in if workpackage_deadline_in else None,
                         created_at=now, updated_at=now)
        s.add(wp)
        s.flush()
        budget = []
        for i in range(lines):
            line = BudgetLine(workpackage_id=wp.id, code=f"22.{i + 1:02d}",
                              description=f"Line {i + 1}", quantity=Decimal("10.5") * (i + 1),
                              unit="m2", position=i, created_at=now, updated_at=now)
            s.add(line)
            budget.append(line)
        docs = []
        for i in range(document_count):
            name = f"bestek-{i + 1}.pdf"
            upload = documents.Upload(name, "application/pdf", io.BytesIO(pdf_bytes(name)))
            docs.append(documents.add_document(
                s, ctx, runtime.storage, upload, owner_company_id=contractor.company.id,
                max_bytes=runtime.settings.max_upload_bytes,
                project_id=project.id if i == 0 else None,
                workpackage_id=wp.id if i != 0 else None))
        rfps = {}
        for sub in invite:
            rfp = Rfp(workpackage_id=wp.id, project_id=project.id, company_id=sub.company.id,
                      contractor_company_id=contractor.company.id, status=RfpStatus.UNKNOWN,
                      status_shared=False, invited_at=now, created_at=now, updated_at=now)
            s.add(rfp)
            rfps[sub.company.id] = rfp
        s.flush()
    return Tender(contractor, project, wp, budget, docs, rfps)
