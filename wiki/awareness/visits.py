""""Since you last looked": the head revision each signed-in person last saw of a document.

On opening a document they saw before, they get how many revisions were saved since, by how many
people, a compare link from their last-seen revision to now, and which comments are new to them.
People are counted from revision authors only: counting comment authors too could tell a reader
that an anonymous comment was written by someone who also edited.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from wiki.awareness.models import DocumentVisit
from wiki.comments.models import Comment, Thread
from wiki.documents.models import Document, Revision, revision_authors
from wiki.extensions import begin_write
from wiki.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class SinceLastVisit:
    seen_revision: int  # the head they saw last time
    seen_at: datetime
    changes: int  # revisions saved since
    people: int  # distinct authors of those revisions
    comments_since: bool = False  # whether any comment on the document is newer than the visit

    @property
    def changed(self) -> bool:
        return self.changes > 0


def since_last_visit(session, document: Document, user) -> SinceLastVisit | None:
    """What changed since this person last opened the document (None on a first visit or when
    signed out)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    visit = session.execute(_visit_statement(), {"user_id": user.id, "document_id": document.id}).first()
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
    return SinceLastVisit(seen, as_utc(visit.seen_at), changes, people or 0, bool(visit.comments_since))


def record_visit(session, document_id: int, user_id: int, head_number: int,
                 since: SinceLastVisit | None = None) -> None:
    """Remember that the person has now seen ``head_number`` (called after the page is rendered, so
    the page view never waits for the write lock while rendering). `since` is what the page showed."""
    if since is not None and not _worth_recording(head_number, since):
        return
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


RECORD_EVERY = timedelta(minutes=1)


def _worth_recording(head_number: int, since: SinceLastVisit) -> bool:
    """Whether this view changes what the next one will show. A reload of the same head within a
    minute of the recorded visit, with no comment posted since it (as the page was begun: one
    posted while it rendered stays new next time), changes nothing the reader can tell (the banner
    shows the visit to the minute) and skips a write (and SQLite's write lock)."""
    return (since.seen_revision < head_number or since.comments_since
            or utcnow() - since.seen_at >= RECORD_EVERY)


@functools.cache
def _visit_statement():
    """Built once (every signed-in view of a document runs it): the visit, and whether a comment on
    the document is newer than it."""
    newer = select(Comment.id).join(Thread, Thread.id == Comment.thread_id).where(
        Thread.document_id == DocumentVisit.document_id, Comment.created_at > DocumentVisit.seen_at)
    return select(DocumentVisit.revision_number, DocumentVisit.seen_at, newer.exists().label("comments_since")).where(
        DocumentVisit.user_id == bindparam("user_id"), DocumentVisit.document_id == bindparam("document_id"))
