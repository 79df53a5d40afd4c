"""What publishing holds about a person, for the data download (see wiki/privacy/parts.py).

Editions a person published are exported; nothing is erased: an edition is permanent and public,
its publisher is then shown as "deleted participant" like any other contribution. Names in an
edition's acknowledgements are printed only with the person's recorded consent (wiki/auth/
acknowledgements.py), and editions published after an erasure or a withdrawal leave them out.
"""

from sqlalchemy import select

from wiki.documents.models import Document
from wiki.publishing.models import Edition
from wiki.spaces.models import Space
from wiki.timeutil import as_utc


def export_published_editions(session, user) -> list[dict]:
    rows = session.execute(
        select(Space.slug, Document.slug, Edition.number, Edition.revision_number, Edition.published_at)
        .join(Document, Edition.document_id == Document.id).join(Space, Document.space_id == Space.id)
        .where(Edition.published_by_id == user.id).order_by(Edition.id)
    ).all()
    return [{"space": space, "document": slug, "edition": number, "revision": revision,
             "published_at": as_utc(at).isoformat()} for space, slug, number, revision, at in rows]
