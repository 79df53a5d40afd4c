"""/api/v1 routes for documents and their revisions: create, read, save (with merge), history, diff, revert.

Views only parse, call wiki.documents.service / history and shape JSON; permissions, validation,
merging and conflicts are the service's. Offsets are Python string indices into the Markdown.
"""

from flask import jsonify, request, url_for
from flask_login import current_user, login_required

from wiki.api.input import Field, body_schema, json_body, query_int
from wiki.api.openapi import ERROR, operation, path_param, query_param
from wiki.api.routes import bp
from wiki.documents import deletion, history
from wiki.documents import service as documents
from wiki.extensions import db
from wiki.timeutil import as_utc

# --- request bodies ---------------------------------------------------------------------------

CREATE = {
    "title": Field(str, description="At most 200 characters"),
    "text": Field(str, description="Markdown"),
    "summary": Field(str, default="", description="Edit summary (at most 500 characters)"),
}
SAVE = {
    "text": Field(str, description="The whole new Markdown text"),
    "base_revision": Field(int, description="The revision the edit was made on"),
    "summary": Field(str, default=""),
    "title": Field(str, default=None, nullable=True, description="A new title; omitted keeps the current one"),
}
REVERT = {"revision": Field(int, description="The revision whose text becomes the head again")}

# --- response schemas -------------------------------------------------------------------------

_INT, _STR, _BOOL = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}
_NAMES = {"type": "array", "items": _STR}
_TIME = {"type": "string", "format": "date-time"}


def _obj(**properties) -> dict:
    return {"type": "object", "properties": properties}


CREATED = _obj(id=_INT, slug=_STR, revision=_INT, url=_STR)
DOCUMENT = _obj(id=_INT, space=_STR, slug=_STR, title=_STR, status=_STR, revision=_INT, text=_STR, html=_STR)
SAVED = _obj(revision=_INT, created=_BOOL, merged=_BOOL, merged_with=_NAMES)
CONFLICT = {
    **_obj(
        error=_STR, head_revision=_INT, mine=_STR,
        merged_text={**_STR, "description": "The merge with the conflicting regions marked"},
        conflicts={"type": "array", "items": _obj(start=_INT, end=_INT, base=_STR, theirs=_STR, mine=_STR)},
    ),
    "required": ["error", "conflicts", "head_revision"],
}
REVISION_ROW = _obj(
    number=_INT, title=_STR, summary=_STR, authors=_NAMES, created_at=_TIME, size=_INT, size_delta=_INT,
)
HISTORY = _obj(page=_INT, pages=_INT, per_page=_INT, total=_INT, revisions={"type": "array", "items": REVISION_ROW})
REVISION = _obj(
    number=_INT, title=_STR, text=_STR, html=_STR, summary=_STR, created_at=_TIME,
    author={**_STR, "nullable": True}, authors=_NAMES,
)
DIFF = _obj(
    **{"from": _INT, "to": _INT},
    diff={"type": "array", "description": "[op, text] pairs; op is -1 (delete), 0 (equal) or 1 (insert)",
          "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {}}},
)
REVERTED = _obj(revision=_INT, created=_BOOL)

_DOC = path_param("document_id", description="Document id")
_SPACE = path_param("space", "string", "Space address (slug)")
_NUMBER = path_param("number", description="Revision number")


def _user():
    return current_user._get_current_object()


def _iso(value) -> str:
    return as_utc(value).isoformat()


# --- routes -----------------------------------------------------------------------------------


@bp.post("/spaces/<space>/documents")
@login_required
@operation("/spaces/{space}/documents", "post", "Create a document (editors, facilitators, admins)",
           body=body_schema(CREATE), params=[_SPACE],
           responses={201: ("Created", CREATED), 403: ("Not an editor", ERROR), 404: ("No such space", ERROR),
                      413: ("Text too large", ERROR), 422: ("Invalid input", ERROR)})
def create_document(space):
    space_row, _ = documents.require_space_editor(db.session, space, _user())
    data = json_body(CREATE)
    document = documents.create_document(db.session, space_row, _user(), data["title"], data["text"],
                                         data["summary"])
    url = url_for("api.get_document", document_id=document.id)
    return jsonify(id=document.id, slug=document.slug, revision=document.head_number, url=url), 201, {
        "Location": url}


@bp.get("/documents/<int:document_id>")
@operation("/documents/{document_id}", "get", "A document at its head revision", params=[_DOC], public=True,
           responses={200: ("The document", DOCUMENT), 404: ("No such document", ERROR)})
def get_document(document_id):
    space, document, _ = documents.find_by_id(db.session, document_id, _user())
    head = documents.head(db.session, document)
    return jsonify(id=document.id, space=space.slug, slug=document.slug, title=document.title,
                   status=document.status, revision=head.number, text=head.text, html=head.html)


@bp.put("/documents/<int:document_id>")
@login_required
@operation("/documents/{document_id}", "put",
           "Save a new text made on `base_revision`; saves made since are merged in, overlaps are a 409",
           body=body_schema(SAVE), params=[_DOC],
           responses={200: ("Saved (or unchanged: created is false)", SAVED), 403: ("Not an editor", ERROR),
                      404: ("No such document or base revision", ERROR), 409: ("Conflicting edits", CONFLICT),
                      413: ("Text too large", ERROR), 422: ("Invalid input", ERROR)})
def save_document(document_id):
    _, document, _ = documents.find_by_id(db.session, document_id, _user(), need="edit")
    data = json_body(SAVE)
    outcome = documents.save(db.session, document, _user(), data["text"], data["base_revision"],
                             data["summary"], data["title"], source="api")
    return jsonify(revision=outcome.revision.number, created=outcome.created, merged=outcome.merged,
                   merged_with=outcome.merged_with)


@bp.get("/documents/<int:document_id>/revisions")
@operation("/documents/{document_id}/revisions", "get", "The revision history, newest first, paginated",
           params=[_DOC, query_param("page", description="Page number, from 1")], public=True,
           responses={200: ("One page of revisions", HISTORY), 404: ("No such document", ERROR)})
def list_revisions(document_id):
    _, document, _ = documents.find_by_id(db.session, document_id, _user())
    page = history.history(db.session, document, request.args.get("page"))
    rows = [
        {"number": r.number, "title": r.title, "summary": r.summary, "authors": [a.display_name for a in r.authors],
         "created_at": _iso(r.created_at), "size": r.size, "size_delta": r.size_delta}
        for r in page.items
    ]
    return jsonify(page=page.number, pages=page.pages, per_page=page.per_page, total=page.total, revisions=rows)


@bp.get("/documents/<int:document_id>/revisions/<int:number>")
@operation("/documents/{document_id}/revisions/{number}", "get", "One revision's text and HTML",
           params=[_DOC, _NUMBER], public=True,
           responses={200: ("The revision", REVISION), 404: ("No such document or revision", ERROR)})
def get_revision(document_id, number):
    _, document, _ = documents.find_by_id(db.session, document_id, _user())
    revision = documents.get_revision(db.session, document, number)
    authors = [a.display_name for a in revision.authors]
    return jsonify(number=revision.number, title=revision.title, text=revision.text, html=revision.html,
                   summary=revision.summary, created_at=_iso(revision.created_at),
                   author=authors[0] if authors else None, authors=authors)


@bp.get("/documents/<int:document_id>/diff")
@operation("/documents/{document_id}/diff", "get", "Character diff between two revisions",
           params=[_DOC, {**query_param("from", description="Old revision"), "required": True},
                   {**query_param("to", description="New revision"), "required": True}], public=True,
           responses={200: ("The diff", DIFF), 400: ("Missing or non-integer from/to", ERROR),
                      404: ("No such document or revision", ERROR)})
def diff_revisions(document_id):
    old, new = query_int("from"), query_int("to")
    _, document, _ = documents.find_by_id(db.session, document_id, _user())
    comparison = history.compare(db.session, document, old, new)
    ops = [[op, text] for op, text in comparison.ops]
    return jsonify(diff=ops, **{"from": comparison.old.number, "to": comparison.new.number})


@bp.post("/documents/<int:document_id>/revert")
@login_required
@operation("/documents/{document_id}/revert", "post", "Make an old revision's text the head again",
           body=body_schema(REVERT), params=[_DOC],
           responses={200: ("Reverted (created is false when it already was the head)", REVERTED),
                      403: ("Not an editor", ERROR), 404: ("No such document or revision", ERROR),
                      422: ("Invalid input", ERROR)})
def revert_document(document_id):
    _, document, _ = documents.find_by_id(db.session, document_id, _user(), need="edit")
    data = json_body(REVERT)
    outcome = documents.revert(db.session, document, _user(), data["revision"])
    return jsonify(revision=outcome.revision.number, created=outcome.created)


@bp.delete("/documents/<int:document_id>")
@login_required
@operation("/documents/{document_id}", "delete",
           "Delete a document with its history, comments and live draft, for good (facilitators, admins)",
           params=[_DOC],
           responses={204: ("Deleted", None), 403: ("Not a facilitator of the space", ERROR),
                      404: ("No such document", ERROR),
                      409: ("Something still depends on the document; nothing was deleted", ERROR)})
def delete_document(document_id):
    _, document, _ = documents.find_by_id(db.session, document_id, _user(), need="facilitate")
    deletion.delete_document(db.session, document)
    return "", 204
