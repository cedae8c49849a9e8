"""Demo data: idempotent, printed with every login and password. For development only."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidbridge.demo_bids import load_bids
from bidbridge.demo_tendering import DemoRfp, load_tendering
from bidbridge.models import Company, CompanyKind, ContactRole, ContactType, Rfp, SupportUser
from bidbridge.services import accounts, api_access, api_keys, webhooks
from bidbridge.services.context import Actor, RequestContext
from bidbridge.services.runtime import Runtime

SUPPORT = ("Sam Support", "support@bidbridge.test", "support-demo-pass")
SUB_NAME = "Van Dijk Installatietechniek B.V."
SUB_ADMIN = ("Eva van Dijk", "admin@vandijk.test", "vandijk-admin-pass")
SUB_API_USER = ("Ravi Integratie", "api@vandijk.test", "vandijk-api-pass")
SUB_ESTIMATOR = ("Mila Calculatie", "estimator@vandijk.test", "vandijk-estimator-pass")
# An "other contact": created for one invitation, sees only the RFP they were invited to.
SUB_OTHER = ("Olaf Sanitair", "other@vandijk.test", "vandijk-other-pass")
OTHER_CONTACT_WORKPACKAGE = "Sanitair"
OTHER_SUB_NAME = "Bakker Dakwerken"
OTHER_SUB_ADMIN = ("Joost Bakker", "admin@bakker.test", "bakker-admin-pass")
GC_NAME = "Bouwbedrijf De Vries"
GC_ADMIN = ("Anne de Vries", "admin@devries.test", "devries-admin-pass")


@dataclass
class DemoLogin:
    role: str  # within the company: "administrator", "API user", …
    company: str | None  # None for platform support
    name: str
    email: str
    password: str
    company_kind: str | None = None  # "subcontractor" or "contractor"
    api: bool = False  # whether the company's API module is active


@dataclass
class DemoSummary:
    base_url: str
    logins: list[DemoLogin] = field(default_factory=list)
    api_user: str = SUB_API_USER[1]
    api_key: str | None = None
    companies: dict[str, int] = field(default_factory=dict)
    contractor_api_user: str = GC_ADMIN[1]
    contractor_api_key: str | None = None
    projects: dict[str, int] = field(default_factory=dict)
    rfps: list[DemoRfp] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _company(session: Session, ctx: RequestContext, kind: CompanyKind, name: str,
             **fields: str) -> Company:
    found = session.scalar(select(Company).where(Company.name == name))
    return found or accounts.create_company(session, ctx, kind=kind, name=name, **fields)


def _contact(session: Session, ctx: RequestContext, runtime: Runtime, company: Company,
             person: tuple[str, str, str], role: ContactRole, kind: ContactType) -> Any:
    found = accounts.get_contact_by_email(session, person[1])
    if found is not None:
        return found
    return accounts.create_contact(session, ctx, company, name=person[0], email=person[1],
                                   password_hash=runtime.passwords.hash(person[2]), role=role,
                                   contact_type=kind)


def load_demo(runtime: Runtime, *, base_url: str, new_api_key: bool = False) -> DemoSummary:
    if runtime.settings.env == "production":
        raise SystemExit("bidbridge demo refuses to run with BIDBRIDGE_ENV=production")
    summary = DemoSummary(base_url=base_url)
    ctx = RequestContext(actor=Actor.system("demo loader"), clock=runtime.clock)
    with runtime.sessions() as session, session.begin():
        support = session.scalar(select(SupportUser).where(SupportUser.email == SUPPORT[1]))
        if support is None:
            support = accounts.create_support_user(
                session, ctx, name=SUPPORT[0], email=SUPPORT[1],
                password_hash=runtime.passwords.hash(SUPPORT[2]))
        support_ctx = ctx.acting_as(Actor("support", support.id, support.name))

        sub = _company(session, ctx, CompanyKind.SUBCONTRACTOR, SUB_NAME, coc_number="12345678",
                       address_1="Industrieweg 12", zip="3542 AD", city="Utrecht",
                       country_code="NL",
                       trades="Elektrotechnische installaties,Werktuigbouwkundige installaties")
        _contact(session, ctx, runtime, sub, SUB_ADMIN, ContactRole.ADMINISTRATOR,
                 ContactType.VISIBLE)
        api_user = _contact(session, ctx, runtime, sub, SUB_API_USER, ContactRole.USER,
                            ContactType.HIDDEN)
        _contact(session, ctx, runtime, sub, SUB_ESTIMATOR, ContactRole.USER, ContactType.VISIBLE)
        module = api_access.get_module(session, sub.id)
        if module is None or not module.active or module.api_user_id is None:
            api_access.activate_api(session, support_ctx, sub, api_user)

        other = _company(session, ctx, CompanyKind.SUBCONTRACTOR, OTHER_SUB_NAME,
                         coc_number="87654321", city="Zwolle", country_code="NL",
                         trades="Dakwerk,Gevelbekleding")
        _contact(session, ctx, runtime, other, OTHER_SUB_ADMIN, ContactRole.ADMINISTRATOR,
                 ContactType.VISIBLE)

        gc = _company(session, ctx, CompanyKind.CONTRACTOR, GC_NAME, coc_number="11223344",
                      address_1="Bouwplein 1", zip="1012 AB", city="Amsterdam",
                      country_code="NL")
        gc_admin = _contact(session, ctx, runtime, gc, GC_ADMIN, ContactRole.ADMINISTRATOR,
                            ContactType.VISIBLE)
        summary.projects, summary.rfps = load_tendering(
            session, ctx, runtime, gc, gc_admin, {"sub": sub, "other": other})
        invited = _contact(session, ctx, runtime, sub, SUB_OTHER, ContactRole.USER,
                           ContactType.OTHER)
        for demo_rfp in summary.rfps:
            rfp = session.get(Rfp, demo_rfp.id)
            if (rfp is not None and rfp.company_id == sub.id and rfp.invited_contact_id is None
                    and demo_rfp.workpackage == OTHER_CONTACT_WORKPACKAGE):
                rfp.invited_contact_id = invited.id
        summary.rfps += load_bids(session, ctx, runtime, gc,
                                  ctx.acting_as(Actor("contact", gc_admin.id, gc_admin.name,
                                                      gc.id)))

        if new_api_key:
            user_ctx = ctx.acting_as(Actor("contact", api_user.id, api_user.name, sub.id))
            _, summary.api_key = api_keys.generate_key(
                session, user_ctx, api_user, pepper=runtime.settings.pepper,
                pepper_id=runtime.settings.pepper_id)
            gc_ctx = ctx.acting_as(Actor("contact", gc_admin.id, gc_admin.name, gc.id))
            _, summary.contractor_api_key = api_keys.generate_key(
                session, gc_ctx, gc_admin, pepper=runtime.settings.pepper,
                pepper_id=runtime.settings.pepper_id)

        if not webhooks.list_endpoints(session, sub.id):
            # A disabled example endpoint: the API tab and the webhook functions have something
            # to show; enable it with the URL of a receiver of yours (updateWebhookEndpoint).
            user_ctx = ctx.acting_as(Actor("contact", api_user.id, api_user.name, sub.id))
            endpoint, _ = webhooks.add_endpoint(
                session, user_ctx, webhooks.Sealer(runtime.settings.secret_key), sub.id,
                url="https://erp.vandijk.example/bidbridge-hooks",
                event_types=["rfp.received", "rfp.changed", "message.received"],
                description="Demo: point it at your receiver and enable it")
            webhooks.update_endpoint(session, user_ctx, endpoint, enabled=False)

        summary.companies = {SUB_NAME: sub.id, OTHER_SUB_NAME: other.id, GC_NAME: gc.id}
    sub_kind, gc_kind = CompanyKind.SUBCONTRACTOR.value, CompanyKind.CONTRACTOR.value
    summary.logins = [
        DemoLogin("support", None, *SUPPORT),
        DemoLogin("administrator", SUB_NAME, *SUB_ADMIN, sub_kind, True),
        DemoLogin("API user", SUB_NAME, *SUB_API_USER, sub_kind, True),
        DemoLogin("estimator", SUB_NAME, *SUB_ESTIMATOR, sub_kind, True),
        DemoLogin("other contact (one RFP)", SUB_NAME, *SUB_OTHER, sub_kind, True),
        DemoLogin("administrator", OTHER_SUB_NAME, *OTHER_SUB_ADMIN, sub_kind, False),
        DemoLogin("administrator", GC_NAME, *GC_ADMIN, gc_kind, True),
    ]
    return summary
