"""The bid board service on both databases: filters, search, sorts, keyset pages, urgency,
unread counts, and an other contact who sees only the RFPs they were invited to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from bidbridge.errors import InvalidParameters, NotFound
from bidbridge.models import ContactType, Message, MessageDirection, Rfp, RfpResponse, RfpStatus
from bidbridge.services import message_reads, rfps
from bidbridge.services.bid_board import BoardQuery, get_bid_board
from bidbridge.services.context import Actor
from bidbridge.services.rfp_access import rfp_for_person, viewer_for
from tests.tendering_factory import tender


def _board(runtime, viewer, **query):
    with runtime.sessions() as s:
        return get_bid_board(s, viewer, BoardQuery(**query), runtime.clock.now())


def _viewer(runtime, contact):
    with runtime.sessions() as s:
        return viewer_for(s, contact.id, contact.company_id)


@pytest.fixture
def board_world(factory):
    sub = factory.company(api=False)
    soon = tender(factory, [sub], deadline_in=timedelta(days=3))
    later = tender(factory, [sub], deadline_in=timedelta(days=40))
    overdue = tender(factory, [sub], deadline_in=timedelta(days=-1))
    undated = tender(factory, [sub], deadline_in=None)
    return sub, {"soon": soon, "later": later, "overdue": overdue, "undated": undated}


def _names(page, world):
    by_rfp = {}
    for name, t in world.items():
        for rfp in t.rfps.values():
            by_rfp[rfp.id] = name
    return [by_rfp[row.rfp.id] for row in page.rows]


def test_sorted_by_deadline_with_urgency_and_undated_last(runtime, board_world):
    sub, world = board_world
    viewer = _viewer(runtime, sub.admin)
    page = _board(runtime, viewer)
    assert _names(page, world) == ["overdue", "soon", "later", "undated"]
    assert [row.urgency for row in page.rows] == ["overdue", "due_soon", None, None]
    assert page.matching == 4 and page.next_cursor is None
    latest_first = _board(runtime, viewer, sort="-deadline")
    assert _names(latest_first, world) == ["undated", "later", "soon", "overdue"]


def test_keyset_pages_walk_every_rfp_once_in_each_order(runtime, board_world):
    sub, _world = board_world
    viewer = _viewer(runtime, sub.admin)
    for sort in ("deadline", "-deadline", "-updated", "project"):
        seen, cursor = [], None
        while True:
            page = _board(runtime, viewer, sort=sort, limit=1, cursor=cursor)
            seen += [row.rfp.id for row in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                break
        whole = [row.rfp.id for row in _board(runtime, viewer, sort=sort).rows]
        assert seen == whole and len(set(seen)) == 4, sort


def test_filters_and_search(runtime, factory, board_world):
    sub, world = board_world
    viewer = _viewer(runtime, sub.admin)
    soon_rfp = world["soon"].rfp_for(sub)
    later_rfp = world["later"].rfp_for(sub)
    with runtime.sessions() as s, s.begin():
        ctx = factory.ctx(Actor("contact", sub.admin.id, sub.admin.name, sub.company.id))
        rfps.respond_to_rfp(s, ctx, sub.company.id, soon_rfp.id, RfpResponse.CALCULATE, None)
        # A status the contractor keeps internal matches no status filter.
        s.execute(update(Rfp).where(Rfp.id == later_rfp.id)
                  .values(status=RfpStatus.CALCULATING, status_shared=False))
        s.execute(update(Rfp).where(Rfp.id == soon_rfp.id).values(status_shared=True))
    assert _names(_board(runtime, viewer, response="calculate"), world) == ["soon"]
    assert _names(_board(runtime, viewer, response="none"), world) == [
        "overdue", "later", "undated"]
    assert _names(_board(runtime, viewer, status=RfpStatus.CALCULATING), world) == ["soon"]
    assert _names(_board(runtime, viewer, within_days=7), world) == ["soon"]
    project = world["later"].project
    assert _names(_board(runtime, viewer, project_id=project.id), world) == ["later"]
    assert _names(_board(runtime, viewer, text=world["undated"].workpackage.name.upper()),
                  world) == ["undated"]
    assert _board(runtime, viewer, text="100%_").rows == []  # wildcards are literal
    assert len(_board(runtime, viewer).projects) == 4


def test_bad_input_names_the_parameter(runtime, board_world):
    sub, _ = board_world
    viewer = _viewer(runtime, sub.admin)
    with pytest.raises(InvalidParameters, match=r"^sort:"):
        _board(runtime, viewer, sort="price")
    with pytest.raises(InvalidParameters, match=r"^cursor:"):
        _board(runtime, viewer, cursor="not-a-cursor")
    other_sort = _board(runtime, viewer, limit=1).next_cursor
    with pytest.raises(InvalidParameters, match=r"^cursor:"):
        _board(runtime, viewer, sort="project", cursor=other_sort)
    with pytest.raises(NotFound):
        _board(runtime, viewer, project_id=2**40)


def test_other_contact_sees_only_their_invitation(runtime, factory, board_world):
    sub, world = board_world
    other = factory.contact(sub.company, contact_type=ContactType.OTHER)
    mine = world["later"].rfp_for(sub)
    with runtime.sessions() as s, s.begin():
        s.execute(update(Rfp).where(Rfp.id == mine.id).values(invited_contact_id=other.id))
    viewer = _viewer(runtime, other)
    page = _board(runtime, viewer)
    assert [row.rfp.id for row in page.rows] == [mine.id]
    assert [name for _, name in page.projects] == [world["later"].project.name]
    with runtime.sessions() as s:
        assert rfp_for_person(s, viewer, mine.id).id == mine.id
        with pytest.raises(NotFound):
            rfp_for_person(s, viewer, world["soon"].rfp_for(sub).id)
    # A visible contact of the same company still sees all four.
    assert _board(runtime, _viewer(runtime, sub.admin)).matching == 4


def test_another_companys_rfps_never_show(runtime, factory, board_world):
    sub, world = board_world
    stranger = factory.company(api=False)
    tender(factory, [stranger])
    viewer = _viewer(runtime, stranger.admin)
    assert _board(runtime, viewer).matching == 1
    with runtime.sessions() as s, pytest.raises(NotFound):
        rfp_for_person(s, viewer, world["soon"].rfp_for(sub).id)


def test_unread_counts_follow_what_the_person_read(runtime, factory, board_world):
    sub, world = board_world
    rfp = world["soon"].rfp_for(sub)
    contractor = world["soon"].contractor
    now = runtime.clock.now()
    with runtime.sessions() as s, s.begin():
        for text in ("Vraag 1", "Vraag 2"):
            s.add(Message(rfp_id=rfp.id, direction=MessageDirection.TO_SUBCONTRACTOR,
                          author_company_id=contractor.company.id, author_name="GC",
                          text=text, sent_at=now))
        s.add(Message(rfp_id=rfp.id, direction=MessageDirection.TO_CONTRACTOR,
                      author_company_id=sub.company.id, author_name="Us", text="Ours",
                      sent_at=now))
    viewer = _viewer(runtime, sub.admin)
    row = next(r for r in _board(runtime, viewer).rows if r.rfp.id == rfp.id)
    assert row.unread == 2  # our own message never counts
    with runtime.sessions() as s, s.begin():
        last = max(m.id for m in s.query(Message).where(Message.rfp_id == rfp.id))
        message_reads.mark_read(s, factory.ctx(), sub.admin.id, rfp.id, last)
        message_reads.mark_read(s, factory.ctx(), sub.admin.id, rfp.id, 1)  # never moves back
    row = next(r for r in _board(runtime, viewer).rows if r.rfp.id == rfp.id)
    assert row.unread == 0
    colleague = factory.contact(sub.company)
    row = next(r for r in _board(runtime, _viewer(runtime, colleague)).rows if r.rfp.id == rfp.id)
    assert row.unread == 2  # read markers are per person
