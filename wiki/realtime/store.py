"""The update log: append with a gap-free per-document seq, read after a seq, compact.

Each function runs in the caller's session; append() and compact() commit. Appends for one document
are serialised by a row lock on the document (PostgreSQL) or SQLite's write lock, so two workers
never take the same seq; the unique (document_id, seq) constraint is the last line of defence.
"""

from pycrdt import merge_updates
from sqlalchemy import bindparam, delete, func, insert, select

from wiki.documents.service import lock_document, lock_document_row  # noqa: F401 - the ways to lock a document
from wiki.realtime.models import DocUpdate
from wiki.timeutil import utcnow


def last_seq(session, document_id: int) -> int:
    return session.scalar(select(func.coalesce(func.max(DocUpdate.seq), 0)).where(DocUpdate.document_id == document_id))


_AFTER = (  # built once: every group commit catches up with it
    select(DocUpdate.seq, DocUpdate.data)
    .where(DocUpdate.document_id == bindparam("document"), DocUpdate.seq > bindparam("seq")).order_by(DocUpdate.seq)
)


def rows_after(session, document_id: int, seq: int) -> list[tuple[int, bytes]]:
    return [(row.seq, row.data) for row in session.execute(_AFTER, {"document": document_id, "seq": seq})]


def append(session, document_id: int, rows: list[tuple[int, bytes, int | None]]) -> None:
    """Add (seq, update, user id) rows in the current transaction (the caller holds the document lock
    and commits): one Core executemany, no ORM objects, since a group commit writes many at once."""
    now = utcnow()
    session.execute(insert(DocUpdate.__table__), [
        {"document_id": document_id, "seq": seq, "data": data, "user_id": user_id, "created_at": now}
        for seq, data, user_id in rows
    ])


def authors_after(session, document_id: int, seq: int) -> list[int]:
    """Users whose updates came after `seq` (to credit them in the next revision)."""
    query = (
        select(DocUpdate.user_id).where(
            DocUpdate.document_id == document_id, DocUpdate.seq > seq, DocUpdate.user_id.is_not(None)
        ).distinct()
    )
    return list(session.scalars(query))


def row_count(session, document_id: int) -> int:
    return session.scalar(select(func.count(DocUpdate.id)).where(DocUpdate.document_id == document_id))


def compact(session, document_id: int, upto: int) -> int:
    """Merge rows with seq ≤ upto into one row numbered `upto`, in one transaction.

    Only rows already turned into a revision are compacted (the caller passes the snapshot seq),
    so crediting authors of unsaved work is unaffected. Returns how many rows were removed.
    """
    lock_document(session, document_id)
    rows = session.execute(
        select(DocUpdate.seq, DocUpdate.data).where(DocUpdate.document_id == document_id, DocUpdate.seq <= upto)
        .order_by(DocUpdate.seq)
    ).all()
    if len(rows) < 2:
        session.rollback()
        return 0
    merged = merge_updates(*[row.data for row in rows])
    session.execute(delete(DocUpdate).where(DocUpdate.document_id == document_id, DocUpdate.seq <= upto))
    session.add(DocUpdate(document_id=document_id, seq=rows[-1].seq, data=merged, user_id=None))
    session.commit()
    return len(rows) - 1
