"""Per-document live state in this process: a pycrdt Doc, the last seq it holds, and a lock.

A pycrdt Doc is not thread-safe, so every read or change of a room happens under its lock. Each
worker process keeps its own rooms and catches up from the update log (`seq > last_seq`) inside the
same transaction that appends, so workers never diverge for long and never overwrite each other.

Order of an incoming update: under the room lock and the document's row lock, the update is applied
to the in-memory Doc only to learn whether it adds anything; if it does, its row is committed, and
only then is it broadcast or acknowledged. Nothing else can observe the Doc in between (the lock is
held); if the commit fails the room is discarded and rebuilt from the log, so the Doc never holds an
uncommitted change that anyone saw.
"""

import threading
import time
from dataclasses import dataclass, field

from pycrdt import merge_updates

from wiki.errors import TooLarge
from wiki.realtime import store, ydoc


@dataclass
class Room:
    document_id: int
    doc: object = field(default_factory=ydoc.new_doc)
    last_seq: int = 0
    loaded: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock)
    last_edit: float = 0.0  # time.monotonic() of the last change; 0 when none since the snapshot
    broken: bool = False  # a commit failed after the Doc changed: rebuild this room from the log
    _captured: list = field(default_factory=list)

    def __post_init__(self):
        self.doc.observe(lambda event: self._captured.append(event.update))

    # --- loading and catching up ---------------------------------------------------------------

    def ensure_loaded(self, session, initial_text) -> None:
        """Load the log, or start it from the head revision's text (seq 1) the first time.

        The caller holds the document lock (store.lock_document, taken before the room lock), so
        no other worker can begin the log meanwhile.
        """
        if self.loaded:
            return
        rows = store.rows_after(session, self.document_id, 0)
        if not rows:
            self._start_from(session, initial_text())
            return
        self._apply_rows(rows)
        self.loaded = True

    def _start_from(self, session, text: str) -> None:
        ydoc.apply_text(self.doc, text)
        try:
            store.insert(session, self.document_id, 1, self.doc.get_update(), None)
            session.commit()
        except Exception:
            session.rollback()
            self.broken = True
            raise
        self.last_seq, self.loaded = 1, True

    def _apply_rows(self, rows) -> None:
        for seq, data in rows:
            self.doc.apply_update(data)
            self.last_seq = seq

    def catch_up(self, session) -> None:
        self._apply_rows(store.rows_after(session, self.document_id, self.last_seq))

    # --- changes -------------------------------------------------------------------------------

    def receive(self, session, update: bytes, user_id: int | None,
                max_text_bytes: int) -> tuple[int, bytes | None, bool]:
        """Commit a client's update: (seq, what changed, complete); a duplicate is (last seq, None, True).

        What is stored and broadcast is the change the update made here (the transaction's own
        update), so content that was waiting for a missing dependency is stored once it lands.
        `complete` is False when part of the update still waits for an earlier one (e.g. one refused
        as rate-limited): that part is only in memory, so it must not be acknowledged as saved.

        Raises ValueError for an update that is not valid Yjs, TooLarge if the text could pass the
        document limit (judged conservatively from the update's size, before applying it). The
        caller holds the document lock, taken before the room lock.
        """
        self.catch_up(session)
        if len(ydoc.get_text(self.doc).encode("utf-8")) + len(update) > max_text_bytes:
            session.rollback()
            raise TooLarge("This change would make the document larger than the limit.")
        seq, change = self._commit_change(session, lambda: self.doc.apply_update(update), user_id)
        return seq, change, not ydoc.missing_insertions(self.doc, update)

    def server_edit(self, session, new_text: str, user_id: int | None) -> tuple[int, bytes | None]:
        """Make the live text `new_text` with ordinary inserts/deletes; returns (seq, update).
        The caller holds the document lock, taken before the room lock."""
        self.catch_up(session)
        return self._commit_change(session, lambda: ydoc.apply_text(self.doc, new_text), user_id)

    def _commit_change(self, session, change, user_id) -> tuple[int, bytes | None]:
        self._captured.clear()
        change()
        if not self._captured:
            session.rollback()
            return self.last_seq, None
        update = self._captured[0] if len(self._captured) == 1 else merge_updates(*self._captured)
        seq = self.last_seq + 1
        try:
            store.insert(session, self.document_id, seq, update, user_id)
            session.commit()
        except Exception:
            session.rollback()
            self.broken = True
            raise
        self.last_seq, self.last_edit = seq, time.monotonic()
        return seq, update

    def text(self) -> str:
        return ydoc.get_text(self.doc)


class Rooms:
    """The rooms of this process, created on first use and dropped when discarded."""

    def __init__(self):
        self._rooms: dict[int, Room] = {}
        self._lock = threading.Lock()

    def get(self, document_id: int) -> Room:
        with self._lock:
            room = self._rooms.get(document_id)
            if room is None or room.broken:
                room = self._rooms[document_id] = Room(document_id)
            return room

    def discard(self, document_id: int) -> None:
        with self._lock:
            self._rooms.pop(document_id, None)

    def all(self) -> list[Room]:
        with self._lock:
            return list(self._rooms.values())
