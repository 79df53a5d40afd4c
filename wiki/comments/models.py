"""Comment threads anchored to passages, their comments, and what happens to them.

A thread stores the quote it was made on (W3C TextQuote + TextPosition selectors over the
Markdown) and, per revision, where that passage sits (`thread_anchors`), so old revisions show the
comments as they were anchored then. Comments are never deleted: withdrawing blanks the text,
hiding records who and why, edits keep the previous text.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.timeutil import utcnow

NAMED, ANONYMOUS, FACILITATORS = "named", "anonymous", "facilitators"
VISIBILITIES = {
    NAMED: "Show my name",
    ANONYMOUS: "Anonymous to other participants (shown as “Community member”)",
    FACILITATORS: "Visible to facilitators only",
}
PUBLISHED, PENDING, HIDDEN, WITHDRAWN = "published", "pending", "hidden", "withdrawn"
OPEN, RESOLVED = "open", "resolved"
ANCHORED, ORPHANED = "anchored", "orphaned"


class Thread(db.Model):
    __tablename__ = "comment_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    revision_number: Mapped[int]  # the revision the comment was made on
    quote_exact: Mapped[str] = mapped_column(Text)
    quote_prefix: Mapped[str] = mapped_column(String(200), default="")
    quote_suffix: Mapped[str] = mapped_column(String(200), default="")
    start: Mapped[int]  # where the passage is in revision `anchored_revision` (code points)
    end: Mapped[int]
    anchored_revision: Mapped[int]
    anchor_state: Mapped[str] = mapped_column(String(12), default=ANCHORED)
    section: Mapped[str] = mapped_column(String(200), default="")  # heading id of the passage's section
    status: Mapped[str] = mapped_column(String(12), default=OPEN)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The consultation round the thread was started in (wiki/consultations), if any.
    round_id: Mapped[int | None] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="SET NULL"),
                                                 default=None, index=True)

    document: Mapped[Document] = relationship()
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="thread", order_by="Comment.id", cascade="all, delete-orphan"
    )


class ThreadAnchor(db.Model):
    """Where a thread's passage was in one revision (or that it was orphaned there)."""

    __tablename__ = "thread_anchors"
    __table_args__ = (UniqueConstraint("thread_id", "revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("comment_threads.id", ondelete="CASCADE"), index=True)
    revision_number: Mapped[int]
    start: Mapped[int]
    end: Mapped[int]
    state: Mapped[str] = mapped_column(String(12))


class Comment(db.Model):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("comment_threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # rendered and sanitised once, when written
    visibility: Mapped[str] = mapped_column(String(16), default=NAMED)
    perspective: Mapped[str | None] = mapped_column(String(40), default=None)
    # Anonymous, written while the space let facilitators see anonymous authors (so the form said so).
    revealable: Mapped[bool] = mapped_column(default=False, server_default="0")
    state: Mapped[str] = mapped_column(String(16), default=PUBLISHED)
    hidden_reason: Mapped[str] = mapped_column(String(500), default="")
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)

    thread: Mapped[Thread] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class CommentEdit(db.Model):
    """The text a comment had before each edit (edits are allowed for 15 minutes)."""

    __tablename__ = "comment_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommentAgree(db.Model):
    __tablename__ = "comment_agrees"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CommentFlag(db.Model):
    __tablename__ = "comment_flags"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModerationAction(db.Model):
    """The log of facilitators' moderation: hide, unhide, approve (never deleted)."""

    __tablename__ = "moderation_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
