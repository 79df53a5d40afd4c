"""/api/v1 routes for awareness: the caller's notifications (list, unread count, mark read), recent
changes of a space, and watching a document. What each caller sees is what the pages show them
(``kinds.present`` re-checks every row for the caller)."""

from flask import jsonify, request
from flask_login import current_user, login_required

from wiki.api.input import Field, body_schema, json_body
from wiki.api.openapi import ERROR, operation, path_param, query_param
from wiki.api.routes import bp
from wiki.awareness import feed, inbox
from wiki.awareness.links import item_url, note_url
from wiki.documents import service as documents
from wiki.errors import InvalidInput
from wiki.extensions import db
from wiki.spaces import service as spaces

_INT, _STR, _NINT = {"type": "integer"}, {"type": "string"}, {"type": "integer", "nullable": True}
ITEM = {"type": "object", "properties": {
    "id": _INT, "kind": _STR, "created_at": {"type": "string", "format": "date-time"}, "space": _STR,
    "document": {"type": "string", "nullable": True}, "who": _STR, "action": _STR, "headline": _STR,
    "summary": _STR, "excerpt": _STR, "revision": _NINT, "size_delta": _NINT, "url": _STR}}
NOTE = {"type": "object", "properties": {
    "id": _INT, "unread": {"type": "boolean"}, "reason": _STR, "count": _INT, "url": _STR, "event": ITEM}}
READ = {"ids": Field(list, default=None, nullable=True, description="Notification ids; omit to mark all read")}
WATCH = {"watch": Field(bool, description="true to watch, false to stop watching")}


def _user():
    return current_user._get_current_object()


def item_json(item) -> dict:
    return {"id": item.activity_id, "kind": item.kind, "created_at": item.created_at.isoformat(),
            "space": item.space_slug, "document": item.document_slug, "who": item.who, "action": item.action,
            "headline": item.headline, "summary": item.summary, "excerpt": item.excerpt,
            "revision": item.revision_number, "size_delta": item.size_delta, "url": item_url(item, external=True)}


@bp.get("/notifications")
@login_required
@operation("/notifications", "get", "The caller's notifications, newest first (paginated)",
           params=[query_param("page"), query_param("unread", "boolean", "true: unread only")],
           responses={200: ("Notifications", {"type": "object", "properties": {
               "notifications": {"type": "array", "items": NOTE}, "unread": _INT, "page": _INT, "pages": _INT}})})
def list_notifications():
    unread_only = request.args.get("unread", "").lower() in ("1", "true", "yes")
    result = inbox.page(db.session, _user(), request.args.get("page"), unread_only=unread_only)
    notes = [{"id": n.id, "unread": n.unread, "reason": n.reason, "count": n.count,
              "url": note_url(n, external=True), "event": item_json(n.item)} for n in result.views]
    return jsonify(notifications=notes, unread=inbox.unread_count(db.session, _user()), page=result.number,
                   pages=result.pages)


@bp.post("/notifications/read")
@login_required
@operation("/notifications/read", "post", "Mark notifications read (all of them without ids)", body=body_schema(READ),
           responses={200: ("How many changed, and the unread count left", {"type": "object", "properties": {
               "marked": _INT, "unread": _INT}}), 422: ("Invalid ids", ERROR)})
def read_notifications():
    ids = json_body(READ)["ids"]
    if ids is not None and not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise InvalidInput("'ids' must be a list of notification ids.", field="ids")
    marked = inbox.mark_read(db.session, _user(), ids)
    return jsonify(marked=marked, unread=inbox.unread_count(db.session, _user()))


@bp.get("/spaces/<space_slug>/changes")
@operation("/spaces/{space_slug}/changes", "get", "Recent changes of a space the caller may read",
           params=[path_param("space_slug", "string"), query_param("kind", "string", "Repeatable: revision, comment…"),
                   query_param("document", "integer", "Document id"), query_param("before", "integer", "Activity id")],
           responses={200: ("Changes, newest first", {"type": "object", "properties": {
               "changes": {"type": "array", "items": ITEM}, "older": _NINT}}), 404: ("No such space", ERROR)},
           public=True)
def space_changes(space_slug: str):
    space, _ = spaces.get_readable_space(db.session, space_slug, _user())
    changes = feed.recent(db.session, _user(), space=space, query=feed.Query.from_args(request.args))
    return jsonify(changes=[item_json(i) for i in changes.items], older=changes.older)


@bp.put("/documents/<int:document_id>/watch")
@login_required
@operation("/documents/{document_id}/watch", "put", "Watch a document, or stop watching it", body=body_schema(WATCH),
           params=[path_param("document_id")],
           responses={200: ("Whether the caller now gets its events", {"type": "object", "properties": {
               "watching": {"type": "boolean"}}}), 403: ("Not a participant", ERROR), 404: ("No such document", ERROR)})
def watch_document(document_id: int):
    active = json_body(WATCH)["watch"]
    _, document, _ = documents.find_by_id(db.session, document_id, _user())
    inbox.set_document_watch(db.session, _user(), document, active)
    return jsonify(watching=inbox.document_watch(db.session, _user(), document))
