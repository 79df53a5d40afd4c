"""Threads follow the live (unsaved) draft (issue 5: "after every change, live or saved, each thread is
re-anchored"). An editor types through the real /collab protocol (the Peer of test_collab_events);
no revision is saved, yet the JSON API's "current text" is the live text: threads move with it, a
passage deleted live reads as orphaned with its quote, and nothing stored is lost.
"""

import pytest
from sqlalchemy import func, select

from tests.web import test_comments_anchoring as anchoring
from tests.web.test_collab_events import Peer, token
from tests.web.test_comments_anchoring import TEXT, comment_api, thread_of
from wiki.comments import live
from wiki.comments.models import Thread
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.realtime import service as realtime
from wiki.realtime import ydoc

world = anchoring.world  # the same public space, document, editor and commenting contributor

RAIL = "Rail and buses link the market towns together."
JOBS = "Local work for local people, with training for all ages."


def listed(client, world) -> dict[str, dict]:
    """The API's threads, by their first comment's body."""
    response = client.get(f"/api/v1/documents/{world['doc'].id}/comments")
    assert response.status_code == 200
    return {t["body_html"]: t for t in response.get_json()}


def delete_live(peer, exact: str) -> dict:
    """Delete a passage in the peer's live text (byte offsets, as pycrdt wants them)."""
    def change(shared, text):
        start = text.index(exact)
        del shared[ydoc.byte_offset(text, start):ydoc.byte_offset(text, start + len(exact))]
    return peer.send(peer.edit(change))


@pytest.fixture
def editor(app, world):
    """The editor in the live editor: a /collab connection that has joined and synced the document."""
    app.extensions["collab_loop"] = True  # no background snapshot thread: the tests snapshot themselves
    peer = Peer(app, token=token(world["editor"]))
    peer.open(world["doc"].id)
    yield peer
    peer.disconnect()


def test_threads_move_with_live_typing_and_a_passage_deleted_live_is_orphaned_not_lost(client, world, editor):
    assert comment_api(client, world, RAIL, body="Trains").status_code == 201
    assert comment_api(client, world, JOBS, body="Apprenticeships").status_code == 201
    assert listed(client, world)["<p>Trains</p>"]["anchor"]["start"] == TEXT.index(RAIL)

    assert editor.type("Affordable housing: ", TEXT.index("Housing"))["ok"]
    threads = listed(client, world)
    shift = len("Affordable housing: ")
    assert threads["<p>Trains</p>"]["anchor"] == {"start": TEXT.index(RAIL) + shift,
                                                  "end": TEXT.index(RAIL) + shift + len(RAIL),
                                                  "exact": RAIL, "state": "anchored"}
    assert editor.type(" now", editor.text.index(" together."))["ok"]  # typed inside the passage
    rail = listed(client, world)["<p>Trains</p>"]["anchor"]
    assert (rail["state"], rail["exact"]) == ("anchored", "Rail and buses link the market towns now together.")

    assert delete_live(editor, JOBS)["ok"]
    threads = listed(client, world)
    assert len(threads) == 2
    jobs = threads["<p>Apprenticeships</p>"]
    assert jobs["anchor"]["state"] == "orphaned" and jobs["anchor"]["exact"] == JOBS
    assert list(threads) == ["<p>Trains</p>", "<p>Apprenticeships</p>"]  # anchored first, then detached

    db.session.expire_all()
    assert db.session.get(Document, world["doc"].id).head_number == 1  # nothing was saved
    assert thread_of(JOBS).anchor_state == "anchored"  # the stored place waits for a revision
    filtered = client.get(f"/api/v1/documents/{world['doc'].id}/comments?orphaned=true").get_json()
    assert [t["body_html"] for t in filtered] == ["<p>Apprenticeships</p>"]


def test_undoing_a_live_deletion_brings_the_thread_back_and_a_snapshot_stores_the_live_places(client, world, editor):
    comment_api(client, world, JOBS, body="Apprenticeships")
    assert delete_live(editor, JOBS)["ok"]
    assert listed(client, world)["<p>Apprenticeships</p>"]["anchor"]["state"] == "orphaned"
    assert editor.type(JOBS, editor.text.index("\n", editor.text.index("## Jobs") + 8) + 1)["ok"]
    again = listed(client, world)["<p>Apprenticeships</p>"]["anchor"]
    assert (again["state"], again["exact"]) == ("anchored", JOBS)

    assert delete_live(editor, JOBS)["ok"]
    realtime.snapshot(db.session, db.session.get(Document, world["doc"].id))
    db.session.expire_all()
    assert thread_of(JOBS).anchor_state == "orphaned"  # saved: re-anchored for good, still kept
    assert listed(client, world)["<p>Apprenticeships</p>"]["anchor"]["state"] == "orphaned"


def test_one_diff_per_live_version_whatever_the_number_of_requests(client, world, editor, monkeypatch):
    calls = []
    real = live.revisions.diff
    monkeypatch.setattr(live.revisions, "diff", lambda a, b: calls.append(1) or real(a, b))
    for exact in ("Housing comes first", RAIL, JOBS):
        comment_api(client, world, exact)
    listed(client, world)
    assert calls == []  # no live draft ahead of the head: no diff at all
    editor.type("Intro. ", TEXT.index("Housing"))
    for _ in range(3):
        assert all(t["anchor"]["state"] == "anchored" for t in listed(client, world).values())
    assert len(calls) == 1
    editor.type("More. ", 0)
    listed(client, world)
    assert len(calls) == 2
    assert db.session.scalar(select(func.count(Thread.id))) == 3

