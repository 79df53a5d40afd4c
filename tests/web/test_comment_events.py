"""Live comments over /collab (wiki/comments/events.py; docs/realtime.md, event "comment").

Readers join a document as watchers; each new comment is checked and rendered for every one of
them separately. These tests use the Socket.IO test client (see test_collab_events.py) and run the
delivery inline, so what each connection received is known when the service call returns.
"""

import json
import os
import time
import uuid

import pytest
from sqlalchemy import delete

from tests.factories import add_member, make_space, make_user
from tests.web.test_collab_events import Peer, token
from wiki.auth.models import ApiToken
from wiki.comments import events, service
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.realtime import fanout
from wiki.spaces.models import Membership

TEXT = "# Plan\n\nFirst paragraph about housing.\n\nSecond paragraph about transport.\n"


@pytest.fixture
def inline(monkeypatch):
    """Deliver in the test's thread instead of a background task (other tasks still get a thread)."""
    real = events.socketio.start_background_task

    def start(fn, *args):
        return fn(*args) if fn is events.deliver else real(fn, *args)

    monkeypatch.setattr(events.socketio, "start_background_task", start)


@pytest.fixture
def watchers(app, inline):
    app.extensions["collab_loop"] = True  # no snapshot thread
    made = []

    def make(user=None, doc_id=None, *, watch=True):
        peer = Peer(app, token=token(user) if user is not None else None)
        made.append(peer)
        if doc_id is not None:
            ack = peer.call("join", {"doc": doc_id, "watch": True} if watch else {"doc": doc_id})
            assert ack["ok"], ack
            peer.doc_id = doc_id
            peer.take()
        return peer

    yield make
    for peer in made:
        peer.disconnect()


@pytest.fixture
def place(app):
    """A space (public or private) with a contributor, another contributor, an editor and a facilitator."""

    def make(private=False, **settings):
        space = make_space(private=private)
        for name, value in settings.items():
            setattr(space, name, value)
        people = {role: make_user(f"{role.title()} {name}") for role, name in
                  (("writer", "Wren"), ("contributor", "Cora"), ("editor", "Eddie"), ("facilitator", "Fay"))}
        for key, user in people.items():
            add_member(space, user, key if key in ("editor", "facilitator") else "contributor")
        doc = documents.create_document(db.session, space, people["editor"], "Plan", TEXT)
        db.session.commit()
        return space, people, doc.id

    return make


def post(doc_id, user, body, visibility="named"):
    document = db.session.get(Document, doc_id)
    start, end, quote = service.locate(db.session, document, document.head_number, exact="housing",
                                       block=None, prefix="First paragraph about ", suffix=".")
    thread = service.create_thread(db.session, document, user, revision=document.head_number, start=start, end=end,
                                   quote=quote, body=body, visibility=visibility)
    return thread.id


def received(peer) -> list[dict]:
    return peer.take("comment")


def test_a_watcher_joins_without_loading_the_live_draft_and_gets_no_edits(app, watchers, place):
    _space, people, doc_id = place()
    guest = watchers(None, doc_id)  # not signed in, public space
    assert not app.extensions["collab_rooms"].get(doc_id).loaded  # reading costs no live room
    editor = watchers(people["editor"], doc_id, watch=False)
    assert editor.sync()["ok"]
    assert editor.type(" more")["ok"]
    assert guest.take("sync") == [] and guest.take("awareness") == []
    refused = guest.call("sync", {"doc": doc_id, "data": b"\x00\x01\x00"})
    assert refused["ok"] is False and refused["code"] == "not_joined"
    assert guest.call("leave", {"doc": doc_id})["ok"]


def test_joining_as_a_watcher_checks_read_access(app, watchers, place):
    _space, people, doc_id = place(private=True)
    assert watchers(None).call("join", {"doc": doc_id, "watch": True})["code"] == "forbidden"
    assert watchers(make_user("Olive Outsider")).call("join", {"doc": doc_id, "watch": True})["code"] == "forbidden"
    ack = watchers(people["contributor"]).call("join", {"doc": doc_id, "watch": True})
    assert ack["ok"] and ack["role"] == "watcher"


def test_each_reader_gets_the_comment_rendered_for_them(app, watchers, place):
    _space, people, doc_id = place()
    peers = {key: watchers(user, doc_id) for key, user in people.items()}
    guest = watchers(None, doc_id)
    writer = people["writer"]
    thread_id = post(doc_id, writer, "Keep the *housing* budget.", visibility="anonymous")

    for key, peer in [*peers.items(), ("guest", guest)]:
        events_ = received(peer)
        assert len(events_) == 1, key
        event = events_[0]
        assert event["doc"] == doc_id and event["thread_id"] == thread_id and event["comment_id"]
        assert f'id="thread-{thread_id}"' in event["html"]
        assert "<em>housing</em>" in event["html"]
        assert "Community member" in event["html"]
        if key != "writer":
            assert writer.display_name not in event["html"], key  # anonymous to every other reader
        # Signed-in readers get the link to the reply form (the page opens its own copy in place);
        # no form, so no CSRF token rendered outside the reader's page travels with the event.
        assert ('data-inline-form="reply"' in event["html"]) is (key != "guest"), key
        assert 'name="csrf_token"' not in event["html"], key


def test_facilitators_only_comments_reach_facilitators_and_their_author_only(app, watchers, place):
    _space, people, doc_id = place()
    peers = {key: watchers(user, doc_id) for key, user in people.items()}
    guest = watchers(None, doc_id)
    post(doc_id, people["writer"], "Only facilitators should read this.", visibility="facilitators")

    assert people["writer"].display_name in received(peers["facilitator"])[0]["html"]
    assert len(received(peers["writer"])) == 1
    for key in ("contributor", "editor"):
        assert received(peers[key]) == [], key
    assert received(guest) == []


def test_comments_awaiting_approval_reach_facilitators_and_their_author_only(app, watchers, place):
    _space, people, doc_id = place(premoderation=True)
    peers = {key: watchers(user, doc_id) for key, user in people.items()}
    post(doc_id, people["writer"], "Waiting for approval.")
    assert len(received(peers["facilitator"])) == 1
    assert "Waiting for approval." in received(peers["writer"])[0]["html"]
    assert received(peers["contributor"]) == [] and received(peers["editor"]) == []


def test_access_is_checked_again_at_delivery(app, watchers, place):
    space, people, doc_id = place(private=True)
    removed = watchers(people["contributor"], doc_id)
    revoked = watchers(people["editor"], doc_id)
    staying = watchers(people["facilitator"], doc_id)
    db.session.execute(delete(Membership).where(Membership.user_id == people["contributor"].id,
                                                Membership.space_id == space.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == people["editor"].id))
    db.session.commit()

    post(doc_id, people["writer"], "After the changes.")
    assert received(removed) == []
    assert received(revoked) == []
    assert len(received(staying)) == 1


def test_nothing_is_sent_to_readers_of_other_documents(app, watchers, place):
    space, people, doc_id = place()
    other = documents.create_document(db.session, space, people["editor"], "Other", TEXT).id
    db.session.commit()
    elsewhere = watchers(people["facilitator"], other)
    post(doc_id, people["writer"], "Here, not there.")
    assert received(elsewhere) == []


REDIS_URL = os.environ.get("WIKI_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="Redis tests skipped: WIKI_TEST_REDIS_URL is not set")
def test_with_several_processes_the_notice_goes_through_redis(app, watchers, place, monkeypatch):
    """The poster's process publishes ids only; each process's listener delivers to its own readers."""
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "SOCKETIO_CHANNEL", f"wiki-test-{uuid.uuid4()}")
    published = []
    real_redis = fanout.redis_client(app)
    monkeypatch.setitem(app.extensions, "fanout_redis", _Spy(real_redis, published))
    _space, people, doc_id = place()
    reader = watchers(people["facilitator"], doc_id)  # its connection starts the listener
    assert app.extensions.get("fanout_listener")
    try:
        time.sleep(0.3)  # the listener subscribes in the background
        thread_id = post(doc_id, people["writer"], "Through Redis.", visibility="facilitators")
        assert published and "Through Redis" not in published[0] and str(thread_id) in published[0]
        for _ in range(50):
            got = received(reader)
            if got:
                break
            time.sleep(0.1)
        assert got and "Through Redis." in got[0]["html"]
    finally:
        app.extensions["collab_stop"] = True
        wake = json.dumps({"doc": 0, "thread": 0, "comment": 0})
        real_redis.publish(fanout.channel(app, events.TOPIC), wake)


class _Spy:
    def __init__(self, client, log):
        self._client, self._log = client, log

    def publish(self, channel, message):
        self._log.append(message)
        return self._client.publish(channel, message)

    def __getattr__(self, name):
        return getattr(self._client, name)
