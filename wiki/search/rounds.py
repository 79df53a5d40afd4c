"""Consultation rounds and facilitators' public responses in the index (wiki/consultations).

A round is found by every reader of its space (title, guiding questions, introduction). A response
is found by whoever may see both the comment it answers (the comment rules) and the round's
responses (``reporting.may_see_report``: facilitators at once, everyone else once the report is
published) — asked of those rules for every kind of viewer, as for comments.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from wiki.auth import permissions
from wiki.comments import rules
from wiki.comments.models import Thread
from wiki.consultations import gate, lifecycle
from wiki.consultations.models import DISPOSITIONS, Disposition, Round
from wiki.consultations.reporting import may_see_report
from wiki.documents.models import Document
from wiki.search.entries import (
    CommentRow,
    Entry,
    author_token,
    group_of,
    response_entry,
    round_entries,
    stamp,
    text_visible,
    viewer_token,
)
from wiki.search.viewers import viewers_in

BATCH = 200
_MEMBER = permissions.Actor(authenticated=True, role=permissions.CONTRIBUTOR)  # a reader who is no facilitator


def published(round_: Round) -> bool:
    return gate.state_of(round_) == lifecycle.PUBLISHED


def dispositions(session, comment_ids) -> dict[int, tuple[Disposition, Round]]:
    """Each answered comment's disposition and round; ``comment_ids``: ids, or a SELECT of them (a
    rebuild's batches: thousands of ids as parameters cost more to send than the query to run)."""
    if not isinstance(comment_ids, Select):
        comment_ids = list(comment_ids)
        if not comment_ids:
            return {}
    rows = session.execute(select(Disposition, Round).join(Round, Round.id == Disposition.round_id)
                           .where(Disposition.comment_id.in_(comment_ids))
                           .options(selectinload(Round.document).selectinload(Document.space)))
    return {d.comment_id: (d, r) for d, r in rows}


def response_facts(pairs: dict[int, tuple[Disposition, Round]]) -> list[tuple]:
    """What a thread's stamp records of its responses."""
    return [(cid, d.disposition, d.set_at, published(r)) for cid, (d, r) in pairs.items()]


def response_access(facts: rules.CommentFacts, round_: Round, private: bool) -> frozenset[str]:
    tokens = {viewer_token(viewer) for actor, viewer in viewers_in(private)
              if text_visible(facts, viewer) and may_see_report(round_, actor)}
    author = facts.author_id
    if author is not None and may_see_report(round_, _MEMBER) and text_visible(facts, rules.Viewer(user_id=author)):
        tokens.add(author_token(author))
    return frozenset(tokens)


def response_entries(thread: Thread, rows: list[CommentRow], pairs, space_id: int, private: bool,
                     mark: str) -> list[Entry]:
    entries = []
    for row in rows:
        if row.id not in pairs:
            continue
        disposition, round_ = pairs[row.id]
        access = response_access(row.facts, round_, private)
        if access:
            entries.append(response_entry(
                comment_id=row.id, thread_id=thread.id, document_id=thread.document_id, space_id=space_id,
                html=disposition.response_html, label=DISPOSITIONS.get(disposition.disposition, ""),
                themes=disposition.themes or [], disposition=disposition.disposition, date=disposition.set_at,
                access=access, mark=mark))
    return entries


def round_threads(session, round_id: int) -> list[str]:
    """The thread groups of a round: their responses' visibility changes with the round's state."""
    return [group_of("thread", i) for i in session.scalars(select(Thread.id).where(Thread.round_id == round_id))]


class RoundSource:
    prefix = "round"

    def build(self, session, round_id: int) -> list[Entry]:
        round_ = session.get(Round, round_id)
        return self._entries(round_) if round_ is not None else []

    @staticmethod
    def _entries(round_: Round) -> list[Entry]:
        return round_entries(round_id=round_.id, document_id=round_.document_id, space_id=round_.document.space_id,
                             title=round_.title, html=round_.introduction_html or "",
                             questions=[q.text for q in round_.questions], state=gate.state_of(round_),
                             date=round_.opens_at)

    def count(self, session) -> int:
        return session.scalar(select(func.count()).select_from(Round))

    def stream(self, session) -> Iterator[list[Entry]]:
        last = 0
        while rounds := session.scalars(select(Round).where(Round.id > last).order_by(Round.id).limit(BATCH)
                                        .options(selectinload(Round.questions), selectinload(Round.document))).all():
            for round_ in rounds:
                yield self._entries(round_)
            last = rounds[-1].id
            session.expunge_all()

    def stamps(self, session) -> dict[str, str]:
        rounds = session.scalars(select(Round).options(selectinload(Round.questions))).all()
        return {group_of(self.prefix, r.id): stamp(r.title, gate.state_of(r), r.introduction_html or "",
                                                   *(q.text for q in r.questions)) for r in rounds}
