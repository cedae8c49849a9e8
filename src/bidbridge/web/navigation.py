"""The workspace's main navigation and each person's start page, declared in one place.

Each area of the workspace adds its entry here (the bid board for subcontractor contacts, the
projects for contractor users); base.html draws whatever ``nav_items`` returns for the person.
"""

from __future__ import annotations

from dataclasses import dataclass

from bidbridge.models import CompanyKind
from bidbridge.web.identity import WebUser


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    section: str  # matched against the page's ``section`` to mark aria-current
    audience: str  # "subcontractor", "contractor" or "support"


NAV: list[NavItem] = [
    NavItem("Bid board", "/bids", "bids", CompanyKind.SUBCONTRACTOR.value),
    NavItem("Projects", "/projects", "projects", CompanyKind.CONTRACTOR.value),
    NavItem("Companies", "/support", "companies", "support"),
    NavItem("Audit log", "/support/audit", "audit", "support"),
    NavItem("Security", "/support/security", "security", "support"),
]

# Where a person lands after logging in (and on "/"), by audience.
START_PAGES: dict[str, str] = {
    CompanyKind.SUBCONTRACTOR.value: "/bids",
    CompanyKind.CONTRACTOR.value: "/projects",
    "support": "/support",
}


def audience_of(user: WebUser) -> str:
    return "support" if user.is_support else (user.company_kind or "")


def nav_items(user: WebUser | None) -> list[NavItem]:
    if user is None:
        return []
    audience = audience_of(user)
    return [item for item in NAV if item.audience == audience]


def start_page(user: WebUser) -> str:
    return START_PAGES.get(audience_of(user), "/account")
