"""The demo's tendering data: real PDFs, an activated contractor API, and idempotency."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bidbridge.demo import GC_ADMIN, GC_NAME, SUB_NAME, load_demo
from bidbridge.models import (
    ApiModule,
    AuditEvent,
    BudgetLine,
    Company,
    Contact,
    Document,
    DocumentVersion,
    Project,
    Rfp,
    Workpackage,
)
from bidbridge.pdf import one_page_pdf
from tests.factories import auth

TABLES = (Company, Contact, Project, Workpackage, BudgetLine, Document, DocumentVersion, Rfp,
          AuditEvent, ApiModule)


def _counts(runtime) -> dict[str, int]:
    with runtime.sessions() as s:
        return {t.__tablename__: s.scalar(select(func.count()).select_from(t)) for t in TABLES}


def assert_valid_pdf(data: bytes) -> None:
    """Header, trailer, and a cross-reference table whose offsets point at their objects."""
    assert data.startswith(b"%PDF-1.4\n") and data.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[startxref:].startswith(b"xref\n")
    header = re.match(rb"xref\n0 (\d+)\n", data[startxref:])
    count = int(header.group(1))
    entries = data[startxref + header.end():].split(b"\n")[:count]
    assert entries[0] == b"0000000000 65535 f "
    for number, entry in enumerate(entries[1:], start=1):
        offset = int(entry[:10])
        assert data[offset:].startswith(f"{number} 0 obj".encode()), number
    length = int(re.search(rb"/Length (\d+) >>\nstream\n", data).group(1))
    stream_start = data.index(b"stream\n") + len(b"stream\n")
    assert data[stream_start + length:].startswith(b"\nendstream")


def test_one_page_pdf_is_well_formed_and_escapes_text():
    data = one_page_pdf("Bestek (v2) \\ ontwerp", ["regel één", "tweede (regel)"])
    assert_valid_pdf(data)
    assert b"(Bestek \\(v2\\) \\\\ ontwerp)" in data
    assert "één".encode("latin-1") in data


def test_demo_tendering_data_and_idempotency(runtime, client):
    # Other tests of this worker may have loaded the demo with another data directory: the
    # demo then restores the PDFs' bytes into this one (checked below) without adding rows.
    first = load_demo(runtime, base_url="http://demo")
    counts = _counts(runtime)
    second = load_demo(runtime, base_url="http://demo")
    assert _counts(runtime) == counts
    assert second.projects == first.projects and len(first.projects) == 2
    assert [r.id for r in second.rfps] == [r.id for r in first.rfps]
    # Existing keys stay; the new ones are added.
    assert set(first.as_dict()) >= {"base_url", "logins", "api_user", "api_key", "companies",
                                    "projects", "rfps", "contractor_api_user"}
    sub_id = first.companies[SUB_NAME]
    to_sub = [r for r in first.rfps if r.subcontractor == SUB_NAME]
    assert len(to_sub) >= 2 and sum(r.deadline_passed for r in to_sub) == 1
    with runtime.sessions() as s:
        gc = s.scalar(select(Company).where(Company.name == GC_NAME))
        module = s.get(ApiModule, gc.id)
        admin = s.scalar(select(Contact).where(Contact.email == GC_ADMIN[1]))
        assert module.active and module.api_user_id == admin.id
        wps = s.scalars(select(Workpackage).join(Project)
                        .where(Project.company_id == gc.id)).all()
        assert len(wps) >= 2 * len(first.projects) - 1
        for wp in wps:
            assert s.scalar(select(func.count()).select_from(BudgetLine)
                            .where(BudgetLine.workpackage_id == wp.id)) >= 2
        versions = s.scalars(select(DocumentVersion).join(Document)
                             .where(Document.company_id == gc.id)).all()
        assert len(versions) == len(wps) + len(first.projects)
        for version in versions:
            assert version.content_type == "application/pdf"
            with runtime.storage.open(version.storage_key) as f:
                assert_valid_pdf(f.read())
        assert {r.company_id for r in s.scalars(select(Rfp).where(
            Rfp.id.in_([r.id for r in to_sub])))} == {sub_id}


def test_demo_contractor_can_use_its_api(runtime, client):
    summary = load_demo(runtime, base_url="http://demo", new_api_key=True)
    assert summary.contractor_api_key and summary.contractor_api_key != summary.api_key
    token = client.post("/rest/contractor/v1/tokens", data={
        "login": summary.contractor_api_user, "apiKey": summary.contractor_api_key}).json()["token"]
    projects = client.post("/rest/contractor/v1/projects", headers=auth(token)).json()["projects"]
    assert {p["name"]: p["id"] for p in projects} == summary.projects
    rfps = client.post("/rest/contractor/v1/rfps", headers=auth(token)).json()["rfps"]
    assert sorted(r["id"] for r in rfps) == sorted(r.id for r in summary.rfps)
