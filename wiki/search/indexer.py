"""The indexing queue: keeps the index current off the request's critical path. No Flask here.

Jobs are group keys ("document:12", "thread:7") and a few commands ("removed-document:12",
"author:5"). A job means "make the index agree with the database about this, now": processing reads
the current state, so jobs are idempotent, a burst of saves to one document collapses into one job,
and a job arriving while its group is being written simply runs again afterwards — no update is
lost to ordering.

One daemon thread per process drains the queue in batches (started on demand, it exits when idle).
A batch that fails (the index locked past its timeout by a reindex or another process, a database
error) goes back into the queue and is retried with growing delays; it is logged, never dropped.
When the queue is full the caller does the work itself rather than drop it. Whatever is still
queued when a process dies is found by ``flask search check`` (stale stamps) and fixed by
``flask search check --fix`` or ``flask search reindex``.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class Indexer:
    def __init__(self, process: Callable[[list[str]], None], *, asynchronous: bool = True,
                 max_pending: int = 10_000, batch_size: int = 100, idle_seconds: float = 30.0):
        self.process = process
        self.asynchronous = asynchronous
        self.max_pending, self.batch_size, self.idle_seconds = max_pending, batch_size, idle_seconds
        self._pending: dict[str, None] = {}  # an ordered set
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._busy = False
        self._failures = 0
        self._retry_at = 0.0
        self._stopped = False
        _live.add(self)

    # --- the callers' side -------------------------------------------------------------------------

    def submit(self, jobs: Iterable[str]) -> None:
        """Queue jobs (or, synchronous or full, run them now in the caller's thread)."""
        jobs = list(dict.fromkeys(jobs))
        if not jobs:
            return
        with self._cond:
            queue_it = self.asynchronous and not self._stopped and len(self._pending) + len(jobs) <= self.max_pending
            if queue_it:
                self._pending.update(dict.fromkeys(jobs))
                self._ensure_thread()
                self._cond.notify_all()
                return
        if self.asynchronous:
            log.warning("search indexing queue is full (%d jobs): indexing in the request instead", self.max_pending)
        self._run_inline(jobs)

    def _run_inline(self, jobs: list[str]) -> None:
        """A failure here is queued for the retry thread, after the same back-off as its own failures
        (an immediate retry would hit whatever failed, a locked index say, again)."""
        try:
            self.process(jobs)
        except Exception as error:
            self._failed(jobs, error)
            with self._cond:
                self._ensure_thread()
                self._cond.notify_all()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued job is done (tests, CLI exit); False if it did not happen in time."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                if self._pending:
                    self._ensure_thread()
                    self._retry_at = min(self._retry_at, time.monotonic())  # a flush does not wait out a delay
                    self._cond.notify_all()
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._pending)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is queued, then stop the thread (app teardown)."""
        self.flush(timeout)
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # --- the worker ----------------------------------------------------------------------------------

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="search-indexer", daemon=True)
            self._thread.start()

    def _next_batch(self) -> list[str] | None:
        with self._cond:
            idle_since = time.monotonic()
            while not self._stopped:
                now = time.monotonic()
                if self._pending and now >= self._retry_at:
                    batch = list(self._pending)[: self.batch_size]
                    for job in batch:
                        del self._pending[job]
                    self._busy = True
                    return batch
                if not self._pending and now - idle_since > self.idle_seconds:
                    break
                self._cond.wait(max(0.01, self._retry_at - now) if self._pending else self.idle_seconds)
            self._thread = None
            return None

    def _work(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                self.process(batch)
            except Exception as error:
                self._failed(batch, error)
            else:
                with self._cond:
                    self._failures = 0
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _failed(self, batch: list[str], error: Exception) -> None:
        with self._cond:
            delay = RETRY_DELAYS[min(self._failures, len(RETRY_DELAYS) - 1)]
            self._failures += 1
            self._retry_at = time.monotonic() + delay
            for job in batch:  # back in the queue, ahead of nothing: order does not matter
                self._pending.setdefault(job, None)
        log.warning("search indexing of %d jobs failed (%s: %s); retrying in %.1f s",
                    len(batch), type(error).__name__, error, delay, exc_info=self._failures > 3)


_live: weakref.WeakSet[Indexer] = weakref.WeakSet()


@atexit.register
def _drain_on_exit() -> None:
    """A CLI command or a stopping server finishes its queued indexing before the process ends."""
    for indexer in list(_live):
        if not indexer.flush(timeout=30.0):
            log.error("search indexing still had %d jobs at exit: run `flask search check --fix`", indexer.pending)
