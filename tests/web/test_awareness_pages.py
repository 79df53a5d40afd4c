"""The bell over /notify, "since you last looked" on the document page, and the briefing."""

import json
import os
import time
import uuid

import pytest
from flask import g
from sqlalchemy import delete

from tests.factories import login, make_user, token_for
from tests.web._awareness import TEXT, post, save, world
from wiki.awareness import events, inbox
from wiki.comments import service as comments
from wiki.documents import service as documents
from wiki.extensions import db, socketio
from wiki.realtime import fanout
from wiki.spaces.models import Membership

NS = "/notify"


@pytest.fixture
def inline(monkeypatch):
    """Ring bells in the test's thread instead of a background task."""
    real = socketio.start_background_task
    monkeypatch.setattr(socketio, "start_background_task",
                        lambda fn, *args: fn(*args) if fn is events.deliver else real(fn, *args))


def connect(app, user=None, client=None):
    vars(g._get_current_object()).clear()
    try:
        auth = {"token": token_for(user)} if user is not None else None
        return socketio.test_client(app, namespace=NS, auth=auth, flask_test_client=client)
    finally:
        db.session.rollback()


def counts(sio) -> list[int]:
    return [item["args"][0]["count"] for item in sio.get_received(NS) if item["name"] == "unread"]


# --- the bell ------------------------------------------------------------------------------------------


def test_the_bell_rings_live_for_the_watcher_only(app, inline):
    w = world()
    editor = connect(app, w.people["editor"])
    contributor = connect(app, w.people["contributor"])
    assert counts(editor) == [0] and counts(contributor) == [0]  # sent on connecting
    thread = post(w.doc_id, w.people["writer"], "A comment.")
    assert counts(editor) == [1] and counts(contributor) == []
    comments.reply(db.session, thread, w.people["contributor"], "A reply.")
    assert counts(editor) == [1]  # rung again, but the reply folded into the same notification
    save(w.doc_id, w.people["facilitator"], TEXT + "\nMore.\n")
    assert counts(editor) == [2] and counts(contributor) == []
    ack = editor.emit("count", {}, namespace=NS, callback=True)
    assert ack == {"ok": True, "unread": 2}
    inbox.mark_read(db.session, w.people["editor"])
    assert editor.emit("count", {}, namespace=NS, callback=True)["unread"] == 0


def test_the_bell_refuses_signed_out_pages_and_drops_lost_access(app, inline, client):
    w = world()
    assert not connect(app).is_connected(NS)
    assert not socketio.test_client(app, namespace=NS, auth={"token": "wk_nope"}).is_connected(NS)
    login(client, w.people["editor"])
    editor = connect(app, client=client)
    assert editor.is_connected(NS) and counts(editor) == [0]
    client.post("/logout")  # ends the session the socket was opened with
    save(w.doc_id, w.people["facilitator"], TEXT + "\nMore.\n")
    assert not editor.is_connected(NS)  # closed instead of told


def test_the_count_leaves_out_what_the_person_can_no_longer_read(app, inline):
    w = world()
    inbox.set_document_watch(db.session, w.people["contributor"], w.doc, True)
    bell = connect(app, w.people["contributor"])
    save(w.doc_id, w.people["facilitator"], TEXT + "\nMore.\n")
    assert counts(bell) == [0, 1]
    db.session.execute(delete(Membership).where(Membership.user_id == w.people["contributor"].id))
    db.session.commit()
    assert bell.emit("count", {}, namespace=NS, callback=True) == {"ok": True, "unread": 0}


def test_the_page_header_shows_the_unread_count_without_javascript(app, client):
    w = world()
    save(w.doc_id, w.people["facilitator"], TEXT + "\nMore.\n")
    login(client, w.people["editor"])
    page = client.get("/").get_data(as_text=True)
    assert "(1 unread)" in page and "dist/bell.js" in page
    client.post("/logout")
    assert "dist/bell.js" not in client.get("/").get_data(as_text=True)


# --- since you last looked ------------------------------------------------------------------------------


def test_a_returning_reader_sees_what_changed_and_which_comments_are_new(app, client):
    w = world()
    url = f"/s/{w.space.slug}/{w.doc.slug}"
    login(client, w.people["contributor"])
    first = client.get(url).get_data(as_text=True)
    assert "since you last visited" not in first
    old = post(w.doc_id, w.people["writer"], "Seen before.")
    assert client.get(url).get_data(as_text=True).count("New since your last visit") == 1  # new this time
    save(w.doc_id, w.people["facilitator"], TEXT + "\nOne.\n")
    save(w.doc_id, w.people["editor"], TEXT + "\nTwo.\n")
    save(w.doc_id, w.people["facilitator"], TEXT + "\nThree.\n")
    new = post(w.doc_id, w.people["writer"], "Brand new.", "anonymous")
    page = client.get(url).get_data(as_text=True)
    assert "3 changes by 2 people since you last visited" in page
    assert f"{url}/compare?from=1&amp;to=4" in page
    assert page.count("New since your last visit") == 1
    assert page.index(f'id="comment-{new.comments[0].id}"') < page.index("New since your last visit")
    assert f'id="comment-{old.comments[0].id}"' in page
    assert "since you last visited" not in client.get(url).get_data(as_text=True)  # now seen


def test_no_banner_for_guests_or_old_revisions(app, client):
    w = world(private=False)
    url = f"/s/{w.space.slug}/{w.doc.slug}"
    assert client.get(url).status_code == 200
    save(w.doc_id, w.people["facilitator"], TEXT + "\nOne.\n")
    assert "since you last visited" not in client.get(url).get_data(as_text=True)
    login(client, w.people["contributor"])
    client.get(url)
    save(w.doc_id, w.people["facilitator"], TEXT + "\nTwo.\n")
    assert "since you last visited" not in client.get(f"{url}/r/1").get_data(as_text=True)
    assert "1 change by 1 person since you last visited" in client.get(url).get_data(as_text=True)


# --- briefing -------------------------------------------------------------------------------------------


NEW_TEXT = "# Plan\n\nFirst paragraph about housing.\n\n# Buses\n\nNew section on buses.\n"


@pytest.fixture
def briefed(app):
    w = world()
    documents.tag(db.session, w.doc, w.people["editor"], 1, "Draft 1")
    save(w.doc_id, w.people["facilitator"], TEXT + "\nA closing note.\n", "Closing note")
    thread = post(w.doc_id, w.people["writer"], "Please keep housing first.")
    post(w.doc_id, w.people["writer"], "Only for facilitators.", "facilitators")
    comments.resolve(db.session, comments.get_thread(db.session, thread.id, w.people["editor"]), w.people["editor"])
    save(w.doc_id, w.people["editor"], NEW_TEXT, "Replaced transport with buses")
    documents.tag(db.session, w.doc, w.people["editor"], 3, "Draft 2")
    return w


def test_a_briefing_between_two_named_versions(client, briefed):
    w = briefed
    login(client, w.people["contributor"])
    response = client.get(f"/s/{w.space.slug}/{w.doc.slug}/briefing?from_version=Draft+1&to_version=Draft+2")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Briefing: Housing plan" in page and "Draft 1 → Draft 2" in page
    assert "Closing note" in page and "Replaced transport with buses" in page
    assert "2 revisions, revision 1 → 3" in page
    assert "Buses" in page and "Transport" in page and "removed" in page  # sections changed
    assert "1 comment thread opened, 1 resolved" in page
    assert "Please keep housing first." in page and "Only for facilitators" not in page
    login(client, w.people["facilitator"])
    page = client.get(f"/s/{w.space.slug}/{w.doc.slug}/briefing?from_version=Draft+1").get_data(as_text=True)
    assert "Only for facilitators" in page and "2 comment threads opened" in page


def test_a_briefing_between_dates_and_its_refusals(client, briefed):
    w = briefed
    login(client, w.people["editor"])
    base = f"/s/{w.space.slug}/{w.doc.slug}/briefing"
    page = client.get(base).get_data(as_text=True)  # the last two weeks by default
    assert "3 revisions" in page and "no-print" in page
    assert "No changes to the text" in client.get(f"{base}?from=2020-01-01&to=2020-01-31").get_data(as_text=True)
    for query, message in (("from=yesterday", "YYYY-MM-DD"), ("from=2030-01-02&to=2030-01-01", "after the end"),
                           ("from_version=Nope", "named versions"),
                           ("from_version=Draft+2&to_version=Draft+1", "older than")):
        response = client.get(f"{base}?{query}")
        assert response.status_code == 422 and message in response.get_data(as_text=True), query
    outsider = make_user()
    login(client, outsider)
    assert client.get(base).status_code == 404


REDIS_URL = os.environ.get("WIKI_TEST_REDIS_URL")


@pytest.mark.skipif(not REDIS_URL, reason="Redis tests skipped: WIKI_TEST_REDIS_URL is not set")
def test_with_several_processes_the_bell_rings_through_redis(app, inline, monkeypatch):
    """The saver's process publishes user ids only; each process's listener recounts for its own sockets."""
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "SOCKETIO_CHANNEL", f"wiki-test-{uuid.uuid4()}")
    w = world()
    published = []
    real = fanout.redis_client(app)
    monkeypatch.setattr(real, "publish", _spy(real.publish, published))
    editor = connect(app, w.people["editor"])  # its connection starts the listener
    assert app.extensions.get("fanout_listener") and counts(editor) == [0]
    try:
        time.sleep(0.3)  # the listener subscribes in the background
        save(w.doc_id, w.people["facilitator"], TEXT + "\nThrough Redis.\n", "Secret summary")
        assert published == [(fanout.channel(app, events.TOPIC), json.dumps({"users": [w.people["editor"].id]}))]
        for _ in range(50):
            got = counts(editor)
            if got:
                break
            time.sleep(0.1)
        assert got == [1]
    finally:
        app.extensions["collab_stop"] = True
        real.publish(fanout.channel(app, events.TOPIC), json.dumps({"users": []}))  # wake the listener to stop


def _spy(publish, log):
    def spy(channel, message):
        log.append((channel, message))
        return publish(channel, message)

    return spy
