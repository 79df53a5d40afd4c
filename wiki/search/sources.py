"""Where index entries come from: one ``Source`` per kind of group, reading the database.

A source knows, for its groups ("document:12", "thread:7"): how to build one group's entries now
(``build``), how to stream them all (``stream``, for ``search reindex``), and each group's stamp as the
database sees it (``stamps``, for ``search check``). Adding a content type — consultation rounds,
responses, published editions — is one more Source registered in ``SOURCES`` and a line in
wiki/search/subscribers.py naming the signal that changes it.

Who may find a comment is decided by the comment rules themselves, asked for every kind of viewer
``presenters.viewer_for`` can produce (``possible_viewers``), never by a copy of them.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wiki.auth import permissions
from wiki.comments import rules
from wiki.comments.models import Comment, Thread
from wiki.comments.presenters import facts, viewer_for
from wiki.documents.models import Document, Revision
from wiki.search.entries import (
    CommentRow,
    Entry,
    comment_entries,
    document_entries,
    group_of,
    stamp,
    thread_stamp,
)

BATCH = 200  # rows read at a time when streaming every group


@functools.cache
def possible_viewers() -> tuple[rules.Viewer, ...]:
    """Every kind of viewer the app produces, made by ``viewer_for`` itself for each actor × space
    privacy (with an id that is nobody's, so no viewer here is an author)."""
    actors = [permissions.ANONYMOUS, permissions.Actor(authenticated=True),
              *(permissions.Actor(authenticated=True, role=role) for role in permissions.ROLES),
              permissions.Actor(authenticated=True, admin=True)]
    found = set()
    for private in (False, True):
        space = SimpleNamespace(is_private=private)
        for actor in actors:
            user = SimpleNamespace(is_authenticated=actor.authenticated, id=-1)
            if permissions.can_read(actor, private):
                found.add(viewer_for(actor, user, space))
    return tuple(sorted(found, key=repr))


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
    """The comments of one thread that anyone may find, each with who may find it."""

    prefix = "thread"

    def build(self, session, thread_id: int) -> list[Entry]:
        thread = session.scalar(select(Thread).where(Thread.id == thread_id).options(
            selectinload(Thread.comments).selectinload(Comment.author), selectinload(Thread.document)))
        return self._entries(thread) if thread is not None else []

    @staticmethod
    def _entries(thread: Thread) -> list[Entry]:
        rows = [CommentRow(c.id, facts(c), c.body_html, c.edited_at) for c in thread.comments]
        return comment_entries(thread_id=thread.id, document_id=thread.document_id,
                               space_id=thread.document.space_id, status=thread.status, comments=rows,
                               viewers=possible_viewers())

    def count(self, session) -> int:
        return session.scalar(select(func.count()).select_from(Thread))

    def stream(self, session) -> Iterator[list[Entry]]:
        last = 0
        while True:
            threads = session.scalars(
                select(Thread).where(Thread.id > last).order_by(Thread.id).limit(BATCH)
                .options(selectinload(Thread.comments).selectinload(Comment.author), selectinload(Thread.document))
            ).all()
            if not threads:
                return
            for thread in threads:
                yield self._entries(thread)
            last = threads[-1].id
            session.expunge_all()

    def stamps(self, session) -> dict[str, str]:
        statuses = dict(session.execute(select(Thread.id, Thread.status)).all())
        comments = defaultdict(list)
        for thread_id, *row in session.execute(select(Comment.thread_id, Comment.id, Comment.state,
                                                      Comment.visibility, Comment.author_id, Comment.edited_at)):
            comments[thread_id].append(row)
        return {group_of(self.prefix, i): thread_stamp(status, comments[i]) for i, status in statuses.items()}


SOURCES = {source.prefix: source for source in (DocumentSource(), ThreadSource())}


def source_of(group: str):
    """The source and object id of a group key, or (None, 0) for a key no source knows."""
    prefix, _, raw = group.partition(":")
    source = SOURCES.get(prefix)
    return (source, int(raw)) if source is not None and raw.isdigit() else (None, 0)
