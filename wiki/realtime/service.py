"""Live-draft use cases: open a room, accept updates, apply server-side edits, snapshot revisions.

The rooms of a process live in `app.extensions["collab_rooms"]`, so two apps (tests, workers) never
share Docs. Every function takes the caller's DB session; commits happen inside the room methods.
"""

import time

from flask import current_app
from sqlalchemy import select

from wiki.auth.models import User
from wiki.documents import revisions
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.errors import NotFound
from wiki.extensions import begin_read
from wiki.realtime import store, ydoc
from wiki.realtime.groupcommit import Pending
from wiki.realtime.rooms import Room, Rooms


def rooms() -> Rooms:
    return current_app.extensions["collab_rooms"]


def room_of(session, document_id: int) -> Room:
    """The document's room, loaded from the log (or started from the head revision). By id: socket
    events checked access without loading the document.

    Lock order, everywhere: the document's database lock (store.lock_document, which may end the
    current transaction and wait for SQLite's write lock), then the room lock, never the other way:
    a thread waiting for the database while holding a room lock deadlocks with one that holds the
    write lock and waits for the room.
    """
    room = rooms().get(document_id)
    if room.loaded:
        return room
    document = store.lock_document(session, document_id)
    if document is None:
        _deleted(session, document_id)
    with room.lock:
        room.ensure_loaded(session, lambda: documents.head(session, document).text)
    return room


def receive(session, document_id: int, update: bytes, user_id: int | None, sender: str | None = None,
            publish=None) -> tuple[int, bytes | None, bool]:
    """Commit a client's update; (seq, change or None, whether all of it is stored).
    ValueError for bad Yjs, TooLarge over the cap, NotFound if the document was deleted.

    Updates arriving together are committed together (wiki/realtime/groupcommit.py): this returns
    once the commit holding this update has finished, and raises if it failed. After each commit,
    `publish(document_id, [(sender, change), ...])` is called once for the batch, in commit order,
    before the next batch is written: the batch's changes are broadcast by whoever wrote them.
    """
    room = room_of(session, document_id)
    session.rollback()  # wait for the batch holding no transaction, so no database lock
    item = Pending(update, user_id, sender)
    return room.writes.submit(item, lambda batch: _write_batch(session, room, batch, publish))


def _write_batch(session, room: Room, batch: list[Pending], publish) -> None:
    """One group commit: the document's database lock, then the room lock (see room_of)."""
    if room.broken:  # an earlier batch's commit failed: that Doc holds changes nobody stored
        room = room_of(session, room.document_id)
    if not store.lock_document_row(session, room.document_id):
        _deleted(session, room.document_id)
    with room.lock:
        room.receive(session, batch, current_app.config["DOCUMENT_MAX_BYTES"])
    changes = [(item.sender, item.result[1]) for item in batch if item.error is None and item.result[1]]
    if publish and changes:
        publish(room.document_id, changes)


def _deleted(session, document_id: int):
    """The document was deleted while this event waited for it: refuse, and forget its room."""
    session.rollback()
    rooms().discard(document_id)
    raise NotFound("This document was deleted.")


def push_saved_text(session, document_id: int, base_text: str, new_text: str, user_id: int | None):
    """A form save, API PUT or revert changed the head from `base_text` to `new_text`: bring the
    live draft along with ordinary insert/delete operations.

    Live edits made since `base_text` are kept: the change is merged three-way into the live text
    (base → live, base → new). Documents nobody has opened live have no log and need nothing.
    Returns the update to broadcast, or None.
    """
    if not store.last_seq(session, document_id):
        return None
    document = session.get(Document, document_id)
    room = room_of(session, document.id)
    store.lock_document(session, document_id)
    with room.lock:
        room.catch_up(session)
        live = room.text()
        target = new_text if live == base_text else revisions.merge3(base_text, live, new_text).text
        _seq, update = room.server_edit(session, target, user_id)
    return update


def snapshot(session, document: Document, summary: str = "", user: User | None = None):
    """Turn the live text into a revision crediting everyone who typed since the last one."""
    room = room_of(session, document.id)
    begin_read(session)  # never waits for a lock while the room lock is held (see answer_step1)
    with room.lock:
        room.catch_up(session)
        text, seq = room.text(), room.last_seq
    session.rollback()
    author_ids = store.authors_after(session, document.id, document.live_snapshot_seq)
    authors = list(session.scalars(select(User).where(User.id.in_(author_ids)))) if author_ids else []
    if user is not None and user not in authors:
        authors.append(user)
    outcome = documents.save_snapshot(session, document, text, authors, summary or "Live editing", seq)
    if room.last_seq == seq:  # an edit that arrived meanwhile keeps the room due for a snapshot
        room.last_edit = 0.0
    return outcome


def due_for_snapshot(now: float | None = None) -> list[int]:
    """Documents in this process edited live and idle for COLLAB_IDLE_SECONDS."""
    now = time.monotonic() if now is None else now
    idle = current_app.config["COLLAB_IDLE_SECONDS"]
    return [room.document_id for room in rooms().all() if room.last_edit and now - room.last_edit >= idle]


def compact_if_long(session, document: Document) -> int:
    """Keep the log short: merge rows already covered by a revision once there are many."""
    if store.row_count(session, document.id) < current_app.config["COLLAB_COMPACT_ROWS"]:
        return 0
    return store.compact(session, document.id, document.live_snapshot_seq)


def would_change(session, document_id: int, update: bytes) -> bool:
    """Whether an update from a read-only viewer would change anything (tested on a copy)."""
    room = room_of(session, document_id)
    with room.lock:
        return ydoc.adds_anything(room.doc, update)


def answer_step1(session, document_id: int, state_vector: bytes) -> tuple[bytes, bytes, int]:
    """(SyncStep2 with what the client lacks, the server's SyncStep1, last seq), caught up first.

    The catch-up reads in a read-only transaction, which never waits for a database lock, so
    holding the room lock meanwhile cannot deadlock with a writer (see room_of).
    """
    room = room_of(session, document_id)
    begin_read(session)
    with room.lock:
        room.catch_up(session)
        answer = ydoc.step2(room.doc, state_vector), ydoc.step1(room.doc), room.last_seq
    session.rollback()
    return answer


def snapshot_by_id(session, document_id: int):
    document = session.get(Document, document_id)
    if document is None:  # deleted (perhaps by another process): its room here is stale
        rooms().discard(document_id)
        return None
    return snapshot(session, document)
