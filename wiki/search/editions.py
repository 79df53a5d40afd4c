"""Published editions in the index (wiki/publishing).

Publishing makes an edition public: anyone may read it at /p/<space>/<slug>/<n>/, even from a private
space (``publishing.service.find_published``). So an edition's entry carries the ``public`` token,
which every searcher holds whatever spaces they may read. Its text is the published revision's (the
edition file is built from it); the file itself, a whole HTML page, is not parsed.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from wiki.documents.models import Document, Revision
from wiki.plaintext import plain_text
from wiki.publishing.models import Edition
from wiki.search.entries import EDITION, PUBLIC, Entry, group_of, marker, stamp

BATCH = 200


def edition_entries(edition: Edition, document: Document, html: str) -> list[Entry]:
    group = group_of(EDITION, edition.id)
    mark = stamp(edition.number, edition.title, edition.sha256)
    body = "\n".join([edition.notes or "", plain_text(html)]).strip()
    return [marker(group, mark, document.space_id, document.id),
            Entry(key=group, kind=EDITION, object_id=edition.id, group=group, space_id=document.space_id,
                  title=edition.title, body=body, document_id=document.id, status="published",
                  date=edition.published_at, access=frozenset({PUBLIC}), stamp=mark)]


def _rows(session, where, limit: int | None = None) -> list:
    return session.execute(
        select(Edition, Document, Revision.html).join(Document, Document.id == Edition.document_id)
        .join(Revision, (Revision.document_id == Edition.document_id)
              & (Revision.number == Edition.revision_number)).where(where).order_by(Edition.id).limit(limit)).all()


class EditionSource:
    prefix = "edition"

    def build(self, session, edition_id: int) -> list[Entry]:
        rows = _rows(session, Edition.id == edition_id)
        return edition_entries(*rows[0]) if rows else []

    def count(self, session) -> int:
        return session.scalar(select(func.count()).select_from(Edition))

    def stream(self, session) -> Iterator[list[Entry]]:
        last = 0
        while rows := _rows(session, Edition.id > last, BATCH):
            for row in rows:
                yield edition_entries(*row)
            last = rows[-1][0].id
            session.expunge_all()

    def stamps(self, session) -> dict[str, str]:
        rows = session.execute(select(Edition.id, Edition.number, Edition.title, Edition.sha256))
        return {group_of(self.prefix, i): stamp(number, title, sha) for i, number, title, sha in rows}
