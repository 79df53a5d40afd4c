"""Consultation rounds and what they collect: guiding questions and their answers, responses entered
on behalf of people who took part offline, invite links, and each comment's disposition.

A round's comments are ordinary comment threads (wiki/comments) with ``round_id`` set, anchored to
the revision the round froze; nothing about a comment is copied here.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.auth.models import User
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.timeutil import utcnow

ANYONE, MEMBERS, INVITED = "anyone", "members", "invited"
AUDIENCES = {
    ANYONE: "Anyone signed in who can read the space",
    MEMBERS: "Members of this space only",
    INVITED: "Members of this space, and people with an invite link",
}
ONLINE = "online"
CHANNELS = {
    ONLINE: "Online",
    "workshop": "Workshop",
    "event": "Event",
    "post": "Post",
    "phone": "Phone",
    "email": "Email",
    "other": "Other",
}
OFFLINE_CHANNELS = {key: label for key, label in CHANNELS.items() if key != ONLINE}
DISPOSITIONS = {
    "accepted": "Accepted",
    "partly_accepted": "Partly accepted",
    "not_taken_forward": "Not taken forward",
    "noted": "Noted",
    "out_of_scope": "Out of scope",
}


class Round(db.Model):
    __tablename__ = "consultation_rounds"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]  # 1, 2, … per document
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    introduction_html: Mapped[str] = mapped_column(Text, default="")  # rendered and sanitised once
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]  # a facilitator's "close now" moves it to that moment
    audience: Mapped[str] = mapped_column(String(16), default=ANYONE)
    premoderation: Mapped[bool] = mapped_column(default=False)
    revision_number: Mapped[int]  # the frozen consultation draft
    named_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("named_versions.id", ondelete="SET NULL"), default=None)
    state: Mapped[str] = mapped_column(String(16))  # as last recorded; lifecycle.effective() is the truth
    responded_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship()
    questions: Mapped[list["Question"]] = relationship(order_by="Question.position", cascade="all, delete-orphan")


class Question(db.Model):
    """A guiding question, about the whole draft (section '') or one section (a heading id)."""

    __tablename__ = "round_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(String(1000))
    section: Mapped[str] = mapped_column(String(200), default="")


class OfflineEntry(db.Model):
    """Someone who took part offline, entered by a facilitator: how (channel), where (group), an
    optional reference so several entries count as one person, and the perspective they gave."""

    __tablename__ = "round_offline_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    group_name: Mapped[str] = mapped_column(String(200), default="")
    respondent: Mapped[str] = mapped_column(String(100), default="")
    perspective: Mapped[str | None] = mapped_column(String(40), default=None)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), unique=True,
                                                   default=None)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Answer(db.Model):
    """One person's answer to a guiding question (online: one per person, updated while open)."""

    __tablename__ = "round_answers"
    __table_args__ = (UniqueConstraint("question_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("round_questions.id", ondelete="CASCADE"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    offline_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("round_offline_entries.id", ondelete="CASCADE"), default=None)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    perspective: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship()


class Disposition(db.Model):
    """A facilitator's answer to one comment: what happened to it, said publicly, with themes and
    optionally the revision of the live draft that made the change."""

    __tablename__ = "comment_dispositions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    disposition: Mapped[str] = mapped_column(String(24))
    response: Mapped[str] = mapped_column(Text)
    response_html: Mapped[str] = mapped_column(Text)
    themes: Mapped[list] = mapped_column(JSON, default=list)
    revision_number: Mapped[int | None] = mapped_column(default=None)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invite(db.Model):
    """An invite link to take part in one round (only a SHA-256 hash of its token is stored)."""

    __tablename__ = "round_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    uses: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Invitee(db.Model):
    """Someone who joined a round through an invite link (they keep it if the link is revoked)."""

    __tablename__ = "round_invitees"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("consultation_rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    invite_id: Mapped[int | None] = mapped_column(ForeignKey("round_invites.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
