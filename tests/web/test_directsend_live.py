"""The app's own Socket.IO server writes to websockets directly (wiki/realtime/directsend.py).

Served in this process by Werkzeug's threaded server, like `flask serve`, so the test can watch the
server's side: two editors type into one document and see each other's text, and what carried their
changes and acks was the direct path, on connections with Nagle's algorithm off. If a library upgrade
ever stopped the hook from applying, everything would still work, only slower: this is the test that
notices.
"""

import socket
import threading

import pytest
from werkzeug.serving import make_server

from tests.factories import add_member, make_space, make_user, token_for
from tests.realtime.helpers import wait_until
from wiki import create_app
from wiki.cli import _NoAddressHandler
from wiki.documents.service import create_document
from wiki.extensions import db
from wiki.realtime import directsend
from wiki.realtime.client import CollabClient


@pytest.fixture
def served(tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite'}",
                                 "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "REDIS_URL": None})
    with app.app_context():
        db.create_all()
        space, users = make_space("direct"), [make_user("Ada"), make_user("Grace")]
        for user in users:
            add_member(space, user, "editor")
        tokens = [token_for(user) for user in users]
        doc_id = create_document(db.session, space, users[0], "Plan", "# Plan\n").id
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_NoAddressHandler)  # as `flask serve`
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", doc_id, tokens
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        with app.app_context():
            db.engine.dispose()


def test_edits_and_acks_travel_by_direct_writes_on_nodelay_connections(served, monkeypatch):
    url, doc_id, tokens = served
    direct, lines = [], set()  # (encoded packet, written directly?)
    original = directsend.Line.send

    def spy(line, pkt):
        written = original(line, pkt)
        direct.append((pkt.encode(), written))
        lines.add(line)
        return written

    monkeypatch.setattr(directsend.Line, "send", spy)
    ada, grace = (CollabClient(url, doc_id, token=token, timeout=20) for token in tokens)
    ada.connect()
    grace.connect()
    try:
        ada.insert(len(ada.text), "Ada was here.\n")
        grace.insert(0, "Grace too. ")
        assert ada.wait_saved(20) and grace.wait_saved(20)
        assert wait_until(lambda: ada.text == grace.text == "Grace too. # Plan\nAda was here.\n", 20)
        assert len(lines) == 2
        assert all(line.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for line in lines)
    finally:
        ada.disconnect()
        grace.disconnect()
    def went_direct(test) -> bool:
        return any(written for encoded, written in direct if test(encoded))

    assert went_direct(lambda e: isinstance(e, bytes) and b"Ada was here." in e)  # Ada's change, to Grace
    assert went_direct(lambda e: isinstance(e, bytes) and b"Grace too. " in e)  # and Grace's, to Ada
    assert went_direct(lambda e: isinstance(e, str) and e.startswith("43/collab,") and '"seq"' in e)  # an ack


def test_acks_keep_the_send_lock_around_the_direct_path(served):
    """`_serialise_sends` must wrap directsend's hook, not be wrapped by it (else acks would skip the lock)."""
    from wiki.extensions import socketio

    assert socketio.server._send_packet.__wrapped__.__module__ == directsend.__name__
