"""The bell, live: the /notify Socket.IO namespace (docs/notifications.md, "The bell").

A signed-in page opens one /notify connection. The server sends ``unread {count}`` when it connects
and whenever that person's notifications change. Delivery reuses wiki/realtime/fanout.py (as live
comments do): the notice names user ids only; each process finds its own connections for them,
reloads each user from the database (a logged-out or disabled account gets nothing, and its socket
is closed) and counts what they may still see. The client can ask again with ``count`` (ack
``{ok, unread}``) after a reconnection.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask_socketio import ConnectionRefusedError, Namespace, disconnect, emit  # noqa: A004

from wiki.awareness import inbox
from wiki.extensions import _write_intent, db, socketio
from wiki.realtime import fanout
from wiki.realtime.connections import AccessLost, Connections, connecting_user, current_user_of

log = logging.getLogger(__name__)
NAMESPACE = "/notify"
TOPIC = "bell"
_namespace: BellNamespace | None = None


class BellNamespace(Namespace):
    def __init__(self):
        super().__init__(NAMESPACE)
        self.connections = Connections()

    def on_connect(self, auth=None):
        user, token = connecting_user(db.session, auth)
        if user is None:
            raise ConnectionRefusedError("unauthorized")  # nothing to ring for a signed-out page
        self.connections.open(request.sid, user, token)
        fanout.start_listener(current_app._get_current_object())
        emit("unread", {"count": inbox.unread_count(db.session, user)})

    def on_disconnect(self, *args):
        self.connections.close(request.sid)

    def on_count(self, data=None):  # noqa: ARG002 - no arguments expected
        conn = self.connections.get(request.sid)
        try:
            if conn is None:
                raise AccessLost("Connect again: this connection is not known.")
            user = current_user_of(db.session, conn)
        except AccessLost as lost:
            self.connections.close(request.sid)
            disconnect()
            return {"ok": False, "error": str(lost), "code": "unauthorized"}
        return {"ok": True, "unread": inbox.unread_count(db.session, user)}


def init_bell(app: Flask) -> None:
    global _namespace
    if _namespace is None:
        _namespace = BellNamespace()
        fanout.register(TOPIC, _deliver_soon)
    socketio.on_namespace(_namespace)  # again for each app: every init_app builds a new server
    app.extensions["bell_namespace"] = _namespace


def announce(app: Flask, user_ids) -> None:
    """Ring these people's bells in every process (ids only travel)."""
    fanout.publish(app, TOPIC, {"users": sorted(set(user_ids))})


def _deliver_soon(app: Flask, notice: dict) -> None:
    namespace = app.extensions.get("bell_namespace")
    users = [int(u) for u in notice.get("users", [])]
    if namespace is None or not _connections_of(namespace, users):
        return
    socketio.start_background_task(deliver, app, users)


def _connections_of(namespace, user_ids) -> list:
    return [pair for uid in set(user_ids) for pair in namespace.connections.of_user(uid)]


def deliver(app: Flask, user_ids: list[int]) -> int:
    """Send each of this process's connections of these users its fresh unread count."""
    namespace = app.extensions.get("bell_namespace")
    if namespace is None:
        return 0
    sent = 0
    reading = _write_intent.set(False)  # only reads: never hold SQLite's write lock here
    with app.app_context():
        try:
            for sid, conn in _connections_of(namespace, user_ids):
                try:
                    user = current_user_of(db.session, conn)
                    count = inbox.unread_count(db.session, user)
                except AccessLost:
                    namespace.connections.close(sid)
                    socketio.server.disconnect(sid, namespace=NAMESPACE)
                    continue
                except Exception:  # one person's failure must not stop the others' bells
                    db.session.rollback()
                    log.exception("bell count failed for one connection")
                    continue
                socketio.emit("unread", {"count": count}, to=sid, namespace=NAMESPACE)
                sent += 1
        finally:
            db.session.remove()
            _write_intent.reset(reading)
    return sent
