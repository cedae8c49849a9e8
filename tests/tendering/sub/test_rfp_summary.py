"""getRfpSummary: counts per shared status and per response, the next deadline ahead; an
internal status is counted as not_shared, never under its value, and other companies' RFPs never
count."""

from __future__ import annotations

from datetime import timedelta

from bidbridge.clock import unix
from bidbridge.models import RfpResponse, RfpStatus
from tests.tendering.sub.support import edit_rfp, signed_in
from tests.tendering_factory import tender


def test_counts_and_the_next_deadline(factory, client, clock):
    sub = signed_in(factory, client)
    other = factory.company()
    later = tender(factory, [sub.setup, other], deadline_in=timedelta(days=20))
    sooner = tender(factory, [sub.setup], deadline_in=timedelta(days=20),
                    workpackage_deadline_in=timedelta(days=3))
    passed = tender(factory, [sub.setup], deadline_in=-timedelta(hours=1))  # behind us
    edit_rfp(factory, later.rfp_for(sub.setup).id, status=RfpStatus.CALCULATING,
             status_shared=True, response=RfpResponse.CALCULATE)
    edit_rfp(factory, sooner.rfp_for(sub.setup).id, status=RfpStatus.AWARDED,
             status_shared=False, response=RfpResponse.PENDING)
    edit_rfp(factory, later.rfp_for(other).id, status=RfpStatus.AWARDED, status_shared=True)

    response = sub.get("/rfps/summary")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 3
    by_status = body["byStatus"]
    assert set(by_status) == {s.value for s in RfpStatus} | {"not_shared"}
    assert by_status["calculating"] == 1
    assert by_status["awarded"] == 0  # the internal award is not revealed …
    assert by_status["not_shared"] == 2  # … it counts here, with the new RFP's internal status
    assert body["byResponse"] == {"calculate": 1, "pending": 1, "decline": 0, "none": 1}
    sooner_rfp = sooner.rfp_for(sub.setup)
    assert body["nextDeadline"] == {"rfpId": sooner_rfp.id,
                                    "deadline": unix(sooner.workpackage.deadline)}
    assert passed.rfp_for(sub.setup).id != sooner_rfp.id


def test_no_rfps_and_no_deadline_ahead(factory, client):
    sub = signed_in(factory, client)
    body = sub.get("/rfps/summary").json()
    assert body["total"] == 0 and body["nextDeadline"] is None
    assert set(body["byStatus"].values()) == {0} and set(body["byResponse"].values()) == {0}


def test_a_forwarded_rfp_has_no_next_deadline_for_us(factory, client):
    sub = signed_in(factory, client)
    partner = factory.company()
    t = tender(factory, [sub.setup], deadline_in=timedelta(days=5))
    edit_rfp(factory, t.rfp_for(sub.setup).id, forwarded_to_company_id=partner.company.id)
    body = sub.get("/rfps/summary").json()
    assert body["total"] == 1 and body["nextDeadline"] is None
