"""The /collab namespace through Flask-SocketIO's test client (docs/realtime.md is the contract).

Each `Peer` is a Socket.IO test client with its own pycrdt Doc, so the tests speak the real binary
protocol: join, SyncStep1/2, Updates, awareness. Runs once per database backend (see conftest).

The test client handles events synchronously in the test's thread and, like the Flask test client,
reuses the app context the `app` fixture keeps pushed; `_isolated` gives each socket call what a
real request would have: an empty `g` before and the transaction ended after.
"""

import itertools
import time
from types import SimpleNamespace

import pytest
from flask import g
from sqlalchemy import delete, select

from tests.factories import PASSWORD, add_member, login, make_space, make_user, token_for
from wiki.auth.models import ApiToken, User
from wiki.documents import service as documents
from wiki.documents.models import Document, Revision
from wiki.extensions import db, socketio
from wiki.realtime import awareness, service, store, ydoc
from wiki.realtime.subscribers import run_idle_snapshots
from wiki.spaces import service as spaces_service
from wiki.spaces.models import Membership
from wiki.timeutil import utcnow

NS = "/collab"
SYNC = ydoc.YSyncMessageType
STEP1, STEP2, UPDATE = SYNC.SYNC_STEP1, SYNC.SYNC_STEP2, SYNC.SYNC_UPDATE
BASE = "# Plan\n\nFirst paragraph about housing.\n\nSecond paragraph about transport.\n\nThird paragraph about jobs.\n"
ROLES = ("anonymous", "outsider", "contributor", "editor", "facilitator", "admin")


def _isolated(call):
    vars(g._get_current_object()).clear()
    try:
        return call()
    finally:
        db.session.rollback()


class Peer:
    """One /collab connection with its own Yjs document (the Python side of a browser tab)."""

    def __init__(self, app, *, token: str | None = None, client=None):
        self.doc = ydoc.new_doc()
        self.doc_id: int | None = None
        self.inbox: list[tuple[str, dict]] = []
        self._remote = False
        self._local: list[bytes] = []
        self.doc.observe(self._capture)
        auth = {"token": token} if token is not None else None
        self.sio = _isolated(lambda: socketio.test_client(app, namespace=NS, auth=auth, flask_test_client=client))

    # --- transport --------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.sio.is_connected(NS)

    def call(self, event: str, payload) -> dict:
        ack = _isolated(lambda: self.sio.emit(event, payload, namespace=NS, callback=True))
        self.pump()
        return ack

    def pump(self) -> None:
        """Move what the server sent into the inbox, applying sync messages to the local doc."""
        if not self.connected:
            return
        for item in self.sio.get_received(NS):
            payload = item["args"][0] if item["args"] else None
            self.inbox.append((item["name"], payload))
            if item["name"] == "sync":
                kind, data = ydoc.parse_sync(payload["data"])
                if kind != STEP1:
                    self._remote = True
                    try:
                        self.doc.apply_update(data)
                    finally:
                        self._remote = False

    def take(self, name: str | None = None) -> list:
        """Payloads received (of one event name, or all as (name, payload)) since the last take."""
        self.pump()
        if name is None:
            taken, self.inbox = self.inbox, []
            return taken
        taken = [payload for event, payload in self.inbox if event == name]
        self.inbox = [(event, payload) for event, payload in self.inbox if event != name]
        return taken

    def disconnect(self) -> None:
        if self.connected:
            _isolated(lambda: self.sio.disconnect(namespace=NS))

    # --- protocol ---------------------------------------------------------------------------------

    def join(self, doc_id: int) -> dict:
        ack = self.call("join", {"doc": doc_id})
        if ack.get("ok"):
            self.doc_id = doc_id
        return ack

    def sync(self) -> dict:
        return self.call("sync", {"doc": self.doc_id, "data": ydoc.step1(self.doc)})

    def open(self, doc_id: int) -> dict:
        """Join and sync; returns the join ack."""
        ack = self.join(doc_id)
        assert ack["ok"], ack
        assert self.sync()["ok"]
        self.take()
        return ack

    def edit(self, change) -> bytes:
        """Make a local change (a function of the shared Text and the current text); its update."""
        self._local.clear()
        change(ydoc.text_of(self.doc), self.text)
        assert len(self._local) == 1
        return self._local[0]

    def insert(self, index: int, value: str) -> bytes:
        return self.edit(lambda shared, text: shared.insert(ydoc.byte_offset(text, index), value))

    def append(self, value: str) -> bytes:
        return self.edit(lambda shared, text: shared.insert(ydoc.byte_offset(text, len(text)), value))

    def send(self, update: bytes, doc_id: int | None = None) -> dict:
        return self.call("sync", {"doc": doc_id or self.doc_id, "data": ydoc.update_body(update)})

    def type(self, value: str, index: int | None = None) -> dict:
        update = self.append(value) if index is None else self.insert(index, value)
        return self.send(update)

    def send_awareness(self, state: dict | None, clock: int = 1) -> dict:
        data = awareness.encode([(self.doc.client_id, clock, state)])
        return self.call("awareness", {"doc": self.doc_id, "data": data})

    @property
    def text(self) -> str:
        return ydoc.get_text(self.doc)

    def _capture(self, event) -> None:
        if not self._remote:
            self._local.append(event.update)


# --- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def peers(app):
    """Make peers; all are disconnected at the end (the namespace object outlives each app)."""
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
def world(app):
    """A public and a private space, a user per role (members in both), a document in each space."""
    users = {"outsider": make_user("Olive Outsider"), "admin": make_user("Ada Admin", admin=True)}
    spaces = {False: make_space("open"), True: make_space("closed", private=True)}
    for role in ("contributor", "editor", "facilitator"):
        users[role] = make_user(f"{role.title()} Person")
        for space in spaces.values():
            add_member(space, users[role], role)
    docs = {private: documents.create_document(db.session, space, users["editor"], "Housing plan", BASE).id
            for private, space in spaces.items()}
    slugs = {private: (space.slug, db.session.get(Document, docs[private]).slug) for private, space in spaces.items()}
    ids = {role: user.id for role, user in users.items()}
    db.session.rollback()
    return SimpleNamespace(users=users, ids=ids, spaces=spaces, docs=docs, slugs=slugs, public=docs[False],
                           private=docs[True])


def token(user) -> str:
    value = token_for(user)
    db.session.rollback()
    return value


def logged_in(app, user):
    client = app.test_client()
    assert login(client, user, PASSWORD).status_code == 302
    return client


def editor_peer(peers, world, role: str = "editor", doc: int | None = None) -> Peer:
    peer = peers(token=token(world.users[role]))
    peer.open(doc or world.public)
    return peer


def rows(doc_id: int) -> int:
    count = store.row_count(db.session, doc_id)
    db.session.rollback()
    return count


def stored_text(doc_id: int) -> str:
    """The live text as the update log holds it (what a restarted server would load)."""
    doc = ydoc.new_doc()
    for _seq, data in store.rows_after(db.session, doc_id, 0):
        doc.apply_update(data)
    db.session.rollback()
    return ydoc.get_text(doc)


def head_text(doc_id: int) -> str:
    db.session.expire_all()
    text = documents.head(db.session, db.session.get(Document, doc_id)).text
    db.session.rollback()
    return text


def head_number(doc_id: int) -> int:
    db.session.expire_all()
    number = db.session.get(Document, doc_id).head_number
    db.session.rollback()
    return number


def refused(ack: dict, code: str) -> bool:
    return ack.get("ok") is False and ack.get("code") == code and bool(ack.get("error"))


def assert_room_works(peers, world, doc_id: int, *watchers: Peer) -> None:
    """Another editor can still edit the document, and the watchers get the change."""
    other = peers(token=token(world.users["facilitator"]))
    other.open(doc_id)
    before = rows(doc_id)
    ack = other.type(" ✓still working")
    assert ack["ok"], ack
    assert rows(doc_id) == before + 1
    assert stored_text(doc_id).endswith(" ✓still working")
    for watcher in watchers:
        assert watcher.take("sync"), "the watcher did not receive the change"
        assert " ✓still working" in watcher.text


# --- connecting and joining -------------------------------------------------------------------


def test_a_bad_token_is_refused_and_a_good_one_accepted(app, peers, world):
    assert not peers(token="wk_not-a-real-token").connected
    assert not peers(token="").connected
    assert not peers(token="x" * 500).connected
    assert peers(token=token(world.users["editor"])).connected


def test_anonymous_joins_a_public_document_read_only_but_not_a_private_one(peers, world):
    guest = peers()
    assert guest.connected
    ack = guest.join(world.public)
    assert ack["ok"] and ack["role"] == "viewer"
    assert ack["user"] == {"id": None, "name": "Guest", "color": ack["user"]["color"]}
    assert isinstance(ack["epoch"], int) and ack["seq"] >= 1
    assert refused(guest.join(world.private), "forbidden")


def _expected_role(role: str, private: bool) -> str | None:
    if role in ("editor", "facilitator", "admin"):
        return "editor"
    if private and role in ("anonymous", "outsider"):
        return None
    return "viewer"


@pytest.mark.parametrize("auth", ["token", "cookie"])
def test_role_matrix_for_joining(app, peers, world, auth):
    outcomes, expected = {}, {}
    for role in ROLES:
        user = world.users.get(role)
        if user is None:
            peer = peers()
        elif auth == "token":
            peer = peers(token=token(user))
        else:
            peer = peers(client=logged_in(app, user))
        for private in (False, True):
            ack = peer.join(world.docs[private])
            outcomes[role, private] = ack.get("role") if ack["ok"] else ack["code"]
            expected[role, private] = _expected_role(role, private) or "forbidden"
            if ack["ok"]:
                assert ack["user"]["id"] == world.ids.get(role)
    assert outcomes == expected


def test_joining_an_unknown_or_absurd_document_is_not_found(peers, world):
    peer = peers(token=token(world.users["admin"]))
    assert refused(peer.join(999_999), "not_found")
    assert refused(peer.join(-1), "not_found")
    assert refused(peer.join(2**63), "not_found")
    assert refused(peer.join(10**30), "not_found")
    assert peer.join(world.public)["ok"]  # the connection is still usable


def test_a_malformed_join_is_refused(peers, world):
    peer = peers(token=token(world.users["editor"]))
    for payload in (None, "7", [1], {"doc": "1"}, {"doc": True}, {"doc": 1.5}, {}, {"document": 1}):
        assert refused(peer.call("join", payload), "malformed"), payload
    assert peer.join(world.public)["ok"]


# --- syncing ----------------------------------------------------------------------------------


def test_sync_step1_is_answered_with_step2_then_step1(peers, world):
    peer = peers(token=token(world.users["editor"]))
    join = peer.join(world.public)
    ack = peer.sync()
    assert ack == {"ok": True, "seq": join["seq"]}
    messages = peer.take()
    assert [name for name, _ in messages] == ["sync", "sync"]
    kinds = [ydoc.parse_sync(payload["data"]) for _, payload in messages]
    assert [kind for kind, _ in kinds] == [STEP2, STEP1]
    assert all(payload["doc"] == world.public for _, payload in messages)
    assert peer.text == BASE
    server_state = kinds[1][1]
    assert ydoc.new_doc().get_state() != server_state  # the server's state vector, not an empty one
    assert not ydoc.adds_anything(peer.doc, ydoc.parse_sync(ydoc.step2(peer.doc, server_state))[1])


def test_a_second_sync_sends_only_what_is_missing(peers, world):
    peer = editor_peer(peers, world)
    assert peer.sync()["ok"]
    (step2, _step1) = peer.take("sync")
    _, update = ydoc.parse_sync(step2["data"])
    assert not ydoc.adds_anything(peer.doc, update)


def test_an_editors_update_is_stored_acknowledged_and_broadcast_to_the_others_only(peers, world):
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    guest = peers()
    guest.open(world.public)
    elsewhere = editor_peer(peers, world, doc=world.private)
    seq, before = rows(world.public), stored_text(world.public)

    ack = alice.type(" Ünïcode 😀 中文", index=len("# Plan"))

    assert ack == {"ok": True, "seq": seq + 1}
    assert rows(world.public) == seq + 1
    expected = "# Plan Ünïcode 😀 中文" + before[len("# Plan"):]
    assert stored_text(world.public) == expected
    assert alice.take() == []  # not echoed to the sender
    for peer in (bob, guest):
        (message,) = peer.take("sync")
        assert message["doc"] == world.public
        assert ydoc.parse_sync(message["data"])[0] == UPDATE
        assert peer.text == expected
    assert elsewhere.take() == []


def test_a_duplicate_update_is_acknowledged_without_a_new_row(peers, world):
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    update = alice.append(" once")
    first = alice.send(update)
    bob.take()
    count = rows(world.public)
    again = alice.send(update)
    assert first["ok"] and again == {"ok": True, "seq": first["seq"]}
    assert rows(world.public) == count
    assert bob.take() == []
    assert stored_text(world.public).count(" once") == 1


def test_a_viewers_edit_is_refused_read_only_and_nothing_is_stored(peers, world):
    viewer = peers(token=token(world.users["contributor"]))
    assert viewer.open(world.private)["role"] == "viewer"
    editor = editor_peer(peers, world, doc=world.private)
    count = rows(world.private)

    ack = viewer.type("vandalism")

    assert refused(ack, "read_only")
    assert rows(world.private) == count
    assert stored_text(world.private) == BASE
    assert editor.take() == []
    # Answering the server's SyncStep1 with a SyncStep2 that adds nothing is fine for a viewer.
    fresh = peers()
    fresh.open(world.public)
    assert fresh.call("sync", {"doc": world.public, "data": ydoc.step2(fresh.doc, ydoc.new_doc().get_state())})["ok"]
    state = ydoc.parse_sync(ydoc.step1(service.room_of(db.session, world.public).doc))[1]
    db.session.rollback()
    assert fresh.call("sync", {"doc": world.public, "data": ydoc.step2(fresh.doc, state)})["ok"]


def test_an_anonymous_viewers_garbage_update_is_refused_too(peers, world):
    guest = peers()
    guest.open(world.public)
    count = rows(world.public)
    ack = guest.call("sync", {"doc": world.public, "data": ydoc.update_body(b"\xff\x01\x02garbage")})
    assert ack["ok"] is False and ack["code"] in ("read_only", "malformed")
    assert rows(world.public) == count


# --- refusals: the room carries on --------------------------------------------------------------


def _garbage_update(peer, world):
    return {"doc": world.public, "data": ydoc.update_body(b"\x01\x01\xff\xff\xff\x0f\x00\x99garbage")}


def _truncated_update(peer, world):
    return {"doc": world.public, "data": ydoc.update_body(peer.append("x"))[:-2]}


MALFORMED = {
    "not-bytes": lambda peer, world: {"doc": world.public, "data": "AAEC"},
    "list-of-ints": lambda peer, world: {"doc": world.public, "data": [0, 1, 2]},
    "no-data": lambda peer, world: {"doc": world.public},
    "doc-not-int": lambda peer, world: {"doc": str(world.public), "data": b"\x00\x00"},
    "not-an-object": lambda peer, world: "hello",
    "empty-binary": lambda peer, world: {"doc": world.public, "data": b""},
    "unknown-sync-type": lambda peer, world: {"doc": world.public, "data": b"\x05\x00"},
    "wrong-length": lambda peer, world: {"doc": world.public, "data": b"\x02\x09abc"},
    "huge-varuint": lambda peer, world: {"doc": world.public, "data": b"\x02" + b"\xff" * 12 + b"\x01"},
    "truncated-sync": _truncated_update,
    "garbage-yjs-update": _garbage_update,
    "garbage-yjs-step2": lambda peer, world: {"doc": world.public, "data": ydoc.sync_body(STEP2, b"\xfe\xfe\xfe")},
    "garbage-state-vector": lambda peer, world: {"doc": world.public, "data": ydoc.sync_body(STEP1, b"\xff\xff\xff")},
}


def test_malformed_sync_is_refused_and_the_room_keeps_working(peers, world):
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    count, text = rows(world.public), stored_text(world.public)
    for case, make in MALFORMED.items():
        ack = alice.call("sync", make(alice, world))
        assert refused(ack, "malformed"), (case, ack)
        assert rows(world.public) == count and stored_text(world.public) == text, case
        assert bob.take() == [], case
    assert_room_works(peers, world, world.public, alice, bob)


def test_an_update_for_a_document_not_joined_is_refused(peers, world):
    alice = editor_peer(peers, world)  # joined the public document only
    other = editor_peer(peers, world, doc=world.private)
    count = rows(world.private)
    ack = alice.send(alice.append("wrong room"), doc_id=world.private)
    assert refused(ack, "not_joined")
    assert refused(alice.call("awareness", {"doc": world.private, "data": awareness.encode([])}), "not_joined")
    assert rows(world.private) == count and other.take() == []
    stranger = peers(token=token(world.users["editor"]))  # connected, joined nothing
    assert refused(stranger.send(stranger.append("x"), doc_id=world.public), "not_joined")
    assert_room_works(peers, world, world.private, other)


def test_an_oversized_update_is_refused_too_large(app, peers, world):
    app.config["COLLAB_MAX_UPDATE_BYTES"] = 200
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    count = rows(world.public)
    update = alice.append("x" * 300)
    assert len(ydoc.update_body(update)) > 200
    assert refused(alice.send(update), "too_large")
    assert rows(world.public) == count and stored_text(world.public) == BASE
    assert bob.take() == []
    assert_room_works(peers, world, world.public, bob)


def test_an_update_pushing_the_text_over_the_document_limit_is_refused(app, peers, world):
    app.config["DOCUMENT_MAX_BYTES"] = len(BASE.encode()) + 120
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    count = rows(world.public)
    assert refused(alice.send(alice.append("é" * 150)), "too_large")  # 300 bytes
    assert rows(world.public) == count and stored_text(world.public) == BASE
    assert bob.take() == []
    assert_room_works(peers, world, world.public, bob)  # a small change still fits


def test_a_flood_is_rate_limited_and_only_acknowledged_updates_are_stored(app, peers, world):
    app.config["COLLAB_RATE"] = 2  # burst 8, read when the connection opens; low, so a loaded machine still floods
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    count = rows(world.public)
    acks = [alice.send(alice.append(f"⟦{i}⟧")) for i in range(60)]
    time.sleep(0.6)  # the bucket lets one more through; that change follows refused ones
    acks.append(alice.send(alice.append("⟦60⟧")))
    ok = [i for i, ack in enumerate(acks) if ack["ok"]]
    codes = {ack["code"] for ack in acks if not ack["ok"]}
    assert 5 <= len(ok) < 60
    assert "rate_limited" in codes
    text = stored_text(world.public)
    assert rows(world.public) == count + len(ok)
    for i in range(61):
        assert text.count(f"⟦{i}⟧") == (1 if i in ok else 0), (i, acks[i])
    bob.take()
    assert bob.text == text
    assert_room_works(peers, world, world.public, bob)


def test_awareness_floods_are_rate_limited(app, peers, world):
    app.config["COLLAB_AWARENESS_RATE"] = 2  # burst 4
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    acks = [alice.send_awareness({"cursor": i}, clock=i + 1) for i in range(10)]
    assert [ack["ok"] for ack in acks].count(True) in (4, 5)
    assert refused(acks[-1], "rate_limited")
    assert len(bob.take("awareness")) == [ack["ok"] for ack in acks].count(True)


# --- access re-checked on every event ---------------------------------------------------------


def _assert_cut_off(peer: Peer, doc_id: int, ack: dict, codes: tuple[str, ...], count: int) -> None:
    assert ack["ok"] is False and ack["code"] in codes, ack
    resets = peer.take("reset")
    assert resets and resets[0]["doc"] == doc_id and resets[0]["reason"] == "access"
    assert rows(doc_id) == count
    # No longer in the document: later changes are refused until they join again.
    assert peer.send(peer.append("more"))["ok"] is False


def test_a_removed_member_is_cut_off_at_their_next_event(peers, world):
    peer = editor_peer(peers, world, doc=world.private)
    watcher = editor_peer(peers, world, "facilitator", doc=world.private)
    assert peer.type(" before")["ok"]
    membership = db.session.scalar(select(Membership).where(
        Membership.space_id == world.spaces[True].id, Membership.user_id == world.ids["editor"]))
    spaces_service.remove_member(db.session, world.spaces[True], membership)
    db.session.commit()
    count = rows(world.private)
    watcher.take()

    _assert_cut_off(peer, world.private, peer.type(" after"), ("forbidden",), count)
    assert " after" not in stored_text(world.private)
    assert "sync" not in [name for name, _ in watcher.take()]
    assert refused(peer.join(world.private), "forbidden")


def test_a_demoted_editor_is_cut_off_and_can_rejoin_as_a_viewer(peers, world):
    peer = editor_peer(peers, world, doc=world.private)
    add_member(world.spaces[True], world.users["editor"], "contributor")
    db.session.rollback()
    count = rows(world.private)
    _assert_cut_off(peer, world.private, peer.type(" after"), ("forbidden", "read_only"), count)
    assert peer.join(world.private)["role"] == "viewer"


def test_logging_out_ends_the_live_channel_of_that_session(app, peers, world):
    client = logged_in(app, world.users["editor"])
    peer = peers(client=client)
    assert peer.open(world.public)["role"] == "editor"
    assert peer.type(" mine")["ok"]
    count = rows(world.public)
    assert client.post("/logout").status_code == 302

    _assert_cut_off(peer, world.public, peer.type(" after logout"), ("unauthorized",), count)
    assert refused(peer.join(world.public), "unauthorized")
    assert peer.send_awareness({"cursor": 1})["ok"] is False


def test_a_revoked_token_ends_the_live_channel(peers, world):
    peer = editor_peer(peers, world)
    assert peer.type(" mine")["ok"]
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == world.ids["editor"]))
    db.session.commit()
    count = rows(world.public)
    _assert_cut_off(peer, world.public, peer.type(" after revoke"), ("unauthorized",), count)


def test_a_disabled_account_ends_the_live_channel(peers, world):
    peer = editor_peer(peers, world)
    user = db.session.get(User, world.ids["editor"])
    user.is_active_account = False
    db.session.commit()
    count = rows(world.public)
    _assert_cut_off(peer, world.public, peer.type(" after"), ("unauthorized",), count)


def test_an_account_erased_by_another_process_is_cut_off_at_its_next_event(peers, world):
    """Erasure marks the row (another process's sockets are not dropped by the signal here); the
    access check on the next event reads it."""
    peer = editor_peer(peers, world)
    user = db.session.get(User, world.ids["editor"])
    user.erased_at = utcnow()
    db.session.commit()
    count = rows(world.public)
    _assert_cut_off(peer, world.public, peer.type(" after erasure"), ("unauthorized",), count)
    assert peer.send_awareness({"cursor": 1})["ok"] is False


def test_leave_then_sync_is_not_joined(peers, world):
    peer = editor_peer(peers, world)
    assert peer.call("leave", {"doc": world.public}) == {"ok": True}
    assert refused(peer.type("x"), "not_joined")


# --- presence -------------------------------------------------------------------------------


def test_awareness_is_relayed_with_the_real_identity_and_removed_on_disconnect(peers, world):
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    guest = peers()
    guest.open(world.public)
    forged = {"user": {"id": world.ids["admin"], "name": "Ada Admin", "color": "#000000"}, "cursor": {"anchor": 4}}

    assert alice.send_awareness(forged, clock=3) == {"ok": True}
    assert guest.send_awareness({"cursor": None, "user": {"name": "Editor Person"}}) == {"ok": True}

    (seen_by_alice,) = alice.take("awareness")  # the guest's state; her own is not echoed
    assert [client for client, _, _ in awareness.parse(seen_by_alice["data"])] == [guest.doc.client_id]
    relayed = bob.take("awareness")
    states = {client: state for m in relayed for client, _clock, state in awareness.parse(m["data"])}
    assert states[alice.doc.client_id]["user"] == {"id": world.ids["editor"], "name": "Editor Person",
                                                  "color": states[alice.doc.client_id]["user"]["color"]}
    assert states[alice.doc.client_id]["cursor"] == {"anchor": 4}
    assert states[guest.doc.client_id]["user"]["name"] == "Guest"
    assert all(b"Ada Admin" not in m["data"] for m in relayed)

    alice.disconnect()
    (left,) = bob.take("peer-left")
    assert left == {"doc": world.public, "clients": [alice.doc.client_id]}
    (removal,) = bob.take("awareness")
    assert awareness.parse(removal["data"]) == [(alice.doc.client_id, 4, None)]
    assert guest.take("peer-left") == [left]


def test_malformed_awareness_is_refused(peers, world):
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    deep = b"\x01\x01\x01" + ydoc.write_var_uint(8000) + b"[" * 8000  # nested past the recursion limit
    for data in (b"\x01\x01\x01\x03abc", b"\x01\x01\x01\x02[]", awareness.encode([(1, 1, {})]) + b"\x00", deep,
                 "text"):
        assert refused(alice.call("awareness", {"doc": world.public, "data": data}), "malformed"), data
    assert bob.take("awareness") == []
    assert alice.send_awareness({"cursor": 1})["ok"]
    assert len(bob.take("awareness")) == 1


# --- saved revisions flow into the live draft -------------------------------------------------


def _form_save(app, world, text: str, base: int):
    space, slug = world.slugs[False]
    client = logged_in(app, world.users["editor"])
    response = client.post(f"/s/{space}/{slug}/edit",
                           data={"title": "Housing plan", "text": text, "base_revision": str(base), "summary": "form"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _api_save(app, world, text: str, base: int):
    response = app.test_client().put(
        f"/api/v1/documents/{world.public}", json={"text": text, "base_revision": base, "summary": "api"},
        headers={"Authorization": f"Bearer {token(world.users['facilitator'])}"})
    assert response.status_code == 200 and response.get_json()["created"], response.get_json()


def _revert(app, world, number: int):
    response = app.test_client().post(
        f"/api/v1/documents/{world.public}/revert", json={"revision": number},
        headers={"Authorization": f"Bearer {token(world.users['admin'])}"})
    assert response.status_code == 200 and response.get_json()["created"], response.get_json()


def _web_revert(app, world, number: int):
    space, slug = world.slugs[False]
    client = logged_in(app, world.users["editor"])
    assert client.post(f"/s/{space}/{slug}/r/{number}/revert").status_code == 302


@pytest.mark.parametrize("how", ["form", "api", "api-revert", "web-revert"])
def test_saved_changes_reach_every_open_editor_once(app, peers, world, how):
    _api_save(app, world, BASE.replace("jobs", "work 👷"), 1)  # revision 2, before anyone is live
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    guest = peers()
    guest.open(world.public)
    assert alice.text == bob.text == BASE.replace("jobs", "work 👷")
    count = rows(world.public)

    new_text = BASE.replace("housing", "homes 🏠").replace("transport", "buses").replace("jobs", "work 👷")
    if how == "form":
        _form_save(app, world, new_text, 2)
    elif how == "api":
        _api_save(app, world, new_text, 2)
    elif how == "api-revert":
        _revert(app, world, 1)
    else:
        _web_revert(app, world, 1)

    expected = head_text(world.public)
    assert expected == (BASE if how.endswith("revert") else new_text)
    for peer in (alice, bob, guest):
        messages = peer.take("sync")
        assert len(messages) == 1 and ydoc.parse_sync(messages[0]["data"])[0] == UPDATE
        assert peer.text == expected
    assert rows(world.public) == count + 1
    assert stored_text(world.public) == expected


def test_a_form_save_without_anyone_live_needs_no_live_draft(app, world):
    _form_save(app, world, BASE + "\nMore.\n", 1)
    assert rows(world.public) == 0
    assert head_text(world.public) == BASE + "\nMore.\n"


@pytest.mark.parametrize("intervening_save", [False, True])
def test_a_stale_form_save_merges_with_unsaved_live_edits(app, peers, world, intervening_save):
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    assert alice.type(" and skills 🛠", index=BASE.index("jobs") + len("jobs"))["ok"]
    assert bob.take("sync")
    expected = BASE.replace("jobs", "jobs and skills 🛠")
    if intervening_save:  # someone saves revision 2 through the API while the live edit is unsaved
        _api_save(app, world, BASE.replace("transport", "buses"), 1)
        expected = expected.replace("transport", "buses")
        assert alice.take("sync") and bob.take("sync")
        assert alice.text == bob.text == expected

    _form_save(app, world, BASE.replace("housing", "homes"), base=1)  # made on revision 1

    expected = expected.replace("housing", "homes")
    for peer in (alice, bob):
        assert peer.take("sync")
        assert peer.text == expected
    assert stored_text(world.public) == expected
    assert head_text(world.public) == expected.replace("jobs and skills 🛠", "jobs")  # the form's revision
    alice.disconnect()
    bob.disconnect()  # the last editor leaves: the live text becomes a revision
    assert head_text(world.public) == expected


# --- revisions from the live draft ----------------------------------------------------------


def _authors(doc_id: int) -> tuple[int, set[str], str]:
    db.session.expire_all()
    document = db.session.get(Document, doc_id)
    revision = db.session.scalar(select(Revision).where(Revision.document_id == doc_id,
                                                        Revision.number == document.head_number))
    result = document.head_number, {a.display_name for a in revision.authors}, revision.summary
    db.session.rollback()
    return result


def test_the_last_editor_leaving_creates_a_revision_crediting_everyone_who_typed(app, peers, world):
    alice = editor_peer(peers, world)
    bob = peers(client=logged_in(app, world.users["facilitator"]))
    bob.open(world.public)
    idle = editor_peer(peers, world, "admin")  # an editor who never types
    guest = peers()
    guest.open(world.public)
    assert alice.type(" — Alice ✍")["ok"]
    assert bob.type("Bob 🙂 ", index=0)["ok"]
    expected = "Bob 🙂 " + BASE + " — Alice ✍"

    alice.disconnect()
    assert head_number(world.public) == 1  # editors are still there
    assert bob.call("leave", {"doc": world.public}) == {"ok": True}
    assert head_number(world.public) == 1
    idle.disconnect()  # the last editor; the guest stays, reading

    number, authors, summary = _authors(world.public)
    assert number == 2 and head_text(world.public) == expected
    assert authors == {"Editor Person", "Facilitator Person"}
    assert summary
    assert guest.take("sync") and guest.text == expected


def test_leaving_without_changes_creates_no_revision(peers, world):
    alice = editor_peer(peers, world)
    alice.disconnect()
    assert head_number(world.public) == 1


def test_a_live_text_the_revision_normalises_is_not_saved_again_and_again(peers, world):
    """A client may type "\\r\\n" or a control character; the revision stores the cleaned text. An
    editor who later joins and leaves without typing must not add an identical revision."""
    alice = editor_peer(peers, world)
    assert alice.type("Line one\r\nLine two\x00\n")["ok"]
    alice.disconnect()
    assert head_number(world.public) == 2
    assert head_text(world.public) == BASE + "Line one\nLine two\n"
    for _ in range(2):
        editor_peer(peers, world, "facilitator").disconnect()
    assert head_number(world.public) == 2


def test_idle_live_drafts_become_revisions(app, peers, world):
    app.config["COLLAB_IDLE_SECONDS"] = 0
    alice = editor_peer(peers, world)
    assert run_idle_snapshots(app) == 0  # nothing typed yet
    assert alice.type(" idle edit")["ok"]
    db.session.rollback()

    assert run_idle_snapshots(app) == 1

    number, authors, _ = _authors(world.public)
    assert number == 2 and authors == {"Editor Person"}
    assert head_text(world.public) == BASE + " idle edit"
    assert run_idle_snapshots(app) == 0  # nothing new since
    assert alice.type(" again")["ok"]
    assert run_idle_snapshots(app) == 1
    assert head_text(world.public) == BASE + " idle edit again"


def test_not_yet_idle_drafts_wait(app, peers, world):
    app.config["COLLAB_IDLE_SECONDS"] = 3600
    alice = editor_peer(peers, world)
    assert alice.type(" recent")["ok"]
    assert run_idle_snapshots(app) == 0
    assert head_number(world.public) == 1


def test_compaction_shortens_the_log_and_a_restarted_server_loads_the_same_text(app, peers, world):
    from wiki import create_app

    app.config.update(COLLAB_IDLE_SECONDS=0, COLLAB_COMPACT_ROWS=5)
    alice, bob = editor_peer(peers, world), editor_peer(peers, world, "facilitator")
    for i, peer in zip(range(12), itertools.cycle((alice, bob)), strict=False):
        assert peer.type(f" {i}:ñ😀", index=(i * 7) % len(peer.text))["ok"]
    alice.take()
    bob.take()
    before = rows(world.public)
    assert before == 13

    assert run_idle_snapshots(app) == 1

    assert rows(world.public) < before
    assert alice.type(" after compaction")["ok"]  # the log goes on after the merged row
    live = alice.text
    assert bob.take("sync") and bob.text == live
    assert stored_text(world.public) == live
    alice.disconnect()
    bob.disconnect()
    db.session.rollback()

    restarted = create_app("testing", {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    restarted.extensions["collab_loop"] = True
    with restarted.app_context():
        try:
            room = service.room_of(db.session, world.public)
            assert room.text() == live
            fresh = Peer(restarted, token=token(db.session.get(User, world.ids["admin"])))
            fresh.open(world.public)
            assert fresh.text == live
            assert fresh.type(" restarted")["ok"]
            assert stored_text(world.public) == live + " restarted"
            fresh.disconnect()
        finally:
            db.session.remove()
            db.engine.dispose()
