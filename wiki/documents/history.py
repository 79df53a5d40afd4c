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


@dataclass(frozen=True)
class _HeadSpans:
    head: int
    text: str
    spans: list


def _head_spans(session, document: Document) -> _HeadSpans:
    """Who wrote each character of the head, carried forward from the last head this process saw.

    A new save costs one diff instead of re-diffing every revision. The cache key includes the
    document's creation time: an id alone recurs across databases (tests, a restored backup).
    """
    key = (document.id, document.created_at)
    with _cache_lock:
        state = _cache.get(key)
    if state is not None and state.head > document.head_number:
        state = None
    if state is None or state.head < document.head_number:
        rows = session.execute(
            select(Revision.number, Revision.text)
            .where(Revision.document_id == document.id, Revision.number > (state.head if state else 0))
            .order_by(Revision.number)
        ).all()
        for number, text in rows:
            state = _advance(state, number, text)
    with _cache_lock:
        _cache[key] = state
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return state


def _advance(state: _HeadSpans | None, number: int, text: str) -> _HeadSpans:
    if state is None:
        return _HeadSpans(number, text, [(len(text), number)] if text else [])
    if text == state.text:
        return _HeadSpans(number, text, state.spans)
    return _HeadSpans(number, text, revisions.carry_forward(state.spans, revisions.line_diff(state.text, text), number))


def attribution(session, document: Document) -> list[BlockCredit]:
    """Who last changed each block of the head text, computed from the diffs between revisions."""
    state = _head_spans(session, document)
    spans = revisions.attribute_blocks(state.text, state.spans) if state else []
    numbers = {a.revision for a in spans}
    by_number = {
        r.number: r for r in session.scalars(
            select(Revision).where(Revision.document_id == document.id, Revision.number.in_(numbers))
            .options(selectinload(Revision.authors))
        )
    }
    return [BlockCredit(a.block, by_number[a.revision]) for a in spans]
