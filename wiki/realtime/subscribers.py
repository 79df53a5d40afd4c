"""Wiring: the /collab namespace, saved revisions flowing into live drafts, and idle snapshots."""

import logging

from flask import Flask

from wiki import signals
from wiki.comments.events import init_comment_events
from wiki.extensions import db, socketio
from wiki.realtime import fanout, service, ydoc
from wiki.realtime.events import CollabNamespace, room_name
from wiki.realtime.rooms import Rooms

log = logging.getLogger(__name__)
_namespace: CollabNamespace | None = None


def init_realtime(app: Flask) -> None:
    global _namespace
    app.extensions["collab_rooms"] = Rooms()
    if _namespace is None:  # the SocketIO object is shared by every app of the process
        _namespace = CollabNamespace()
        signals.revision_committed.connect(_push_to_live_draft)
        signals.document_deleted.connect(_close_deleted_document)
        signals.user_erased.connect(_drop_erased_user)
        init_comment_events(app)  # new comments reach readers of the document (wiki/comments/events.py)
    # Every socketio.init_app() builds a new Socket.IO server, and on_namespace() after init_app only
    # registers on the current one: register again for each app, or a second app has no /collab.
    socketio.on_namespace(_namespace)
    app.extensions["collab_namespace"] = _namespace


def _push_to_live_draft(app, *, document_id, previous_text, text, user_id, source, **_):
    """Form saves, API PUTs and reverts reach open editors as ordinary Yjs updates."""
    if source in ("live", "create"):
        return
    update = service.push_saved_text(db.session, document_id, previous_text, text, user_id)
    if update:
        socketio.emit("sync", {"doc": document_id, "data": ydoc.update_body(update)},
                      to=room_name(document_id), namespace="/collab")


def _close_deleted_document(app, *, document_id, **_):
    """Editors of a deleted document are told and leave it; its in-memory room is dropped."""
    service.rooms().discard(document_id)
    _namespace.close_document(document_id)


def _drop_erased_user(app, *, user_id, **_):
    _namespace.drop_user(user_id)


def run_idle_snapshots(app: Flask) -> int:
    """Snapshot every live draft idle for COLLAB_IDLE_SECONDS, then compact its log; returns how many."""
    done = 0
    with app.app_context():
        for document_id in service.due_for_snapshot():
            try:
                outcome = service.snapshot_by_id(db.session, document_id)
                if outcome is not None:
                    service.compact_if_long(db.session, outcome.document)
                done += 1
            except Exception:  # one bad document must not stop the others' snapshots
                db.session.rollback()
                log.exception("live snapshot failed for document %s", document_id)
    return done


def start_snapshot_loop(app: Flask, interval: float = 5.0) -> None:
    """One background loop per app (started with the first connection)."""
    fanout.start_listener(app)  # with REDIS_URL: live notices (comments, bell) from other processes
    if app.extensions.get("collab_loop"):
        return
    app.extensions["collab_loop"] = True

    def loop():
        while not app.extensions.get("collab_stop"):
            socketio.sleep(interval)
            try:
                run_idle_snapshots(app)
            except Exception:
                log.exception("idle snapshot loop")

    socketio.start_background_task(loop)
