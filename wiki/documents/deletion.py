"""Deleting a document for good: what would go (for the confirmation page), and the deletion itself.

Only facilitators of the space and site admins may delete (routes ask `find(..., need="facilitate")`).
It is a real deletion: one DELETE of the document row, and the database removes everything that
references it through ON DELETE CASCADE (revisions and their authors, named versions, the live
draft log `doc_updates`, comment threads with their anchors, comments, edits, agrees, flags and
moderation log). A table that refuses (a later feature keeping rows with ON DELETE RESTRICT, such as
permanent published editions) turns the deletion into a clear 409, never a half-deleted document.
After the commit `signals.document_deleted` lets the live draft disconnect its editors and drop its
room, and lets search and notifications forget the document.
"""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from wiki import signals
from wiki.comments.models import Comment, Thread
from wiki.documents.models import Document, NamedVersion, Revision
from wiki.documents.service import lock_document
from wiki.errors import Conflict, InvalidInput, NotFound
from wiki.realtime.models import DocUpdate

TITLE_MISMATCH = "Type the document’s title exactly as shown to confirm the deletion."
BLOCKED = ("This document cannot be deleted while something still depends on it (for example a "
           "published edition). Nothing was deleted.")


@dataclass(frozen=True)
class WhatGoes:
    revisions: int
    named_versions: int
    threads: int
    comments: int
    live_updates: int  # rows of the live draft log
    unsaved_live_changes: bool  # live edits not yet turned into a revision


def what_goes(session, document: Document) -> WhatGoes:
    def count(column, *where):
        return session.scalar(select(func.count(column)).where(*where))

    last_seq = session.scalar(select(func.max(DocUpdate.seq)).where(DocUpdate.document_id == document.id)) or 0
    return WhatGoes(
        revisions=count(Revision.id, Revision.document_id == document.id),
        named_versions=count(NamedVersion.id, NamedVersion.document_id == document.id),
        threads=count(Thread.id, Thread.document_id == document.id),
        comments=session.scalar(select(func.count(Comment.id)).join(Thread, Thread.id == Comment.thread_id)
                                .where(Thread.document_id == document.id)),
        live_updates=count(DocUpdate.id, DocUpdate.document_id == document.id),
        unsaved_live_changes=last_seq > document.live_snapshot_seq,
    )


def title_matches(typed: str | None, title: str) -> bool:
    """The typed confirmation: same words, ignoring case and extra spaces."""
    def norm(value: str) -> str:
        return " ".join((value or "").split()).casefold()

    return bool(norm(typed)) and norm(typed) == norm(title)


def delete_document(session, document: Document, *, confirm_title: str | None = None) -> None:
    """Delete the document and everything that belongs to it; the caller has checked permission.

    `confirm_title` is what the person typed on the confirmation page (None from the API, where the
    DELETE request itself is the explicit act).
    """
    if confirm_title is not None and not title_matches(confirm_title, document.title):
        raise InvalidInput(TITLE_MISMATCH)
    document_id, space_id = document.id, document.space_id
    if lock_document(session, document_id) is None:  # deleted meanwhile by someone else
        session.rollback()
        raise NotFound("No such document, or you do not have access to it.")
    try:
        session.execute(delete(Document).where(Document.id == document_id))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(BLOCKED) from None
    signals.document_deleted.send(current_app._get_current_object(), document_id=document_id, space_id=space_id)
