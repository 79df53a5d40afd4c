"""Taking part in a round beyond comments: answers to the guiding questions, responses a
facilitator enters on behalf of people who took part offline, and invite links.

Answers go through the same gate as comments (wiki/consultations/gate.py): refused after close,
whatever the path. Offline responses are a facilitator's record of what people said during the
round (at a workshop, by post, on the phone), so they may still be typed up after it closes, until
the responses are marked complete; they are stored as ordinary round comments with no author
account, and count like online ones.
"""

import hashlib
import secrets

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from wiki import timeutil
from wiki.auth import permissions
from wiki.auth.perspectives import PERSPECTIVES
from wiki.comments import blocks, rules
from wiki.comments import service as comments
from wiki.comments.anchoring import make_quote
from wiki.consultations import gate, lifecycle
from wiki.consultations.models import INVITED, OFFLINE_CHANNELS, Answer, Invite, Invitee, OfflineEntry, Question, Round
from wiki.documents import service as documents
from wiki.documents.text import normalise_text, single_line
from wiki.errors import Closed, Conflict, InvalidInput, NotFound, PermissionDenied
from wiki.rendering import render_comment
from wiki.spaces.service import actor_for


def _max_chars() -> int:
    return int(current_app.config.get("COMMENT_MAX_CHARS", 5000))


def _clean_text(body: str, what: str = "answer") -> str:
    body = normalise_text(body or "").strip()
    limit = _max_chars()
    if len(body) > limit:
        raise InvalidInput(f"Your {what} is {len(body):,} characters long; the limit is {limit:,}.")
    return body


def _questions(round_: Round) -> dict[int, Question]:
    return {q.id: q for q in round_.questions}


# --- answers ---------------------------------------------------------------------------------------


def my_answers(session, round_: Round, user) -> dict[int, Answer]:
    if not getattr(user, "is_authenticated", False):
        return {}
    return {a.question_id: a for a in session.scalars(
        select(Answer).where(Answer.round_id == round_.id, Answer.author_id == user.id))}


def answer(session, round_: Round, user, bodies: dict[int, str], perspective: str | None = None) -> int:
    """Store this person's answers ({question id: text}; an empty text takes an answer back).
    Returns how many answers they now have. Refused unless the round is open at that instant."""
    round_ = gate.require_participant(session, round_.id, user)
    known = _questions(round_)
    unknown = [qid for qid in bodies if qid not in known]
    if unknown:
        raise InvalidInput(f"Question {unknown[0]} is not one of this round's questions.")
    cleaned = {qid: _clean_text(body) for qid, body in bodies.items()}
    if not any(cleaned.values()) and not my_answers(session, round_, user):
        raise InvalidInput("Write an answer to at least one question before sending.")
    chosen = rules.allowed_perspective(perspective, user.visible_perspectives())
    if chosen == "":
        raise InvalidInput("You can only show a perspective you have chosen, and agreed to show, on your profile.")
    at = gate.hold_open(session, round_.id)
    mine = my_answers(session, round_, user)
    for qid, body in cleaned.items():
        existing = mine.get(qid)
        if not body:
            if existing is not None:
                session.delete(existing)
            continue
        if existing is None:
            existing = Answer(question_id=qid, round_id=round_.id, author_id=user.id, created_at=at)
            session.add(existing)
        existing.body, existing.body_html, existing.perspective, existing.updated_at = (
            body, render_comment(body), chosen, at)
    try:
        session.commit()
    except IntegrityError:  # the same person's answers sent twice at once: the first stands
        session.rollback()
        raise Conflict("Your answers were sent twice at the same moment; reload the page to see them.") from None
    return len(my_answers(session, round_, user))


# --- offline responses -----------------------------------------------------------------------------


def _passage(session, document, revision: int, section: str, quote: str):
    """Where an offline comment goes in the consultation draft: a quoted passage, or the heading
    of a section."""
    if quote.strip():
        return comments.locate(session, document, revision, exact=quote)
    rev = documents.get_revision(session, document, revision)
    start = next((offset for offset, anchor in blocks.heading_starts(rev.text, rev.toc) if anchor == section),
                 None) if section else None
    if start is None:
        raise InvalidInput("Choose the section the response is about, or quote the passage from the draft.")
    end = rev.text.find("\n", start)
    end = len(rev.text) if end < 0 else end
    return start, end, make_quote(rev.text, start, end)


def _clean_offline(round_: Round, *, channel: str, group: str, respondent: str, perspective: str | None,
                   consented: bool, body: str, answers: dict[int, str] | None) -> tuple:
    if channel not in OFFLINE_CHANNELS:
        raise InvalidInput(f"Choose how the response was given: {', '.join(OFFLINE_CHANNELS.values()).lower()}.")
    if perspective and perspective not in PERSPECTIVES:
        raise InvalidInput("Choose one of the listed perspectives, or none.")
    if perspective and not consented:
        raise InvalidInput("Record a perspective only if the person agreed to it (tick the consent box), or choose "
                           "no perspective.")
    body = _clean_text(body, "response")
    answers = {qid: _clean_text(text) for qid, text in (answers or {}).items() if (text or "").strip()}
    unknown = [qid for qid in answers if qid not in _questions(round_)]
    if unknown:
        raise InvalidInput(f"Question {unknown[0]} is not one of this round's questions.")
    if not body and not answers:
        raise InvalidInput("Write the person's comment, or their answer to a question.")
    return single_line(group or "")[:200], single_line(respondent or "")[:100], body, answers


def record_offline(session, round_: Round, user, *, channel: str, group: str = "", respondent: str = "",
                   perspective: str | None = None, consented: bool = False, section: str = "", quote: str = "",
                   body: str = "", answers: dict[int, str] | None = None) -> OfflineEntry:
    """A response given offline, entered by a facilitator: optionally a comment on a section or
    passage, and answers to the guiding questions. At least one of them."""
    space = round_.document.space
    if not permissions.can_facilitate(actor_for(session, user, space), space.is_private):
        raise PermissionDenied("Only facilitators can enter responses on someone's behalf.")
    group, respondent, body, answers = _clean_offline(
        round_, channel=channel, group=group, respondent=respondent, perspective=perspective, consented=consented,
        body=body, answers=answers)
    state = gate.state_of(round_)
    if state not in (lifecycle.OPEN, lifecycle.CLOSED):
        raise Closed("Offline responses can be entered while the round is open or closed, until the responses are "
                     "complete.", code="round not open" if state == lifecycle.SCHEDULED else "round closed")
    entry = OfflineEntry(round_id=round_.id, channel=channel, group_name=group, respondent=respondent,
                         perspective=perspective or None, entered_by_id=user.id, created_at=timeutil.utcnow())
    comment = None
    if body:
        start, end, located = _passage(session, round_.document, round_.revision_number, section, quote)
        comment = comments.add_thread(session, round_.document, None, revision=round_.revision_number, start=start,
                                      end=end, quote=located, body=body, visibility=rules.ANONYMOUS,
                                      perspective=None, state=rules.PUBLISHED)
        comment.thread.round_id = round_.id
        entry.comment_id = comment.id
    session.add(entry)
    session.flush()
    for qid, text in answers.items():
        session.add(Answer(question_id=qid, round_id=round_.id, offline_entry_id=entry.id, body=text,
                           body_html=render_comment(text), perspective=entry.perspective,
                           created_at=entry.created_at, updated_at=entry.created_at))
    if comment is not None:
        comments.finish_thread(session, comment)  # commits and announces the comment
    else:
        session.commit()
    return entry


# --- invite links ----------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_facilitator(session, round_: Round, user) -> None:
    space = round_.document.space
    if not permissions.can_facilitate(actor_for(session, user, space), space.is_private):
        raise PermissionDenied("Only facilitators can manage invite links.")


def invites(session, round_: Round) -> list[Invite]:
    return list(session.scalars(select(Invite).where(Invite.round_id == round_.id).order_by(Invite.id.desc())))


def create_invite(session, round_: Round, user, label: str = "") -> str:
    """A new invite link token (shown once; only its hash is stored)."""
    _require_facilitator(session, round_, user)
    if round_.audience != INVITED:
        raise Conflict("This round is not open to invited people: its audience does not use invite links.")
    if gate.state_of(round_) not in lifecycle.BY_CLOCK:
        raise Closed("The round has closed: invite links are no longer useful.", code="round closed")
    token = secrets.token_urlsafe(24)
    session.add(Invite(round_id=round_.id, token_hash=_hash(token), label=single_line(label or "")[:120],
                       created_by_id=user.id, created_at=timeutil.utcnow()))
    session.commit()
    return token


def revoke_invite(session, round_: Round, user, invite_id: int) -> Invite:
    _require_facilitator(session, round_, user)
    invite = session.get(Invite, invite_id) if 0 < invite_id < 2**31 else None
    if invite is None or invite.round_id != round_.id:
        raise NotFound("No such invite link.")
    invite.revoked_at = invite.revoked_at or timeutil.utcnow()
    session.commit()
    return invite


def redeem_invite(session, round_: Round, user, token: str) -> bool:
    """Join the round with an invite link; True if this person joined now (False: already had)."""
    invite = session.scalar(select(Invite).where(Invite.round_id == round_.id,
                                                 Invite.token_hash == _hash(token or "")))
    if invite is None or invite.revoked_at is not None:
        raise NotFound("This invite link is not valid: it may have been withdrawn. Ask the facilitator for a new one.")
    if gate.state_of(round_) not in lifecycle.BY_CLOCK:
        raise Closed(f"{lifecycle.CLOSED_NOTICE}.", code="round closed")
    if gate.is_invitee(session, round_.id, user):
        return False
    session.add(Invitee(round_id=round_.id, user_id=user.id, invite_id=invite.id, created_at=timeutil.utcnow()))
    session.execute(update(Invite).where(Invite.id == invite.id).values(uses=Invite.uses + 1))
    try:
        session.commit()
    except IntegrityError:  # the same link opened twice at once
        session.rollback()
        return False
    return True

