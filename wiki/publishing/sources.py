"""Reads the data an edition's appendices show, as provenance.py's plain shapes (a few queries each).

Who counts as a contributor of a document: the authors of its revisions up to the published one,
and the authors of its comments that were visible (published) when it was published. Only those who
consented to be named are returned, and no comment is ever tied to a name here.
"""

from datetime import datetime

from sqlalchemy import String, case, cast, func, select

from wiki.auth.models import User
from wiki.auth.perspectives import PERSPECTIVES
from wiki.comments.models import PUBLISHED as COMMENT_PUBLISHED
from wiki.comments.models import Comment, Thread
from wiki.consultations import reporting
from wiki.consultations.models import OfflineEntry
from wiki.documents.models import Document, Revision, revision_authors
from wiki.publishing.provenance import (
    Contributor,
    Drafting,
    PerspectiveCount,
    RoundSummary,
    YouSaidRow,
    perspective_counts,
)
from wiki.timeutil import as_utc


def _visible_comments(document: Document, until: datetime):
    """(perspective, person) per comment visible when publishing. A comment a facilitator entered
    for someone who took part offline counts as that person's, with the perspective they gave."""
    person = case((OfflineEntry.id.is_not(None), "o" + cast(OfflineEntry.id, String)),
                  else_="u" + cast(Comment.author_id, String))
    return (select(func.coalesce(OfflineEntry.perspective, Comment.perspective), person).select_from(Comment)
            .join(Thread, Comment.thread_id == Thread.id)
            .outerjoin(OfflineEntry, OfflineEntry.comment_id == Comment.id)
            .where(Thread.document_id == document.id, Comment.state == COMMENT_PUBLISHED,
                   Comment.created_at <= until))


def contributors(session, document: Document, revision_number: int, until: datetime) -> list[Contributor]:
    """Everyone who wrote or commented and agreed to be named, with what they agreed to show (a
    facilitator who entered offline responses did not comment by doing so)."""
    writers = (select(revision_authors.c.user_id).join(Revision, Revision.id == revision_authors.c.revision_id)
               .where(Revision.document_id == document.id, Revision.number <= revision_number))
    commenters = (select(Comment.author_id).join(Thread, Comment.thread_id == Thread.id)
                  .outerjoin(OfflineEntry, OfflineEntry.comment_id == Comment.id)
                  .where(Thread.document_id == document.id, Comment.state == COMMENT_PUBLISHED,
                         Comment.created_at <= until, OfflineEntry.id.is_(None)))
    query = select(User).where(User.id.in_(writers.union(commenters)), User.acknowledge_consent.is_(True),
                               User.is_active).order_by(User.id)
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
        revisions=count, authors=authors or 0, started=as_utc(started), last_change=as_utc(last),
        comments=len(rows), commenters=len({person for _, person in rows if person is not None}),
        by_perspective=perspective_counts(rows, PERSPECTIVES),
    )


def round_summaries(session, document: Document, until: datetime) -> tuple[RoundSummary, ...]:
    """The document's consultation rounds whose report was published before `until`, from the
    rounds feature's own report (its privacy rules already applied: no names, small counts, text
    of facilitators-only comments withheld)."""
    summaries = []
    for report in reporting.published_reports(session, document):
        if report.published_at is None or report.published_at > as_utc(until):
            continue
        tallies = report.tallies
        summaries.append(RoundSummary(
            title=f"Round {report.round_number}: {report.title}", opens_at=report.opens_at,
            closes_at=report.closes_at, respondents=tallies.respondents, comments=tallies.comments,
            by_perspective=tuple(PerspectiveCount(c.label, c.people, c.count) for c in tallies.by_perspective),
            you_said=tuple(_you_said(row) for row in tallies.you_said_we_did),
        ))
    return tuple(summaries)


def _you_said(row) -> YouSaidRow:
    return YouSaidRow(
        section=row.section_title, quote=row.quote, comment_html=row.comment_html,
        who=", ".join(part for part in (row.perspective, row.channel) if part),
        disposition=row.disposition_label, response_html=row.response_html,
        change=f"Revision {row.change_revision}" if row.change_revision else "",
    )
