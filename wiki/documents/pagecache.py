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
A signed-in reader's shared page (wiki/documents/shell_page.py) is cut the same way at more
*slots*: the nonce, the session's CSRF token and the markers of the parts rendered per person.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

NONCE = "nonce"


@dataclass(frozen=True)
class Entry:
    parts: tuple[bytes, ...]  # the page, UTF-8 encoded once, cut at each slot
    slots: tuple[str, ...]  # the name of what goes between parts[i] and parts[i + 1]
    expires: float  # on the cache's clock

    @classmethod
    def cut(cls, page: str, cuts: Mapping[str, str], expires: float) -> Entry:
        """`page` cut wherever it holds one of the texts in `cuts` (text -> slot name)."""
        texts = sorted((text for text in cuts if text), key=len, reverse=True)
        if not texts:
            return cls((page.encode(),), (), expires)
        pieces = re.split(f"({'|'.join(map(re.escape, texts))})", page)
        return cls(tuple(p.encode() for p in pieces[::2]), tuple(cuts[t] for t in pieces[1::2]), expires)

    def fill(self, values: Mapping[str, str]) -> bytes:
        """The stored page with each slot filled from `values` (slot name -> text)."""
        encoded = {name: values[name].encode() for name in set(self.slots)}
        out = [self.parts[0]]
        for slot, part in zip(self.slots, self.parts[1:], strict=True):
            out += (encoded[slot], part)
        return b"".join(out)

    def page(self, nonce: str) -> bytes:
        """The stored page carrying `nonce` wherever the original had its own."""
        return self.fill({NONCE: nonce})


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
        self.store(key, self.entry(page, {nonce: NONCE} if nonce else {}, lifetime))

    def entry(self, page: str, cuts: Mapping[str, str], lifetime: float | None = None) -> Entry:
        """`page` cut at `cuts` (see Entry.cut), to expire after `lifetime` seconds (never past the ttl)."""
        lifetime = self.ttl if lifetime is None else min(lifetime, self.ttl)
        return Entry.cut(page, cuts, self.clock() + lifetime)

    def store(self, key: Hashable, entry: Entry) -> None:
        """Keep `entry` under `key`, unless it has already expired."""
        if entry.expires <= self.clock():
            return
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
