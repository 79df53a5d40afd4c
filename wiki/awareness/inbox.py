"""A person's side of awareness: their notifications (re-checked for them on every showing), what
they watch, and their settings (email choice, private feed token)."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from wiki.auth import permissions
from wiki.auth.models import User
from wiki.awareness import audience, batching, kinds
from wiki.awareness.models import Activity, DocumentWatch, Notification, NotificationSettings, SpaceWatch
from wiki.documents.models import Document
from wiki.errors import InvalidInput, NotFound, PermissionDenied
from wiki.pagination import paginate
from wiki.spaces.models import Space
from wiki.spaces.service import actor_for
from wiki.timeutil import as_utc, utcnow

FEED_TOKEN_PREFIX = "wkf_"
NO_SUCH_NOTIFICATION = "No such notification."
BELL_CAP = 99  # the bell shows "99+" beyond this
_MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class NoteView:
    id: int
    unread: bool
    reason: str
    item: kinds.Item  # the latest event, as this person may see it now
    count: int  # events folded into this notification
    first_revision: int | None  # for folded edits: compare from the parent of this one
    created_at: datetime
    updated_at: datetime

    @property
    def reason_label(self) -> str:
        return audience.REASON_LABELS.get(self.reason, self.reason)


def with_events(query):
    """Load each notification's events, with their space and document, in a few queries."""
    return query.options(
        selectinload(Notification.activity).selectinload(Activity.space),
        selectinload(Notification.activity).selectinload(Activity.document),
        selectinload(Notification.first_activity),
    )


def views(session, notes: list[Notification], user) -> list[NoteView]:
    """What this person may still see of each notification (others are left out)."""
    items = kinds.present(session, [n.activity for n in notes], kinds.Reader(session, user))
    return [
        NoteView(id=n.id, unread=n.read_at is None, reason=n.reason, item=item, count=n.count,
                 first_revision=n.first_activity.revision_number, created_at=as_utc(n.created_at),
                 updated_at=as_utc(n.updated_at))
        for n, item in zip(notes, items, strict=True) if item is not None
    ]


def page(session, user, raw_page, *, unread_only: bool = False):
    """A page of the person's notifications, newest first, with ``page.views`` to show."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    result = paginate(session, with_events(query.order_by(Notification.updated_at.desc(), Notification.id.desc())),
                      raw_page)
    result.views = views(session, result.items, user)
    return result


def unread_count(session, user) -> int:
    """Unread notifications this person may still see (at most BELL_CAP + 1, shown as "99+")."""
    if session.scalar(_any_unread(), {"user_id": user.id}) is None:
        return 0  # most page views: one small query, not the events and access checks below
    query = (select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
             .order_by(Notification.id.desc()).limit(BELL_CAP + 1))
    return len(views(session, list(session.scalars(with_events(query))), user))


def get_note(session, user, note_id: int) -> NoteView:
    note = session.get(Notification, note_id) if 0 < note_id <= _MAX_ID else None
    if note is None or note.user_id != user.id:
        raise NotFound(NO_SUCH_NOTIFICATION)
    shown = views(session, [note], user)
    if not shown:  # access lost since: it is gone for them
        raise NotFound(NO_SUCH_NOTIFICATION)
    return shown[0]


def mark_read(session, user, note_ids: list[int] | None = None) -> int:
    """Mark some (or all) of the person's notifications read; returns how many changed."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if note_ids is not None:
        query = query.where(Notification.id.in_([i for i in note_ids if 0 < i <= _MAX_ID]))
    changed = session.execute(query.values(read_at=utcnow())).rowcount
    session.commit()
    return changed


# --- watching ------------------------------------------------------------------------------------------


def _require_participant(session, user, space: Space) -> None:
    """Editors, facilitators and contributors (anyone who may comment there) may watch."""
    if not permissions.can_comment(actor_for(session, user, space), space.is_private):
        raise PermissionDenied("Only participants of this space can watch it. Log in first.")


def document_watch(session, user, document: Document) -> bool:
    """Whether the person gets this document's events (their own watch, or the space's)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    own, space = session.execute(_document_watch_statement(), {"user_id": user.id, "document_id": document.id,
                                                                "space_id": document.space_id}).one()
    return own if own is not None else bool(space)


def space_watched(session, user, space: Space) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return session.scalar(_space_watch_statement(), {"user_id": user.id, "space_id": space.id}) is not None


# Built once (asked on every signed-in page or view of a document): composing costs more than running.


@functools.cache
def _any_unread():
    return select(Notification.id).where(Notification.user_id == bindparam("user_id"),
                                         Notification.read_at.is_(None)).limit(1)


@functools.cache
def _document_watch_statement():
    """(their own watch of the document: True, False or None, whether they watch its space)."""
    own = select(DocumentWatch.active).where(DocumentWatch.user_id == bindparam("user_id"),
                                             DocumentWatch.document_id == bindparam("document_id"))
    return select(own.scalar_subquery(), _space_watch_statement().exists())


@functools.cache
def _space_watch_statement():
    return select(SpaceWatch.id).where(SpaceWatch.user_id == bindparam("user_id"),
                                       SpaceWatch.space_id == bindparam("space_id"))


def set_document_watch(session, user, document: Document, active: bool) -> None:
    """Watch or stop watching; stopping is remembered, so being an author does not re-add it and a
    watched space does not override it."""
    _require_participant(session, user, document.space)
    row = session.scalar(select(DocumentWatch).where(DocumentWatch.user_id == user.id,
                                                     DocumentWatch.document_id == document.id))
    if row is None:
        session.add(DocumentWatch(user_id=user.id, document_id=document.id, active=active, reason="manual",
                                  created_at=utcnow()))
    else:
        row.active, row.reason = active, "manual"
    _commit_once(session)


def set_space_watch(session, user, space: Space, active: bool) -> None:
    _require_participant(session, user, space)
    row = session.scalar(select(SpaceWatch).where(SpaceWatch.user_id == user.id, SpaceWatch.space_id == space.id))
    if active and row is None:
        session.add(SpaceWatch(user_id=user.id, space_id=space.id, created_at=utcnow()))
    elif not active and row is not None:
        session.delete(row)
    _commit_once(session)


def _commit_once(session) -> None:
    try:
        session.commit()
    except IntegrityError:  # the same click twice at once: the first one did it
        session.rollback()


def watched(session, user) -> tuple[list[Document], list[Space]]:
    """The documents and spaces this person watches and may still read."""
    reader = kinds.Reader(session, user)
    documents = session.scalars(select(Document).join(DocumentWatch, DocumentWatch.document_id == Document.id)
                                .where(DocumentWatch.user_id == user.id, DocumentWatch.active.is_(True))
                                .options(selectinload(Document.space)).order_by(Document.title))
    spaces = session.scalars(select(Space).join(SpaceWatch, SpaceWatch.space_id == Space.id)
                             .where(SpaceWatch.user_id == user.id).order_by(Space.title))
    return [d for d in documents if reader.can_read(d.space)], [s for s in spaces if reader.can_read(s)]


# --- settings ------------------------------------------------------------------------------------------


def settings_of(session, user) -> NotificationSettings:
    """The person's settings row, made with the defaults if they never chose (not yet committed)."""
    row = session.get(NotificationSettings, user.id)
    if row is None:
        row = NotificationSettings(user_id=user.id,
                                   email_mode=current_app.config.get("NOTIFY_EMAIL_DEFAULT", batching.DAILY))
        session.add(row)
    return row


def set_email_mode(session, user, mode: str) -> None:
    if mode not in batching.EMAIL_MODES:
        raise InvalidInput("Choose how often to get email: immediately, a daily digest, or never.")
    settings_of(session, user).email_mode = mode
    session.commit()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(session, user) -> str:
    """A new private feed token (shown once; only its hash is kept). The previous one stops working."""
    token = FEED_TOKEN_PREFIX + secrets.token_urlsafe(24)
    row = settings_of(session, user)
    row.feed_token_hash, row.feed_token_created_at = _digest(token), utcnow()
    session.commit()
    return token


def revoke_feed_token(session, user) -> None:
    row = settings_of(session, user)
    row.feed_token_hash, row.feed_token_created_at = None, None
    session.commit()


def user_for_feed_token(session, token: str | None) -> User | None:
    """The active account whose private feed token this is, else None."""
    if not token or not token.startswith(FEED_TOKEN_PREFIX) or len(token) > 100:
        return None
    user = session.scalar(select(User).join(NotificationSettings, NotificationSettings.user_id == User.id)
                          .where(NotificationSettings.feed_token_hash == _digest(token)))
    return user if user is not None and user.is_active else None
