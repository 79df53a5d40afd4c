"""Keeping threads on their passages as the document changes (DESIGN §3).

After each committed revision every thread of the document is moved onto the new text: one diff per
old revision (normally just the previous head), ``anchoring.reanchor`` for all threads at once, one
``ThreadAnchor`` row per thread for the new revision (so old revisions show threads as anchored
then), and the thread's current place and section updated. A thread that cannot be placed is
orphaned, never dropped.

``catch_up`` is the same work for any threads left behind (a comment posted on revision n while
revision n+1 was being saved, or a subscriber that failed): page views call it when needed.
Everything runs under the document's write lock, so two saves in quick succession cannot write
older positions over newer ones.
"""

from collections import defaultdict

from sqlalchemy import bindparam, insert, select, update

from wiki.comments import anchoring, blocks
from wiki.comments.anchoring import Anchor, Quote
from wiki.comments.models import ANCHORED, ORPHANED, Thread, ThreadAnchor
from wiki.documents import revisions
from wiki.documents import service as documents
from wiki.documents.models import Document, Revision

_TEXT = ("text", "toc")  # a revision's columns re-anchoring reads (never its HTML)


def behind(session, document: Document) -> bool:
    """Are any of the document's threads anchored to an older revision than the head?"""
    return session.scalar(
        select(Thread.id).where(Thread.document_id == document.id, Thread.anchored_revision < document.head_number)
        .limit(1)
    ) is not None


def catch_up(session, document_id: int, previous: tuple[int, str] | None = None) -> int:
    """Re-anchor every thread that is behind the head; commits. ``previous`` = (number, text) of
    a revision whose text the caller already has (the previous head, from the signal).
    Returns how many threads moved to the head."""
    document = documents.lock_document(session, document_id)
    if document is None:
        session.rollback()
        return 0
    threads = list(session.scalars(
        select(Thread).where(Thread.document_id == document.id, Thread.anchored_revision < document.head_number)
    ))
    if not threads:
        session.commit()
        return 0
    head = documents.get_revision(session, document, document.head_number, load=_TEXT)
    by_revision: dict[int, list[Thread]] = defaultdict(list)
    for thread in threads:
        by_revision[thread.anchored_revision].append(thread)
    have = {previous[0]: previous[1]} if previous else {}
    headings = blocks.heading_starts(head.text, head.toc)
    places = []
    for number, group in by_revision.items():
        old_text = have.get(number)
        if old_text is None:
            old_text = _text_of(session, document, number)
        places += move(old_text, head.text, group, headings)
    _store(session, places, head.number, document.id)
    session.commit()
    return len(threads)


def _store(session, places: list[dict], number: int, document_id: int) -> None:
    """Write every thread's new place and its ``ThreadAnchor`` row for revision ``number`` in a few
    statements: one UPDATE marks all threads caught up, an executemany moves the ones whose place
    changed, one multi-row INSERT adds the anchors (the ORM's unit of work took ~10× as long). Each
    names its document, whose cached reading page it changes (wiki/documents/generations.py)."""
    scope = {"page_scope": ("document", document_id)}
    ids = [p["tid"] for p in places]
    existing = set(session.scalars(
        select(ThreadAnchor.thread_id).where(ThreadAnchor.thread_id.in_(ids), ThreadAnchor.revision_number == number)
    ))
    table = Thread.__table__
    session.execute(update(table).where(table.c.id.in_(ids)).values(anchored_revision=number),
                    execution_options=scope)
    moved = [p for p in places if p["moved"]]  # an edit near the end moves few
    if moved:
        session.execute(
            update(table).where(table.c.id == bindparam("tid")).values(
                start=bindparam("new_start"), end=bindparam("new_end"), anchor_state=bindparam("state"),
                section=bindparam("new_section")),
            moved, execution_options=scope,
        )
    rows = [{"thread_id": p["tid"], "revision_number": number, "start": p["new_start"], "end": p["new_end"],
             "state": p["state"]} for p in places if p["tid"] not in existing]
    if rows:
        session.execute(insert(ThreadAnchor.__table__), rows, execution_options=scope)
    session.expire_all()  # the threads loaded here now hold stale places


def _text_of(session, document: Document, number: int) -> str:
    text = session.scalar(select(Revision.text).where(Revision.document_id == document.id, Revision.number == number))
    return text or ""


def stored_anchor(thread: Thread, text: str) -> Anchor:
    """The thread's place in ``text`` (the revision it is anchored to) as ``anchoring`` wants it:
    an anchored thread carries the quote its position reads there, an orphan its original quote."""
    if thread.anchor_state == ANCHORED and 0 <= thread.start < thread.end <= len(text):
        return Anchor(thread.start, thread.end, anchoring.make_quote(text, thread.start, thread.end))
    quote = Quote(thread.quote_exact, thread.quote_prefix, thread.quote_suffix)
    start = min(max(thread.start, 0), len(text))
    return Anchor(start, min(max(thread.end, start), len(text)), quote, ORPHANED)


def move(old_text: str, new_text: str, threads: list[Thread], headings) -> list[dict]:
    """Place ``threads`` (anchored in ``old_text``) on ``new_text``: one diff. Returns each thread's
    new place, for ``_store``."""
    anchors = [stored_anchor(t, old_text) for t in threads]
    ops = revisions.diff(old_text, new_text) if old_text != new_text else (
        [(revisions.EQUAL, new_text)] if new_text else [])
    places = []
    for thread, anchor in zip(threads, anchoring.reanchor(old_text, new_text, anchors, ops), strict=True):
        section = blocks.section_at(headings, anchor.start)[:200]
        moved = (thread.start, thread.end, thread.anchor_state, thread.section) != (
            anchor.start, anchor.end, anchor.state, section)
        places.append({"tid": thread.id, "new_start": anchor.start, "new_end": anchor.end, "state": anchor.state,
                       "new_section": section, "moved": moved})
    return places
