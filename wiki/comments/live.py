"""Threads placed on the live (unsaved) draft: "after every change, live or saved, each thread is
re-anchored" (issue 5, DESIGN §3).

Saved revisions re-anchor threads in the database (placement.py). Between saves the live draft
(the Yjs log, wiki/realtime) runs ahead of the head revision; readers of the JSON API want threads
on that text. Nothing is stored for it: the threads' head-revision places are mapped through ONE
diff from the head text to the live text (``anchoring.reanchor`` for all threads at once), and the
result is cached per (document, head revision, live seq), so a page of requests between two
keystrokes costs one diff, never threads × document. A thread whose passage was deleted live reads
as orphaned here, while its stored place is untouched: undoing the deletion brings it back, and the
next snapshot re-anchors it for good through the ordinary path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app

from wiki.comments import anchoring, placement
from wiki.documents import revisions
from wiki.documents.models import Document, Revision
from wiki.extensions import begin_read
from wiki.realtime import service as realtime
from wiki.realtime import store

_CACHE_SIZE = 32  # live versions kept per process (a few documents being edited at once)


@dataclass(frozen=True)
class LiveText:
    seq: int  # the last update of the log the text includes
    text: str


class _Cache:
    """(document, head, seq) → the diff and the last placement made with it (thread-safe LRU)."""

    def __init__(self) -> None:
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > _CACHE_SIZE:
                self._items.popitem(last=False)


def _cache() -> _Cache:
    return current_app.extensions.setdefault("comments_live_cache", _Cache())


def live_text(session, document: Document) -> LiveText | None:
    """The live draft's text when the log runs ahead of the last snapshot, else None. Documents
    nobody opened live have no log: one small query, no room is loaded. Ends the session's
    transaction (call it before loading the threads)."""
    seq = store.last_seq(session, document.id)
    if not seq or seq <= document.live_snapshot_seq:
        return None
    room = realtime.room_of(session, document.id)
    begin_read(session)  # never waits for a database lock while the room lock is held
    with room.lock:
        room.catch_up(session)
        text, seq = room.text(), room.last_seq
    session.rollback()
    return LiveText(seq, text)


def place(document_id: int, head: Revision, live: LiveText | None, rows: list) -> tuple[str, list]:
    """``rows`` = (thread, start, end, state) on the head revision ``head``, moved onto the live
    text when it differs: (the text the rows now refer to, rows in document order)."""
    head_text = head.text
    if live is None or live.text == head_text or not rows:
        return head_text, rows
    key = (document_id, head.number, live.seq)
    text, ops, last = _cache().get(key) or (live.text, revisions.diff(head_text, live.text), None)
    signature = tuple((t.id, s, e, st) for t, s, e, st in rows)
    if last is not None and last[0] == signature:
        placed = last[1]
    else:  # rows on the head are the threads' stored places (queries._placed)
        anchors = [placement.stored_anchor(thread, head_text) for thread, *_ in rows]
        placed = anchoring.reanchor(head_text, text, anchors, ops)
    _cache().put(key, (text, ops, (signature, placed)))
    moved = [(thread, a.start, a.end, a.state) for (thread, *_), a in zip(rows, placed, strict=True)]
    moved.sort(key=lambda row: (row[3] == anchoring.ORPHANED, row[1], row[0].id))
    return text, moved


def to_head(document_id: int, head: Revision, live: LiveText | None, start: int, end: int) -> tuple[int, int] | None:
    """Where the live text's [start, end) lies in the head revision, if that passage is there
    unchanged (a comment made in the editor can then be anchored on the saved text); None if any
    of it was typed since (the caller saves the draft first). The inverse of ``place``: the same
    cached diff (head → live), read backwards."""
    head_text = head.text
    if live is None or live.text == head_text:
        return (start, end) if end <= len(head_text) else None
    key = (document_id, head.number, live.seq)
    cached = _cache().get(key)
    if cached is None:
        cached = (live.text, revisions.diff(head_text, live.text), None)
        _cache().put(key, cached)
    swap = {revisions.INSERT: revisions.DELETE, revisions.DELETE: revisions.INSERT}
    back = anchoring.PositionMap((swap.get(op, op), piece) for op, piece in cached[1])  # live → head
    if back.kept(start, end) != end - start:
        return None
    head_start = back.map(start, "right")
    head_end = head_start + end - start
    return (head_start, head_end) if head_text[head_start:head_end] == live.text[start:end] else None
