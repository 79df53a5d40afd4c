"""Reads the data an edition's appendices show, as provenance.py's plain shapes (a few queries each).

Who counts as a contributor of a document: the authors of its revisions up to the published one,
and the authors of its comments that were visible (published) when it was published. Only those who
consented to be named are returned, and no comment is ever tied to a name here.
"""

from datetime import datetime

from sqlalchemy import func, select

from wiki.auth.models import User
from wiki.auth.perspectives import PERSPECTIVES
from wiki.comments.models import PUBLISHED as COMMENT_PUBLISHED
from wiki.comments.models import Comment, Thread
from wiki.documents.models import Document, Revision, revision_authors
from wiki.publishing.provenance import Contributor, Drafting, RoundSummary, perspective_counts


def _visible_comments(document: Document, until: datetime):
    return (select(Comment.perspective, Comment.author_id).join(Thread, Comment.thread_id == Thread.id)
            .where(Thread.document_id == document.id, Comment.state == COMMENT_PUBLISHED,
                   Comment.created_at <= until))


def contributors(session, document: Document, revision_number: int, until: datetime) -> list[Contributor]:
    """Everyone who wrote or commented and agreed to be named, with what they agreed to show."""
    writers = (select(revision_authors.c.user_id).join(Revision, Revision.id == revision_authors.c.revision_id)
               .where(Revision.document_id == document.id, Revision.number <= revision_number))
    commenters = _visible_comments(document, until).with_only_columns(Comment.author_id)
    query = select(User).where(User.id.in_(writers.union(commenters)), User.acknowledge_consent.is_(True),
                               User.is_active_account.is_(True)).order_by(User.id)
    people = []
    for user in session.scalars(query):
        shown = user.visible_perspectives() if user.acknowledge_perspectives else []
        people.append(Contributor(user.display_name, user.organisation or "",
                                  tuple(PERSPECTIVES[key] for key in PERSPECTIVES if key in shown)))
    return people


def drafting(session, document: Document, revision_number: int, until: datetime) -> Drafting:
    """Revisions and co-authors up to the published revision; comments made until publication."""
    revisions = (Revision.document_id == document.id, Revision.number <= revision_number)
    count, started, last = session.execute(
        select(func.count(Revision.id), func.min(Revision.created_at), func.max(Revision.created_at)).where(*revisions)
    ).one()
    authors = session.scalar(
        select(func.count(func.distinct(revision_authors.c.user_id)))
        .join(Revision, Revision.id == revision_authors.c.revision_id).where(*revisions)
    )
    rows = session.execute(_visible_comments(document, until)).all()
    return Drafting(
        revisions=count, authors=authors or 0, started=started, last_change=last, comments=len(rows),
        commenters=len({author for _, author in rows if author is not None}),
        by_perspective=perspective_counts(rows, PERSPECTIVES),
    )


def round_summaries(session, document: Document, until: datetime) -> tuple[RoundSummary, ...]:  # noqa: ARG001
    """Consultation rounds of the document whose report was published before `until`.

    Consultation rounds (wiki/consultations/) are not part of this code base yet: until they are,
    no document has a round, and the appendices say so. When they land, this reads their published
    reports into RoundSummary values (the builder needs no change).
    """
    return ()
