"""/api/v1 routes for comments: post on a passage, list a document's threads, reply, resolve,
reopen, agree.

Positions are code points into the Markdown of the given revision; the quote must be exactly what
they select (else 422). Listing places every thread on the current text. A thread is addressed by
its first (visible) comment's id. What each caller sees follows the same rules as the pages
(wiki/comments/rules.py): no author id or name for anonymous comments, facilitators-only comments
only for facilitators and their author.
"""

from flask import jsonify, request
from flask_login import current_user, login_required

from wiki.api.input import Field, body_schema, json_body
from wiki.api.openapi import ERROR, operation, path_param, query_param
from wiki.api.routes import bp
from wiki.comments import service
from wiki.comments.presenters import CommentView, ThreadView
from wiki.documents import service as documents
from wiki.errors import InvalidInput
from wiki.extensions import begin_read, db

_VISIBILITY = "named (default), anonymous or facilitators"
POST = {
    "revision": Field(int, description="The revision the positions refer to"),
    "quote": Field(dict, description="{exact, prefix?, suffix?}: the selected text and the text just before/after"),
    "position": Field(dict, description="{start, end}: code-point offsets into that revision's Markdown"),
    "body": Field(str, description="Markdown, at most COMMENT_MAX_CHARS (5,000) characters"),
    "visibility": Field(str, default="named", description=_VISIBILITY),
    "perspective": Field(str, default=None, nullable=True,
                         description="One of the caller's consented perspective keys"),
}
REPLY = {
    "body": Field(str, description="Markdown"),
    "visibility": Field(str, default="named", description=_VISIBILITY),
    "perspective": Field(str, default=None, nullable=True),
}

_INT, _STR, _BOOL = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}
_NSTR, _NINT = {"type": "string", "nullable": True}, {"type": "integer", "nullable": True}


def _obj(**properties) -> dict:
    return {"type": "object", "properties": properties}


COMMENT = _obj(
    id=_INT, thread_id=_INT, body_html=_STR, author=_STR,
    author_id={**_NINT, "description": "Only when the caller may know who wrote it (never for anonymous comments)"},
    perspective=_NSTR, visibility=_STR, state={**_STR, "description": "published, pending, hidden or withdrawn"},
    notice=_STR, agree_count=_INT, agreed_by_me=_BOOL, edited=_BOOL,
    created_at={"type": "string", "format": "date-time"},
)
ANCHOR = _obj(start=_INT, end=_INT, exact=_STR, state={**_STR, "description": "anchored or orphaned"})
THREAD = {"type": "object", "properties": {
    **COMMENT["properties"], "status": _STR, "section": _STR, "revision": {**_INT, "description": "Made on"},
    "anchor": ANCHOR, "replies": {"type": "array", "items": COMMENT},
}}
THREADS = {"type": "array", "items": THREAD}
AGREED = _obj(id=_INT, agree_count=_INT, agreed_by_me=_BOOL)
STATUS = _obj(id=_INT, thread_id=_INT, status=_STR)

_DOC = path_param("document_id", description="Document id")
_COMMENT = path_param("comment_id", description="Comment id (a thread is addressed by its first comment's id)")
_FILTERS = [query_param("section", "string", "Heading id"), query_param("status", "string", "open or resolved"),
            query_param("perspective", "string", "Perspective key"),
            query_param("orphaned", "boolean", "true: only detached threads; false: only anchored ones")]
_REFUSED = {403: ("Not allowed", ERROR), 404: ("No such comment, or not visible to you", ERROR)}


def _user():
    return current_user._get_current_object()


def comment_json(view: CommentView) -> dict:
    return {"id": view.id, "thread_id": view.thread_id, "body_html": view.body_html, "author": view.author_label,
            "author_id": view.author_id_visible, "perspective": view.perspective_label,
            "visibility": view.visibility, "state": view.state, "notice": view.notice,
            "agree_count": view.agree_count, "agreed_by_me": view.agreed_by_me, "edited": view.edited,
            "created_at": view.created_at.isoformat()}


def thread_json(view: ThreadView) -> dict:
    first, *replies = view.comments
    return {**comment_json(first), "thread_id": view.id, "status": view.status, "section": view.section,
            "revision": view.revision_number,
            "anchor": {"start": view.anchor_start, "end": view.anchor_end, "exact": view.exact,
                       "state": view.anchor_state},
            "replies": [comment_json(reply) for reply in replies]}


def _nested(data: dict, name: str, fields: dict[str, type], required: set[str]) -> dict:
    value = data[name]
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise InvalidInput(f"Unknown field(s) in '{name}': {', '.join(unknown)}.", field=name)
    for key, kind in fields.items():
        if key not in value:
            if key in required:
                raise InvalidInput(f"'{name}.{key}' is required.", field=f"{name}.{key}")
        elif isinstance(value[key], bool) or not isinstance(value[key], kind):
            raise InvalidInput(f"'{name}.{key}' must be {'an integer' if kind is int else 'a string'}.",
                               field=f"{name}.{key}")
        elif kind is int and not 0 <= value[key] < 2**31:
            raise InvalidInput(f"'{name}.{key}' is out of range.", field=f"{name}.{key}")
    return value


def _thread_of(document, user, actor, thread_id: int) -> dict:
    views = service.thread_views(db.session, document, user, actor, thread_ids=[thread_id])
    return next((thread_json(v) for v in views if v.id == thread_id), {"thread_id": thread_id})


@bp.post("/documents/<int:document_id>/comments")
@login_required
@operation("/documents/{document_id}/comments", "post", "Comment on a passage of a revision (starts a thread)",
           body=body_schema(POST), params=[_DOC],
           responses={201: ("The new thread", THREAD), 403: ("May not comment here", ERROR),
                      404: ("No such document or revision", ERROR),
                      422: ("Invalid input, or the quote does not match the revision", ERROR),
                      429: ("Too many comments in a minute", ERROR)})
def post_comment(document_id):
    begin_read(db.session)  # checks without SQLite's write lock; create_thread takes it for the write only
    _, document, actor = documents.find_by_id(db.session, document_id, _user())
    data = json_body(POST)
    quote = _nested(data, "quote", {"exact": str, "prefix": str, "suffix": str}, {"exact"})
    position = _nested(data, "position", {"start": int, "end": int}, {"start", "end"})
    start, end, located = service.locate(db.session, document, data["revision"], start=position["start"],
                                         end=position["end"], exact=quote["exact"], prefix=quote.get("prefix", ""),
                                         suffix=quote.get("suffix", ""))
    thread = service.create_thread(db.session, document, _user(), revision=data["revision"], start=start, end=end,
                                   quote=located, body=data["body"], visibility=data["visibility"],
                                   perspective=data["perspective"])
    thread_id = thread.id
    begin_read(db.session)  # committed: the answer is read without holding SQLite's write lock
    return jsonify(_thread_of(document, _user(), actor, thread_id)), 201


@bp.get("/documents/<int:document_id>/comments")
@operation("/documents/{document_id}/comments", "get",
           "The document's comment threads you may see, placed on the current text (the live draft, when it is "
           "ahead of the last revision)", params=[_DOC, *_FILTERS],
           public=True, responses={200: ("Threads in document order, then detached ones", THREADS),
                                   404: ("No such document", ERROR)})
def list_comments(document_id):
    _, document, actor = documents.find_by_id(db.session, document_id, _user())
    views = service.thread_views(db.session, document, _user(), actor, filters=request.args, live=True)
    return jsonify([thread_json(v) for v in views])


@bp.post("/comments/<int:comment_id>/replies")
@login_required
@operation("/comments/{comment_id}/replies", "post", "Reply in the thread of a comment", body=body_schema(REPLY),
           params=[_COMMENT], responses={201: ("The reply", COMMENT), **_REFUSED,
                                         422: ("Invalid input", ERROR), 429: ("Too many comments in a minute", ERROR)})
def post_reply(comment_id):
    begin_read(db.session)  # checks without SQLite's write lock; reply takes it for the write only
    comment, actor = service.get_comment(db.session, comment_id, _user())
    data = json_body(REPLY)
    reply = service.reply(db.session, comment.thread, _user(), data["body"], data["visibility"], data["perspective"])
    begin_read(db.session)
    return jsonify(comment_json(service.comment_view(db.session, reply, _user(), actor))), 201


def _status(comment_id: int, action: str):
    comment, _ = service.get_comment(db.session, comment_id, _user())
    thread = getattr(service, action)(db.session, comment.thread, _user())
    return jsonify(id=comment_id, thread_id=thread.id, status=thread.status)


@bp.post("/comments/<int:comment_id>/resolve")
@login_required
@operation("/comments/{comment_id}/resolve", "post", "Resolve the comment's thread (editors, facilitators, its author)",
           params=[_COMMENT], responses={200: ("Resolved", STATUS), **_REFUSED})
def resolve_thread(comment_id):
    return _status(comment_id, "resolve")


@bp.post("/comments/<int:comment_id>/reopen")
@login_required
@operation("/comments/{comment_id}/reopen", "post", "Reopen the comment's thread (editors, facilitators, its author)",
           params=[_COMMENT], responses={200: ("Reopened", STATUS), **_REFUSED})
def reopen_thread(comment_id):
    return _status(comment_id, "reopen")


@bp.post("/comments/<int:comment_id>/agree")
@login_required
@operation("/comments/{comment_id}/agree", "post", "Agree (+1) with a comment; agreeing twice counts once",
           params=[_COMMENT], responses={200: ("The count", AGREED), **_REFUSED})
def agree_comment(comment_id):
    comment, _ = service.get_comment(db.session, comment_id, _user())
    return jsonify(id=comment_id, agree_count=service.agree(db.session, comment, _user()), agreed_by_me=True)


@bp.delete("/comments/<int:comment_id>/agree")
@login_required
@operation("/comments/{comment_id}/agree", "delete", "Take back your agreement", params=[_COMMENT],
           responses={200: ("The count", AGREED), **_REFUSED})
def unagree_comment(comment_id):
    comment, _ = service.get_comment(db.session, comment_id, _user())
    return jsonify(id=comment_id, agree_count=service.unagree(db.session, comment, _user()), agreed_by_me=False)
