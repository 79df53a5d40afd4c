"""Read side of versioning: history pages, comparisons and attribution (with a small cache)."""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.documents import revisions
from wiki.documents.models import Document, Revision
from wiki.documents.service import get_revision
from wiki.pagination import Page, paginate


def history(session, document: Document, raw_page, per_page: int | None = None) -> Page:
    """Newest first, with authors loaded in one query, paginated."""
    query = (
        select(Revision).where(Revision.document_id == document.id)
        .options(selectinload(Revision.authors)).order_by(Revision.number.desc())
    )
    return paginate(session, query, raw_page, per_page)


@dataclass(frozen=True)
class Comparison:
    old: Revision
    new: Revision
    ops: list

    @property
    def stats(self) -> tuple[int, int]:
        return revisions.diff_stats(self.ops)


def compare(session, document: Document, from_number, to_number) -> Comparison:
    """Two revisions and their diff; without `from_number`, the new revision's parent (itself for the first)."""
    new = get_revision(session, document, to_number)
    if from_number is None or from_number == "":
        from_number = new.parent_number or new.number
    old = get_revision(session, document, from_number)
    return Comparison(old, new, revisions.diff(old.text, new.text))


@dataclass(frozen=True)
class BlockCredit:
    block: "revisions.Block"
    revision: Revision


_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 32


def attribution(session, document: Document) -> list[BlockCredit]:
    """Who last changed each block of the head text; computed from the diffs, cached per head.

    The cache is per process, so its key must name one head in one database: an id and a number
    alone recur across databases (tests, a restored backup, a reused SQLite rowid) and would serve
    another document's blocks. The head's save time tells them apart.
    """
    key = (document.id, document.head_number, document.updated_at)
    with _cache_lock:
        spans = _cache.get(key)
        if spans is not None:
            _cache.move_to_end(key)
    if spans is None:
        rows = session.execute(
            select(Revision.number, Revision.text).where(Revision.document_id == document.id)
            .order_by(Revision.number)
        ).all()
        spans = revisions.attribute([(number, text) for number, text in rows])
        with _cache_lock:
            _cache[key] = spans
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    numbers = {a.revision for a in spans}
    by_number = {
        r.number: r for r in session.scalars(
            select(Revision).where(Revision.document_id == document.id, Revision.number.in_(numbers))
            .options(selectinload(Revision.authors))
        )
    }
    return [BlockCredit(a.block, by_number[a.revision]) for a in spans]
