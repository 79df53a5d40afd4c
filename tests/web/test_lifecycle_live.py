"""The live side of deleting a document and erasing an account, over the real /collab protocol.

- Deleting a document: everyone joined to it (editors, viewers, reading pages) receives `reset`
  with reason "deleted" and a message, is no longer in it (later events are refused as not found),
  the process forgets its room, and people on other documents notice nothing.
- Erasing an account: that person's sockets (session or token) are told and disconnected at once,
  the others see their cursor leave, and the live edits they made stay, credited to
  "deleted participant" in the next revision.
Runs on SQLite and PostgreSQL (the `app` fixture).
"""

import pytest
from sqlalchemy import delete

from tests.factories import PASSWORD, add_member, make_document, make_space, make_user, token_for
from tests.web.test_collab_events import Peer, refused
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.realtime import service as live
from wiki.realtime.events import DELETED
from wiki.realtime.subscribers import run_idle_snapshots

TEXT = "# Plan\n\nHousing comes first.\n"


@pytest.fixture
def peers(app):
    app.extensions["collab_loop"] = True  # no background snapshot thread: tests call it themselves
    made: list[Peer] = []

    def make(**kwargs) -> Peer:
        peer = Peer(app, **kwargs)
        made.append(peer)
        return peer

    yield make
    for peer in made:
        peer.disconnect()


@pytest.fixture
def people(app):
    space = make_space("plans")
    found = {role: make_user(f"{role.title()} Person") for role in ("editor", "facilitator", "contributor")}
    for role, person in found.items():
        add_member(space, person, role)
    doomed = make_document(space, found["editor"], "Doomed plan", TEXT)
    other = make_document(space, found["editor"], "Other plan", TEXT)
    tokens = {role: token_for(person) for role, person in found.items()}
    ids = {"doomed": doomed.id, "other": other.id, **{role: person.id for role, person in found.items()}}
    emails = {role: person.email for role, person in found.items()}
    db.session.rollback()
    return {"tokens": tokens, "ids": ids, "emails": emails, "space": "plans", "doomed_slug": doomed.slug}


def signed_in(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def rooms_held() -> set[int]:
    return {room.document_id for room in live.rooms().all()}


def test_deleting_a_document_resets_everyone_in_it_and_drops_its_room(app, peers, people):
    editor = peers(token=people["tokens"]["editor"])
    editor.open(people["ids"]["doomed"])
    assert editor.type(" typed live")["ok"]
    viewer = peers(token=people["tokens"]["contributor"])
    viewer.open(people["ids"]["doomed"])
    reader = peers(token=people["tokens"]["contributor"])
    assert reader.call("join", {"doc": people["ids"]["doomed"], "watch": True})["ok"]
    elsewhere = peers(token=people["tokens"]["editor"])
    elsewhere.open(people["ids"]["other"])
    assert people["ids"]["doomed"] in rooms_held()
    for peer in (editor, viewer, reader, elsewhere):
        peer.take()

    client = signed_in(app, people["emails"]["facilitator"])
    assert client.delete(f"/api/v1/documents/{people['ids']['doomed']}").status_code == 204

    for peer in (editor, viewer, reader):
        (reset,) = peer.take("reset")
        assert reset == {"doc": people["ids"]["doomed"], "epoch": 0, "reason": "deleted", "message": DELETED}
        assert peer.connected  # the connection stays usable for other documents
    assert elsewhere.take() == []
    assert people["ids"]["doomed"] not in rooms_held() and people["ids"]["other"] in rooms_held()

    assert refused(editor.type(" after"), "not_joined")
    assert refused(editor.join(people["ids"]["doomed"]), "not_found")
    assert editor.open(people["ids"]["other"])["ok"]  # and carries on elsewhere
    assert elsewhere.type(" still fine")["ok"]
    assert run_idle_snapshots(app) >= 0  # nothing left that points at the deleted document


def test_a_document_deleted_by_another_process_refuses_the_next_change(app, peers, people):
    """This process still holds the room (the deletion happened elsewhere, no signal reached it):
    the next update finds no document and is refused, never stored or crashed, and the room goes."""
    editor = peers(token=people["tokens"]["editor"])
    editor.open(people["ids"]["doomed"])
    db.session.execute(delete(Document).where(Document.id == people["ids"]["doomed"]))
    db.session.commit()

    assert refused(editor.type(" late"), "not_found")
    assert people["ids"]["doomed"] not in rooms_held()


def test_erasing_an_account_disconnects_its_sockets_and_keeps_its_live_edits(app, peers, people):
    browser = signed_in(app, people["emails"]["editor"])
    erin = peers(client=browser)
    erin.open(people["ids"]["doomed"])
    assert erin.send_awareness({"cursor": {"anchor": 1}})["ok"]
    assert erin.type(" Erin was here")["ok"]
    erin_api = peers(token=people["tokens"]["editor"])
    erin_api.open(people["ids"]["other"])
    fay = peers(token=people["tokens"]["facilitator"])
    fay.open(people["ids"]["doomed"])
    fay.take()

    assert browser.post("/profile/erase", data={"password": PASSWORD, "confirm": "y"}).status_code == 302

    assert not erin.connected and not erin_api.connected
    (left,) = fay.take("peer-left")
    assert left["clients"] == [erin.doc.client_id]
    assert fay.type(" Fay carries on")["ok"]
    outcome = live.snapshot_by_id(db.session, people["ids"]["doomed"])
    assert "Erin was here" in outcome.revision.text
    revisions = signed_in(app, people["emails"]["facilitator"]).get(
        f"/api/v1/documents/{people['ids']['doomed']}/revisions").get_json()["revisions"]
    assert sorted(revisions[0]["authors"]) == ["Facilitator Person", "deleted participant"]


def test_an_erased_persons_stale_socket_elsewhere_is_refused_at_its_next_event(app, peers, people):
    """A socket this process does not hold (another server process) cannot be disconnected at once:
    the session version changed, so its next event is refused."""
    erin = peers(token=people["tokens"]["editor"])
    erin.open(people["ids"]["doomed"])
    namespace = app.extensions["collab_namespace"]
    held = dict(namespace.connections.of_user(people["ids"]["editor"]))
    for sid in held:  # pretend it lives in another process: this one does not know it
        namespace.connections.close(sid)
    browser = signed_in(app, people["emails"]["editor"])
    assert browser.post("/profile/erase", data={"password": PASSWORD, "confirm": "y"}).status_code == 302
    for sid, conn in held.items():
        namespace.connections._by_sid[sid] = conn
    ack = erin.type(" after erasure")
    assert ack["ok"] is False and ack["code"] == "unauthorized"
