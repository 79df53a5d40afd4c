"""Moderation use cases: flags from anyone, and a facilitator's hide / unhide / approve, each logged
(ModerationAction, shown on the space's moderation log). Reached through ``wiki.comments.service``."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wiki import timeutil
from wiki.comments import rules
from wiki.comments.models import Comment, CommentFlag, ModerationAction
from wiki.comments.service import _announce, _changed, _comment_context
from wiki.documents.text import single_line
from wiki.errors import InvalidInput, PermissionDenied

CANNOT_FLAG = "You can flag published comments by others once signed in."
_REFUSED = {"hide": "This comment cannot be hidden now.", "unhide": "This comment is not hidden.",
            "approve": "This comment is not awaiting approval."}


def check_action(session, comment: Comment, user, action: str) -> None:
    """Refuse, as the action itself would, before its form is shown: ``flag`` or ``hide``."""
    viewer, known = _comment_context(session, comment, user)
    if action == "flag":
        if not rules.can_flag(known, viewer):
            raise PermissionDenied(CANNOT_FLAG)
        return
    if not viewer.facilitator:
        raise PermissionDenied("Only facilitators can moderate comments.")
    if not rules.can_hide(known, viewer):
        raise InvalidInput(_REFUSED["hide"])


def flag(session, comment: Comment, user, reason: str = "") -> None:
    """Ask facilitators to look at a comment (once per person; a second flag updates the reason)."""
    viewer, known = _comment_context(session, comment, user)
    if not rules.can_flag(known, viewer):
        raise PermissionDenied(CANNOT_FLAG)
    reason = single_line(reason)[:500]
    existing = session.scalar(select(CommentFlag).where(CommentFlag.comment_id == comment.id,
                                                        CommentFlag.user_id == user.id))
    if existing is None:
        session.add(CommentFlag(comment_id=comment.id, user_id=user.id, reason=reason, created_at=timeutil.utcnow()))
    else:
        existing.reason = reason or existing.reason
    try:
        session.commit()
    except IntegrityError:
        session.rollback()


def _moderate(session, comment: Comment, user, action: str, allowed, reason: str = "") -> int:
    """Check a facilitator's moderation and log it (the caller changes the comment and commits);
    returns the facilitator's id."""
    viewer, known = _comment_context(session, comment, user)
    if not viewer.facilitator:
        raise PermissionDenied("Only facilitators can moderate comments.")
    if not allowed(known, viewer):
        raise InvalidInput(_REFUSED[action])
    session.add(ModerationAction(comment_id=comment.id, actor_id=viewer.user_id, action=action, reason=reason,
                                 created_at=timeutil.utcnow()))
    comment.moderated_by_id = viewer.user_id
    return viewer.user_id


def hide(session, comment: Comment, user, reason: str) -> Comment:
    """Hide a comment with a reason (logged); everyone sees "Hidden by a facilitator"."""
    reason = single_line(reason)
    if not reason:
        raise InvalidInput("Give a reason for hiding the comment (it is logged and shown to facilitators).")
    if len(reason) > 500:
        raise InvalidInput("Keep the reason to 500 characters.")
    actor = _moderate(session, comment, user, "hide", rules.can_hide, reason)
    comment.state, comment.hidden_reason = rules.HIDDEN, reason
    session.commit()
    _changed(comment, "hidden", actor)
    return comment


def unhide(session, comment: Comment, user) -> Comment:
    actor = _moderate(session, comment, user, "unhide", rules.can_unhide)
    comment.state, comment.hidden_reason = rules.PUBLISHED, ""
    session.commit()
    _changed(comment, "unhidden", actor)
    return comment


def approve(session, comment: Comment, user) -> Comment:
    """Publish a comment that waited for approval; it then reaches everyone (live too)."""
    _moderate(session, comment, user, "approve", rules.can_approve)
    comment.state = rules.PUBLISHED
    ids = (comment.id, comment.thread_id, comment.thread.document_id)
    session.commit()
    _announce(*ids)
    return comment
