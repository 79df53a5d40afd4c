"""PURE: the one interface every search backend implements, and the request/result shapes.

The service (wiki/search/service.py) speaks only this interface, so Whoosh (wiki/search/index.py,
the default, a local index under the instance path) and PostgreSQL full text (wiki/search/pg.py,
for several machines) are chosen by configuration and pass the same test suite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from wiki.search.entries import PUBLIC, Entry
from wiki.search.query import Query


class IndexBusy(Exception):
    """Another writer held the index past the lock timeout: try the write again later."""


@dataclass(frozen=True)
class Filters:
    """Narrowing chosen by the user; an empty set means "any"."""

    kinds: frozenset[str] = frozenset()
    spaces: frozenset[int] = frozenset()
    statuses: frozenset[str] = frozenset()
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class SearchRequest:
    query: Query
    access: Mapping[int, frozenset[str]]  # each space the searcher may read → the tokens it holds there
    filters: Filters = Filters()
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True)
class Hit:
    key: str
    kind: str
    object_id: int
    space_id: int
    document_id: int | None
    title: str
    body: str
    anchor: str
    score: float


@dataclass
class SearchPage:
    hits: list[Hit]
    total: int
    # Per dimension, how many results each value would give with the other filters kept.
    facets: dict[str, Counter] = field(default_factory=lambda: {"kind": Counter(), "space": Counter(),
                                                                 "status": Counter()})


@dataclass
class Batch:
    """What one writer applies at once: each group replaced by its entries ([] removes it), and
    every entry of the removed documents dropped."""

    groups: dict[str, list[Entry]] = field(default_factory=dict)
    documents_removed: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.groups or self.documents_removed)


class Backend(Protocol):
    name: str

    def write(self, build: Callable[[], Batch]) -> None:
        """Take the writer lock (IndexBusy if not had in time), then call ``build`` for the batch
        and apply it as one write: ``build`` reads the database only once the lock is held."""

    def rebuild(self, entries: Iterable[Entry], progress: Callable[[int], None] | None = None) -> int:
        """Replace the whole index with ``entries`` in one go (searches see the old index until
        the end); return how many were written."""

    def search(self, request: SearchRequest) -> SearchPage: ...

    def term_counts(self, terms: Iterable[str]) -> dict[str, int]:
        """How many entries hold each term (terms the index lacks are left out): "did you mean"."""

    def group_stamps(self) -> dict[str, str]:
        """Every indexed group with the stamp it was built from (``search check``)."""

    def groups_for_author(self, user_id: int) -> set[str]: ...

    def close(self) -> None: ...


class Tally:
    """Applies access and filters to matching entries and counts the facets, for backends that
    filter in Python (Whoosh). Facet counts for one dimension keep the other filters."""

    def __init__(self, request: SearchRequest):
        self.access, self.filters = request.access, request.filters
        f = self.filters
        self.first = f.date_from.toordinal() if f.date_from else None
        self.last = f.date_to.toordinal() if f.date_to else None
        self.total = 0
        self.kinds: Counter = Counter()
        self.spaces: Counter = Counter()
        self.statuses: Counter = Counter()

    def visible(self, space: int, day: int, access: frozenset[str]) -> bool:
        """May this searcher find the entry, and is it in the date range? (Nothing is counted.)"""
        tokens = self.access.get(space)
        if (tokens is None or access.isdisjoint(tokens)) and PUBLIC not in access:
            return False
        first, last = self.first, self.last
        return not ((first is not None and day < first) or (last is not None and (day > last or not day)))

    def _filters(self, kind: str, space: int, status: str) -> tuple[bool, bool, bool]:
        """Whether the entry passes the type, the space and the status filter, each."""
        f = self.filters
        return (not f.kinds or kind in f.kinds), (not f.spaces or space in f.spaces), \
            (not f.statuses or status in f.statuses)

    def passes(self, kind: str, space: int, status: str) -> bool:
        """Does a visible entry pass the type, space and status filters? (Nothing is counted.)"""
        return all(self._filters(kind, space, status))

    def count(self, kind: str, space: int, status: str, n: int = 1) -> bool:
        """Count ``n`` entries already known to be visible and in the date range; True if they pass
        every filter. Facet counts for one dimension keep the other filters."""
        k, s, st = self._filters(kind, space, status)
        if s and st:
            self.kinds[kind] += n
        if k and st:
            self.spaces[space] += n
        if k and s:
            self.statuses[status] += n
        admitted = k and s and st
        if admitted:
            self.total += n
        return admitted

    def facets(self) -> dict[str, Counter]:
        return {"kind": self.kinds, "space": self.spaces, "status": self.statuses}
