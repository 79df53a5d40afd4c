"""Wiring: every committed revision stores its attribution spans (wiki/documents/spans.py)."""

import logging

from flask import Flask

from wiki import signals
from wiki.documents import spans
from wiki.documents.models import Document
from wiki.extensions import db

log = logging.getLogger(__name__)


def init_documents(app: Flask) -> None:  # noqa: ARG001 - same shape as the other init_* hooks
    # blinker keys receivers by identity: connecting again for each app made in this process is a no-op
    signals.revision_committed.connect(_store_spans)


def _store_spans(app, *, document_id, number, text, **_):
    """A failure must not fail the save that triggered it: it is logged, and attribution later
    catches up from the newest stored spans."""
    try:
        document = db.session.get(Document, document_id)
        if document is not None:
            spans.record(db.session, document, number, text)
    except Exception:
        db.session.rollback()
        log.exception("storing attribution spans failed for document %s revision %s", document_id, number)
