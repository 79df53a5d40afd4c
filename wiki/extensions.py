"""Extension objects, created unbound so that create_app() can bind them to any configuration."""

import contextvars
import functools
import sqlite3
import threading
from datetime import datetime

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry, scoped_session

from wiki.realtime import directsend

# Named constraints so Alembic migrations are reproducible on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}



class Base(DeclarativeBase):
    """Every datetime column is timezone-aware, so PostgreSQL and SQLite agree on what is stored."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """Make every SQLite connection durable and safe for concurrent writers.

    WAL lets readers work while one writer commits; synchronous=FULL keeps an acknowledged commit
    across a power cut; busy_timeout waits for the write lock instead of failing. Autocommit mode
    (isolation_level=None) hands transaction control to the `begin` hook below.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


# Whether the next SQLite transaction in this context intends to write. Reads (GET/HEAD requests)
# begin deferred and never hold the write lock; everything else begins IMMEDIATE.
_write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("sqlite_write_intent", default=True)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """Start SQLite transactions that may write with BEGIN IMMEDIATE, reads with a plain BEGIN.

    A deferred transaction that reads and then writes fails at once with "database is locked" when
    another writer committed in between (WAL snapshot conflict); taking the write lock up front
    turns that into a wait (busy_timeout). Read-only requests must not take it, or every page view
    would queue behind a save. Code that writes inside a read request calls begin_write().
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def begin_write(session) -> None:
    """End the session's current transaction and begin one that may write.

    On SQLite this takes the write lock now (BEGIN IMMEDIATE); on PostgreSQL it is a plain new
    transaction (callers lock rows with SELECT … FOR UPDATE). Call it before the reads a write
    depends on, so they see the latest committed state.
    """
    _begin(session, write=True)


def begin_read(session) -> None:
    """End the session's current transaction and begin a read-only one that never waits for a lock
    (SQLite WAL readers are not blocked): for reads made while holding an in-process lock."""
    _begin(session, write=False)


def _begin(session, write: bool) -> None:
    session = session.registry() if isinstance(session, scoped_session) else session
    if session.in_transaction():
        session.commit()
    token = _write_intent.set(write)
    try:
        session.connection()
    finally:
        _write_intent.reset(token)


def read_only_requests(app) -> None:
    """GET/HEAD/OPTIONS requests begin their transactions deferred (see _sqlite_begin)."""
    from flask import g, request

    @app.before_request
    def _mark_reads():
        if request.method in ("GET", "HEAD", "OPTIONS"):
            g._write_intent_token = _write_intent.set(False)

    @app.teardown_request
    def _unmark(_error=None):
        token = g.pop("_write_intent_token", None)
        if token is not None:
            _write_intent.reset(token)


def init_app(app) -> None:
    """Bind every extension to the app; Socket.IO stays same-origin and size-limited."""
    db.init_app(app)
    read_only_requests(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.session_protection = "basic"
    # The SocketIO object is shared by every app in the process and serves the one made last (a
    # deployment makes one; tests make many): an earlier app's Redis client manager must not carry
    # over to an app configured without a message queue.
    socketio.server_options.pop("client_manager", None)
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=app.config.get("REDIS_URL"),
        channel=app.config["SOCKETIO_CHANNEL"],
        max_http_buffer_size=app.config["SOCKETIO_MAX_BUFFER"],
        cors_allowed_origins=app.config.get("SOCKETIO_ALLOWED_ORIGINS"),
        manage_session=False,
        # One connection's events are handled in order: a Yjs update may depend on the previous one.
        async_handlers=False,
    )
    directsend.install(socketio.server)  # first: the send lock below must wrap its sends too
    _serialise_sends(socketio.server)


def _serialise_sends(server) -> None:
    """Make every Socket.IO packet reach its client whole, whichever threads send at once.

    A binary event (every `sync`) goes out as a header packet followed by its attachment. In
    threading mode several threads send to the same client: its own handler thread (acks, the
    answer to its SyncStep1), other clients' handler threads (broadcasts) and the Redis listener
    (broadcasts from other processes). python-socketio does not serialise them (by design), so an
    ack could land between a header and its attachment: the client then reads the ack as the
    attachment and drops both — a lost update and a lost ack (socket.io-client: "got plaintext
    data when reconstructing a packet", then a reconnect). One lock around each send fixes it;
    a send queues packets or writes them without waiting (wiki/realtime/directsend.py), so it is held
    for microseconds.
    """
    lock = threading.RLock()

    def locked(method):
        @functools.wraps(method)
        def send(*args, **kwargs):
            with lock:
                return method(*args, **kwargs)

        return send

    server._send_packet = locked(server._send_packet)  # acks, connect replies, callback emits
    manager = server.manager
    if hasattr(manager, "_handle_emit"):  # a message-queue manager: local delivery, not the publish
        manager._handle_emit = locked(manager._handle_emit)
    else:
        manager.emit = locked(manager.emit)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
