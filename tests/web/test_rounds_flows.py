"""A consultation round end to end through the pages (issue 6): start (freezing the draft), the
clock opening and closing it, comments and answers while open and refused after, responses,
offline responses, the report and its publication, and several rounds on one document."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import login
from tests.web import rounds_helpers
from tests.web.rounds_helpers import TEXT, comment, start
from wiki import signals
from wiki.comments.models import Comment, Thread
from wiki.consultations import service
from wiki.consultations.models import Disposition, Round
from wiki.documents import service as documents
from wiki.documents.models import NamedVersion
from wiki.extensions import db

clock = rounds_helpers.rounds_clock  # a fixture
world = rounds_helpers.rounds_world  # a fixture


@pytest.fixture
def heard():
    """Every round_changed and disposition_set sent during the test."""
    got = []

    def on_round(sender, **kw):
        got.append(("round", kw["state"], kw["previous_state"]))

    def on_disposition(sender, **kw):
        got.append(("disposition", kw["comment_id"], kw["round_id"]))

    signals.round_changed.connect(on_round)
    signals.disposition_set.connect(on_disposition)
    yield got
    signals.round_changed.disconnect(on_round)
    signals.disposition_set.disconnect(on_disposition)


def raw(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def text_of(response) -> str:
    """What a reader sees: the page's text without tags."""
    return plain(raw(response))


def plain(page: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split()).replace(" .", ".").replace(" ,", ",")


def round_path(world, round_id, suffix="") -> str:
    return f"/s/{world.space.slug}/{world.document.slug}/rounds/{round_id}{suffix}"


def test_a_facilitator_starts_a_round_from_the_form_freezing_the_draft(client, world, clock, heard):
    login(client, world.facilitator)
    base = f"/s/{world.space.slug}/{world.document.slug}/rounds"
    page = client.get(f"{base}/new")
    assert page.status_code == 200 and "Europe/London" in text_of(page)
    response = client.post(f"{base}/new", data={
        "title": "Spring consultation", "introduction": "Tell us **what you think**.",
        "opens_at": "2026-05-01T10:00", "closes_at": "2026-05-15T17:00", "audience": "anyone",
        "questions-0-text": "What matters most to you?", "questions-0-section": "",
        "questions-1-text": "Are the buses often enough?", "questions-1-section": "transport",
    })
    assert response.status_code == 302
    round_ = db.session.scalar(select(Round))
    # typed in London time (BST in May): 10:00 BST is 09:00 UTC
    assert service.window(round_).opens_at.isoformat() == "2026-05-01T09:00:00+00:00"
    assert round_.revision_number == 1 and round_.state == "scheduled"
    assert [(q.text, q.section) for q in round_.questions] == [("What matters most to you?", ""),
                                                                ("Are the buses often enough?", "transport")]
    version = db.session.get(NamedVersion, round_.named_version_id)
    assert version.name == "Consultation draft, round 1" and version.revision_number == 1
    assert heard == [("round", "scheduled", None)]
    page = raw(client.get(response.headers["Location"]))
    assert "Round 1: Spring consultation" in page and "Scheduled" in page
    assert "opens for comments on Friday 1 May 2026, 10:00 BST" in plain(page)
    assert "<strong>what you think</strong>" in page


def test_the_clock_opens_and_closes_the_round_and_the_page_says_so(client, world, clock, heard):
    round_ = start(world, clock, opens_in=timedelta(hours=1), lasts=timedelta(days=2))
    path = round_path(world, round_.id)
    assert "opens for comments on" in text_of(client.get(path))
    clock.advance(hours=1)
    page = text_of(client.get(path))
    assert "Open for comments" in page and "Closes in 2 days" in page
    clock.advance(days=2)
    page = text_of(client.get(path))
    assert "Comments are now closed for this round" in page
    assert heard == [("round", "scheduled", None), ("round", "open", "scheduled"), ("round", "closed", "open")]
    client.get(path)  # looking again announces nothing new
    assert len(heard) == 3


def test_contributors_comment_while_open_and_are_refused_after_close(client, world, clock):
    round_ = start(world, clock)
    login(client, world.alice)
    path = round_path(world, round_.id)
    page = client.get(path)
    assert "Comment on a paragraph" in text_of(page)
    posted = client.post(path + "/comments", data={"exact": "two hundred homes", "body": "Where exactly?",
                                                  "visibility": "named", "revision": "1"})
    assert posted.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert thread.round_id == round_.id and thread.revision_number == round_.revision_number
    clock.advance(days=14)
    late = client.post(path + "/comments", data={"exact": "two hundred homes", "body": "Too late?",
                                                "visibility": "named"})
    assert late.status_code == 409
    assert "Comments are now closed for this round." in text_of(late)
    reply = client.post(f"/s/{world.space.slug}/{world.document.slug}/threads/{thread.id}/reply",
                        data={"body": "A late reply", "visibility": "named"})
    assert reply.status_code == 409 and "Comments are now closed for this round." in text_of(reply)
    assert db.session.scalar(select(db.func.count(Comment.id))) == 1
    page = text_of(client.get(path))
    assert "Comments are now closed for this round" in page and "Where exactly?" in page
    assert "Comment on a paragraph" not in page


def test_the_live_draft_goes_on_while_the_round_comments_on_the_frozen_one(client, world, clock):
    round_ = start(world, clock)
    documents.save(db.session, world.document, world.editor, "# Housing plan\n\nA rewritten plan.\n", 1)
    login(client, world.alice)
    posted = client.post(round_path(world, round_.id, "/comments"),
                         data={"exact": "Buses will run every ten minutes", "body": "Good", "visibility": "named"})
    assert posted.status_code == 302
    thread = db.session.scalar(select(Thread))
    assert thread.revision_number == 1  # the consultation draft, not the head (revision 2)
    page = text_of(client.get(round_path(world, round_.id)))
    assert "Buses will run every ten minutes" in page and "A rewritten plan" not in page


def test_answers_to_guiding_questions_while_open_only(client, world, clock):
    round_ = start(world, clock, questions=(("What matters most?", ""), ("Buses?", "transport")))
    q1, q2 = round_.questions
    login(client, world.bob)
    path = round_path(world, round_.id)
    saved = client.post(path + "/answers", data={f"q{q1.id}": "Homes", f"q{q2.id}": ""})
    assert saved.status_code == 302
    assert "1 answer saved" in text_of(client.get(path))
    changed = client.post(path + "/answers", data={f"q{q1.id}": "Homes first", f"q{q2.id}": "More buses"})
    assert changed.status_code == 302
    mine = service.my_answers(db.session, round_, world.bob)
    assert {mine[q1.id].body, mine[q2.id].body} == {"Homes first", "More buses"}
    clock.advance(days=15)
    late = client.post(path + "/answers", data={f"q{q1.id}": "Changed my mind"})
    assert late.status_code == 409 and "Comments are now closed for this round." in text_of(late)
    assert service.my_answers(db.session, round_, world.bob)[q1.id].body == "Homes first"


def test_respond_publish_and_a_signed_out_visitor_reads_the_report(client, world, clock, heard):
    round_ = start(world, clock)
    first = comment(round_, world.alice, body="More homes please.").comments[0]
    second = comment(round_, world.bob, exact="Buses will run", body="Buses at night too.",
                     visibility="anonymous").comments[0]
    comment(round_, world.facilitator, exact="clinic opens", body="Facilitators' own notes need no response.")
    clock.advance(days=14)
    login(client, world.facilitator)
    path = round_path(world, round_.id)
    assert "0 of 2 comments answered" in text_of(client.get(path))
    refused = client.post(path + "/publish")
    assert refused.status_code == 409 and "2 comments still need a response" in text_of(refused)
    documents.save(db.session, world.document, world.editor, TEXT_WITH_NIGHT_BUSES, 1, summary="Night buses")
    saved = client.post(f"{path}/c/{first.id}/disposition", data={
        "disposition": "accepted", "response": "We will build them.", "themes": "homes, Homes, supply"})
    assert saved.status_code == 302
    saved = client.post(f"{path}/c/{second.id}/disposition", data={
        "disposition": "partly_accepted", "response": "Night buses on two routes.", "revision": "2"})
    assert saved.status_code == 302
    page = raw(client.get(path))
    assert "2 of 2 comments answered" in page
    assert re.search(r'<progress id="round-progress" max="2" value="2">', page)
    assert client.post(path + "/publish").status_code == 302
    assert ("disposition", first.id, round_.id) in heard
    assert heard[-2:] == [("round", "responded", "closed"), ("round", "published", "responded")]
    client.post("/logout")
    report = text_of(client.get(path + "/report"))
    assert "You said, we did" in report and "We will build them." in report
    assert "Night buses on two routes." in report and "Partly accepted" in report
    assert "Facilitators' own notes" not in report  # not a submission
    assert "Bob Contributor" not in report and "Alice Contributor" not in report  # no names at all
    assert "Themes: homes, supply" in report
    assert "fewer than 5" in report
    shown = raw(client.get(path + "/report"))
    slug_path = f"/s/{world.space.slug}/{world.document.slug}"
    assert f'href="{slug_path}/compare?to=2">The change (revision 2)</a>' in shown  # you said, we did
    assert "What changed since the consultation draft" in shown
    assert '<ins class="diff-ins">' in shown and "at night" in shown  # the diff to the current draft
    compare = re.search(r'<a href="([^"]+)">Compare side by side', shown).group(1)
    assert compare.startswith(f"{slug_path}/compare?") and set(compare.split("?")[1].split("&")) == {"from=1", "to=2"}
    chart = re.search(r'<svg class="chart"[^>]*aria-describedby="table-disposition"', shown)
    assert chart and 'role="img"' in chart.group(0)  # each chart has its numbers as a table
    table = re.search(r'<table class="report-table" id="table-disposition">.*?</table>', shown, re.S).group(0)
    assert "Accepted" in table and "Partly accepted" in table
    data = client.get(path + "/report.json").get_json()
    assert data["tallies"]["comments"] == 2 and data["tallies"]["respondents"] == 2
    assert data["changes"]["to_revision"] == 2 and data["changes"]["added"] > 0
    csv_text = client.get(path + "/report.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("comment id,thread id,section,passage")
    assert "We will build them." in csv_text


TEXT_WITH_NIGHT_BUSES = """# Housing plan

We will build two hundred homes near the station by 2030.

## Transport

Buses will run every ten minutes on the main roads, and every half hour at night.

## Health

The clinic opens on Saturdays from next spring.
"""


def test_the_report_is_for_facilitators_until_published(client, world, clock):
    round_ = start(world, clock)
    path = round_path(world, round_.id, "/report")
    for who in (None, world.alice, world.editor):
        client.post("/logout")
        if who:
            login(client, who)
        response = client.get(path)
        assert response.status_code == 404
        assert "has not been published yet" in text_of(response)
    client.post("/logout")
    login(client, world.facilitator)
    assert client.get(path).status_code == 200
    assert "Not published." in text_of(client.get(path))


def test_a_second_round_shows_the_first_rounds_comments_with_their_responses(client, world, clock):
    first = start(world, clock, lasts=timedelta(days=1))
    thread = comment(first, world.alice, body="Homes near the station, yes.")
    clock.advance(days=1)
    service.set_disposition(db.session, thread.comments[0], world.facilitator, disposition="accepted",
                            response="Kept in the plan.")
    service.force(db.session, db.session.get(Round, first.id), world.facilitator, "publish")
    longer = TEXT.replace("# Housing plan\n", "# Housing plan\n\nIntro.\n")
    documents.save(db.session, world.document, world.editor, longer, 1)
    second = start(world, clock, title="Second round")
    assert second.number == 2 and second.revision_number == 2
    page = text_of(client.get(round_path(world, second.id)))
    assert "Comments from earlier rounds (1)" in page
    assert "Homes near the station, yes." in page and "Kept in the plan." in page and "(round 1)" in page


def test_offline_responses_count_like_online_ones(client, world, clock):
    round_ = start(world, clock, questions=(("What matters most?", ""),))
    comment(round_, world.alice)
    login(client, world.facilitator)
    path = round_path(world, round_.id, "/offline")
    question = round_.questions[0]
    recorded = client.post(path, data={"channel": "workshop", "group": "Carers' workshop", "respondent": "P7",
                                       "perspective": "carer", "consent": "y", "section": "transport",
                                       "body": "Buses do not reach the estate.", f"q{question.id}": "Transport"})
    assert recorded.status_code == 302
    again = client.post(path, data={"channel": "workshop", "group": "Carers' workshop", "respondent": "p7",
                                    "section": "health", "body": "The clinic is far."})
    assert again.status_code == 302
    no_consent = client.post(path, data={"channel": "phone", "perspective": "carer", "section": "health",
                                         "body": "x"})
    assert no_consent.status_code == 422 and "consent" in text_of(no_consent)
    report = service.report(db.session, round_).tallies
    assert report.comments == 3 and report.respondents == 2  # P7 counted once
    channels = {c.key: c.count for c in report.by_channel}
    assert channels == {"online": 1, "workshop": 2}
    assert {c.key: c.count for c in report.by_perspective}["carer"] == 1
    assert report.questions[0].count == 1
    page = text_of(client.get(round_path(world, round_.id)))
    assert "Buses do not reach the estate." in page and "Community member" in page


def test_dispositions_are_stored_once_per_comment_and_can_change(client, world, clock):
    round_ = start(world, clock)
    first = comment(round_, world.alice).comments[0]
    clock.advance(days=14)
    for disposition in ("noted", "accepted"):
        service.set_disposition(db.session, first, world.facilitator, disposition=disposition, response="OK")
    assert [d.disposition for d in db.session.scalars(select(Disposition))] == ["accepted"]
