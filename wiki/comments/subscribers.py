"""Wiring: every committed revision re-anchors the document's comment threads."""

import logging

from flask import Flask

from wiki import signals
from wiki.comments import placement
from wiki.extensions import db

log = logging.getLogger(__name__)


def init_comments(app: Flask) -> None:  # noqa: ARG001 - same shape as the other init_* hooks
    # blinker keys receivers by identity: connecting again for each app made in this process is a no-op
    signals.revision_committed.connect(_reanchor)


def _reanchor(app, *, document_id, number, previous_text, source, **_):
    """Move the threads from the previous head onto the new one. A failure must not fail the save
    that triggered it: it is logged, and the next page view catches the threads up."""
    if source == "create":  # a new document has no threads yet
        return
    try:
        placement.catch_up(db.session, document_id, previous=(number - 1, previous_text))
    except Exception:
        db.session.rollback()
        log.exception("re-anchoring comments failed for document %s revision %s", document_id, number)
