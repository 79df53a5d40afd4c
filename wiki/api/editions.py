"""/api/v1 routes for published editions: publish a revision, list a document's editions."""

from flask import jsonify, request, url_for
from flask_login import current_user, login_required

from wiki.api.input import Field, body_schema, json_body
from wiki.api.openapi import ERROR, operation, path_param, query_param
from wiki.api.routes import bp
from wiki.documents import service as documents
from wiki.extensions import db
from wiki.pagination import paginate
from wiki.publishing import service
from wiki.publishing.models import Edition
from wiki.publishing.routes import edition_url_maker
from wiki.timeutil import as_utc

PUBLISH = {
    "revision": Field(int, default=None, nullable=True, description="Revision to publish; omitted: the current one"),
    "notes": Field(str, default="", description=f"Shown on the title page (Markdown, at most {service.NOTES_MAX} "
                                                "characters)"),
}

_INT, _STR = {"type": "integer"}, {"type": "string"}
_NULLABLE_INT = {"type": "integer", "nullable": True}
EDITION = {"type": "object", "properties": {
    "id": _INT, "number": _INT, "document_id": _INT, "revision": _INT, "revision_sha256": _STR, "title": _STR,
    "notes": _STR, "sha256": {**_STR, "description": "SHA-256 of the file as downloaded"},
    "size": {**_INT, "description": "Bytes"}, "published_at": {"type": "string", "format": "date-time"},
    "published_by": {**_STR, "nullable": True}, "url": _STR, "download_url": _STR,
    "superseded_by": {**_NULLABLE_INT, "description": "The next edition's number, once there is one"},
}}
PUBLISHED = {"type": "object", "properties": {"edition": EDITION, "url": _STR, "download_url": _STR}}
EDITIONS = {"type": "object", "properties": {
    "page": _INT, "pages": _INT, "per_page": _INT, "total": _INT, "editions": {"type": "array", "items": EDITION}}}
_DOC = path_param("document_id", description="Document id")


def _urls(document, number: int) -> tuple[str, str]:
    space_slug, slug = document.space.slug, document.slug
    return (url_for("published.edition", space_slug=space_slug, slug=slug, number=number, _external=True),
            url_for("published.download", space_slug=space_slug, slug=slug, number=number, _external=True))


def _edition_json(document, row: Edition, latest: int) -> dict:
    url, download_url = _urls(document, row.number)
    return {
        "id": row.id, "number": row.number, "document_id": document.id, "revision": row.revision_number,
        "revision_sha256": row.revision_sha256, "title": row.title, "notes": row.notes, "sha256": row.sha256,
        "size": row.size, "published_at": as_utc(row.published_at).isoformat(),
        "published_by": row.published_by.display_name if row.published_by else None,
        "url": url, "download_url": download_url, "superseded_by": row.number + 1 if row.number < latest else None,
    }


@bp.post("/documents/<int:document_id>/editions")
@login_required
@operation("/documents/{document_id}/editions", "post",
           "Publish a revision as the document's next edition (facilitators; the edition is public and permanent)",
           body=body_schema(PUBLISH), params=[_DOC],
           responses={201: ("Published", PUBLISHED), 403: ("Not a facilitator", ERROR),
                      404: ("No such document or revision", ERROR),
                      409: ("Revision already published, document archived, or published meanwhile", ERROR),
                      413: ("Note too long", ERROR), 422: ("Invalid input", ERROR)})
def publish_edition(document_id):
    space, document, _ = documents.find_by_id(db.session, document_id, current_user, need="facilitate")
    data = json_body(PUBLISH)
    row = service.publish(db.session, space, document, current_user._get_current_object(), data["revision"],
                          data["notes"], edition_url_maker(space.slug, document.slug))
    body = _edition_json(document, row, row.number)
    return jsonify(edition=body, url=body["url"], download_url=body["download_url"]), 201, {"Location": body["url"]}


@bp.get("/documents/<int:document_id>/editions")
@operation("/documents/{document_id}/editions", "get", "The document's published editions, newest first, paginated",
           params=[_DOC, query_param("page", description="Page number, from 1")], public=True,
           responses={200: ("One page of editions", EDITIONS), 404: ("No such document", ERROR)})
def list_editions(document_id):
    _, document, _ = documents.find_by_id(db.session, document_id, current_user)
    page = paginate(db.session, service.editions_query(document), request.args.get("page"))
    latest = getattr(service.latest_edition(db.session, document), "number", 0)
    return jsonify(page=page.number, pages=page.pages, per_page=page.per_page, total=page.total,
                   editions=[_edition_json(document, row, latest) for row in page.items])
