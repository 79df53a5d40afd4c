"""Live comments: each new comment or reply reaches the people reading its document, checked and
rendered separately for every one of them (docs/realtime.md, server event ``comment``).

Nothing is broadcast to a room: a room cannot tell a facilitator from a contributor, and the same
comment reads differently to different people (an anonymous author's name, "awaiting approval", the
edit and hide buttons). So for each /collab connection joined to the document, this module reloads
its user from the database (a socket opened before a logout or a demotion gets nothing), checks read
access to the space *now*, asks ``service.comment_view`` whether this person may see the comment at
all (facilitators-only → facilitators and the author; pending → facilitators and the author), and
only then renders the thread with the panel's own template and sends it to that socket alone.

Several server processes (``REDIS_URL``): connections live in the process that accepted them, so
the notice {doc, thread, comment} — ids only, never content — goes through wiki/realtime/fanout.py
(a Redis channel of the deployment) and every process delivers to its own connections.
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template

from wiki import signals
from wiki.auth import permissions
from wiki.extensions import _write_intent, db, login_manager, socketio
from wiki.realtime import fanout
from wiki.realtime.connections import AccessLost, current_user_of
from wiki.spaces.service import actor_for

log = logging.getLogger(__name__)
NAMESPACE = "/collab"
THREAD_TEMPLATE = "comments/_thread.html"
TOPIC = "comments"
_connected = False


def init_comment_events(app: Flask) -> None:
    """Listen for new comments (once per process: the signal is global, the app is its sender)."""
    global _connected
    if not _connected:
        signals.comment_added.connect(_on_comment_added)
        fanout.register(TOPIC, _deliver_soon)
        _connected = True


def _on_comment_added(sender, *, comment_id: int, thread_id: int, document_id: int, **_) -> None:
    app = sender._get_current_object() if hasattr(sender, "_get_current_object") else sender
    fanout.publish(app, TOPIC, {"doc": document_id, "thread": thread_id, "comment": comment_id})


def _deliver_soon(app: Flask, notice: dict) -> None:
    """Deliver in the background: the poster's request should not wait for every reader's render."""
    notice = {key: int(notice[key]) for key in ("doc", "thread", "comment")}
    namespace = app.extensions.get("collab_namespace")
    if namespace is None or not namespace.connections.joined(notice["doc"]):
        return
    socketio.start_background_task(deliver, app, notice["doc"], notice["thread"], notice["comment"])


def deliver(app: Flask, document_id: int, thread_id: int, comment_id: int) -> int:
    """Send the comment to each connection of this process that may see it; returns how many."""
    from wiki.comments import service
    from wiki.comments.models import Comment

    namespace = app.extensions.get("collab_namespace")
    if namespace is None:
        return 0
    sent = 0
    # Only reads here: on SQLite begin them deferred (extensions._sqlite_begin), or this thread would
    # hold the write lock — and queue every poster — for as long as the renders take.
    reading = _write_intent.set(False)
    with app.app_context():
        try:
            comment = db.session.get(Comment, comment_id)
            if comment is None or comment.thread_id != thread_id or comment.thread.document_id != document_id:
                return 0
            document = comment.thread.document
            for sid, conn in namespace.connections.joined(document_id):
                try:
                    html = _render_for(app, conn, service, document, comment)
                except AccessLost:
                    continue
                except Exception:  # one reader's failure must not stop the others' delivery
                    db.session.rollback()
                    log.exception("live comment %s could not be prepared for one reader", comment_id)
                    continue
                if html is not None:
                    socketio.emit("comment", {"doc": document_id, "thread_id": thread_id, "comment_id": comment_id,
                                              "html": html}, to=sid, namespace=NAMESPACE)
                    sent += 1
        finally:
            db.session.remove()
            _write_intent.reset(reading)
    return sent


def _render_for(app: Flask, conn, service, document, comment) -> str | None:
    """The thread as this connection's user would see it in the panel, or None if they may not."""
    user = current_user_of(db.session, conn)  # AccessLost: logged out, disabled, token revoked
    actor = actor_for(db.session, user, document.space)
    if not permissions.can_read(actor, document.space.is_private):
        return None
    if service.comment_view(db.session, comment, user, actor) is None:
        return None
    # with_blocks: the rendered block and text of the passage, which the page highlights
    views = service.thread_views(db.session, document, user, actor, with_blocks=True, thread_ids=[comment.thread_id])
    if not views:
        return None
    # A request context of its own: the template's url_for, current_user (this reader, not the
    # poster) and csrf_token() (a throwaway one: the page swaps in its own before showing it).
    with app.test_request_context("/"):
        g._login_user = user if user is not None else login_manager.anonymous_user()
        return render_template(THREAD_TEMPLATE, thread=views[0], document=document, space=document.space,
                               actor=actor, live=True)
