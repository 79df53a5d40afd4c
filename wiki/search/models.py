"""The PostgreSQL search backend's table (SEARCH_BACKEND=postgresql; see wiki/search/pg.py).

One row per index entry (wiki/search/entries.py): the text to show, the facts to filter on, and a
``tsvector`` of the terms wiki.search.text makes (title weighted A, headings B, body C) with a GIN
index. Derived data only — no foreign keys: ``flask search reindex`` rebuilds it from scratch, and
``search check`` finds rows whose source is gone. The table exists on SQLite too (migrations are the
same on both) and simply stays empty there.
"""

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from wiki.extensions import db

_TOKENS = ARRAY(String(80)).with_variant(JSON(), "sqlite")
_TSVECTOR = TSVECTOR().with_variant(Text(), "sqlite")


class SearchEntry(db.Model):
    __tablename__ = "search_entries"
    __table_args__ = (
        Index("ix_search_entries_tsv", "tsv", postgresql_using="gin"),
    )

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    group_key: Mapped[str] = mapped_column(String(100), index=True)
    space_id: Mapped[int]
    document_id: Mapped[int | None] = mapped_column(index=True)
    author_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20), default="")
    day: Mapped[int] = mapped_column(default=0)  # date.toordinal() of the entry's date (0: none)
    access: Mapped[list] = mapped_column(_TOKENS)  # "<space id>:<token>" (entries.py explains tokens)
    title: Mapped[str] = mapped_column(Text, default="")
    headings: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    anchor: Mapped[str] = mapped_column(String(300), default="")
    stamp: Mapped[str] = mapped_column(String(32), default="")
    tsv: Mapped[str] = mapped_column(_TSVECTOR)
