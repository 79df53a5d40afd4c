"""Comment use cases: find the passage, start a thread, reply, resolve, agree, edit, withdraw, flag,
moderate.

Each takes a DB session and the signed-in user, asks the rules (wiki/comments/rules.py with the
space's permissions) itself, raises DomainErrors, commits, and sends ``comment_added`` once a comment
is new to someone (posted, or approved). Reading lives in queries.py and the CSV export in export.py;
both are re-exported here, the one import path for routes, the API and the live broadcast.
"""

import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from wiki import signals, timeutil
from wiki.auth import permissions
from wiki.comments import anchoring, blocks, models, placement, rules
from wiki.comments.anchoring import Quote
from wiki.comments.export import export_csv
from wiki.comments.locating import checked_range, locate
from wiki.comments.models import (
    ANONYMOUS,
    Comment,
    CommentAgree,
    CommentEdit,
    Thread,
    ThreadAnchor,
)
from wiki.comments.presenters import CommentView, ThreadView, facts, settings_of, viewer_for
from wiki.comments.queries import comment_view, thread_views
from wiki.consultations import gate as rounds_gate
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.documents.text import normalise_text
from wiki.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from wiki.extensions import begin_write
from wiki.rendering import render_comment
from wiki.spaces import service as spaces

__all__ = [
    "CommentLimits", "CommentView", "ThreadView", "add_thread", "agree", "approve", "check_action", "check_edit",
    "check_new_thread",
    "comment_view",
    "create_thread", "edit", "export_csv", "finish_thread", "flag", "get_comment", "get_thread", "hide", "limits",
    "locate", "reopen", "reply", "resolve", "thread_views", "unagree", "unhide", "withdraw",
]  # fmt: skip

NO_SUCH_COMMENT = "No such comment, or you do not have access to it."
CANNOT_COMMENT = "Only members of this space can comment."
_MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class CommentLimits:
    max_chars: int = 5000  # COMMENT_MAX_CHARS
    rate: int = 10  # COMMENT_RATE_PER_MINUTE: comments (threads and replies) per user per minute


def limits() -> CommentLimits:
    config = current_app.config
    return CommentLimits(int(config.get("COMMENT_MAX_CHARS", 5000)), int(config.get("COMMENT_RATE_PER_MINUTE", 10)))


# --- finding -------------------------------------------------------------------------------------


def get_comment(session, comment_id: int, user) -> tuple[Comment, permissions.Actor]:
    """A comment this user may see (in a space they may read), else NotFound — the same answer
    whether it does not exist, is in a private space or is for facilitators only."""
    comment = session.get(Comment, comment_id) if 0 < comment_id <= _MAX_ID else None
    if comment is None:
        raise NotFound(NO_SUCH_COMMENT)
    try:
        space, _, actor = documents.find_by_id(session, comment.thread.document_id, user)
    except NotFound:
        raise NotFound(NO_SUCH_COMMENT) from None
    if not rules.can_see(facts(comment), viewer_for(actor, user, space)):
        raise NotFound(NO_SUCH_COMMENT)
    return comment, actor


def get_thread(session, thread_id: int, user) -> Thread:
    """A thread with at least one comment this user may see, else NotFound."""
    thread = session.get(Thread, thread_id) if 0 < thread_id <= _MAX_ID else None
    if thread is None:
        raise NotFound(NO_SUCH_COMMENT)
    _thread_context(session, thread, user)
    return thread


def _thread_context(session, thread: Thread, user) -> tuple[rules.Viewer, list[Comment]]:
    try:
        space, _, actor = documents.find_by_id(session, thread.document_id, user)
    except NotFound:
        raise NotFound(NO_SUCH_COMMENT) from None
    viewer = viewer_for(actor, user, space)
    visible = [c for c in thread.comments if rules.can_see(facts(c), viewer)]
    if not visible:
        raise NotFound(NO_SUCH_COMMENT)
    return viewer, visible


def _viewer(session, user, space) -> rules.Viewer:
    return viewer_for(spaces.actor_for(session, user, space), user, space)


def _require_commenter(viewer: rules.Viewer, space) -> None:
    if viewer.user_id is None:
        raise PermissionDenied("Log in to comment.")
    if not viewer.can_comment:
        raise PermissionDenied(CANNOT_COMMENT)


# --- writing -------------------------------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = normalise_text(body or "").strip()
    if not body:
        raise InvalidInput("Write your comment before sending it.")
    limit = limits().max_chars
    if len(body) > limit:
        raise InvalidInput(f"Your comment is {len(body):,} characters long; the limit is {limit:,}. "
                           "Shorten it, or split it into two comments.")
    return body


def _clean_choice(user, visibility: str, perspective: str | None) -> tuple[str, str | None]:
    if visibility not in models.VISIBILITIES:
        raise InvalidInput("Choose who sees your name: named, anonymous or facilitators.")
    chosen = rules.allowed_perspective(perspective, user.visible_perspectives())
    if chosen == "":
        raise InvalidInput("You can only show a perspective you have chosen, and agreed to show, on your profile.")
    return visibility, chosen


def _check_rate(session, user) -> None:
    rate, now = limits().rate, timeutil.utcnow()
    since = now - timedelta(minutes=1)
    recent = list(session.scalars(
        select(Comment.created_at).where(Comment.author_id == user.id, Comment.created_at > since)
        .order_by(Comment.created_at).limit(rate)
    ))
    if len(recent) >= rate:
        wait = max(1, math.ceil((timeutil.as_utc(recent[0]) + timedelta(minutes=1) - now).total_seconds()))
        raise RateLimited(f"You are commenting very fast: you can post {rate} comments a minute. "
                          f"Try again in {wait} seconds.", retry_after=wait)


def _new_comment(session, thread: Thread, user, body: str, visibility: str, perspective: str | None,
                 state: str, at=None) -> Comment:
    # Facilitators may learn who wrote an anonymous comment only if the space said so when it was
    # written (the form showed that notice); switching the setting on later reveals nobody.
    space = session.get(Document, thread.document_id).space
    revealable = visibility == ANONYMOUS and bool(space.facilitators_see_anonymous) and user is not None
    comment = Comment(thread=thread, author_id=getattr(user, "id", None), body=body, body_html=render_comment(body),
                      visibility=visibility, perspective=perspective, state=state,
                      created_at=at or timeutil.utcnow(), revealable=revealable)
    session.add(comment)
    return comment


def _round_state(session, round_id, user, viewer: rules.Viewer, space) -> str:
    """For a contribution to a consultation round: check its audience (wiki/consultations/gate.py)
    and return the new comment's state (the round may pre-moderate a space that does not)."""
    round_ = rounds_gate.require_participant(session, round_id, user)
    premoderation = bool(space.premoderation or round_.premoderation)
    return rules.initial_state(rules.SpaceSettings(premoderation), viewer.facilitator)


def _announce(comment_id: int, thread_id: int, document_id: int) -> None:
    signals.comment_added.send(current_app._get_current_object(), comment_id=comment_id, thread_id=thread_id,
                               document_id=document_id)


def _changed(comment: Comment, change: str, user_id: int | None) -> None:
    """Tell subscribers (search index, notifications) after the commit; ids are read first so no
    expired attribute triggers a query on a finished transaction. ``user_id`` is who made the
    change, so notifications never tell people about what they did themselves."""
    ids = {"comment_id": comment.id, "thread_id": comment.thread_id, "document_id": comment.thread.document_id}
    signals.comment_changed.send(current_app._get_current_object(), change=change, user_id=user_id, **ids)


def check_new_thread(session, document: Document, user, *, body: str, visibility: str,
                     perspective: str | None) -> None:
    """Would ``create_thread`` accept this comment (who, what, how fast)? For a caller that must do
    something first only for an acceptable comment (a comment in the live editor saves the draft
    before it is anchored): the same rules, asked again by ``create_thread`` itself."""
    _require_commenter(_viewer(session, user, document.space), document.space)
    _clean_body(body)
    _clean_choice(user, visibility, perspective)
    _check_rate(session, user)


def create_thread(session, document: Document, user, *, revision, start: int, end: int, quote: Quote, body: str,
                  visibility: str, perspective: str | None = None, round_id=None) -> Thread:
    """A new thread on [start, end) of revision ``revision`` (from ``locate``), with its first
    comment. ``round_id``: a contribution to that consultation round, on its frozen revision,
    refused unless the round is open at the moment it is stored. The checks before the write may
    run in a read transaction (routes call ``begin_read`` first): on SQLite the write lock is then
    held only for the writes, so twenty people posting at once do not queue on whole requests."""
    space = document.space
    viewer = _viewer(session, user, space)
    _require_commenter(viewer, space)
    body = _clean_body(body)
    visibility, perspective = _clean_choice(user, visibility, perspective)
    if round_id is None:  # a round's gate begins the write itself
        begin_write(session)  # SQLite: the write lock only from here to the commit
    _check_rate(session, user)
    if round_id is not None:
        state = _round_state(session, round_id, user, viewer, space)
    else:
        state = rules.initial_state(settings_of(space), viewer.facilitator)
    comment = add_thread(session, document, user, revision=revision, start=start, end=end, quote=quote, body=body,
                         visibility=visibility, perspective=perspective, state=state, round_id=round_id)
    return finish_thread(session, comment)


def add_thread(session, document: Document, author, *, revision, start: int, end: int, quote: Quote, body: str,
               visibility: str, perspective: str | None, state: str, round_id=None) -> Comment:
    """Store a thread and its first comment (checked by the caller: who, what) and flush; the
    caller commits with ``finish_thread``. ``author`` None: entered on someone's behalf."""
    rev = documents.get_revision(session, document, revision, load=("text", "toc"))
    if not anchoring.verify(rev.text, start, end, Quote(quote.exact)):
        raise InvalidInput(f"The quote does not match revision {rev.number}.")
    checked_range(rev.text, start, end)
    number, document_id = rev.number, document.id
    section = blocks.section_at(blocks.heading_starts(rev.text, rev.toc), start)
    at = timeutil.utcnow()
    if round_id is not None:
        wanted = rounds_gate.get(session, round_id).revision_number
        if number != wanted:
            raise InvalidInput(f"Comments in this round are on revision {wanted}, the consultation draft.")
        at = rounds_gate.hold_open(session, round_id)  # begins the write; the lock is held until the commit
    thread = Thread(document_id=document_id, revision_number=number, quote_exact=quote.exact,
                    quote_prefix=quote.prefix[:200], quote_suffix=quote.suffix[:200], start=start, end=end,
                    anchored_revision=number, anchor_state=models.ANCHORED, section=section[:200],
                    status=models.OPEN, created_at=at, round_id=round_id)
    session.add(thread)
    comment = _new_comment(session, thread, author, body, visibility, perspective, state, at)
    session.flush()
    session.add(ThreadAnchor(thread_id=thread.id, revision_number=number, start=start, end=end,
                             state=models.ANCHORED))
    return comment


def finish_thread(session, comment: Comment) -> Thread:
    """Commit a thread from ``add_thread``, place it on the current text if it was made on an
    older revision, and announce it."""
    thread = comment.thread
    document = session.get(Document, thread.document_id)
    ids = (comment.id, thread.id, document.id)
    behind = thread.revision_number < document.head_number
    session.commit()
    if behind:  # made on an older revision: place it on the current text too
        placement.catch_up(session, ids[2])
    _announce(*ids)
    return thread


def reply(session, thread: Thread, user, body: str, visibility: str = "named",
          perspective: str | None = None) -> Comment:
    viewer, _ = _thread_context(session, thread, user)
    space = thread.document.space
    _require_commenter(viewer, space)
    body = _clean_body(body)
    visibility, perspective = _clean_choice(user, visibility, perspective)
    visibility = rules.reply_visibility(thread.comments[0].visibility, visibility)
    if thread.round_id is None:  # a round's gate begins the write itself
        begin_write(session)  # SQLite: the write lock only from here to the commit
    _check_rate(session, user)
    at = None
    if thread.round_id is not None:  # a reply in a consultation round: only while it is open
        state = _round_state(session, thread.round_id, user, viewer, space)
        at = rounds_gate.hold_open(session, thread.round_id)
    else:
        state = rules.initial_state(settings_of(space), viewer.facilitator)
    comment = _new_comment(session, thread, user, body, visibility, perspective, state, at)
    session.flush()
    ids = (comment.id, thread.id, thread.document_id)
    session.commit()
    _announce(*ids)
    return comment


def _set_status(session, thread: Thread, user, status: str) -> Thread:
    viewer, _ = _thread_context(session, thread, user)
    if not rules.can_resolve(thread.comments[0].author_id, viewer):
        raise PermissionDenied("Only editors, facilitators and the person who started this thread can resolve "
                               "or reopen it.")
    thread.status = status
    thread.resolved_by_id = viewer.user_id if status == models.RESOLVED else None
    session.commit()
    _changed(thread.comments[0], "resolved" if status == models.RESOLVED else "reopened", viewer.user_id)
    return thread


def resolve(session, thread: Thread, user) -> Thread:
    return _set_status(session, thread, user, models.RESOLVED)


def reopen(session, thread: Thread, user) -> Thread:
    return _set_status(session, thread, user, models.OPEN)


def _comment_context(session, comment: Comment, user) -> tuple[rules.Viewer, rules.CommentFacts]:
    viewer, visible = _thread_context(session, comment.thread, user)
    if comment not in visible:
        raise NotFound(NO_SUCH_COMMENT)
    return viewer, facts(comment)


def _agree_count(session, comment: Comment) -> int:
    return session.scalar(select(func.count()).select_from(CommentAgree).where(CommentAgree.comment_id == comment.id))


def agree(session, comment: Comment, user) -> int:
    """+1 from this user (once, however often asked); returns the count."""
    viewer, known = _comment_context(session, comment, user)
    if not rules.can_agree(known, viewer):
        raise PermissionDenied("You can agree with published comments by others, once signed in as a participant.")
    exists = session.scalar(select(CommentAgree.id).where(CommentAgree.comment_id == comment.id,
                                                          CommentAgree.user_id == user.id))
    if exists is None:
        session.add(CommentAgree(comment_id=comment.id, user_id=user.id, created_at=timeutil.utcnow()))
        try:
            session.commit()
        except IntegrityError:  # the same +1 sent twice at once
            session.rollback()
    return _agree_count(session, comment)


def unagree(session, comment: Comment, user) -> int:
    _comment_context(session, comment, user)
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Log in first.")
    session.execute(delete(CommentAgree).where(CommentAgree.comment_id == comment.id, CommentAgree.user_id == user.id),
                    execution_options={"page_scope": ("comment", comment.id)})
    session.commit()
    return _agree_count(session, comment)


def check_edit(session, comment: Comment, user) -> None:
    """PermissionDenied unless this user may edit the comment now (their own, within 15 minutes)."""
    viewer, known = _comment_context(session, comment, user)
    if not rules.can_edit(known, viewer, timeutil.utcnow()):
        raise PermissionDenied("You can edit your own comment for 15 minutes after posting it.")


def edit(session, comment: Comment, user, body: str) -> Comment:
    """The author's correction within 15 minutes; the previous text is kept in CommentEdit."""
    check_edit(session, comment, user)
    actor = user.id
    body = _clean_body(body)
    if comment.thread.round_id is not None:  # a round's comments stay as they were when it closed
        rounds_gate.hold_open(session, comment.thread.round_id)
    if body != comment.body:
        session.add(CommentEdit(comment_id=comment.id, body=comment.body, created_at=timeutil.utcnow()))
        comment.body, comment.body_html, comment.edited_at = body, render_comment(body), timeutil.utcnow()
    session.commit()
    _changed(comment, "edited", actor)
    return comment


def withdraw(session, comment: Comment, user) -> Comment:
    """The author takes the comment back: its text (and earlier versions) are erased; the thread
    shows "comment withdrawn" in its place."""
    viewer, known = _comment_context(session, comment, user)
    if not rules.can_withdraw(known, viewer):
        raise PermissionDenied("You can only withdraw your own comments.")
    comment.body, comment.body_html, comment.state = "", "", rules.WITHDRAWN
    session.execute(delete(CommentEdit).where(CommentEdit.comment_id == comment.id),
                    execution_options={"page_scope": ("comment", comment.id)})
    session.commit()
    _changed(comment, "withdrawn", viewer.user_id)
    return comment


# Moderation lives in its own module and is re-exported here, the one door to comment use cases (it
# needs the helpers above, hence the import at the end).
from wiki.comments.moderating import approve, check_action, flag, hide, unhide  # noqa: E402
