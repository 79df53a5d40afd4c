"""Wiring: every change that alters what can be found queues the groups it touches.

Each handler only names groups; the indexer (wiki/search/indexer.py) reads the database when it gets
to them, so handlers are cheap and never fail the request that sent the signal. Signals and their
keywords are documented in wiki/signals.py. A job whose kind has no Source registered in
wiki/search/sources.py is dropped (``service.known_job``): adding a content type is a Source there and
a line here.
"""

import logging

from flask import Flask

from wiki import signals
from wiki.search import service
from wiki.search.service import AUTHOR, REMOVED_DOCUMENT, ROUND_THREADS

log = logging.getLogger(__name__)
_connected = False


def _jobs_for(signal_name: str, kwargs: dict) -> list[str]:
    """The groups a signal touches (see wiki/signals.py for each signal's keywords)."""
    document = f"document:{kwargs.get('document_id')}"
    thread = f"thread:{kwargs.get('thread_id')}"
    return {
        "revision-committed": lambda: [document],
        "document-changed": lambda: [document],
        "comment-added": lambda: [thread],
        "comment-changed": lambda: [thread],
        "disposition-set": lambda: [thread],  # a response is found with the thread it answers
        # a round's state also decides who sees the responses in its threads
        "round-changed": lambda: [f"round:{kwargs.get('round_id')}", f"{ROUND_THREADS}:{kwargs.get('round_id')}"],
        "round-edited": lambda: [f"round:{kwargs.get('round_id')}"],  # title, introduction
        "edition-published": lambda: [f"edition:{kwargs.get('edition_id')}"],
        "document-deleted": lambda: [f"{REMOVED_DOCUMENT}:{kwargs.get('document_id')}"],
        "user-erased": lambda: [f"{AUTHOR}:{kwargs.get('user_id')}"],
    }[signal_name]()


def _make_handler(signal_name: str):
    def handler(app: Flask, **kwargs) -> None:
        if not app.config.get("SEARCH_INDEX_ON_CHANGE", True):
            return
        try:
            jobs = [job for job in _jobs_for(signal_name, kwargs) if service.known_job(job)]
            service.engine(app).submit(jobs)
        except Exception:  # the change itself is committed: it must not fail because of the index
            log.exception("search: could not queue indexing after %s", signal_name)

    handler.__name__ = f"index_after_{signal_name.replace('-', '_')}"
    return handler


SIGNALS = ("revision_committed", "comment_added", "comment_changed", "disposition_set", "round_changed",
           "round_edited", "edition_published", "document_deleted", "user_erased", "document_changed")
_handlers = []  # blinker keeps weak references: the handlers live here


def init_search(app: Flask) -> None:
    """Connect the signals (once per process: blinker signals are process-wide) and add the CLI."""
    global _connected
    from wiki.search.cli import search_group

    app.cli.add_command(search_group)
    if _connected:
        return
    for name in SIGNALS:
        signal = getattr(signals, name, None)
        if signal is None:
            continue
        handler = _make_handler(signal.name)
        _handlers.append(handler)
        signal.connect(handler)
    _connected = True
