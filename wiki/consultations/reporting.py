"""Gathering a round's report: the rows for the pure core (report.py), with every privacy rule
applied here, once — no names at all; a perspective only where its author still consents (or a
facilitator recorded it for an offline respondent); the text of a facilitators-only comment
withheld — and the diff from the consulted draft to the current one.

``report(session, round)`` is for trusted callers (publishing reads published rounds with it);
``report_for`` adds the rule that only facilitators see a report before it is published.
A fixed number of queries whatever the number of comments.
"""

import csv
import functools
import io

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.auth import permissions
from wiki.auth.models import User
from wiki.auth.perspectives import PERSPECTIVES
from wiki.comments import blocks, rules, selection
from wiki.comments.models import Comment, Thread, ThreadAnchor
from wiki.consultations import gate, lifecycle
from wiki.consultations.models import CHANNELS, DISPOSITIONS, ONLINE, Answer, Disposition, OfflineEntry, Round
from wiki.consultations.report import (
    AnswerRow,
    Changes,
    CommentRow,
    Labels,
    QuestionInput,
    Report,
    tally,
)
from wiki.consultations.responding import countable
from wiki.documents import revisions
from wiki.documents import service as documents
from wiki.documents.models import NamedVersion
from wiki.errors import NotFound

LABELS_BASE = {"perspectives": PERSPECTIVES, "channels": CHANNELS, "dispositions": DISPOSITIONS}
NOT_PUBLISHED = "The report of this round has not been published yet."


@functools.lru_cache(maxsize=20_000)
def _quote_text(quote: str) -> str:
    """A passage as readers see it (Markdown syntax removed); pure, so remembered between reports."""
    return selection.visible_text(quote)


@functools.lru_cache(maxsize=16)
def _headings(text: str, toc: tuple) -> list:
    """Heading offsets of a consultation draft (immutable), remembered between reports."""
    return blocks.heading_starts(text, [list(entry) for entry in toc])


@functools.lru_cache(maxsize=8)
def _diff(old: str, new: str) -> tuple[tuple[tuple[int, str], ...], int, int]:
    """The diff of two revisions' texts (immutable), remembered between reports."""
    ops = revisions.diff(old, new)
    added, removed = revisions.diff_stats(ops)
    return tuple((int(op), text) for op, text in ops), added, removed


def _respondent(author_id: int | None, entry: OfflineEntry | None, fallback: str) -> str:
    """An opaque key per person: an account, an offline respondent's reference (entries with the
    same channel, group and reference are one person), or else the entry (or comment) itself."""
    if entry is not None:
        if entry.respondent:
            return "o:" + "|".join(part.casefold() for part in (entry.channel, entry.group_name, entry.respondent))
        return f"e{entry.id}"
    return f"u{author_id}" if author_id is not None else fallback


def _shown_perspective(perspective: str | None, author_id, perspectives, consent) -> str | None:
    """The perspective the comments rules let a reader see (chosen for it, still consented)."""
    known = rules.CommentFacts(author_id=author_id, author_name=None, visibility=rules.NAMED, state=rules.PUBLISHED,
                               perspective=perspective,
                               author_perspectives=tuple(perspectives or ()) if consent else ())
    return rules.perspective_shown(known)


def _comment_columns(session, round_: Round):
    """(comment rows, thread → place on the draft, comment → offline entry, comment → disposition)."""
    ids = countable(round_).with_only_columns(Comment.id).scalar_subquery()
    query = (select(Comment.id, Comment.thread_id, Comment.author_id, Comment.body, Comment.body_html,
                    Comment.visibility, Comment.perspective, Comment.created_at, Thread.quote_exact, Thread.start,
                    User.perspectives, User.perspectives_consent)
             .join(Thread, Comment.thread_id == Thread.id).outerjoin(User, User.id == Comment.author_id)
             .where(Comment.id.in_(ids)).order_by(Comment.id))
    comments = session.execute(query).all()
    thread_ids = {c.thread_id for c in comments}
    starts = dict(session.execute(select(ThreadAnchor.thread_id, ThreadAnchor.start).where(
        ThreadAnchor.thread_id.in_(thread_ids), ThreadAnchor.revision_number == round_.revision_number)).all()) \
        if thread_ids else {}
    entries = {e.comment_id: e for e in session.scalars(
        select(OfflineEntry).where(OfflineEntry.round_id == round_.id, OfflineEntry.comment_id.is_not(None)))}
    answers = {row.comment_id: row for row in session.execute(
        select(Disposition.comment_id, Disposition.disposition, Disposition.response, Disposition.response_html,
               Disposition.themes, Disposition.revision_number).where(Disposition.round_id == round_.id))}
    return comments, starts, entries, answers


def _comment_rows(session, round_: Round, consulted) -> list[CommentRow]:
    """One row per comment that needs a response. Plain column queries (no ORM objects): a round
    may have thousands of comments, and the report is read often."""
    comments, starts, entries, answers = _comment_columns(session, round_)
    headings = _headings(consulted.text, tuple(tuple(entry) for entry in consulted.toc or ()))
    quotes: dict[int, str] = {}
    rows = []
    for c in comments:
        entry, answer = entries.get(c.id), answers.get(c.id)
        if c.thread_id not in quotes:
            quotes[c.thread_id] = _quote_text(c.quote_exact)
        perspective = entry.perspective if entry is not None else _shown_perspective(
            c.perspective, c.author_id, c.perspectives, c.perspectives_consent)
        rows.append(CommentRow(
            comment_id=c.id, thread_id=c.thread_id, respondent=_respondent(c.author_id, entry, f"c{c.id}"),
            channel=entry.channel if entry is not None else ONLINE, perspective=perspective,
            section=blocks.section_at(headings, starts.get(c.thread_id, c.start)), quote=quotes[c.thread_id],
            body_html=c.body_html if c.visibility != rules.FACILITATORS else "",
            disposition=answer.disposition if answer else None,
            response_html=answer.response_html if answer else "",
            themes=tuple(answer.themes or ()) if answer else (),
            change_revision=answer.revision_number if answer else None,
            group=entry.group_name if entry is not None else "", created_at=c.created_at,
            body_text=c.body if c.visibility != rules.FACILITATORS else "",
            response_text=answer.response if answer else "",
        ))
    return rows


def _answer_rows(session, round_: Round) -> list[AnswerRow]:
    answers = session.scalars(select(Answer).where(Answer.round_id == round_.id)
                              .options(selectinload(Answer.author)).order_by(Answer.created_at, Answer.id))
    entries = {e.id: e for e in session.scalars(select(OfflineEntry).where(OfflineEntry.round_id == round_.id))}
    rows = []
    for answer in answers:
        entry = entries.get(answer.offline_entry_id)
        if entry is None:
            consented = answer.author.visible_perspectives() if answer.author is not None else ()
            perspective = answer.perspective if answer.perspective in consented else None
        else:
            perspective = entry.perspective
        rows.append(AnswerRow(question_id=answer.question_id,
                              respondent=_respondent(answer.author_id, entry, f"a{answer.id}"),
                              channel=entry.channel if entry is not None else ONLINE, perspective=perspective,
                              body_html=answer.body_html))
    return rows


def _changes(consulted, current) -> Changes:
    if consulted.number == current.number:
        return Changes(consulted.number, current.number, 0, 0, ())
    ops, added, removed = _diff(consulted.text, current.text)
    return Changes(consulted.number, current.number, added, removed, ops)


def report(session, round_: Round, *, changes: bool = True) -> Report:
    """The round's report (no permission check: see report_for). ``changes`` False skips the diff
    to the current draft (the CSV has no use for it)."""
    document = round_.document
    consulted = documents.get_revision(session, document, round_.revision_number)
    current = documents.head(session, document)
    labels = Labels(**LABELS_BASE, sections=[(anchor, title) for _, anchor, title in consulted.toc or []])
    questions = [QuestionInput(q.id, q.text, q.section) for q in round_.questions]
    tallies = tally(_comment_rows(session, round_, consulted), _answer_rows(session, round_), questions, labels)
    version = session.get(NamedVersion, round_.named_version_id) if round_.named_version_id else None
    return Report(
        round_id=round_.id, round_number=round_.number, document_id=document.id, document_title=document.title,
        title=round_.title, state=gate.state_of(round_), audience=round_.audience,
        opens_at=lifecycle.aware(round_.opens_at), closes_at=lifecycle.aware(round_.closes_at),
        responded_at=lifecycle.aware(round_.responded_at) if round_.responded_at else None,
        published_at=lifecycle.aware(round_.published_at) if round_.published_at else None,
        timezone=document.space.timezone, consulted_revision=consulted.number,
        consulted_version=version.name if version else "", current_revision=current.number,
        tallies=tallies,
        changes=_changes(consulted, current) if changes else Changes(consulted.number, current.number, 0, 0, ()),
    )


def may_see_report(round_: Round, actor) -> bool:
    private = round_.document.space.is_private
    return permissions.can_facilitate(actor, private) or (
        permissions.can_read(actor, private) and gate.state_of(round_) == lifecycle.PUBLISHED)


def report_for(session, round_: Round, actor, *, changes: bool = True) -> Report:
    """The report, for facilitators at any time and for readers once published."""
    if not may_see_report(round_, actor):
        raise NotFound(NOT_PUBLISHED)
    return report(session, round_, changes=changes)


def published_reports(session, document) -> list[Report]:
    """Every published round report of a document, oldest round first (for publishing's appendices)."""
    rounds = session.scalars(select(Round).where(Round.document_id == document.id,
                                                 Round.state == lifecycle.PUBLISHED).order_by(Round.number))
    return [report(session, round_) for round_ in rounds]


CSV_COLUMNS = ["comment id", "thread id", "section", "passage", "comment", "perspective", "channel", "disposition",
               "response", "themes", "change revision"]


def export_csv(result: Report) -> str:
    """The "You said, we did" table as CSV (one row per comment); formula-like cells neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in result.tallies.you_said_we_did:
        comment = row.comment_text or "(shared with facilitators only)"
        values = [row.comment_id, row.thread_id, row.section_title, row.quote, comment, row.perspective, row.channel,
                  row.disposition_label, row.response_text, "; ".join(row.themes), row.change_revision or ""]
        writer.writerow([rules.csv_cell(value) for value in values])
    return out.getvalue()
