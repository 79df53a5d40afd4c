"""Account tables: users, their API tokens and the record of each perspective consent."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wiki.extensions import db
from wiki.timeutil import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(256))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Self-declared perspective keys; shown only while perspectives_consent is true.
    perspectives: Mapped[list] = mapped_column(JSON, default=list)
    perspectives_consent: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_failed_login_at: Mapped[datetime | None] = mapped_column(default=None)
    session_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Acknowledgements in published editions: named only with this separate, recorded consent;
    # listed under the organisation, else (with a further tick) under a consented perspective.
    organisation: Mapped[str] = mapped_column(String(120), default="", server_default="")
    acknowledge_consent: Mapped[bool] = mapped_column(default=False, server_default="0")
    acknowledge_perspectives: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Set when the account is erased (UK GDPR): the row stays, anonymised, so the content it wrote
    # keeps its author as "deleted participant" (see wiki/privacy and docs/privacy.md).
    erased_at: Mapped[datetime | None] = mapped_column(default=None)

    tokens: Mapped[list["ApiToken"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @hybrid_property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot log in or use tokens
        return self.is_active_account and self.erased_at is None

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls):
        """The same rule in SQL: queries (the live channel's access check, contributor lists) use it."""
        return and_(cls.is_active_account.is_(True), cls.erased_at.is_(None))

    def get_id(self) -> str:
        """Session id includes a version, so a password change or logout-everywhere ends old sessions."""
        return f"{self.id}:{self.session_version}"

    def visible_perspectives(self) -> list[str]:
        """Perspectives may be shown only with the user's recorded consent."""
        return list(self.perspectives or []) if self.perspectives_consent else []


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(back_populates="tokens")


class ConsentRecord(db.Model):
    """Each change to the perspectives consent, kept as evidence (UK GDPR special-category data)."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))
    granted: Mapped[bool]
    wording: Mapped[str] = mapped_column(String(500))
    perspectives: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
