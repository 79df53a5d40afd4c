"""Who wrote each character of a revision: run-length spans, cached per process and stored per revision.

Attribution carries spans forward one line diff per revision (``revisions.carry_forward``). Doing
that from revision 1 on a cold start cost ~180 ms of CPU for 200 revisions of a 100 KB document,
most of it diffs and reading 20 MB of old texts. So each revision's spans are stored with it
(``Revision.attribution``) when it is committed (``record``, wired to ``revision_committed``), and a
cold start reads one row. Revisions saved without them (before migration 0013, or after a failed
write) are caught up from the newest stored spans before them, one diff each. Spans depend only on
the immutable texts, so concurrent writers store the same value.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import select, update

from wiki.documents import revisions
from wiki.documents.models import Document, Revision

_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()
_CACHE_SIZE = 32


@dataclass(frozen=True)
class Spans:
    """``spans`` cover ``text``, the text of revision ``number``."""

    number: int
    text: str
    spans: list


def spans_at(session, document: Document, number: int) -> Spans | None:
    """The spans of revision ``number`` (None if the document has no revision yet): from this
    process's cache, else the newest stored spans at or before it, carried forward to it."""
    state = _cached(document)
    if state is None or state.number != number:  # behind (another process saved), or ahead
        stored = _newest_stored(session, document.id, number)
        if stored is not None and (state is None or state.number < stored.number or state.number > number):
            state = stored
        elif state is not None and state.number > number:
            state = None
    if state is None or state.number < number:
        rows = session.execute(
            select(Revision.number, Revision.text)
            .where(Revision.document_id == document.id, Revision.number > (state.number if state else 0),
                   Revision.number <= number)
            .order_by(Revision.number)
        ).all()
        for row_number, text in rows:
            state = advance(state, row_number, text)
    _remember(document, state)
    return state


def advance(state: Spans | None, number: int, text: str) -> Spans:
    """Revision ``number`` (the one after ``state``) inserted or rewrote the lines the diff says."""
    if state is None:
        return Spans(number, text, [(len(text), number)] if text else [])
    if text == state.text:
        return Spans(number, text, state.spans)
    return Spans(number, text, revisions.carry_forward(state.spans, revisions.line_diff(state.text, text), number))


def record(session, document: Document, number: int, text: str) -> None:
    """Store the spans of the just-committed revision ``number`` (text ``text``) and commit."""
    state = advance(spans_at(session, document, number - 1) if number > 1 else None, number, text)
    # On the session's connection (Core), not session.execute: attribution is not on the reading page,
    # so this write must not count as one that changes it (wiki/documents/generations.py).
    session.connection().execute(
        update(Revision).where(Revision.document_id == document.id, Revision.number == number)
        .values(attribution=encode(state.spans))
    )
    session.commit()
    _remember(document, state)


def encode(spans: list) -> str:
    """"length,revision,length,revision,…": compact, and parsed by one split."""
    return ",".join(f"{length},{number}" for length, number in spans)


def decode(stored: str) -> list:
    values = list(map(int, stored.split(","))) if stored else []
    return list(zip(values[::2], values[1::2], strict=True))


def _newest_stored(session, document_id: int, number: int) -> Spans | None:
    row = session.execute(
        select(Revision.number, Revision.text, Revision.attribution)
        .where(Revision.document_id == document_id, Revision.number <= number, Revision.attribution.is_not(None))
        .order_by(Revision.number.desc()).limit(1)
    ).first()
    if row is None:
        return None
    spans = decode(row.attribution)
    if sum(length for length, _ in spans) != len(row.text):
        return None  # never trust spans that do not cover their text: recompute from the start
    return Spans(row.number, row.text, spans)


def _key(document: Document) -> tuple:
    """The creation time is part of the key: an id alone recurs across databases (tests, a restored backup)."""
    return (document.id, document.created_at)


def _cached(document: Document) -> Spans | None:
    with _cache_lock:
        return _cache.get(_key(document))


def _remember(document: Document, state: Spans | None) -> None:
    if state is None:
        return
    key = _key(document)
    with _cache_lock:
        current = _cache.get(key)
        if current is None or current.number <= state.number:  # never move the cache back to an older head
            _cache[key] = state
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)


def clear_cache() -> None:
    """Forget every cached head (benchmarks measure a cold start with it; tests isolate with it)."""
    with _cache_lock:
        _cache.clear()
