"""Demo tendering data for the demo contractor: projects, workpackages, PDFs, lines and RFPs.

Idempotent: every object is looked up by its natural key first, so a second run adds nothing.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidbridge.clock import unix
from bidbridge.models import (
    BudgetLine,
    Company,
    Contact,
    Document,
    Project,
    Question,
    Rfp,
    Workpackage,
)
from bidbridge.pdf import one_page_pdf
from bidbridge.services import (
    addenda,
    api_access,
    contractor_api,
    documents,
    invitations,
    projects,
    questions,
)
from bidbridge.services.budget_setup import NewLine, add_budget_lines
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime
from bidbridge.services.scoping import effective_deadline
from bidbridge.services.tender_documents import add_tender_document


@dataclass
class DemoRfp:
    id: int
    project: str
    workpackage: str
    subcontractor: str
    deadline: int | None
    deadline_passed: bool


@dataclass(frozen=True)
class WpPlan:
    code: str
    name: str
    description: str
    lines: tuple[tuple[str, str, str, str], ...]  # code, description, quantity, unit
    invite: tuple[str, ...]  # "sub" and/or "other"
    deadline_days: int | None = None  # own deadline relative to the first run; < 0: passed


@dataclass(frozen=True)
class ProjectPlan:
    name: str
    fields: dict[str, object]
    deadline_days: int
    workpackages: tuple[WpPlan, ...]


PLANS = (
    ProjectPlan("Nieuwbouw Kantoor Leidsche Rijn", {
        "phaseId": 1, "status": "tender", "reason": "prijsopgave", "city": "Utrecht",
        "zip": "3541 AA", "address_1": "Veldhuizen 10", "countryCode": "NL",
        "client": "Gemeente Utrecht", "calcNumber": "C-2026-014",
        "classificationSystems": "STABU", "buildingSectors": "Bouw,Utiliteitsbouw",
        "description": "Kantoorgebouw van vier lagen met parkeerkelder."}, 21, (
        WpPlan("53", "Installaties W", "Verwarming, koeling en ventilatie van het kantoor.", (
            ("53.10", "Warmtepomp lucht/water 40 kW", "2", "st"),
            ("53.20", "Vloerverwarming kantoorvloeren", "1250.5", "m2"),
            ("53.30", "Ventilatiekanalen verzinkt staal", "340", "m1"),
            ("53.40", "Inregelen en opleveren", "1", "ps")), ("sub", "other")),
        WpPlan("22", "Metselwerk", "Gevelmetselwerk incl. voegwerk.", (
            ("22.10", "Gevelmetselwerk waalformaat", "820.25", "m2"),
            ("22.20", "Voegwerk verdiept", "820.25", "m2")), ()),
    )),
    ProjectPlan("Renovatie Woningen Zwolle-Zuid", {
        "phaseId": 2, "status": "tender", "reason": "aanbesteding", "city": "Zwolle",
        "countryCode": "NL", "client": "Woonstichting De Kern", "calcNumber": "C-2026-021",
        "classificationSystems": "NL-SfB", "buildingSectors": "Woningbouw"}, 10, (
        WpPlan("60", "Elektrotechnische installaties", "Groepenkasten en bedrading van 48 "
               "woningen vervangen.", (
                   ("60.10", "Groepenkast 3-fase", "48", "st"),
                   ("60.20", "Bedrading vervangen", "2880", "m1")), ("sub",), deadline_days=-2),
        WpPlan("52", "Sanitair", "Badkamers en toiletten vernieuwen.", (
            ("52.10", "Toiletcombinatie wandhangend", "48", "st"),
            ("52.20", "Douchevloer met goot", "48", "st")), ("sub",)),
    )),
)


def _project(session: Session, ctx: RequestContext, gc: Company, plan: ProjectPlan) -> Project:
    found = session.scalar(select(Project).where(Project.company_id == gc.id,
                                                 Project.name == plan.name))
    if found is not None:
        return found
    deadline = unix(ctx.now() + timedelta(days=plan.deadline_days))
    return projects.add_project(session, ctx, gc.id, {"name": plan.name, **plan.fields,
                                                      "deadlineDate": deadline})


def _workpackage(session: Session, ctx: RequestContext, project: Project, plan: WpPlan
                 ) -> Workpackage:
    found = session.scalar(select(Workpackage).where(Workpackage.project_id == project.id,
                                                     Workpackage.code == plan.code))
    if found is not None:
        return found
    deadline = (unix(ctx.now() + timedelta(days=plan.deadline_days))
                if plan.deadline_days is not None else None)
    return projects.add_workpackage(session, ctx, project, name=plan.name, code=plan.code,
                                    description=plan.description, deadline=deadline)


def _pdf(session: Session, ctx: RequestContext, runtime: Runtime, project: Project,
         wp: Workpackage | None, name: str, lines: list[str]) -> None:
    scope = (Document.workpackage_id == wp.id) if wp else (Document.project_id == project.id)
    data = one_page_pdf(name.removesuffix(".pdf"), lines)
    existing = session.scalar(select(Document).where(scope, Document.name == name))
    if existing is not None:
        # The PDF is deterministic and storage content-addressed: bytes missing from this data
        # directory (a fresh var/ over an old database) are restored under the same key.
        version = documents.current_version(session, existing)
        if (not runtime.storage.exists(version.storage_key)
                and hashlib.sha256(data).hexdigest() == version.sha256):
            runtime.storage.save(io.BytesIO(data))
        return
    add_tender_document(session, ctx, runtime.storage,
                        documents.Upload(name, "application/pdf", io.BytesIO(data)),
                        project=project, workpackage=wp, replaces_id=None,
                        max_bytes=runtime.settings.max_upload_bytes)


def load_tendering(session: Session, ctx: RequestContext, runtime: Runtime, gc: Company,
                   gc_admin: Contact, invitees: dict[str, Company]
                   ) -> tuple[dict[str, int], list[DemoRfp]]:
    """Create what is missing; return the demo projects (name -> id) and the RFPs."""
    module = api_access.get_module(session, gc.id)
    if module is None or not module.active or module.api_user_id is None:
        contractor_api.activate(session, ctx, gc_admin, gc_admin)
    admin_ctx = ctx.acting_as(Actor("contact", gc_admin.id, gc_admin.name, gc.id))
    project_ids: dict[str, int] = {}
    rfps: list[DemoRfp] = []
    for plan in PLANS:
        project = _project(session, admin_ctx, gc, plan)
        project_ids[project.name] = project.id
        _pdf(session, admin_ctx, runtime, project, None, "Bestek.pdf",
             [project.name, f"Opdrachtgever: {plan.fields.get('client', '')}",
              "Algemene bepalingen en technische omschrijving (demo)."])
        for wp_plan in plan.workpackages:
            wp = _workpackage(session, admin_ctx, project, wp_plan)
            _pdf(session, admin_ctx, runtime, project, wp, f"Tekening {wp_plan.code}.pdf",
                 [f"{wp_plan.code} {wp_plan.name}", wp_plan.description])
            has_lines = session.scalar(select(func.count()).select_from(BudgetLine)
                                       .where(BudgetLine.workpackage_id == wp.id))
            if not has_lines:
                add_budget_lines(session, admin_ctx, wp, gc.id, [
                    NewLine(d, Decimal(q), u, c) for c, d, q, u in wp_plan.lines])
            for key in wp_plan.invite:
                company = invitees[key]
                rfp = session.scalar(select(Rfp).where(Rfp.workpackage_id == wp.id,
                                                       Rfp.company_id == company.id))
                if rfp is None:
                    rfp = invitations.invite(session, admin_ctx, wp, gc.id, invitations.Invitee(
                        company_id=company.id)).rfp
                deadline = effective_deadline(rfp)
                rfps.append(DemoRfp(rfp.id, project.name, wp.name, company.name,
                                    unix(deadline) if deadline else None,
                                    deadline is not None and deadline <= ctx.now()))
    _changes(session, admin_ctx, gc, invitees)
    return project_ids, rfps


def _changes(session: Session, ctx: RequestContext, gc: Company, invitees: dict[str, Company]
             ) -> None:
    """An addendum on "Sanitair" and two open questions on "Installaties W", once."""
    by_name = {wp.name: wp for wp in session.scalars(
        select(Workpackage).join(Project, Project.id == Workpackage.project_id)
        .where(Project.company_id == gc.id))}
    sanitair = by_name["Sanitair"]
    if addenda.latest_number(session, sanitair.id) == 0:
        addenda.publish_addendum(session, ctx, sanitair, gc.id, addenda.AddendumDraft(
            text="Douchevloeren: de goot wordt RVS in plaats van kunststof (zie tekening 52, "
                 "herzien)."))
    installaties = by_name["Installaties W"]
    asked = session.scalar(select(func.count()).select_from(Question)
                           .where(Question.workpackage_id == installaties.id))
    if asked:
        return
    for key, text in (("sub", "Valt het inregelen van de ventilatie onder 53.40?"),
                      ("other", "Is 53.40 inclusief het inregelrapport?")):
        rfp = session.scalar(select(Rfp).where(Rfp.workpackage_id == installaties.id,
                                               Rfp.company_id == invitees[key].id))
        person = session.scalar(select(Contact).where(Contact.company_id == invitees[key].id)
                                .order_by(Contact.id))
        if rfp is not None and person is not None:
            asker = Actor("contact", person.id, person.name, person.company_id)
            questions.ask_question(session, ctx.acting_as(asker), rfp, text)
