"""Signal subscribers: each domain event becomes an activity row, its watchers' notifications, and
a ring of their bells. A failure here is logged and never fails the save or comment that caused it.

Kinds wired: revisions (revision_committed), new comments and replies (comment_added, also sent when a
pre-moderated comment is approved), resolved / reopened threads (comment_changed), consultation
rounds and dispositions (round_changed, disposition_set: wiki/awareness/rounds.py), published
editions (edition_published: wiki/awareness/editions.py). An erased
account's awareness data goes with the erasure transaction itself (wiki/awareness/privacy.py).
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki import signals
from wiki.awareness import audience, mentions, notify
from wiki.awareness.models import (
    COMMENT,
    REOPENED,
    REPLY,
    RESOLVED,
    REVISION,
    Activity,
    DocumentWatch,
)
from wiki.comments.models import Comment
from wiki.comments.presenters import facts
from wiki.documents.models import Document, Revision
from wiki.extensions import db
from wiki.timeutil import utcnow

log = logging.getLogger(__name__)


def init_recorder(app: Flask) -> None:  # noqa: ARG001 - same shape as the other init_* hooks
    # blinker keys receivers by identity: connecting again for each app made in this process is a no-op
    signals.revision_committed.connect(_on_revision)
    signals.comment_added.connect(_on_comment_added)
    signals.comment_changed.connect(_on_comment_changed)
    signals.round_changed.connect(_on_round_changed)
    signals.disposition_set.connect(_on_disposition_set)
    signals.edition_published.connect(_on_edition_published)


def _app(sender):
    return sender._get_current_object() if hasattr(sender, "_get_current_object") else sender


def _guarded(sender, what: str, record, *args) -> None:
    """Record, then ring the bells of those told; never let a failure reach the sender."""
    try:
        told = record(db.session, *args)
    except Exception:
        db.session.rollback()
        log.exception("could not record %s", what)
        return
    if told:
        from wiki.awareness.events import announce

        announce(_app(sender), told)


def _on_revision(sender, *, document_id: int, number: int, **_) -> None:
    _guarded(sender, f"revision {number} of document {document_id}", record_revision, document_id, number)


def _on_comment_added(sender, *, comment_id: int, **_) -> None:
    _guarded(sender, f"comment {comment_id}", record_comment, comment_id)


def _on_comment_changed(sender, *, comment_id: int, thread_id: int, change: str, user_id: int | None = None,
                        **_) -> None:
    if change in ("resolved", "reopened"):
        _guarded(sender, f"thread {thread_id} {change}", record_thread_change, comment_id, change, user_id)


def _on_round_changed(sender, *, round_id: int, state: str, user_id: int | None = None, **_) -> None:
    from wiki.awareness import rounds

    _guarded(sender, f"round {round_id} {state}", rounds.record_round, round_id, state, user_id)


def _on_disposition_set(sender, *, comment_id: int, round_id: int, user_id: int | None = None, **_) -> None:
    from wiki.awareness import rounds

    _guarded(sender, f"a response to comment {comment_id}", rounds.record_disposition, comment_id, round_id, user_id)


def _on_edition_published(sender, *, edition_id: int, **_) -> None:
    from wiki.awareness import editions

    _guarded(sender, f"edition {edition_id}", editions.record_edition, edition_id)


# --- use cases ---------------------------------------------------------------------------------------


def record_revision(session, document_id: int, number: int) -> list[int]:
    document = session.get(Document, document_id)
    revision = session.scalar(select(Revision).where(Revision.document_id == document_id, Revision.number == number)
                              .options(selectinload(Revision.authors)))
    if document is None or revision is None:
        return []
    authors = [a.id for a in revision.authors]
    activity = Activity(kind=REVISION, space_id=document.space_id, document_id=document_id,
                        actor_id=authors[0] if authors else None, revision_number=number,
                        size_delta=revision.size_delta, summary=revision.summary, created_at=revision.created_at)
    session.add(activity)
    _watch_as_author(session, document_id, authors)
    session.flush()
    return notify.notify(session, activity, audience.Event(kind=REVISION, actors=frozenset(authors)))


def _watch_as_author(session, document_id: int, user_ids: list[int]) -> None:
    """Authors watch what they write, unless they once chose to stop watching it."""
    known = set(session.scalars(select(DocumentWatch.user_id).where(DocumentWatch.document_id == document_id,
                                                                    DocumentWatch.user_id.in_(user_ids))))
    for uid in user_ids:
        if uid not in known:
            session.add(DocumentWatch(user_id=uid, document_id=document_id, active=True, reason="author",
                                      created_at=utcnow()))


def record_comment(session, comment_id: int) -> list[int]:
    """A new comment or reply (or one just approved: recorded once, told to those not yet told)."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        return []
    thread = comment.thread
    document = thread.document
    activity = session.scalar(select(Activity).where(Activity.comment_id == comment_id,
                                                     Activity.kind.in_((COMMENT, REPLY))))
    repeat = activity is not None
    if activity is None:
        first = thread.comments[0].id == comment.id
        activity = Activity(kind=COMMENT if first else REPLY, space_id=document.space_id, document_id=document.id,
                            actor_id=comment.author_id, thread_id=thread.id, comment_id=comment.id,
                            created_at=comment.created_at)
        session.add(activity)
        session.flush()
    earlier = frozenset(c.author_id for c in thread.comments if c.id < comment.id and c.author_id)
    named = mentions.find_mentions(comment.body, notify.people_around(session, document.space, document.id))
    event = audience.Event(kind=activity.kind, actors=frozenset({comment.author_id}) - {None},
                           comment=facts(comment), participants=earlier, mentioned=named)
    return notify.notify(session, activity, event, repeat=repeat)


def record_thread_change(session, first_comment_id: int, change: str, user_id: int | None = None) -> list[int]:
    """A thread resolved or reopened: its participants are told, never the person who did it."""
    first = session.get(Comment, first_comment_id)
    if first is None:
        return []
    thread = first.thread
    actor = user_id if user_id is not None else (thread.resolved_by_id if change == "resolved" else None)
    activity = Activity(kind=RESOLVED if change == "resolved" else REOPENED, space_id=thread.document.space_id,
                        document_id=thread.document_id, actor_id=actor, thread_id=thread.id, comment_id=first.id,
                        created_at=utcnow())
    session.add(activity)
    session.flush()
    everyone = frozenset(c.author_id for c in thread.comments if c.author_id)
    event = audience.Event(kind=activity.kind, actors=frozenset({actor}) - {None}, comment=facts(first),
                           participants=everyone)
    return notify.notify(session, activity, event)
