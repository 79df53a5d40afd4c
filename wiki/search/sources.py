"""Where index entries come from: one ``Source`` per kind of group, reading the database.

A source knows, for its groups ("document:12", "thread:7"): how to build one group's entries now
(``build``), how to stream them all (``stream``, for ``search reindex``), and each group's stamp as the
database sees it (``stamps``, for ``search check``). Adding a content type — consultation rounds,
responses, published editions — is one more Source registered in ``SOURCES`` and a line in
wiki/search/subscribers.py naming the signal that changes it.

Who may find a comment is decided by the comment rules themselves, asked for every kind of viewer
``presenters.viewer_for`` can produce (wiki/search/viewers.py), never by a copy of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wiki.auth.models import User
from wiki.comments.models import Comment, Thread
from wiki.comments.presenters import facts
from wiki.consultations.models import Disposition, Round
from wiki.documents.models import Document, Revision
from wiki.search.editions import EditionSource
from wiki.search.entries import (
    CommentRow,
    Entry,
    comment_entries,
    document_entries,
    group_of,
    stamp,
    thread_stamp,
)
from wiki.search.rounds import RoundSource, dispositions, response_entries, response_facts
from wiki.search.viewers import possible_viewers

BATCH = 200  # rows read at a time when streaming every group


class DocumentSource:
    """A document and its sections, from the head revision's stored HTML (never re-rendered)."""

    prefix = "document"

    def build(self, session, document_id: int) -> list[Entry]:
        document = session.get(Document, document_id)
        if document is None or not document.head_number:
            return []
        html = session.scalar(select(Revision.html).where(Revision.document_id == document.id,
                                                          Revision.number == document.head_number))
        return self._entries(document, html or "")

    @staticmethod
    def _entries(document: Document, html: str) -> list[Entry]:
        return document_entries(document_id=document.id, space_id=document.space_id, title=document.title,
                                html=html, status=document.status, date=document.updated_at,
                                head=document.head_number)

    def count(self, session) -> int:
        return session.scalar(select(func.count()).select_from(Document))

    def stream(self, session) -> Iterator[list[Entry]]:
        """Entries of every document, one list per document."""
        last = 0
        while True:
            rows = session.execute(
                select(Document, Revision.html).join(Revision, (Revision.document_id == Document.id)
                                                     & (Revision.number == Document.head_number))
                .where(Document.id > last).order_by(Document.id).limit(BATCH)
            ).all()
            if not rows:
                return
            for document, html in rows:
                yield self._entries(document, html or "")
            last = rows[-1][0].id
            session.expunge_all()

    def stamps(self, session) -> dict[str, str]:
        rows = session.execute(select(Document.id, Document.head_number, Document.status, Document.title)
                               .where(Document.head_number > 0))
        return {group_of(self.prefix, i): stamp(head, status, title) for i, head, status, title in rows}


class ThreadSource:
    """The comments of one thread that anyone may find, each with who may find it, and the
    facilitators' responses to them."""

    prefix = "thread"

    def build(self, session, thread_id: int) -> list[Entry]:
        thread = session.scalar(select(Thread).where(Thread.id == thread_id).options(*_THREAD_LOADS))
        if thread is None:
            return []
        return self._entries(thread, dispositions(session, [c.id for c in thread.comments]))

    @staticmethod
    def _entries(thread: Thread, pairs) -> list[Entry]:
        rows = [CommentRow(c.id, facts(c), c.body_html, c.edited_at,
                           author_erased=c.author is not None and c.author.erased_at is not None)
                for c in thread.comments]
        space = thread.document.space
        entries = comment_entries(thread_id=thread.id, document_id=thread.document_id, space_id=space.id,
                                  status=thread.status, comments=rows, viewers=possible_viewers(),
                                  responses=response_facts(pairs))
        return entries + response_entries(thread, rows, pairs, space.id, space.is_private, entries[0].stamp)

    def count(self, session) -> int:
        return session.scalar(select(func.count()).select_from(Thread))

    def stream(self, session) -> Iterator[list[Entry]]:
        last = 0
        while threads := session.scalars(select(Thread).where(Thread.id > last).order_by(Thread.id).limit(BATCH)
                                         .options(*_THREAD_LOADS)).all():
            pairs = dispositions(session, [c.id for t in threads for c in t.comments])
            for thread in threads:
                yield self._entries(thread, {c.id: pairs[c.id] for c in thread.comments if c.id in pairs})
            last = threads[-1].id
            session.expunge_all()

    def stamps(self, session) -> dict[str, str]:
        statuses = dict(session.execute(select(Thread.id, Thread.status)).all())
        comments, responses = defaultdict(list), defaultdict(list)
        rows = session.execute(select(Comment.thread_id, Comment.id, Comment.state, Comment.visibility,
                                      Comment.author_id, Comment.edited_at, User.erased_at.is_not(None))
                               .outerjoin(User, User.id == Comment.author_id))
        for thread_id, *row in rows:
            comments[thread_id].append(row)
        answered = session.execute(select(Comment.thread_id, Disposition, Round)
                                   .join(Disposition, Disposition.comment_id == Comment.id)
                                   .join(Round, Round.id == Disposition.round_id))
        for thread_id, disposition, round_ in answered:
            responses[thread_id] += response_facts({disposition.comment_id: (disposition, round_)})
        return {group_of(self.prefix, i): thread_stamp(status, comments[i], responses[i])
                for i, status in statuses.items()}


_THREAD_LOADS = (selectinload(Thread.comments).selectinload(Comment.author),
                 selectinload(Thread.document).selectinload(Document.space))


SOURCES = {source.prefix: source for source in (DocumentSource(), ThreadSource(), RoundSource(), EditionSource())}


def source_of(group: str):
    """The source and object id of a group key, or (None, 0) for a key no source knows."""
    prefix, _, raw = group.partition(":")
    source = SOURCES.get(prefix)
    return (source, int(raw)) if source is not None and raw.isdigit() else (None, 0)
