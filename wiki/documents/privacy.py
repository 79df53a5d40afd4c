"""What the documents feature holds about a person: the revisions they are credited with and the
versions they named. Both stay after erasure (content), credited to "deleted participant"."""

from sqlalchemy import select

from wiki.auth.privacy import iso
from wiki.documents.models import Document, NamedVersion, Revision, revision_authors
from wiki.spaces.models import Space


def _document(document_id: int, title: str, space: str) -> dict:
    return {"id": document_id, "title": title, "space": space}


def export_revisions(session, user) -> list[dict]:
    rows = session.execute(
        select(Revision.document_id, Document.title, Space.slug, Revision.number, Revision.title, Revision.summary,
               Revision.created_at)
        .join(revision_authors, revision_authors.c.revision_id == Revision.id)
        .join(Document, Document.id == Revision.document_id).join(Space, Space.id == Document.space_id)
        .where(revision_authors.c.user_id == user.id).order_by(Revision.created_at, Revision.id)
    )
    return [{"document": _document(doc_id, doc_title, space), "number": number, "title": title, "summary": summary,
             "created_at": iso(created)} for doc_id, doc_title, space, number, title, summary, created in rows]


def export_named_versions(session, user) -> list[dict]:
    rows = session.execute(
        select(NamedVersion.document_id, Document.title, Space.slug, NamedVersion.name, NamedVersion.revision_number,
               NamedVersion.created_at)
        .join(Document, Document.id == NamedVersion.document_id).join(Space, Space.id == Document.space_id)
        .where(NamedVersion.created_by_id == user.id).order_by(NamedVersion.id)
    )
    return [{"document": _document(doc_id, doc_title, space), "name": name, "revision": number,
             "created_at": iso(created)} for doc_id, doc_title, space, name, number, created in rows]
