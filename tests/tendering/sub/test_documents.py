"""Document listing and downloads, on both databases and on both storage backends."""

import hashlib
import os

import pytest
from sqlalchemy import select

from bidbridge.clock import unix
from bidbridge.models import ApiRequest, Workpackage
from tests.tendering.sub.support import (
    add_tender_document,
    delete_document,
    load_rfp,
    signed_in,
)
from tests.tendering_factory import pdf_bytes, tender

MB = 1024 * 1024


@pytest.fixture
def storage(any_storage):  # type: ignore[no-untyped-def]
    return any_storage


def test_manifest_lists_project_and_workpackage_documents_with_tombstones(factory, client, clock):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup], document_count=2)
    rfp = t.rfp_for(sub.setup)
    contractor_id = t.contractor.company.id
    with factory.runtime.sessions() as s, s.begin():
        sibling = Workpackage(project_id=t.project.id, code="23", name="Dakwerk",
                              created_at=clock.now(), updated_at=clock.now())
        s.add(sibling)
    add_tender_document(factory, contractor_id=contractor_id, content=b"other trade",
                        name="dak.pdf", workpackage_id=sibling.id)
    project_doc, wp_doc = t.documents
    clock.advance(60)
    v2 = pdf_bytes("bestek-2 rev B")
    add_tender_document(factory, contractor_id=contractor_id, content=v2, name="bestek-2b.pdf",
                        replaces=wp_doc)
    gone = add_tender_document(factory, contractor_id=contractor_id, content=b"%PDF-1.4 old",
                               name="oud.pdf", project_id=t.project.id)
    delete_document(factory, gone.id)
    response = sub.get(f"/rfps/{rfp.id}/documents")
    assert response.status_code == 200, response.text
    items = {d["documentId"]: d for d in response.json()}
    assert set(items) == {project_doc.id, wp_doc.id, gone.id}  # not the sibling's document
    first = items[project_doc.id]
    assert first["scope"] == "project" and first["version"] == 1 and first["deleted"] is False
    assert first["downloadPath"] == f"/rest/subcontractor/v1/documents/{project_doc.id}"
    assert first["sha256"] == hashlib.sha256(pdf_bytes("bestek-1.pdf")).hexdigest()
    assert first["size"] == len(pdf_bytes("bestek-1.pdf"))
    assert first["contentType"] == "application/pdf"
    second = items[wp_doc.id]
    assert second["scope"] == "workpackage" and second["name"] == "bestek-2b.pdf"
    assert second["version"] == 2 and second["sha256"] == hashlib.sha256(v2).hexdigest()
    assert second["updatedAt"] == unix(clock.now())
    assert [v["version"] for v in second["versions"]] == [1, 2]
    assert second["versions"][0]["downloadPath"].endswith(f"/documents/{wp_doc.id}/versions/1")
    tomb = items[gone.id]
    assert tomb["deleted"] is True and tomb["deletedAt"] == unix(clock.now())
    assert tomb["downloadPath"] is None and tomb["versions"] == []
    assert sub.get(f"/documents/{gone.id}").status_code == 404


def _big_document(factory, client):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup], document_count=0)
    content = os.urandom(6 * MB + 123)
    doc = add_tender_document(factory, contractor_id=t.contractor.company.id, content=content,
                              name="tekening bouwkundig – rev C.pdf",
                              workpackage_id=t.workpackage.id)
    return sub, t, doc, content


def test_download_whole_file_with_headers_and_log(factory, client, runtime):
    sub, _, doc, content = _big_document(factory, client)
    response = sub.get(f"/documents/{doc.id}")
    assert response.status_code == 200
    assert response.content == content
    sha = hashlib.sha256(content).hexdigest()
    assert response.headers["etag"] == f'"{sha}"'
    assert response.headers["content-length"] == str(len(content))
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["accept-ranges"] == "bytes"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"tekening bouwkundig _ rev C.pdf\"")
    assert "filename*=UTF-8''tekening%20bouwkundig%20%E2%80%93%20rev%20C.pdf" in disposition
    with runtime.sessions() as s:
        row = s.scalar(select(ApiRequest).where(
            ApiRequest.request_id == response.headers["x-request-id"]))
    assert row is not None and row.function == "getDocument" and row.status == 200
    assert row.company_id == sub.company_id


def test_ranges_resume_a_download(factory, client):
    sub, _, doc, content = _big_document(factory, client)
    size = len(content)
    path = f"/documents/{doc.id}"
    middle = sub.get(path, headers={"Range": "bytes=1000-2999999"})
    assert middle.status_code == 206
    assert middle.content == content[1000:3000000]
    assert middle.headers["content-range"] == f"bytes 1000-2999999/{size}"
    assert middle.headers["content-length"] == str(3000000 - 1000)
    tail = sub.get(path, headers={"Range": f"bytes={size - 10}-"})
    assert tail.status_code == 206 and tail.content == content[-10:]
    suffix = sub.get(path, headers={"Range": "bytes=-500"})
    assert suffix.status_code == 206 and suffix.content == content[-500:]
    assert suffix.headers["content-range"] == f"bytes {size - 500}-{size - 1}/{size}"
    clipped = sub.get(path, headers={"Range": f"bytes={size - 5}-{size + 100}"})
    assert clipped.status_code == 206 and clipped.content == content[-5:]
    beyond = sub.get(path, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"
    assert beyond.json()["code"] == "range_not_satisfiable"
    assert sub.get(path, headers={"Range": "bytes=-0"}).status_code == 416
    # Several ranges or nonsense: the whole file, as RFC 9110 allows.
    several = sub.get(path, headers={"Range": "bytes=0-1,5-9"})
    assert several.status_code == 200 and len(several.content) == size
    assert sub.get(path, headers={"Range": "pages=1-2"}).status_code == 200
    # If-Range with an old ETag: the range is ignored, the whole (new) file comes.
    stale = sub.get(path, headers={"Range": "bytes=0-9", "If-Range": '"0000"'})
    assert stale.status_code == 200 and len(stale.content) == size


def test_etag_gives_304(factory, client):
    sub, _, doc, content = _big_document(factory, client)
    etag = sub.get(f"/documents/{doc.id}", headers={"Range": "bytes=0-0"}).headers["etag"]
    unchanged = sub.get(f"/documents/{doc.id}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    weak = sub.get(f"/documents/{doc.id}", headers={"If-None-Match": f'"abc", W/{etag}'})
    assert weak.status_code == 304
    other = sub.get(f"/documents/{doc.id}", headers={"If-None-Match": '"abc"'})
    assert other.status_code == 200 and other.content == content


def test_head_sends_headers_only(factory, client, runtime):
    sub, _, doc, content = _big_document(factory, client)
    response = sub.client.head(f"/rest/subcontractor/v1/documents/{doc.id}",
                               headers={"X-Auth-Token": sub.token})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-length"] == str(len(content))
    assert response.headers["etag"] == f'"{hashlib.sha256(content).hexdigest()}"'
    with runtime.sessions() as s:
        row = s.scalar(select(ApiRequest).where(
            ApiRequest.request_id == response.headers["x-request-id"]))
    assert row is not None and (row.method, row.function) == ("HEAD", "getDocument")


def test_superseded_versions_stay_downloadable(factory, client, clock):
    sub = signed_in(factory, client)
    t = tender(factory, [sub.setup], document_count=2)
    rfp = t.rfp_for(sub.setup)
    doc = t.documents[1]
    clock.advance(5)
    add_tender_document(factory, contractor_id=t.contractor.company.id, content=b"%PDF v2",
                        name="bestek-2.pdf", replaces=doc)
    assert sub.get(f"/documents/{doc.id}").content == b"%PDF v2"
    old = sub.get(f"/documents/{doc.id}/versions/1")
    assert old.status_code == 200 and old.content == pdf_bytes("bestek-2.pdf")
    assert sub.get(f"/documents/{doc.id}/versions/2").content == b"%PDF v2"
    missing = sub.get(f"/documents/{doc.id}/versions/3")
    assert missing.status_code == 404 and missing.json()["currentVersion"] == 2
    assert load_rfp(factory, rfp.id).id == rfp.id


def test_documents_of_other_companies_are_not_found(factory, client):
    sub = signed_in(factory, client)
    foreign = tender(factory, [factory.company()], document_count=2)
    foreign_rfp = next(iter(foreign.rfps.values()))
    doc = foreign.documents[0]
    for path in (f"/documents/{doc.id}", f"/documents/{doc.id}/versions/1",
                 f"/rfps/{foreign_rfp.id}/documents"):
        response = sub.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == "not_found"
        assert "bestek" not in response.text
    # The same contractor's documents on a tender we are invited to are visible.
    tender_for_sub = tender(factory, [sub.setup], contractor=foreign.contractor)
    assert sub.get(f"/documents/{tender_for_sub.documents[0].id}").status_code == 200
