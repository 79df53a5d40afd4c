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
the notice {doc, thread, comment} — ids only, never content — is published on a Redis channel of
the deployment and every process delivers to its own connections.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, g, render_template

from wiki import signals
from wiki.auth import permissions
from wiki.extensions import _write_intent, db, login_manager, socketio
from wiki.realtime.connections import AccessLost, current_user_of
from wiki.spaces.service import actor_for

log = logging.getLogger(__name__)
NAMESPACE = "/collab"
THREAD_TEMPLATE = "comments/_thread.html"
_connected = False


def init_comment_events(app: Flask) -> None:
    """Listen for new comments (once per process: the signal is global, the app is its sender)."""
    global _connected
    if not _connected:
        signals.comment_added.connect(_on_comment_added)
        _connected = True


def _on_comment_added(sender, *, comment_id: int, thread_id: int, document_id: int, **_) -> None:
    app = sender._get_current_object() if hasattr(sender, "_get_current_object") else sender
    notice = {"doc": document_id, "thread": thread_id, "comment": comment_id}
    if app.config.get("REDIS_URL"):
        try:
            _redis(app).publish(_channel(app), json.dumps(notice))
            return
        except Exception:  # Redis down: at least this process's readers get it
            log.exception("could not publish a new comment notice; delivering locally only")
    _deliver_soon(app, notice)


def _deliver_soon(app: Flask, notice: dict) -> None:
    """Deliver in the background: the poster's request should not wait for every reader's render."""
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


# --- several processes: Redis pub/sub ---------------------------------------------------------------


def _channel(app: Flask) -> str:
    return f"{app.config['SOCKETIO_CHANNEL']}-comments"


def _redis(app: Flask):
    client = app.extensions.get("comments_redis")
    if client is None:
        import redis

        client = app.extensions["comments_redis"] = redis.Redis.from_url(app.config["REDIS_URL"])
    return client


def start_listener(app: Flask) -> None:
    """With REDIS_URL, one thread per process delivers published notices to this process's readers.

    Started with the process's first /collab connection (a process without connections has nobody
    to deliver to), like the snapshot loop.
    """
    if not app.config.get("REDIS_URL") or app.extensions.get("comments_listener"):
        return
    app.extensions["comments_listener"] = True

    def listen():
        while not app.extensions.get("collab_stop"):
            try:
                pubsub = _redis(app).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(_channel(app))
                for message in pubsub.listen():
                    if app.extensions.get("collab_stop"):
                        break
                    notice = json.loads(message["data"])
                    deliver(app, int(notice["doc"]), int(notice["thread"]), int(notice["comment"]))
                pubsub.close()
            except Exception:
                log.exception("live comment listener; restarting in a second")
                socketio.sleep(1)

    socketio.start_background_task(listen)
