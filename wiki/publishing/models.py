"""Published editions: immutable, numbered per document, stored with the file they are.

The built HTML is kept in the database (not under a path on disk): no file name is ever made from
user text, backups and several app servers need nothing extra, and the SHA-256 stored beside it
lets anyone check a download (and the build command checks every file before writing it).
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from wiki.auth.models import User
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.timeutil import utcnow


class Edition(db.Model):
    __tablename__ = "editions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: a published edition is permanent, so a document that has one cannot be deleted
    # (the deletion is refused with a 409 and nothing goes; see wiki/documents/deletion.py).
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int]
    revision_number: Mapped[int]
    revision_sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = deferred(mapped_column(Text))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]  # bytes of the UTF-8 file
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship()
    published_by: Mapped[User | None] = relationship()
