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

from wiki.auth.models import User
from wiki.comments.models import Comment, Thread
from wiki.comments.presenters import facts_of
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
from wiki.spaces.models import Space

STREAM_BATCH = 1000  # documents, or threads (with their comments), read at a time when streaming them all


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
    def _entries(document, html: str) -> list[Entry]:
        """``document``: the ORM object or a row of ``_DOCUMENT_COLUMNS``."""
        return document_entries(document_id=document.id, space_id=document.space_id, title=document.title,
                                html=html, status=document.status, date=document.updated_at,
                                head=document.head_number)

    def count(self, session) -> int:
        return session.scalar(select(func.count()).select_from(Document))

    def stream(self, session) -> Iterator[list[Entry]]:
        """Entries of every document, one list per document (read as plain rows, not ORM objects)."""
        last = 0
        while rows := session.execute(
                select(*_DOCUMENT_COLUMNS, Revision.html).join(Revision, (Revision.document_id == Document.id)
                                                               & (Revision.number == Document.head_number))
                .where(Document.id > last).order_by(Document.id).limit(STREAM_BATCH)).all():
            for row in rows:
                yield self._entries(row, row.html or "")
            last = rows[-1].id

    def stamps(self, session) -> dict[str, str]:
        rows = session.execute(select(Document.id, Document.head_number, Document.status, Document.title)
                               .where(Document.head_number > 0))
        return {group_of(self.prefix, i): stamp(head, status, title) for i, head, status, title in rows}


class ThreadSource:
    """The comments of one thread that anyone may find, each with who may find it, and the
    facilitators' responses to them. Read as plain rows, a batch of threads at a time (their
    comments in one query, each author once per stream): no ORM objects per comment."""

    prefix = "thread"

    def build(self, session, thread_id: int) -> list[Entry]:
        return next((entries for _, entries in self._batch(session, Thread.id == thread_id, {})), [])

    def count(self, session) -> int:
        return session.scalar(select(func.count()).select_from(Thread))

    def stream(self, session) -> Iterator[list[Entry]]:
        last, authors = 0, {}
        while batch := list(self._batch(session, Thread.id > last, authors, STREAM_BATCH)):
            yield from (entries for _, entries in batch)
            last = batch[-1][0]

    def _batch(self, session, where, authors: dict, limit: int | None = None) -> Iterator[tuple[int, list[Entry]]]:
        """(id, entries) of the threads ``where`` picks (the first ``limit`` by id: a run of consecutive
        ids, so their comments are those of that id range); ``authors`` caches the comment authors'
        accounts across batches."""
        threads = session.execute(select(*_THREAD_COLUMNS).join(Document, Document.id == Thread.document_id)
                                  .join(Space, Space.id == Document.space_id).where(where)
                                  .order_by(Thread.id).limit(limit)).all()
        if not threads:
            return
        comments, batch = defaultdict(list), Comment.thread_id.between(threads[0].id, threads[-1].id)
        for row in session.execute(select(*_COMMENT_COLUMNS).where(batch).order_by(Comment.thread_id, Comment.id)):
            comments[row.thread_id].append(row)
        wanted = {c.author_id for rows in comments.values() for c in rows} - set(authors) - {None}
        if wanted:
            authors.update({u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))})
        pairs = dispositions(session, select(Comment.id).where(batch))
        for thread in threads:
            rows = [_comment_row(c, authors.get(c.author_id)) for c in comments[thread.id]]
            yield thread.id, self._entries(thread, rows, {c.id: pairs[c.id] for c in rows if c.id in pairs})

    @staticmethod
    def _entries(thread, rows: list[CommentRow], pairs) -> list[Entry]:
        entries = comment_entries(thread_id=thread.id, document_id=thread.document_id, space_id=thread.space_id,
                                  status=thread.status, comments=rows, viewers=possible_viewers(),
                                  responses=response_facts(pairs))
        return entries + response_entries(thread, rows, pairs, thread.space_id, thread.is_private, entries[0].stamp)

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


_DOCUMENT_COLUMNS = (Document.id, Document.space_id, Document.title, Document.status, Document.updated_at,
                     Document.head_number)
_THREAD_COLUMNS = (Thread.id, Thread.document_id, Thread.status, Document.space_id, Space.is_private)
_COMMENT_COLUMNS = (Comment.id, Comment.thread_id, Comment.author_id, Comment.visibility, Comment.state,
                    Comment.perspective, Comment.created_at, Comment.revealable, Comment.body_html, Comment.edited_at)


def _comment_row(comment, author: User | None) -> CommentRow:
    return CommentRow(comment.id, facts_of(comment, author), comment.body_html, comment.edited_at,
                      author_erased=author is not None and author.erased_at is not None)


SOURCES = {source.prefix: source for source in (DocumentSource(), ThreadSource(), RoundSource(), EditionSource())}


def source_of(group: str):
    """The source and object id of a group key, or (None, 0) for a key no source knows."""
    prefix, _, raw = group.partition(":")
    source = SOURCES.get(prefix)
    return (source, int(raw)) if source is not None and raw.isdigit() else (None, 0)
