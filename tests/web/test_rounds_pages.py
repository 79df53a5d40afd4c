"""Round pages beyond the main flow: the `rounds tick` command (cron-safe, idempotent), the space's
timezone, invite links, changing a round's dates, the document page's list of rounds, and hostile
text (XSS, CSV formulas) in everything a report shows."""

import html
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import login, make_user
from tests.web import rounds_helpers
from tests.web.rounds_helpers import comment, people, start
from wiki import signals
from wiki.consultations import service
from wiki.consultations.models import Invitee, Round
from wiki.extensions import db

clock = rounds_helpers.rounds_clock  # a fixture
world = rounds_helpers.rounds_world  # a fixture

_CORPUS = ("shared", "testdata", "xss", "markdown-xss-payloads.txt")  # beside the checkout (as in CI)
XSS = next((p for p in (Path(__file__).resolve().parents[3].joinpath(*_CORPUS), Path("/work").joinpath(*_CORPUS))
            if p.exists()), Path("/nonexistent"))
EVIL = '<script>alert(1)</script><img src=x onerror=alert(2)>"'


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(response.get_data(as_text=True))).split())


def round_path(world, round_id, suffix="") -> str:
    return f"/s/{world.space.slug}/{world.document.slug}/rounds/{round_id}{suffix}"


def test_rounds_tick_moves_rounds_by_the_clock_once(runner, world, clock):
    first = start(world, clock, opens_in=timedelta(hours=1), lasts=timedelta(hours=2))
    heard = []

    def on_round(sender, **kw):
        heard.append((kw["round_id"], kw["previous_state"], kw["state"]))

    signals.round_changed.connect(on_round)
    try:
        result = runner.invoke(args=["rounds", "tick"])
        assert result.exit_code == 0 and "0 rounds moved by the clock." in result.output
        clock.advance(hours=4)
        result = runner.invoke(args=["rounds", "tick"])
        assert result.exit_code == 0, result.output
        assert f"round {first.id}: scheduled → closed" in result.output and "1 round moved" in result.output
        again = runner.invoke(args=["rounds", "tick"])
        assert "0 rounds moved" in again.output
    finally:
        signals.round_changed.disconnect(on_round)
    assert heard == [(first.id, "scheduled", "open"), (first.id, "open", "closed")]
    assert db.session.get(Round, first.id).state == "closed"
    listed = runner.invoke(args=["rounds", "list"])
    assert "closed" in listed.output and "Spring consultation" in listed.output


def test_the_space_timezone_is_a_setting(client, app, world, clock):
    admin = make_user("Ada", admin=True)
    login(client, admin)
    bad = client.post(f"/admin/spaces/{world.space.slug}/edit", data={"slug": world.space.slug, "title": "Housing",
                                                                      "timezone": "Mars/Olympus"})
    assert bad.status_code == 422 and "is not a timezone" in text_of(bad)
    saved = client.post(f"/admin/spaces/{world.space.slug}/edit", data={"slug": world.space.slug, "title": "Housing",
                                                                        "timezone": "America/New_York"})
    assert saved.status_code == 302
    round_ = start(world, clock, opens_in=timedelta(hours=1))
    page = text_of(client.get(round_path(world, round_.id)))
    assert "Opens Friday 1 May 2026, 05:00 EDT" in page  # 09:00 UTC


def test_invite_links_let_outsiders_take_part(client, world, clock):
    round_ = start(world, clock, audience="invited")
    outsider = make_user("Otto Outsider")
    login(client, world.facilitator)
    made = client.post(round_path(world, round_.id, "/invites"), data={"label": "Tenants' group"})
    assert made.status_code == 201
    link = html.unescape(re.search(r'value="(http[^"]+/join\?token=[^"]+)"', made.get_data(as_text=True)).group(1))
    client.post("/logout")
    login(client, outsider)
    refused = client.post(round_path(world, round_.id, "/comments"), data={"exact": "two hundred homes",
                                                                           "body": "Hello", "visibility": "named"})
    assert refused.status_code == 403 and "members of this space and invited people" in text_of(refused)
    path = link.split("localhost", 1)[1]
    assert "Join this round" in text_of(client.get(path))
    assert client.post(path).status_code == 302
    assert client.post(path).status_code == 302  # twice is fine: still one invitee
    assert len(db.session.scalars(select(Invitee)).all()) == 1
    posted = client.post(round_path(world, round_.id, "/comments"), data={"exact": "two hundred homes",
                                                                          "body": "Hello", "visibility": "named"})
    assert posted.status_code == 302
    client.post("/logout")
    login(client, world.facilitator)
    invite_id = service.invites(db.session, round_)[0].id
    assert client.post(round_path(world, round_.id, f"/invites/{invite_id}/revoke")).status_code == 302
    late = make_user("Late Comer")
    client.post("/logout")
    login(client, late)
    withdrawn = client.post(path)
    assert withdrawn.status_code == 404 and "not valid" in text_of(withdrawn)


def test_invite_links_are_not_for_private_spaces(app, clock):
    world = people(private=True, slug="private-housing")
    with pytest.raises(Exception, match="Invite links are for public spaces"):
        start(world, clock, audience="invited")


def test_a_facilitator_extends_an_open_round(client, world, clock):
    round_ = start(world, clock, lasts=timedelta(days=2))
    login(client, world.facilitator)
    form = text_of(client.get(round_path(world, round_.id, "/edit")))
    assert "only its closing time can change" in form
    saved = client.post(round_path(world, round_.id, "/edit"), data={
        "title": "Spring consultation, extended", "opens_at": "2026-05-01T09:00", "closes_at": "2026-05-10T17:00"})
    assert saved.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Round, round_.id)
    assert changed.title == "Spring consultation, extended"
    assert service.window(changed).closes_at.isoformat() == "2026-05-10T16:00:00+00:00"
    assert service.window(changed).opens_at.isoformat() == "2026-05-01T08:00:00+00:00"  # unchanged while open
    clock.advance(days=1)
    past = client.post(round_path(world, round_.id, "/edit"), data={
        "title": "x", "opens_at": "2026-05-01T09:00", "closes_at": "2026-05-01T17:00"})
    assert past.status_code == 422 and "in the past" in text_of(past)
    gap = client.post(round_path(world, round_.id, "/edit"), data={
        "title": "x", "opens_at": "2026-05-01T09:00", "closes_at": "2027-03-28T01:30"})
    assert gap.status_code == 422 and "does not exist in Europe/London" in text_of(gap)
    clock.advance(days=9)
    closed = client.post(round_path(world, round_.id, "/edit"), data={
        "title": "x", "opens_at": "2026-05-01T09:00", "closes_at": "2026-06-30T17:00"})
    assert closed.status_code == 409 and "can no longer change" in text_of(closed)


def test_the_document_page_lists_its_rounds(client, world, clock):
    round_ = start(world, clock, lasts=timedelta(days=3))
    page = text_of(client.get(f"/s/{world.space.slug}/{world.document.slug}"))
    assert "Consultation rounds" in page and "Round 1: Spring consultation Open for comments" in page
    assert "closes Monday 4 May 2026, 09:00 BST" in page
    assert "Start a consultation round" not in page
    login(client, world.facilitator)
    assert "Start a consultation round" in text_of(client.get(f"/s/{world.space.slug}/{world.document.slug}"))
    listing = text_of(client.get(f"/s/{world.space.slug}/{world.document.slug}/rounds"))
    assert "Round 1: Spring consultation" in listing and "Report (not published)" in listing
    assert round_.id


def test_forced_moves_ask_first_and_say_why_they_do_not_apply(client, world, clock):
    round_ = start(world, clock, opens_in=timedelta(days=1))
    login(client, world.facilitator)
    confirm = client.get(round_path(world, round_.id, "/open"))
    assert confirm.status_code == 200 and "Open this round now?" in text_of(confirm)
    assert db.session.get(Round, round_.id).state == "scheduled"  # nothing changes on a GET
    early_close = client.post(round_path(world, round_.id, "/close"))
    assert early_close.status_code == 409 and "Only an open round can be closed" in text_of(early_close)
    assert client.post(round_path(world, round_.id, "/open")).status_code == 302
    assert service.state_of(db.session.get(Round, round_.id)) == "open"
    assert "Closes in 15 days" in text_of(client.get(round_path(world, round_.id)))


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.handlers = []

    def handle_starttag(self, tag, attrs):
        self.handlers += [(tag, name) for name, _ in attrs if name.lower().startswith("on")]


def handler_attributes(page: str) -> list:
    parser = _Attributes()
    parser.feed(page)
    return parser.handlers


def _hostile_round(world, clock, text: str):
    round_ = start(world, clock, title=text[:200], introduction=text, questions=((text[:900], ""),))
    thread = comment(round_, world.alice, body=text)
    service.answer(db.session, round_, world.bob, {round_.questions[0].id: text})
    service.record_offline(db.session, round_, world.facilitator, channel="event", group=text, respondent=text,
                           section="transport", body=text)
    clock.advance(days=14)
    service.set_disposition(db.session, thread.comments[0], world.facilitator, disposition="accepted",
                            response=text, themes=["=SUM(A1:A9)", text[:60]])
    return round_


def test_hostile_text_stays_inert_in_every_round_page_and_export(client, world, clock):
    payloads = [line for line in XSS.read_text().splitlines() if line.strip()][:40] if XSS.exists() else []
    text = "\n\n".join([EVIL, *payloads])[:4000]
    round_ = _hostile_round(world, clock, text)
    login(client, world.facilitator)
    for suffix in ("", "/report", "/respond", "/offline", "/edit", "/invites"):
        body = client.get(round_path(world, round_.id, suffix)).get_data(as_text=True)
        scripts = re.findall(r"<script\b[^>]*>", body)
        assert scripts and all('src="/static/' in tag and "nonce=" in tag for tag in scripts), suffix
        assert not handler_attributes(body), suffix  # no event handler attribute anywhere
        assert not re.search(r"""(href|src)\s*=\s*["']?\s*(javascript|data|vbscript):""", body, re.I), suffix
    csv_text = client.get(round_path(world, round_.id, "/report.csv")).get_data(as_text=True)
    assert "'=SUM(A1:A9)" in csv_text
    assert not re.search(r'(^|,)"?=', csv_text, re.MULTILINE)
    data = client.get(round_path(world, round_.id, "/report.json")).get_json()
    assert "<script>" not in data["tallies"]["you_said_we_did"][0]["response_html"]
