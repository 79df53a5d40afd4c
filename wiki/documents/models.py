"""Documents and their immutable revisions, co-authors and named versions.

A revision stores its Markdown and, rendered once when it is saved, its sanitised HTML and table of
contents: viewing a page never renders Markdown (the parser-cache idea from MediaWiki).
"""

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from wiki.auth.models import User
from wiki.extensions import db
from wiki.spaces.models import Space
from wiki.timeutil import utcnow

DRAFT, CONSULTATION, PUBLISHED, ARCHIVED = "draft", "consultation", "published", "archived"
STATUSES = {
    DRAFT: "Draft",
    CONSULTATION: "In consultation",
    PUBLISHED: "Published",
    ARCHIVED: "Archived",
}

revision_authors = Table(
    "revision_authors",
    db.metadata,
    Column("revision_id", Integer, ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Document(db.Model):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("space_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=DRAFT)
    head_number: Mapped[int] = mapped_column(default=0)
    # Live draft bookkeeping: the update seq already turned into a revision, and the epoch clients
    # must match (bumped only if the live history is ever replaced).
    live_snapshot_seq: Mapped[int] = mapped_column(default=0, server_default="0")
    live_epoch: Mapped[int] = mapped_column(default=1, server_default="1")
    # Incremented after every committed write that changes what the reading page shows (comments,
    # rounds, status, names…): the page cache's key (wiki/documents/generations.py, pagecache.py).
    page_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    space: Mapped[Space] = relationship()

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)


class Revision(db.Model):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = deferred(mapped_column(Text))
    html: Mapped[str] = deferred(mapped_column(Text))
    toc: Mapped[list] = deferred(mapped_column(JSON))
    summary: Mapped[str] = mapped_column(String(500), default="")
    size: Mapped[int] = mapped_column(default=0)  # characters, for "size change" in the history
    size_delta: Mapped[int] = mapped_column(default=0)
    # What this revision came from: its parent, and for a revert the revision it restored.
    parent_number: Mapped[int | None] = mapped_column(default=None)
    reverted_to: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Which revision last wrote each character, run-length encoded ("length,revision,…"), stored when
    # the revision is committed so attribution never re-diffs the whole history (wiki/documents/spans.py).
    attribution: Mapped[str | None] = deferred(mapped_column(Text, nullable=True, default=None))

    document: Mapped[Document] = relationship()
    authors: Mapped[list[User]] = relationship(secondary=revision_authors, order_by=User.display_name)


class NamedVersion(db.Model):
    """A label on a revision ("Consultation draft 2", "Board-approved")."""

    __tablename__ = "named_versions"
    __table_args__ = (UniqueConstraint("document_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    revision_number: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()
