"""Responding to a round: each comment gets a disposition, a public response, themes and optionally
the revision of the live draft that made the change; progress is "143 of 210 comments answered".

The comments to answer are the round's published comments (first comments and replies, online and
offline), except those written by the space's facilitators: their replies are the conversation, not
submissions. Pending, hidden and withdrawn comments are not counted.
"""

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from wiki import signals, timeutil
from wiki.auth import permissions
from wiki.auth.models import User
from wiki.comments import rules
from wiki.comments.models import Comment, Thread
from wiki.consultations import gate, lifecycle
from wiki.consultations.models import DISPOSITIONS, Disposition, Round
from wiki.documents import service as documents
from wiki.documents.text import normalise_text, single_line
from wiki.errors import Closed, InvalidInput, NotFound, PermissionDenied
from wiki.pagination import Page, paginate
from wiki.rendering import render_comment
from wiki.spaces.models import Membership
from wiki.spaces.service import actor_for

MAX_THEMES, MAX_THEME_CHARS, MAX_RESPONSE = 10, 60, 5000


def _facilitators(space_id: int):
    """Ids of the people whose comments are the conversation rather than submissions."""
    members = select(Membership.user_id).where(Membership.space_id == space_id,
                                               Membership.role == permissions.FACILITATOR)
    admins = select(User.id).where(User.is_admin.is_(True))
    return members.union(admins)


def countable(round_: Round):
    """The round's comments that need a response (a select of Comment)."""
    return (select(Comment).join(Thread, Comment.thread_id == Thread.id)
            .where(Thread.round_id == round_.id, Comment.state == rules.PUBLISHED,
                   or_(Comment.author_id.is_(None), Comment.author_id.not_in(_facilitators(round_.document.space_id)))))


def progress(session, round_: Round) -> tuple[int, int]:
    """(answered, total) of the comments that need a response."""
    ids = countable(round_).with_only_columns(Comment.id).subquery()
    total = session.scalar(select(func.count()).select_from(ids))
    answered = session.scalar(select(func.count()).select_from(Disposition).where(
        Disposition.round_id == round_.id, Disposition.comment_id.in_(select(ids.c.id))))
    return answered, total


def answered_ids(session, round_: Round) -> dict[int, Disposition]:
    return {d.comment_id: d for d in session.scalars(select(Disposition).where(Disposition.round_id == round_.id))}


def to_answer(session, round_: Round, raw_page, *, unanswered_only: bool = False, per_page: int = 20) -> Page:
    """The comments to respond to, oldest first, paginated; optionally only those without a response."""
    query = countable(round_).order_by(Comment.created_at, Comment.id)
    if unanswered_only:
        query = query.where(Comment.id.not_in(select(Disposition.comment_id).where(Disposition.round_id == round_.id)))
    return paginate(session, query, raw_page, per_page)


def _clean_themes(themes) -> list[str]:
    if isinstance(themes, str):
        themes = themes.split(",")
    seen, cleaned = set(), []
    for theme in themes or []:
        theme = single_line(str(theme))
        if not theme or theme.casefold() in seen:
            continue
        if len(theme) > MAX_THEME_CHARS:
            raise InvalidInput(f"Keep each theme to {MAX_THEME_CHARS} characters.")
        seen.add(theme.casefold())
        cleaned.append(theme)
    if len(cleaned) > MAX_THEMES:
        raise InvalidInput(f"Give at most {MAX_THEMES} themes.")
    return cleaned


def _clean_revision(session, round_: Round, revision) -> int | None:
    if revision in (None, ""):
        return None
    try:
        number = int(revision)
    except (TypeError, ValueError):
        raise InvalidInput("The revision that made the change must be a revision number.") from None
    if number <= round_.revision_number:
        raise InvalidInput(f"The change must be a revision after the consultation draft (revision "
                           f"{round_.revision_number}).")
    try:
        documents.get_revision(session, round_.document, number, load=())
    except NotFound:
        raise InvalidInput(f"Revision {number} of this document does not exist.") from None
    return number


def _check(session, comment: Comment, user, round_id) -> Round:
    if comment.thread.round_id is None:
        raise InvalidInput("This comment was not made in a consultation round, so it takes no disposition.")
    if round_id is not None and int(round_id) != comment.thread.round_id:
        raise InvalidInput("This comment belongs to another consultation round.")
    round_ = gate.get(session, comment.thread.round_id)
    space = round_.document.space
    if not permissions.can_facilitate(actor_for(session, user, space), space.is_private):
        raise PermissionDenied("Only facilitators can respond to comments.")
    if gate.state_of(round_) == lifecycle.SCHEDULED:
        raise Closed("The round has not opened yet.", code="round not open")
    if comment.state != rules.PUBLISHED:
        raise InvalidInput({rules.PENDING: "Approve this comment before responding to it.",
                            rules.HIDDEN: "This comment is hidden: it takes no response.",
                            rules.WITHDRAWN: "This comment was withdrawn: it takes no response."}[comment.state])
    return round_


def set_disposition(session, comment: Comment, user, *, disposition: str, response: str, themes=(),
                    revision=None, round_id=None) -> Disposition:
    """Answer a comment (or change the answer). ``round_id``: the round the facilitator is
    responding to; a comment of another round is refused."""
    round_ = _check(session, comment, user, round_id)
    if disposition not in DISPOSITIONS:
        raise InvalidInput(f"Choose a disposition: {', '.join(DISPOSITIONS.values()).lower()}.")
    response = normalise_text(response or "").strip()
    if not response:
        raise InvalidInput("Write the public response: what was done with this comment, and why.")
    if len(response) > MAX_RESPONSE:
        raise InvalidInput(f"Keep the response to {MAX_RESPONSE:,} characters.")
    cleaned = _clean_themes(themes)
    number = _clean_revision(session, round_, revision)
    record = session.scalar(select(Disposition).where(Disposition.comment_id == comment.id))
    if record is None:
        record = Disposition(comment_id=comment.id, round_id=round_.id)
        session.add(record)
    record.disposition, record.response, record.response_html = disposition, response, render_comment(response)
    record.themes, record.revision_number = cleaned, number
    record.set_by_id, record.set_at = user.id, timeutil.utcnow()
    ids = {"comment_id": comment.id, "thread_id": comment.thread_id, "round_id": round_.id,
           "document_id": round_.document_id, "user_id": user.id}
    try:
        session.commit()
    except IntegrityError:  # two facilitators answered at the same moment: the other answer stands
        session.rollback()
        raise InvalidInput("Another facilitator answered this comment at the same moment; reload to see it.") \
            from None
    signals.disposition_set.send(current_app._get_current_object(), **ids)
    return record
