"""A per-process cache of whole rendered reading pages (PURE: standard library only).

Why: a page view of a 100 KB document spends ~5 ms rendering the template (table of contents,
comment panel, rounds, editions) and eight queries, against ~0.6 ms for a trivial route. Most
reads are by people who are not signed in, and their page holds nothing personal, so it can be
kept whole, as MediaWiki's file cache keeps anonymous views.

What makes an entry valid is all in its key (see wiki/documents/cached_page.py): the document's
id, creation time and *page generation*, which every write that changes what the page shows
increments (wiki/documents/generations.py), plus the viewer's class. Each process keeps its own
entries; a write in one process is seen by all because they all read the generation from the
database with the document. An entry also stops being used at `valid_until` (the next moment the
clock moves a consultation round) and after a safety `ttl`.

The one per-response secret an anonymous page holds is the CSP nonce: the page is stored cut at
each occurrence of the nonce it was rendered with, and joined again with a fresh one per response.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    parts: tuple[bytes, ...]  # the page, UTF-8 encoded once, cut at its nonce
    expires: float  # on the cache's clock

    def page(self, nonce: str) -> bytes:
        """The stored page carrying `nonce` wherever the original had its own."""
        return nonce.encode().join(self.parts)


class PageCache:
    """A bounded, thread-safe LRU of whole pages; entries expire on the injected clock."""

    def __init__(self, size: int = 256, ttl: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.size, self.ttl, self.clock = size, ttl, clock
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= self.clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: Hashable, page: str, nonce: str | None, lifetime: float | None = None) -> None:
        """Keep `page` (rendered with `nonce`, if it used one) for at most `lifetime` seconds, never
        past the ttl."""
        lifetime = self.ttl if lifetime is None else min(lifetime, self.ttl)
        if lifetime <= 0:
            return
        parts = page.split(nonce) if nonce else [page]
        entry = Entry(tuple(part.encode() for part in parts), self.clock() + lifetime)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
