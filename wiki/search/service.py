"""Search use cases: search as a user, keep the index current, rebuild it, check it.

The engine (backend + indexing queue) is made per app on first use from its configuration
(``SEARCH_BACKEND`` = whoosh | postgresql), so nothing happens at import or app creation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app

from wiki.extensions import begin_read, db
from wiki.search.backend import Backend, Batch
from wiki.search.indexer import Indexer
from wiki.search.sources import SOURCES, source_of

log = logging.getLogger(__name__)
REMOVED_DOCUMENT, AUTHOR, ROUND_THREADS = "removed-document", "author", "round-threads"


class SearchEngine:
    """One app's backend and indexing queue."""

    def __init__(self, app: Flask, backend: Backend):
        self.app, self.backend = app, backend
        config = app.config
        self.indexer = Indexer(self._process, asynchronous=config.get("SEARCH_ASYNC", True),
                               max_pending=config.get("SEARCH_QUEUE_MAX", 10_000))

    def submit(self, jobs) -> None:
        self.indexer.submit(jobs)

    def _process(self, jobs: list[str]) -> None:
        """Run in the indexer's thread (or the caller's): an app context and a session of its own."""
        with self.app.app_context():
            try:
                apply_jobs(db.session, self.backend, jobs)
            finally:
                db.session.remove()

    def close(self) -> None:
        self.indexer.stop()
        self.backend.close()


def make_backend(app: Flask) -> Backend:
    name = (app.config.get("SEARCH_BACKEND") or "whoosh").lower()
    timeout = float(app.config.get("SEARCH_LOCK_TIMEOUT", 5.0))
    if name == "whoosh":
        from wiki.search.index import WhooshBackend

        path = app.config.get("SEARCH_INDEX_PATH") or str(Path(app.instance_path) / "search-index")
        return WhooshBackend(path, lock_timeout=timeout, rebuild_procs=int(app.config.get("SEARCH_REINDEX_PROCS", 2)))
    if name in ("postgresql", "postgres"):
        from wiki.search.pg import PostgresBackend

        with app.app_context():
            engine = db.engine
        if engine.dialect.name != "postgresql":
            raise RuntimeError("SEARCH_BACKEND=postgresql needs DATABASE_URL to be a PostgreSQL database.")
        return PostgresBackend(engine, lock_timeout=timeout)
    raise RuntimeError(f"Unknown SEARCH_BACKEND {name!r}: use whoosh or postgresql.")


def engine(app: Flask | None = None) -> SearchEngine:
    app = app or current_app._get_current_object()
    found = app.extensions.get("search")
    if found is None:
        found = app.extensions["search"] = SearchEngine(app, make_backend(app))
    return found


def shutdown(app: Flask) -> None:
    """Stop the indexing thread and close the index (tests; process exit drains on its own)."""
    found = app.extensions.pop("search", None)
    if found is not None:
        found.close()


# --- keeping the index current ----------------------------------------------------------------------


def apply_jobs(session, backend: Backend, jobs: list[str]) -> None:
    """Make the index agree with the database about ``jobs``. The database is read *after* the
    writer lock is taken, so of two writers the later one always writes the later state."""
    begin_read(session)  # SQLite: a plain read, never the write lock
    groups = _expand(session, backend, jobs)
    session.rollback()

    def build() -> Batch:
        begin_read(session)  # a fresh snapshot, taken now that we hold the lock
        batch = Batch()
        for job in groups:
            prefix, _, raw = job.partition(":")
            if prefix == REMOVED_DOCUMENT:
                batch.documents_removed.add(int(raw))
                continue
            source, object_id = source_of(job)
            if source is None:
                log.warning("search: unknown indexing job %r ignored", job)
                continue
            batch.groups[job] = source.build(session, object_id)
        session.rollback()
        return batch

    backend.write(build)


def _expand(session, backend: Backend, jobs: list[str]) -> list[str]:
    """Jobs that stand for several groups: "author:5" (an erased account: every group holding
    something they wrote) and "round-threads:3" (the threads of a round whose state changed)."""
    from wiki.search.rounds import round_threads

    out: dict[str, None] = {}
    for job in jobs:
        prefix, _, raw = job.partition(":")
        if prefix == AUTHOR:
            out.update(dict.fromkeys(sorted(backend.groups_for_author(int(raw)))))
        elif prefix == ROUND_THREADS:
            out.update(dict.fromkeys(round_threads(session, int(raw))))
        else:
            out[job] = None
    return list(out)


def known_job(job: str) -> bool:
    """Jobs for content types with a registered Source (others are not indexed yet)."""
    prefix = job.partition(":")[0]
    return prefix in (REMOVED_DOCUMENT, AUTHOR, ROUND_THREADS) or prefix in SOURCES


# --- rebuilding and checking -------------------------------------------------------------------------


def total_groups(session) -> int:
    return sum(source.count(session) for source in SOURCES.values())


def reindex(session, backend: Backend, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the whole index from the database; ``progress(n)`` is told of each group done."""

    def everything():
        begin_read(session)  # reads start once the backend holds its writer lock
        for source in SOURCES.values():
            for entries in source.stream(session):
                yield from entries
                if progress is not None:
                    progress(1)

    try:
        return backend.rebuild(everything())
    finally:
        session.rollback()


@dataclass
class CheckReport:
    missing: list[str] = field(default_factory=list)  # in the database, not in the index
    stale: list[str] = field(default_factory=list)  # indexed from facts that have changed since
    orphaned: list[str] = field(default_factory=list)  # in the index, gone from the database

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)

    def jobs(self) -> list[str]:
        """What ``check --fix`` queues: every group that disagrees (a gone one is rebuilt as empty)."""
        return self.missing + self.stale + self.orphaned


def check(session, backend: Backend) -> CheckReport:
    begin_read(session)
    expected: dict[str, str] = {}
    for source in SOURCES.values():
        expected.update(source.stamps(session))
    session.rollback()
    indexed = backend.group_stamps()
    report = CheckReport()
    for group, mark in sorted(expected.items()):
        if group not in indexed:
            report.missing.append(group)
        elif indexed[group] != mark:
            report.stale.append(group)
    report.orphaned = sorted(set(indexed) - set(expected))
    return report
