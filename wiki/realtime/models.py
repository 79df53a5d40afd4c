"""The append-only log of Yjs updates: the source of truth of a document's live draft."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wiki.extensions import db
from wiki.timeutil import utcnow


class DocUpdate(db.Model):
    """One committed Yjs update. `seq` is gap-free per document, so a worker catches up with
    `seq > last_seq`; compaction replaces rows 1..k by one merged row numbered k."""

    __tablename__ = "doc_updates"
    __table_args__ = (UniqueConstraint("document_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
