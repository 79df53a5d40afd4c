"""Gathering a round's report: the rows for the pure core (report.py), with every privacy rule
applied here, once — no names at all; a perspective only where its author still consents (or a
facilitator recorded it for an offline respondent); the text of a facilitators-only comment
withheld — and the diff from the consulted draft to the current one.

``report(session, round)`` is for trusted callers (publishing reads published rounds with it);
``report_for`` adds the rule that only facilitators see a report before it is published.
A fixed number of queries whatever the number of comments.
"""

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.auth import permissions
from wiki.auth.perspectives import PERSPECTIVES
from wiki.comments import blocks, rules, selection
from wiki.comments.models import Comment, Thread, ThreadAnchor
from wiki.comments.presenters import facts
from wiki.consultations import gate, lifecycle
from wiki.consultations.models import CHANNELS, DISPOSITIONS, ONLINE, Answer, OfflineEntry, Round
from wiki.consultations.report import (
    AnswerRow,
    Changes,
    CommentRow,
    Labels,
    QuestionInput,
    Report,
    tally,
)
from wiki.consultations.responding import answered_ids, countable
from wiki.documents import revisions
from wiki.documents import service as documents
from wiki.documents.models import NamedVersion
from wiki.errors import NotFound
from wiki.rendering import plain_text

LABELS_BASE = {"perspectives": PERSPECTIVES, "channels": CHANNELS, "dispositions": DISPOSITIONS}
NOT_PUBLISHED = "The report of this round has not been published yet."


def _respondent(comment_or_answer, entry: OfflineEntry | None, fallback: str) -> str:
    """An opaque key per person: an account, an offline respondent's reference (entries with the
    same channel, group and reference are one person), or else the entry (or comment) itself."""
    if entry is not None:
        if entry.respondent:
            return "o:" + "|".join(part.casefold() for part in (entry.channel, entry.group_name, entry.respondent))
        return f"e{entry.id}"
    author_id = comment_or_answer.author_id
    return f"u{author_id}" if author_id is not None else fallback


def _comment_rows(session, round_: Round, consulted) -> list[CommentRow]:
    comments = list(session.scalars(countable(round_).options(
        selectinload(Comment.author), selectinload(Comment.thread))))
    thread_ids = {c.thread_id for c in comments}
    starts = dict(session.execute(select(ThreadAnchor.thread_id, ThreadAnchor.start).where(
        ThreadAnchor.thread_id.in_(thread_ids), ThreadAnchor.revision_number == round_.revision_number)).all()) \
        if thread_ids else {}
    entries = {e.comment_id: e for e in session.scalars(
        select(OfflineEntry).where(OfflineEntry.round_id == round_.id, OfflineEntry.comment_id.is_not(None)))}
    answers = answered_ids(session, round_)
    headings = blocks.heading_starts(consulted.text, consulted.toc)
    quotes: dict[int, str] = {}
    rows = []
    for comment in comments:
        thread: Thread = comment.thread
        entry = entries.get(comment.id)
        answer = answers.get(comment.id)
        if thread.id not in quotes:
            quotes[thread.id] = selection.visible_text(thread.quote_exact)
        perspective = entry.perspective if entry is not None else rules.perspective_shown(facts(comment))
        rows.append(CommentRow(
            comment_id=comment.id, thread_id=thread.id, respondent=_respondent(comment, entry, f"c{comment.id}"),
            channel=entry.channel if entry is not None else ONLINE, perspective=perspective,
            section=blocks.section_at(headings, starts.get(thread.id, thread.start)), quote=quotes[thread.id],
            body_html=comment.body_html if comment.visibility != rules.FACILITATORS else "",
            disposition=answer.disposition if answer else None,
            response_html=answer.response_html if answer else "",
            themes=tuple(answer.themes or ()) if answer else (),
            change_revision=answer.revision_number if answer else None,
            group=entry.group_name if entry is not None else "", created_at=comment.created_at,
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
        rows.append(AnswerRow(question_id=answer.question_id, respondent=_respondent(answer, entry, f"a{answer.id}"),
                              channel=entry.channel if entry is not None else ONLINE, perspective=perspective,
                              body_html=answer.body_html))
    return rows


def _changes(consulted, current) -> Changes:
    if consulted.number == current.number:
        return Changes(consulted.number, current.number, 0, 0, ())
    ops = revisions.diff(consulted.text, current.text)
    added, removed = revisions.diff_stats(ops)
    return Changes(consulted.number, current.number, added, removed, tuple((int(op), text) for op, text in ops))


def report(session, round_: Round) -> Report:
    """The round's report (no permission check: see report_for)."""
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
        tallies=tallies, changes=_changes(consulted, current),
    )


def may_see_report(round_: Round, actor) -> bool:
    private = round_.document.space.is_private
    return permissions.can_facilitate(actor, private) or (
        permissions.can_read(actor, private) and gate.state_of(round_) == lifecycle.PUBLISHED)


def report_for(session, round_: Round, actor) -> Report:
    """The report, for facilitators at any time and for readers once published."""
    if not may_see_report(round_, actor):
        raise NotFound(NOT_PUBLISHED)
    return report(session, round_)


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
        comment = plain_text(row.comment_html) if row.comment_html else "(shared with facilitators only)"
        values = [row.comment_id, row.thread_id, row.section_title, row.quote, comment, row.perspective, row.channel,
                  row.disposition_label, plain_text(row.response_html) if row.response_html else "",
                  "; ".join(row.themes), row.change_revision or ""]
        writer.writerow([rules.csv_cell(value) for value in values])
    return out.getvalue()
