"""Per-document live state in this process: a pycrdt Doc, the last seq it holds, and a lock.

A pycrdt Doc is not thread-safe, so every read or change of a room happens under its lock. Each
worker process keeps its own rooms and catches up from the update log (`seq > last_seq`) inside the
same transaction that appends, so workers never diverge for long and never overwrite each other.

Order of incoming updates (a batch of them: wiki/realtime/groupcommit.py): under the room lock and
the document's row lock, each update is applied to the in-memory Doc only to learn whether it adds
anything; the rows of those that do are committed in one transaction, and only then is any of them
broadcast or acknowledged. Nothing else can observe the Doc in between (the lock is
held); if the commit fails the room is discarded and rebuilt from the log, so the Doc never holds an
uncommitted change that anyone saw.
"""

import threading
import time
from dataclasses import dataclass, field

from wiki.errors import TooLarge
from wiki.realtime import store, ydoc
from wiki.realtime.groupcommit import GroupCommit, Pending


@dataclass
class Room:
    document_id: int
    doc: object = field(default_factory=ydoc.new_doc)
    last_seq: int = 0
    loaded: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock)
    last_edit: float = 0.0  # time.monotonic() of the last change; 0 when none since the snapshot
    broken: bool = False  # a commit failed after the Doc changed: rebuild this room from the log
    writes: GroupCommit = field(default_factory=GroupCommit)  # client updates, committed in batches
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
        self._commit_rows(session, [(1, self.doc.get_update(), None)])
        self.last_edit, self.loaded = 0.0, True

    def _apply_rows(self, rows) -> None:
        for seq, data in rows:
            self.doc.apply_update(data)
            self.last_seq = seq

    def catch_up(self, session) -> None:
        self._apply_rows(store.rows_after(session, self.document_id, self.last_seq))

    # --- changes -------------------------------------------------------------------------------

    def receive(self, session, batch: list[Pending], max_text_bytes: int) -> None:
        """Commit the changes of a batch of client updates in one transaction, then settle each with
        (seq, what changed, complete); a duplicate settles as (seq of the state, None, True).

        What is stored and broadcast is the change the update made here (the transaction's own
        update), so content that was waiting for a missing dependency is stored once it lands.
        `complete` is False when part of the update still waits for an earlier one (e.g. one refused
        as rate-limited): that part is only in memory, so it must not be acknowledged as saved.

        One item's own errors settle that item alone: ValueError for an update that is not valid Yjs,
        TooLarge if the text could pass the document limit (judged conservatively from the update's
        size, before applying it). A failed commit raises, and settles none. The caller holds the
        document lock, taken before the room lock.
        """
        self.catch_up(session)
        rows, outcomes = [], []
        for item in batch:
            outcomes.append(self._stage(item, rows, max_text_bytes))
        if rows:
            self._commit_rows(session, rows)
        else:
            session.rollback()
        for item, (result, error) in zip(batch, outcomes, strict=True):
            item.settle(result, error)

    def _stage(self, item: Pending, rows: list, max_text_bytes: int) -> tuple:
        """Apply one update of a batch; (result, error), its row (seq, change, user) added to `rows`."""
        if len(ydoc.text_of(self.doc)) + len(item.update) > max_text_bytes:  # pycrdt counts UTF-8 bytes
            return None, TooLarge("This change would make the document larger than the limit.")
        self._captured.clear()
        try:
            self.doc.apply_update(item.update)
        except ValueError as error:
            return None, error
        complete = not ydoc.missing_insertions(self.doc, item.update)
        if not self._captured:
            return (self.last_seq + len(rows), None, complete), None
        change = self._change()
        rows.append((self.last_seq + len(rows) + 1, change, item.user_id))
        return (rows[-1][0], change, complete), None

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
        seq, update = self.last_seq + 1, self._change()
        self._commit_rows(session, [(seq, update, user_id)])
        return seq, update

    def _change(self) -> bytes:
        """The update made by what was applied since `_captured` was cleared."""
        return ydoc.merged(self._captured)

    def _commit_rows(self, session, rows: list[tuple[int, bytes, int | None]]) -> None:
        """Append (seq, update, user) rows and commit; if that fails, this room is rebuilt from the log."""
        try:
            store.append(session, self.document_id, rows)
            session.commit()
        except Exception:
            session.rollback()
            self.broken = True
            raise
        self.last_seq, self.last_edit = rows[-1][0], time.monotonic()

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
