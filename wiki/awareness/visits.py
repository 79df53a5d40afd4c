""""Since you last looked": the head revision each signed-in person last saw of a document.

On opening a document they saw before, they get how many revisions were saved since, by how many
people, a compare link from their last-seen revision to now, and which comments are new to them.
People are counted from revision authors only: counting comment authors too could tell a reader
that an anonymous comment was written by someone who also edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from wiki.awareness.models import DocumentVisit
from wiki.documents.models import Document, Revision, revision_authors
from wiki.extensions import begin_write
from wiki.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class SinceLastVisit:
    seen_revision: int  # the head they saw last time
    seen_at: datetime
    changes: int  # revisions saved since
    people: int  # distinct authors of those revisions

    @property
    def changed(self) -> bool:
        return self.changes > 0


def since_last_visit(session, document: Document, user) -> SinceLastVisit | None:
    """What changed since this person last opened the document (None on a first visit or when
    signed out)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    visit = session.scalar(select(DocumentVisit).where(DocumentVisit.user_id == user.id,
                                                       DocumentVisit.document_id == document.id))
    if visit is None:
        return None
    seen = min(visit.revision_number, document.head_number)
    changes = document.head_number - seen
    people = 0
    if changes:
        people = session.scalar(
            select(func.count(func.distinct(revision_authors.c.user_id)))
            .select_from(revision_authors.join(Revision, Revision.id == revision_authors.c.revision_id))
            .where(Revision.document_id == document.id, Revision.number > seen)
        )
    return SinceLastVisit(seen, as_utc(visit.seen_at), changes, people or 0)


def record_visit(session, document_id: int, user_id: int, head_number: int) -> None:
    """Remember that the person has now seen ``head_number`` (called after the page is rendered, so
    the page view never waits for the write lock while rendering)."""
    begin_write(session)
    visit = session.scalar(select(DocumentVisit).where(DocumentVisit.user_id == user_id,
                                                       DocumentVisit.document_id == document_id))
    if visit is None:
        session.add(DocumentVisit(user_id=user_id, document_id=document_id, revision_number=head_number,
                                  seen_at=utcnow()))
    else:
        visit.revision_number, visit.seen_at = max(visit.revision_number, head_number), utcnow()
    try:
        session.commit()
    except IntegrityError:  # the same person opened it in two tabs at once
        session.rollback()
