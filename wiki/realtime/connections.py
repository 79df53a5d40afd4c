"""Who is on each Socket.IO connection, re-checked against the database on every event.

A connection remembers how it authenticated (session cookie with its session version, or an API
token); each event reloads the user and fails if they logged out everywhere, were disabled, or the
token was revoked. Document access is then checked afresh (see events.py).
"""

import threading
import time
from dataclasses import dataclass, field

from flask import current_app

from wiki.auth import service as accounts
from wiki.auth.models import User
from wiki.realtime.ratelimit import TokenBucket

PALETTE = ("#0b5d8f", "#a4262c", "#1d6b3a", "#6b3fa0", "#8a4b00", "#00707a", "#b3186f", "#3d4fa8")


class AccessLost(Exception):
    """The connection's user may no longer act: logged out, disabled, token revoked."""


@dataclass
class Connection:
    user_id: int | None
    session_version: int | None = None
    token: str | None = None
    doc_id: int | None = None
    can_edit: bool = False
    watching: bool = False  # joined with {"watch": true}: receives comment events, not the draft
    clients: dict = field(default_factory=dict)  # Yjs client id → last awareness clock
    sync_bucket: TokenBucket | None = None
    awareness_bucket: TokenBucket | None = None

    def allow(self, kind: str) -> bool:
        bucket = self.sync_bucket if kind == "sync" else self.awareness_bucket
        return bucket.allow(time.monotonic())


def identity(user: User | None) -> dict:
    """What peers see of a user beside their cursor (server-made, so it cannot be forged)."""
    if user is None:
        return {"id": None, "name": "Guest", "color": "#4a5560"}
    return {"id": user.id, "name": user.display_name, "color": PALETTE[user.id % len(PALETTE)]}


class Connections:
    def __init__(self):
        self._by_sid: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def open(self, sid: str, user: User | None, token: str | None) -> Connection:
        config = current_app.config
        conn = Connection(
            user_id=user.id if user else None,
            session_version=None if (user is None or token) else user.session_version,
            token=token,
            sync_bucket=TokenBucket(config["COLLAB_RATE"], config["COLLAB_RATE"] * 4),
            awareness_bucket=TokenBucket(config["COLLAB_AWARENESS_RATE"], config["COLLAB_AWARENESS_RATE"] * 2),
        )
        with self._lock:
            self._by_sid[sid] = conn
        return conn

    def get(self, sid: str) -> Connection | None:
        with self._lock:
            return self._by_sid.get(sid)

    def close(self, sid: str) -> Connection | None:
        with self._lock:
            return self._by_sid.pop(sid, None)

    def in_document(self, doc_id: int) -> list[Connection]:
        with self._lock:
            return [c for c in self._by_sid.values() if c.doc_id == doc_id]

    def of_user(self, user_id: int) -> list[tuple[str, Connection]]:
        """(sid, connection) of this process's sockets opened by the user (to drop them on erasure)."""
        with self._lock:
            return [(sid, c) for sid, c in self._by_sid.items() if c.user_id == user_id]

    def joined(self, doc_id: int) -> list[tuple[str, Connection]]:
        """(sid, connection) of this process's sockets joined to the document: per-recipient sends."""
        with self._lock:
            return [(sid, c) for sid, c in self._by_sid.items() if c.doc_id == doc_id]


def connecting_user(session, auth) -> tuple[User | None, str | None]:
    """(user, token) of a socket being opened: an API token given in the Socket.IO ``auth``, else the
    Flask session's user (None when signed out). A bad token is refused, not treated as anonymous."""
    from flask_login import current_user
    from flask_socketio import ConnectionRefusedError  # noqa: A004

    token = auth.get("token") if isinstance(auth, dict) else None
    if token is not None:
        user = accounts.user_for_token(session, str(token))
        if user is None:
            raise ConnectionRefusedError("unauthorized")  # socketio's: its message reaches the client
        return user, token
    return (current_user._get_current_object() if current_user.is_authenticated else None), None


def current_user_of(session, conn: Connection) -> User | None:
    """Reload the connection's user; AccessLost if they may no longer use it."""
    if conn.user_id is None:
        return None
    if conn.token is not None:
        user = accounts.user_for_token(session, conn.token)
        if user is None or user.id != conn.user_id:
            raise AccessLost("Your API token is no longer valid.")
        return user
    user = session.get(User, conn.user_id)
    if user is None or not user.is_active or user.session_version != conn.session_version:
        raise AccessLost("You have been logged out.")
    return user
