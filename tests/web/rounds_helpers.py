"""Shared helpers for the consultation round tests: a controllable clock, a world with a
facilitator, contributors and a document, and short ways to start rounds and comment in them."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import add_member, make_document, make_space, make_user
from wiki.comments import service as comments
from wiki.consultations import service
from wiki.extensions import db

TEXT = """# Housing plan

We will build two hundred homes near the station by 2030.

## Transport

Buses will run every ten minutes on the main roads.

## Health

The clinic opens on Saturdays from next spring.
"""
START = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


class Clock:
    """The rounds' clock for tests (app.config["ROUNDS_CLOCK"]): set or move it by hand."""

    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class People:
    facilitator: object
    editor: object
    alice: object  # contributor
    bob: object  # contributor
    space: object
    document: object


def people(private: bool = False, slug: str = "housing") -> People:
    facilitator, editor = make_user("Fay Facilitator"), make_user("Ed Editor")
    alice, bob = make_user("Alice Contributor"), make_user("Bob Contributor")
    space = make_space(slug, private=private)
    add_member(space, facilitator, "facilitator")
    add_member(space, editor, "editor")
    add_member(space, alice, "contributor")
    add_member(space, bob, "contributor")
    document = make_document(space, facilitator, "Housing plan", TEXT)
    return People(facilitator, editor, alice, bob, space, document)


def start(world: People, clock: Clock, *, opens_in=timedelta(0), lasts=timedelta(days=14), **extra):
    spec = service.RoundSpec(title=extra.pop("title", "Spring consultation"), opens_at=clock.now + opens_in,
                             closes_at=clock.now + opens_in + lasts, **extra)
    return service.start_round(db.session, world.document, world.facilitator, spec)


def comment(round_, user, exact: str = "two hundred homes", body: str = "More homes please.", **extra):
    document = round_.document
    start_at, end, quote = comments.locate(db.session, document, round_.revision_number, exact=exact)
    return comments.create_thread(db.session, document, user, revision=round_.revision_number, start=start_at,
                                  end=end, quote=quote, body=body, visibility=extra.pop("visibility", "named"),
                                  round_id=round_.id, **extra)


# --- racing the close (tests/web/test_rounds_race.py and bench/rounds.py) ----------------------------


@dataclass
class Sent:
    sent_at: datetime  # when the client sent it (UTC)
    status: int
    body: dict


def race_close(app, round_id: int, passage: tuple[int, int, str], tokens: list[str], closes_at: datetime,
               count: int = 50, window: float = 1.0, after: float = 0.2, also=None, also_at: float = 0.5) -> list[Sent]:
    """POST ``count`` round comments through the API, each from its own thread and client, spread
    evenly from ``window`` seconds before ``closes_at`` to ``after`` seconds after it. ``also``: one
    more callable, run ``also_at`` of the way through the window (e.g. a facilitator's close)."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    start_at, end, exact = passage
    body = {"quote": {"exact": exact}, "position": {"start": start_at, "end": end}, "visibility": "named"}
    first = closes_at - timedelta(seconds=window)
    step = (window + after) / count

    def wait_for(target: datetime) -> None:
        delay = (target - datetime.now(UTC)).total_seconds()
        if delay > 0:
            time.sleep(delay)

    def post(i: int) -> Sent:
        wait_for(first + timedelta(seconds=i * step))
        client = app.test_client()
        sent_at = datetime.now(UTC)
        response = client.post(f"/api/v1/rounds/{round_id}/comments", json={**body, "body": f"Comment {i}"},
                               headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
        return Sent(sent_at, response.status_code, response.get_json(silent=True) or {})

    def extra():
        wait_for(first + timedelta(seconds=window * also_at))
        also()

    with ThreadPoolExecutor(max_workers=count + 1) as pool:
        side = pool.submit(extra) if also else None
        results = list(pool.map(post, range(count)))
        if side:
            side.result()
    return results


# Fixtures for the rounds test modules; each takes them with ``clock, world = rounds_clock, rounds_world``.

@pytest.fixture
def rounds_clock(app):
    """The rounds' clock, set by the test (``clock.advance(days=2)``) instead of waiting."""
    clock = Clock()
    app.config["ROUNDS_CLOCK"] = clock
    return clock


@pytest.fixture
def rounds_world(app):
    """A space with a document and its people (see ``people``)."""
    return people()

