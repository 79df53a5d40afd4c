"""Tables for awareness: the activity log, watches, notifications, per-user settings, last visits and
the email outbox.

The activity log is written by signal subscribers after each feature's own commit (the source of
truth stays in revisions, comments, rounds…); it references what it describes by id, so a row never
carries text that could outlive a hidden or withdrawn comment.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.spaces.models import Space
from wiki.timeutil import utcnow

# Activity kinds (one per signal meaning) — see wiki/awareness/kinds.py for how each is shown.
REVISION, COMMENT, REPLY = "revision", "comment", "reply"
RESOLVED, REOPENED = "resolved", "reopened"
ROUND, DISPOSITION, EDITION = "round", "disposition", "edition"
KIND_LABELS = {
    REVISION: "Edits", COMMENT: "New comments", REPLY: "Replies", RESOLVED: "Resolved comments",
    REOPENED: "Reopened comments", ROUND: "Consultation rounds", DISPOSITION: "Responses to comments",
    EDITION: "Published editions",
}

# Email states of a notification: nobody wants it mailed / waiting / in the outbox / dropped.
MAIL_NONE, MAIL_DUE, MAIL_QUEUED, MAIL_SKIPPED = "none", "due", "queued", "skipped"
# Outbox states: see wiki/awareness/mail.py for the state machine.
OUT_PENDING, OUT_SENDING, OUT_SENT, OUT_UNCERTAIN, OUT_FAILED = "pending", "sending", "sent", "uncertain", "failed"


class Activity(db.Model):
    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_space_id_id", "space_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revision_number: Mapped[int | None] = mapped_column(default=None)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("comment_threads.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    ref_id: Mapped[int | None] = mapped_column(default=None)  # a round, disposition or edition id
    state: Mapped[str] = mapped_column(String(30), default="")  # e.g. a round's new state
    size_delta: Mapped[int] = mapped_column(default=0)
    summary: Mapped[str] = mapped_column(String(500), default="")  # an edit summary (never a comment body)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    space: Mapped[Space] = relationship()
    document: Mapped[Document | None] = relationship()


class DocumentWatch(db.Model):
    """Someone follows a document; ``active`` False records an explicit "stop watching", which an
    automatic watch (authors) must not undo."""

    __tablename__ = "document_watches"
    __table_args__ = (UniqueConstraint("user_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    reason: Mapped[str] = mapped_column(String(20), default="manual")  # manual | author
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpaceWatch(db.Model):
    __tablename__ = "space_watches"
    __table_args__ = (UniqueConstraint("user_id", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(db.Model):
    """One line in someone's bell. Edits (and watched comments) on one document within a quiet period
    fold into one row: ``first_activity_id`` … ``activity_id`` and ``count``."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    first_activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(20), default="")  # what folds together ('' = never folds)
    count: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    mail_state: Mapped[str] = mapped_column(String(10), default=MAIL_NONE, index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("email_outbox.id", ondelete="SET NULL"))

    activity: Mapped[Activity] = relationship(foreign_keys=[activity_id])
    first_activity: Mapped[Activity] = relationship(foreign_keys=[first_activity_id])


class NotificationSettings(db.Model):
    """Per-user choices; no row means the defaults (email per NOTIFY_EMAIL_DEFAULT, no feed token)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email_mode: Mapped[str] = mapped_column(String(10))  # immediate | daily | none
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    feed_token_created_at: Mapped[datetime | None] = mapped_column(default=None)
    last_digest_on: Mapped[str] = mapped_column(String(10), default="")  # YYYY-MM-DD of the last digest made


class DocumentVisit(db.Model):
    """The head revision a signed-in user last saw of a document, and when."""

    __tablename__ = "document_visits"
    __table_args__ = (UniqueConstraint("user_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    revision_number: Mapped[int]
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailOutbox(db.Model):
    """One email to send, written before it is sent: ``key`` makes composing idempotent, ``state``
    makes sending at most once (wiki/awareness/mail.py)."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # immediate | digest
    state: Mapped[str] = mapped_column(String(10), default=OUT_PENDING, index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str] = mapped_column(String(500), default="")

    user: Mapped[User] = relationship()
