"""From one activity to notifications: gather who might be told, let ``audience`` decide with the
permission rules as they stand now, fold floods (``batching``), then ring the bells.

Called by the recorder after the feature's own commit; it commits its own rows.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from wiki.auth import permissions
from wiki.auth.models import User
from wiki.awareness import audience, batching
from wiki.awareness.models import (
    COMMENT,
    MAIL_DUE,
    MAIL_NONE,
    REPLY,
    Activity,
    DocumentWatch,
    Notification,
    NotificationSettings,
    SpaceWatch,
)
from wiki.comments.models import Comment, Thread
from wiki.comments.presenters import viewer_for
from wiki.documents.models import Revision, revision_authors
from wiki.spaces.models import Membership, Space
from wiki.spaces.service import actor_with_role
from wiki.timeutil import as_utc, utcnow


def _seconds(name: str, default: int) -> timedelta:
    return timedelta(seconds=int(current_app.config.get(name, default)))


def quiet_period() -> timedelta:
    return _seconds("NOTIFY_QUIET_SECONDS", 15 * 60)


def email_modes(session, user_ids) -> dict[int, str]:
    """Each user's email choice (the configured default when they never chose)."""
    default = current_app.config.get("NOTIFY_EMAIL_DEFAULT", batching.DAILY)
    chosen = dict(session.execute(select(NotificationSettings.user_id, NotificationSettings.email_mode)
                                  .where(NotificationSettings.user_id.in_(list(user_ids)))).all())
    return {uid: chosen.get(uid, default) for uid in user_ids}


def mail_enabled() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


# --- who could be told ---------------------------------------------------------------------------


def people_around(session, space: Space, document_id: int | None) -> dict[int, str]:
    """{id: display name} of those a mention in this document may mean: the space's members, its
    and the document's watchers, and the document's commenters and authors."""
    ids = set(session.scalars(select(Membership.user_id).where(Membership.space_id == space.id)))
    ids |= set(session.scalars(select(SpaceWatch.user_id).where(SpaceWatch.space_id == space.id)))
    if document_id is not None:
        ids |= set(session.scalars(select(DocumentWatch.user_id).where(DocumentWatch.document_id == document_id)))
        ids |= set(session.scalars(select(Comment.author_id).join(Thread).where(Thread.document_id == document_id)))
        ids |= set(session.scalars(select(revision_authors.c.user_id).join(Revision)
                                   .where(Revision.document_id == document_id)))
    ids.discard(None)
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def candidates(session, space: Space, document_id: int | None, extra: set[int]) -> list[audience.Candidate]:
    """Watchers of the document and space plus ``extra`` people, each with their permissions now."""
    doc_watch = {}
    if document_id is not None:
        doc_watch = dict(session.execute(select(DocumentWatch.user_id, DocumentWatch.active)
                                         .where(DocumentWatch.document_id == document_id)).all())
    space_watch = set(session.scalars(select(SpaceWatch.user_id).where(SpaceWatch.space_id == space.id)))
    ids = set(doc_watch) | space_watch | {i for i in extra if i}
    if not ids:
        return []
    roles = dict(session.execute(select(Membership.user_id, Membership.role)
                                 .where(Membership.space_id == space.id, Membership.user_id.in_(ids))).all())
    found = []
    for user in session.scalars(select(User).where(User.id.in_(ids))):
        actor = actor_with_role(user, roles.get(user.id))
        found.append(audience.Candidate(
            user_id=user.id, can_read=permissions.can_read(actor, space.is_private),
            viewer=viewer_for(actor, user, space), active=user.is_active,
            watches_document=doc_watch.get(user.id), watches_space=user.id in space_watch,
        ))
    return found


# --- telling them --------------------------------------------------------------------------------


def already_told(session, activity: Activity) -> set[int]:
    """Who holds a notification covering this activity (a comment approved after moderation is
    recorded again: those who saw it pending were told then)."""
    family = (COMMENT, REPLY) if activity.kind in (COMMENT, REPLY) else (activity.kind,)
    query = select(Notification.user_id).where(Notification.document_id == activity.document_id,
                                               Notification.first_activity_id <= activity.id,
                                               Notification.activity_id >= activity.id,
                                               Notification.kind.in_(family))
    return set(session.scalars(query))


def notify(session, activity: Activity, event: audience.Event, *, repeat: bool = False) -> list[int]:
    """Create or fold the notifications of one activity; commit; return the users to ring.
    ``repeat``: the activity was recorded before (a comment approved after moderation)."""
    space = activity.space
    extra = set(event.participants | event.mentioned | event.addressed | event.reminded)
    targets = audience.recipients(event, candidates(session, space, activity.document_id, extra))
    skip = already_told(session, activity) if repeat else set()
    targets = {uid: reason for uid, reason in targets.items() if uid not in skip}
    if not targets:
        session.commit()
        return []
    modes = email_modes(session, targets) if mail_enabled() else {}
    now = utcnow()
    open_notes = _open_notifications(session, activity, targets)
    with session.no_autoflush:
        for uid, reason in targets.items():
            topic = batching.topic_for(activity.kind, reason)
            if _fold(open_notes.get((uid, topic)), activity, now):
                continue
            mailed = modes.get(uid, batching.NONE) != batching.NONE
            session.add(Notification(
                user_id=uid, space_id=activity.space_id, document_id=activity.document_id, activity_id=activity.id,
                first_activity_id=activity.id, kind=activity.kind, reason=reason, topic=topic, created_at=now,
                updated_at=now, mail_state=MAIL_DUE if mailed else MAIL_NONE,
            ))
    session.commit()
    return list(targets)


def _open_notifications(session, activity: Activity, targets: dict[int, str]) -> dict[tuple[int, str], Notification]:
    """{(user, topic): their latest notification of this document and topic}, in one query for every
    recipient (one per recipient made a save with 300 watchers take seconds)."""
    topics = {batching.topic_for(activity.kind, reason) for reason in targets.values()} - {""}
    if not topics or activity.document_id is None:
        return {}
    since = utcnow() - quiet_period()
    query = (select(Notification).where(Notification.document_id == activity.document_id,
                                        Notification.user_id.in_(list(targets)), Notification.topic.in_(topics),
                                        Notification.updated_at >= since)
             .order_by(Notification.id))
    return {(n.user_id, n.topic): n for n in session.scalars(query)}  # later ids overwrite: the latest wins


def _fold(latest: Notification | None, activity: Activity, now) -> bool:
    """Fold into the person's open notification of the same document and topic, if the quiet period
    allows (wiki/awareness/batching.py decides)."""
    if latest is None:
        return False
    state = batching.Open(latest.id, as_utc(latest.created_at), as_utc(latest.updated_at), latest.read_at is not None,
                          latest.mail_state not in (MAIL_NONE, MAIL_DUE))
    max_span = _seconds("NOTIFY_FOLD_MAX_SECONDS", 24 * 3600)
    if batching.fold_into(state, now, quiet_period(), max_span) is None:
        return False
    latest.activity_id, latest.count, latest.updated_at = activity.id, latest.count + 1, now
    return True
