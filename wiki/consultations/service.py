"""Round use cases: start a round (freezing the draft), find it, let the clock move it, force a
move, change its dates. Answers, offline responses and invites are in participation.py,
dispositions in responding.py, the report in reporting.py; the names routes, the API and the CLI
need are re-exported here.

Every state change is recorded once and announced once (``round_changed``, after the commit): the
clock's changes by whichever request or ``rounds tick`` first notices them, under the round's row
lock, so two noticing at once do not both announce.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from wiki import signals
from wiki.auth import permissions
from wiki.comments import placement
from wiki.consultations import gate, lifecycle
from wiki.consultations.gate import NO_SUCH_ROUND, now, state_of, window
from wiki.consultations.models import AUDIENCES, INVITED, Question, Round
from wiki.consultations.participation import (
    answer,
    create_invite,
    invites,
    my_answers,
    record_offline,
    redeem_invite,
    revoke_invite,
)
from wiki.consultations.reporting import Report, export_csv, report, report_for
from wiki.consultations.responding import answered_ids, progress, set_disposition, to_answer
from wiki.documents import service as documents
from wiki.documents.models import ARCHIVED, Document, NamedVersion
from wiki.documents.text import normalise_text, single_line
from wiki.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from wiki.extensions import begin_write
from wiki.rendering import render_comment
from wiki.spaces.service import actor_for

__all__ = [
    "NO_SUCH_ROUND", "Report", "RoundSpec", "answer", "answered_ids", "create_invite", "edit_round", "export_csv",
    "find", "find_by_id", "force", "invites", "my_answers", "now", "progress", "record_offline", "redeem_invite",
    "refresh", "report", "report_for", "revoke_invite", "rounds_of", "set_disposition", "start_round", "state_of",
    "tick", "to_answer", "window",
]  # fmt: skip

MAX_QUESTIONS = 20
MAX_INTRODUCTION = 20_000


@dataclass(frozen=True)
class RoundSpec:
    """What a facilitator asks for when starting a round (times timezone-aware)."""

    title: str
    opens_at: datetime
    closes_at: datetime
    audience: str = "anyone"
    premoderation: bool = False
    introduction: str = ""
    questions: tuple[tuple[str, str], ...] = ()  # (text, section heading id or '')


# --- finding ---------------------------------------------------------------------------------------


def find(session, space_slug: str, slug: str, round_id, user):
    """(space, document, actor, round) for a round of a readable document, its state caught up
    with the clock; an unknown round, or one of another document, is a 404."""
    space, document, actor = documents.find(session, space_slug, slug, user)
    round_ = gate.get(session, round_id)
    if round_.document_id != document.id:
        raise NotFound(NO_SUCH_ROUND)
    return space, document, actor, refresh(session, round_)


def find_by_id(session, round_id, user, need: str = "read"):
    """(space, document, actor, round) for the API; a round in a space the user cannot read is a 404."""
    round_ = gate.get(session, round_id)
    try:
        space, document, actor = documents.find_by_id(session, round_.document_id, user)
    except NotFound:
        raise NotFound(NO_SUCH_ROUND) from None
    if need == "facilitate":
        require_facilitator(actor, space)
    return space, document, actor, refresh(session, round_)


def rounds_of(session, document: Document) -> list[Round]:
    """The document's rounds, newest first, their states caught up with the clock."""
    found = list(session.scalars(select(Round).where(Round.document_id == document.id)
                                 .order_by(Round.number.desc())))
    at = now()
    if any(lifecycle.due(r.state, window(r), at) for r in found):
        for round_ in found:
            refresh(session, round_)
    return found


def require_facilitator(actor, space) -> None:
    if not permissions.can_facilitate(actor, space.is_private):
        raise PermissionDenied("Only facilitators can run consultation rounds.")


# --- the clock -------------------------------------------------------------------------------------


def refresh(session, round_: Round) -> Round:
    """Record (and announce) the clock's moves since the round was last looked at. Cheap when
    nothing is due; otherwise one short write transaction under the round's row lock."""
    if not lifecycle.due(round_.state, window(round_), now()):
        return round_
    begin_write(session)
    locked = _lock(session, round_.id)
    steps = lifecycle.due(locked.state, window(locked), now())
    if steps:
        locked.state = steps[-1][1]
    _commit_and_announce(session, locked, steps)
    return locked


def tick(session) -> list[tuple[int, str, str]]:
    """Catch every round up with the clock (``flask rounds tick``): idempotent, safe to run from
    cron as often as wanted. Returns the (round id, previous, state) steps it recorded."""
    at = now()
    candidates = session.scalars(select(Round).where(Round.state.in_(lifecycle.BY_CLOCK))).all()
    done = []
    for round_ in candidates:
        before = round_.state
        if lifecycle.due(before, window(round_), at):
            after = refresh(session, round_)
            done.append((after.id, before, after.state))
    session.commit()
    return done


def _lock(session, round_id: int) -> Round:
    return session.scalar(select(Round).where(Round.id == round_id).with_for_update()
                          .execution_options(populate_existing=True))


def _commit_and_announce(session, round_: Round, steps: list[tuple[str | None, str]],
                         forced: list[tuple[str | None, str]] = (), user_id: int | None = None) -> None:
    """Commit, then announce each move: ``steps`` the clock made (no one did them), then ``forced``
    ones, made by ``user_id`` (who is then not notified of their own move)."""
    ids = (round_.id, round_.document_id)
    session.commit()
    app = current_app._get_current_object()
    for moves, actor in ((steps, None), (forced, user_id)):
        for previous, state in moves:
            signals.round_changed.send(app, round_id=ids[0], document_id=ids[1], state=state,
                                       previous_state=previous, user_id=actor)


# --- starting a round ------------------------------------------------------------------------------


def _clean_spec(spec: RoundSpec, space, toc) -> RoundSpec:
    title = single_line(spec.title or "")
    if not title or len(title) > 200:
        raise InvalidInput("Give the round a title of up to 200 characters.")
    introduction = normalise_text(spec.introduction or "").strip()
    if len(introduction) > MAX_INTRODUCTION:
        raise InvalidInput(f"Keep the introduction to {MAX_INTRODUCTION:,} characters.")
    if spec.audience not in AUDIENCES:
        raise InvalidInput("Choose who can take part: anyone signed in, members only, or members and invited people.")
    if spec.audience == INVITED and space.is_private:
        raise InvalidInput("Invite links are for public spaces. In a private space, add people as members instead.")
    try:
        lifecycle.check_window(spec.opens_at, spec.closes_at, now())
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    questions = _clean_questions(spec.questions, {anchor for _, anchor, _ in toc or []})
    return RoundSpec(title, spec.opens_at, spec.closes_at, spec.audience, bool(spec.premoderation), introduction,
                     questions)


def _clean_questions(questions, sections: set[str]) -> tuple[tuple[str, str], ...]:
    cleaned = []
    for text, section in questions:
        text, section = single_line(text or ""), (section or "").strip()
        if not text:
            continue
        if len(text) > 1000:
            raise InvalidInput("Keep each guiding question to 1,000 characters.")
        if section and section not in sections:
            raise InvalidInput(f"A question is about a section ({section[:60]!r}) that is not in the draft.")
        cleaned.append((text, section))
    if len(cleaned) > MAX_QUESTIONS:
        raise InvalidInput(f"Ask at most {MAX_QUESTIONS} guiding questions.")
    return tuple(cleaned)


def start_round(session, document: Document, user, spec: RoundSpec) -> Round:
    """Freeze the current revision as the consultation draft (a named version) and schedule the
    round. Refused on an archived document and while another round of it is scheduled or open."""
    space = document.space
    require_facilitator(actor_for(session, user, space), space)
    if document.status == ARCHIVED:
        raise Conflict("This document is archived: consultation rounds cannot start on it. Change its status first.")
    head = documents.head(session, document, load=("toc",))
    spec = _clean_spec(spec, space, head.toc)
    if placement.behind(session, document):  # every thread gets its place on the frozen draft
        placement.catch_up(session, document.id)
    document = documents.lock_document(session, document.id)  # one new round per document at a time
    _refuse_overlap(session, document)
    number = (session.scalar(select(func.max(Round.number)).where(Round.document_id == document.id)) or 0) + 1
    at = now()
    round_ = Round(document_id=document.id, number=number, title=spec.title, introduction=spec.introduction,
                   introduction_html=render_comment(spec.introduction) if spec.introduction else "",
                   opens_at=spec.opens_at, closes_at=spec.closes_at, audience=spec.audience,
                   premoderation=spec.premoderation, revision_number=document.head_number,
                   state=lifecycle.by_clock(lifecycle.Window(spec.opens_at, spec.closes_at), at),
                   created_by_id=user.id, created_at=at)
    round_.named_version_id = _freeze(session, document, user, number).id
    round_.questions = [Question(position=i, text=text, section=section)
                        for i, (text, section) in enumerate(spec.questions, start=1)]
    session.add(round_)
    session.flush()
    _commit_and_announce(session, round_, [], [(None, round_.state)], user.id)
    return round_


def _refuse_overlap(session, document: Document) -> None:
    at = now()
    for other in session.scalars(select(Round).where(Round.document_id == document.id,
                                                     Round.state.in_(lifecycle.BY_CLOCK))):
        state = lifecycle.effective(other.state, window(other), at)
        if state in lifecycle.BY_CLOCK:
            raise Conflict(f"Round {other.number} of this document is still {state}: close it before starting "
                           "another.")


def _freeze(session, document: Document, user, number: int) -> NamedVersion:
    """The named version "Consultation draft, round N" on the head (a free name is found if a
    person already used that one)."""
    taken = set(session.scalars(select(NamedVersion.name).where(NamedVersion.document_id == document.id)))
    base = name = f"Consultation draft, round {number}"
    extra = 1
    while name in taken:
        extra += 1
        name = f"{base} ({extra})"
    version = NamedVersion(document_id=document.id, revision_number=document.head_number, name=name,
                           created_by_id=user.id)
    session.add(version)
    session.flush()
    return version


# --- facilitators' moves ---------------------------------------------------------------------------


def force(session, round_: Round, user, action: str) -> Round:
    """Open early, close now, mark responses complete, publish or unpublish the report."""
    space = round_.document.space
    require_facilitator(actor_for(session, user, space), space)
    begin_write(session)
    locked = _lock(session, round_.id)
    at = now()
    steps = lifecycle.due(locked.state, window(locked), at)  # the clock's own moves come first
    current = steps[-1][1] if steps else locked.state
    try:
        forced = lifecycle.forced_steps(action, current)
    except ValueError as error:
        session.rollback()
        raise Conflict(str(error)) from None
    if action in ("responded", "publish"):
        _require_all_answered(session, locked)
    _apply(locked, action, at)
    locked.state = forced[-1][1]
    _commit_and_announce(session, locked, steps, forced, user.id)
    return locked


def _apply(round_: Round, action: str, at: datetime) -> None:
    if action == "open":
        round_.opens_at = at
    elif action == "close":
        round_.closes_at = min(lifecycle.aware(round_.closes_at), at)
    elif action in ("responded", "publish"):
        round_.responded_at = round_.responded_at or at
        if action == "publish":
            round_.published_at = at
    elif action == "unpublish":
        round_.published_at = None


def _require_all_answered(session, round_: Round) -> None:
    done, total = progress(session, round_)
    if done < total:
        session.rollback()
        missing = total - done
        raise Conflict(f"{missing} comment{'' if missing == 1 else 's'} still need{'s' if missing == 1 else ''} "
                       f"a response ({done} of {total} answered).")


def edit_round(session, round_: Round, user, *, title: str, introduction: str, opens_at: datetime,
               closes_at: datetime) -> Round:
    """Change the wording or the dates of a round that has not closed: a scheduled round may move
    both times, an open one only its closing time (to extend it, or shorten it to the future)."""
    space = round_.document.space
    require_facilitator(actor_for(session, user, space), space)
    begin_write(session)
    locked = _lock(session, round_.id)
    state = state_of(locked)
    if state not in lifecycle.BY_CLOCK:
        session.rollback()
        raise Conflict("The round has closed: its dates can no longer change.")
    if state == lifecycle.OPEN:
        opens_at = lifecycle.aware(locked.opens_at)
    spec = _clean_spec(RoundSpec(title, opens_at, closes_at, locked.audience, locked.premoderation, introduction),
                       space, None)
    locked.title, locked.introduction = spec.title, spec.introduction
    locked.introduction_html = render_comment(spec.introduction) if spec.introduction else ""
    locked.opens_at, locked.closes_at = spec.opens_at, spec.closes_at
    steps = lifecycle.due(locked.state, window(locked), now())
    if steps:
        locked.state = steps[-1][1]
    ids = {"round_id": locked.id, "document_id": locked.document_id}
    _commit_and_announce(session, locked, [], forced=steps, user_id=user.id)  # the edit moved it, not the clock
    signals.round_edited.send(current_app._get_current_object(), **ids)  # the search index reads the new wording
    return locked
