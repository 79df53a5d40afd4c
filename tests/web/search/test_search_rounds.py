"""Consultation rounds and facilitators' responses in search: a round is found by its title,
questions and introduction and leads to its page; its comments lead to the round page; a response
is found by facilitators at once and by everyone else once the report is published (never past the
comment it answers); state changes reach the index through ``round_changed``.
"""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from tests.factories import login
from tests.web import rounds_helpers
from tests.web.rounds_helpers import comment, people, start
from tests.web.search.conftest import flush
from wiki.comments.models import Comment
from wiki.consultations import responding
from wiki.consultations import service as rounds
from wiki.extensions import db
from wiki.search import service as search_service

clock = rounds_helpers.rounds_clock  # a fixture


@pytest.fixture
def world(app, clock):
    return people()


def search(app, query: str, user=None, **params) -> dict:
    flush(app)
    client = app.test_client()
    if user is not None:
        assert login(client, user).status_code == 302
    response = client.get("/api/v1/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _first_comment(thread) -> Comment:
    return db.session.scalar(select(Comment).where(Comment.thread_id == thread.id))


def test_a_round_is_found_by_its_title_questions_and_introduction(app, world, clock):
    round_ = start(world, clock, title="Spring listening round", introduction="Tell us about allotments.",
                   questions=(("How should buses change?", "transport"),))
    for query in ("listening", "allotments", "buses"):
        results = [r for r in search(app, query)["results"] if r["type"] == "round"]
        assert [r["title"] for r in results] == ["Spring listening round"], query
        assert urlparse(results[0]["url"]).path == f"/s/housing/{world.document.slug}/rounds/{round_.id}"
        assert query in results[0]["snippet_html"].lower() or query in results[0]["title"].lower()


def test_a_rounds_state_reaches_the_status_filter(app, world, clock):
    start(world, clock, title="Summer round", opens_in=timedelta(days=1))
    assert search(app, "summer", type="round", status="scheduled")["total"] == 1
    clock.advance(days=2)
    rounds.tick(db.session)  # what `flask rounds tick` does from cron
    assert search(app, "summer", type="round", status="scheduled")["total"] == 0
    assert search(app, "summer", type="round", status="open")["total"] == 1


def test_an_edited_rounds_new_wording_replaces_the_old(app, world, clock):
    round_ = start(world, clock, title="Autumn round", introduction="Tell us about orchards.")
    assert search(app, "orchards", type="round")["total"] == 1
    rounds.edit_round(db.session, round_, world.facilitator, title="Harvest round",
                      introduction="Tell us about hedgerows.", opens_at=round_.opens_at, closes_at=round_.closes_at)
    assert search(app, "orchards", type="round")["total"] == 0
    assert [r["title"] for r in search(app, "hedgerows", type="round")["results"]] == ["Harvest round"]
    assert search(app, "autumn", type="round")["total"] == 0
    assert search_service.check(db.session, search_service.engine(app).backend).ok


def test_a_round_comment_leads_to_the_round_page(app, world, clock):
    round_ = start(world, clock)
    thread = comment(round_, world.alice, body="Cycle lanes on every road")
    (result,) = search(app, "cycle")["results"]
    assert result["type"] == "comment"
    assert f"/rounds/{round_.id}?highlight=" in result["url"]
    assert result["url"].endswith(f"#comment-{_first_comment(thread).id}")


def test_responses_are_found_by_facilitators_first_and_by_everyone_once_published(app, world, clock):
    round_ = start(world, clock)
    thread = comment(round_, world.alice, body="Please add cycle lanes")
    hidden = comment(round_, world.bob, body="Only for facilitators", visibility="facilitators")
    clock.advance(days=15)
    answered = _first_comment(thread)
    responding.set_disposition(db.session, answered, world.facilitator, disposition="accepted",
                               response="We added protected lanes to the plan.", themes=["transport"])
    responding.set_disposition(db.session, _first_comment(hidden), world.facilitator, disposition="noted",
                               response="Thanks, we noted the protected bus stops.")
    assert search(app, "protected", type="response")["total"] == 0
    assert search(app, "protected", world.alice, type="response")["total"] == 0
    assert search(app, "protected", world.facilitator, type="response")["total"] == 2
    assert search(app, "transport", world.facilitator, type="response")["total"] == 1  # a theme

    rounds.force(db.session, round_, world.facilitator, "responded")
    rounds.force(db.session, round_, world.facilitator, "publish")
    for user in (None, world.alice):
        body = search(app, "protected", user, type="response")
        assert [r["title"] for r in body["results"]] == ["Response to a comment on “Housing plan”"]
        assert body["results"][0]["url"].endswith(f"#response-{answered.id}")
        assert search(app, "protected", user, type="response", status="accepted")["total"] == 1
    assert search(app, "protected", world.facilitator, type="response")["total"] == 2


def test_a_changed_response_and_an_unpublished_report_reach_the_index(app, world, clock):
    round_ = start(world, clock)
    thread = comment(round_, world.alice, body="Wider pavements")
    clock.advance(days=15)
    answered = _first_comment(thread)
    responding.set_disposition(db.session, answered, world.facilitator, disposition="noted",
                               response="We will survey the kerbs.")
    rounds.force(db.session, round_, world.facilitator, "publish")
    assert search(app, "kerbs", world.alice, type="response")["total"] == 1
    responding.set_disposition(db.session, answered, world.facilitator, disposition="accepted",
                               response="We will widen the footways.")
    assert search(app, "kerbs", world.alice, type="response")["total"] == 0
    assert search(app, "footways", world.alice, type="response", status="accepted")["total"] == 1
    rounds.force(db.session, round_, world.facilitator, "unpublish")
    assert search(app, "footways", world.alice, type="response")["total"] == 0
    assert search(app, "footways", world.facilitator, type="response")["total"] == 1
    assert search_service.check(db.session, search_service.engine(app).backend).ok


def test_a_response_leaves_results_when_its_comment_is_withdrawn(app, world, clock):
    round_ = start(world, clock)
    thread = comment(round_, world.alice, body="Benches in the park")
    clock.advance(days=15)
    answered = _first_comment(thread)
    responding.set_disposition(db.session, answered, world.facilitator, disposition="accepted",
                               response="Twenty benches are planned.")
    assert search(app, "benches", world.facilitator, type="response")["total"] == 1
    from wiki.comments import service as comments

    comments.withdraw(db.session, answered, world.alice)
    assert search(app, "benches", world.facilitator)["total"] == 0
