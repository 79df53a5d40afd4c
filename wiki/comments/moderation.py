"""The moderation log of a space: every hide, unhide and approval by its facilitators, newest first.

Facilitators (and site admins) review it at ``/s/<space>/moderation`` to see who moderated what,
when and why. Entries name the comment's author only as the facilitator is shown it on the page
(wiki/comments/rules.py): an anonymous comment stays "Community member" here too, unless the
space's reveal setting applied when it was written.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.auth.models import User
from wiki.comments import rules
from wiki.comments.models import Comment, ModerationAction, Thread
from wiki.comments.presenters import facts, settings_of, viewer_for
from wiki.documents.models import Document
from wiki.pagination import Page, paginate
from wiki.timeutil import as_utc

ACTION_LABELS = {"hide": "Hid a comment", "unhide": "Showed a hidden comment again", "approve": "Approved a comment"}
FORMER_ACCOUNT = "a former account"
EXCERPT = 160  # characters of the comment's text shown with each entry


@dataclass(frozen=True)
class LogEntry:
    id: int
    action: str  # hide | unhide | approve (ModerationAction.action)
    label: str
    moderator: str
    reason: str
    at: datetime
    comment_id: int
    thread_id: int
    document_slug: str
    document_title: str
    author_label: str  # as facilitators are shown it (anonymous stays anonymous)
    excerpt: str  # plain Markdown source, escaped by the template; '' once withdrawn


def _query(space_id: int):
    return (select(ModerationAction).join(Comment, Comment.id == ModerationAction.comment_id)
            .join(Thread, Thread.id == Comment.thread_id).join(Document, Document.id == Thread.document_id)
            .where(Document.space_id == space_id)
            .order_by(ModerationAction.created_at.desc(), ModerationAction.id.desc()))


def _excerpt(comment: Comment) -> str:
    if comment.state == rules.WITHDRAWN:
        return ""
    text = " ".join((comment.body or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def moderation_log(session, space, user, actor, raw_page) -> Page:
    """One page of the space's moderation log (``Page.items`` are LogEntry). The caller has checked
    that ``actor`` facilitates the space (wiki.spaces.service.get_facilitated_space)."""
    page = paginate(session, _query(space.id), raw_page)
    comments = {c.id: c for c in session.scalars(
        select(Comment).where(Comment.id.in_([a.comment_id for a in page.items]))
        .options(selectinload(Comment.author), selectinload(Comment.thread).selectinload(Thread.document)))}
    moderators = {a.actor_id for a in page.items if a.actor_id is not None}
    names = _names(session, moderators)
    viewer, settings = viewer_for(actor, user, space), settings_of(space)
    entries = []
    for action in page.items:
        comment = comments[action.comment_id]
        entries.append(LogEntry(
            id=action.id, action=action.action, label=ACTION_LABELS.get(action.action, action.action),
            moderator=names.get(action.actor_id, FORMER_ACCOUNT), reason=action.reason or "",
            at=as_utc(action.created_at), comment_id=comment.id, thread_id=comment.thread_id,
            document_slug=comment.thread.document.slug, document_title=comment.thread.document.title,
            author_label=rules.author_label(facts(comment), viewer, settings), excerpt=_excerpt(comment),
        ))
    page.items = entries
    return page


def _names(session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
