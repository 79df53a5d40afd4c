"""Consultation rounds in awareness: state changes reach watchers and recent changes; a response to
a comment ("you said, we did") reaches its author only once they may read it; reminders 48 hours
before a round opens or closes are sent once."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import login
from tests.web import rounds_helpers
from tests.web.rounds_helpers import comment, people, start
from wiki.awareness import inbox
from wiki.awareness.models import Activity, Notification
from wiki.consultations import service
from wiki.consultations.models import Round
from wiki.extensions import db

clock = rounds_helpers.rounds_clock  # a fixture


@pytest.fixture
def world(app):
    w = people()
    inbox.set_document_watch(db.session, w.editor, w.document, True)
    return w


def notes(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def test_round_state_changes_reach_watchers_and_recent_changes(client, world, clock, runner):
    round_ = start(world, clock, opens_in=timedelta(days=1))
    assert [n.reason for n in notes(world.editor)] == ["watching"]  # scheduled
    clock.advance(days=1, minutes=1)
    runner.invoke(args=["rounds", "tick"])
    service.force(db.session, db.session.get(Round, round_.id), world.facilitator, "close")
    assert len(notes(world.editor)) == 3 and notes(world.alice) == []  # Alice does not watch
    page = client.get(f"/s/{world.space.slug}/changes?kind=round").get_data(as_text=True)
    for action in ("scheduled", "opened", "closed"):
        assert f"Consultation round 1 “Spring consultation” {action} on" in page
    login(client, world.editor)
    response = client.get(f"/notifications/{notes(world.editor)[-1].id}")
    assert response.headers["Location"].endswith(f"/s/{world.space.slug}/{world.document.slug}/rounds/{round_.id}")


def test_the_facilitator_who_moves_a_round_is_not_told_of_it_but_of_the_clocks_moves(world, clock):
    """round_changed carries who made the move: the facilitator (who watches the document as its
    author) hears of the clock opening the round, not of starting or closing it themselves."""
    inbox.set_document_watch(db.session, world.facilitator, world.document, True)
    round_ = start(world, clock, opens_in=timedelta(days=1))
    assert notes(world.facilitator) == []  # they scheduled it
    clock.advance(days=1, minutes=1)
    service.refresh(db.session, db.session.get(Round, round_.id))  # the clock opens it
    assert len(notes(world.facilitator)) == 1
    service.force(db.session, db.session.get(Round, round_.id), world.facilitator, "close")
    assert len(notes(world.facilitator)) == 1  # not told of their own close
    assert len(notes(world.editor)) == 3  # scheduled, opened, closed


def test_a_response_reaches_its_author_once_the_report_is_published(client, world, clock):
    round_ = start(world, clock)
    thread = comment(round_, world.alice, body="Please add a bus route.")
    clock.advance(days=15)
    service.set_disposition(db.session, thread.comments[0], world.facilitator, disposition="accepted",
                            response="Added route 12 to the plan.")
    assert notes(world.alice) == []  # the report is not out: Alice may not read the response yet
    login(client, world.alice)
    assert "Added route 12" not in client.get(f"/s/{world.space.slug}/changes").get_data(as_text=True)
    login(client, world.facilitator)
    assert "Added route 12" in client.get(f"/s/{world.space.slug}/changes").get_data(as_text=True)
    service.force(db.session, db.session.get(Round, round_.id), world.facilitator, "publish")
    assert [n.reason for n in notes(world.alice)][-1] == "response"
    login(client, world.alice)
    page = client.get(f"/s/{world.space.slug}/changes").get_data(as_text=True)
    assert "Fay Facilitator responded to a comment (round 1) on Housing plan" in page
    assert "Accepted: Added route 12 to the plan." in page
    assert "responded to your comment" in client.get("/notifications").get_data(as_text=True)


def test_a_response_after_publication_tells_the_author_at_once(world, clock):
    round_ = start(world, clock)
    first = comment(round_, world.alice, body="One.")
    second = comment(round_, world.bob, exact="every ten minutes", body="Two.")
    clock.advance(days=15)
    for thread in (first, second):
        service.set_disposition(db.session, thread.comments[0], world.facilitator, disposition="noted",
                                response="Thanks.")
    service.force(db.session, db.session.get(Round, round_.id), world.facilitator, "publish")
    service.set_disposition(db.session, second.comments[0], world.facilitator, disposition="accepted",
                            response="Changed our mind.")
    assert [n.reason for n in notes(world.bob)] == ["response", "response"]


def test_reminders_48_hours_before_opening_and_closing_are_sent_once(world, clock, runner):
    round_ = start(world, clock, opens_in=timedelta(days=3), lasts=timedelta(days=5))  # watchers: author, editor
    assert "No reminders due" in runner.invoke(args=["notify", "remind"]).output
    clock.advance(days=1, hours=1)  # opens in 47 hours
    result = runner.invoke(args=["notify", "remind"])
    assert f"Round {round_.id}: opening soon — told 2 watcher(s)." in result.output
    assert "No reminders due" in runner.invoke(args=["notify", "remind"]).output  # once
    clock.advance(days=5)  # open, closes in 23 hours
    assert "closing soon" in runner.invoke(args=["notify", "remind"]).output
    assert [n.reason for n in notes(world.editor)][-2:] == ["reminder", "reminder"]
    states = db.session.scalars(select(Activity.state).where(Activity.ref_id == round_.id)).all()
    assert states.count("opening-soon") == 1 and states.count("closing-soon") == 1


# --- editions (kept here with the other features' kinds) ----------------------------------------------


def test_a_published_edition_reaches_watchers_and_recent_changes(client, world):
    from wiki.publishing import service as publishing

    inbox.set_document_watch(db.session, world.alice, world.document, True)
    publishing.publish(db.session, world.space, world.document, world.facilitator, None, "First public edition",
                       lambda n: f"/p/{n}/")
    assert [n.reason for n in notes(world.alice)] == ["watching"]
    assert notes(world.facilitator) == []  # who published it
    page = client.get(f"/s/{world.space.slug}/changes?kind=edition").get_data(as_text=True)
    assert "Fay Facilitator published edition 1 of Housing plan" in page
    assert f'href="/p/{world.space.slug}/{world.document.slug}/1/"' in page
    feed = client.get("/changes.atom").get_data(as_text=True)
    assert "published edition 1 of Housing plan" in feed and "First public edition" in feed


def test_round_and_edition_news_never_reach_a_watcher_who_lost_access(app, clock):
    """A private space: a watch left over from before someone lost access tells them nothing, while
    the members who watch are told of each round move and the edition."""
    from tests.factories import make_user
    from wiki.awareness.models import DocumentWatch
    from wiki.publishing import service as publishing

    w = people(private=True, slug="private-housing")
    inbox.set_document_watch(db.session, w.editor, w.document, True)
    outsider = make_user("Olive Outsider")
    db.session.add(DocumentWatch(user_id=outsider.id, document_id=w.document.id, active=True))
    db.session.commit()
    round_ = start(w, clock)  # scheduled, then open by the clock
    service.force(db.session, db.session.get(Round, round_.id), w.facilitator, "close")
    publishing.publish(db.session, w.space, w.document, w.facilitator, None, "", lambda n: f"/p/{n}/")
    assert [n.reason for n in notes(w.editor)] == ["watching"] * 3  # scheduled, closed, edition
    assert notes(outsider) == []


def test_a_briefing_lists_the_rounds_and_responses_it_spans(client, world, clock):
    round_ = start(world, clock)
    thread = comment(round_, world.alice, body="Please add a bus route.")
    clock.advance(days=15)
    service.set_disposition(db.session, thread.comments[0], world.facilitator, disposition="accepted",
                            response="Added route 12.")
    url = f"/s/{world.space.slug}/{world.document.slug}/briefing"
    login(client, world.alice)
    page = client.get(url).get_data(as_text=True)
    assert "Rounds, responses and editions" in page
    assert "Consultation round 1 “Spring consultation” opened on Housing plan, " in page
    assert "(open)" not in page  # the headline says it in words, not the state's key
    assert "responded to a comment" not in page  # the report is not out: not for Alice yet
    login(client, world.facilitator)
    page = client.get(url).get_data(as_text=True)
    assert re.search(r"Fay Facilitator responded to a comment \(round 1\) on Housing plan, [^<]*: Accepted: "
                     r"Added route 12\.</li>", page)
