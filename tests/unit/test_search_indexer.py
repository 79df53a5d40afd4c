"""The indexing queue on its own (a recording function stands in for the index): jobs collapse, run off
the caller's thread, failed batches come back and are retried (never dropped), a full queue makes the
caller do the work, ``flush`` waits deterministically, and a synchronous queue works in the caller."""

import threading

from wiki.search.indexer import Indexer


class Recorder:
    def __init__(self, fail_times: int = 0, gate: threading.Event | None = None):
        self.batches: list[list[str]] = []
        self.threads: set[str] = set()
        self.fail_times, self.gate = fail_times, gate

    def __call__(self, jobs: list[str]) -> None:
        if self.gate is not None:
            self.gate.wait(5)
        self.threads.add(threading.current_thread().name)
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("index locked")
        self.batches.append(list(jobs))

    @property
    def done(self) -> list[str]:
        return [job for batch in self.batches for job in batch]


def _busy(indexer: Indexer) -> None:
    """Wait until the worker has taken everything queued (it then waits at the recorder's gate)."""
    while indexer.pending:
        threading.Event().wait(0.01)


def test_jobs_run_on_the_indexer_thread_and_repeats_collapse():
    gate = threading.Event()
    record = Recorder(gate=gate)
    indexer = Indexer(record)
    indexer.submit(["space:0"])
    _busy(indexer)
    indexer.submit(["document:1", "document:1", "thread:2"])
    indexer.submit(["document:1"])  # still queued: no second copy
    assert indexer.pending == 2
    gate.set()
    assert indexer.flush(5)
    assert record.done == ["space:0", "document:1", "thread:2"]
    assert record.threads == {"search-indexer"}
    indexer.stop()


def test_a_job_arriving_while_its_group_is_written_runs_again_afterwards():
    gate = threading.Event()
    record = Recorder(gate=gate)
    indexer = Indexer(record)
    indexer.submit(["document:1"])
    _busy(indexer)
    indexer.submit(["document:1"])  # a newer save of the same document
    gate.set()
    assert indexer.flush(5)
    assert record.done == ["document:1", "document:1"]
    indexer.stop()


def test_a_failed_batch_is_retried_not_dropped():
    record = Recorder(fail_times=3)
    indexer = Indexer(record)
    indexer.submit(["document:7"])
    assert indexer.flush(10)  # a flush does not wait out the retry delays
    assert record.done == ["document:7"]
    indexer.stop()


def test_a_full_queue_makes_the_caller_index_its_own_change():
    gate = threading.Event()
    record = Recorder(gate=gate)
    indexer = Indexer(record, max_pending=1)
    indexer.submit(["document:1"])
    gate.set()
    indexer.submit(["document:2", "document:3"])  # over the limit: done here, in this thread
    assert "MainThread" in record.threads
    assert indexer.flush(5)
    assert sorted(record.done) == ["document:1", "document:2", "document:3"]
    indexer.stop()


def test_flush_reports_a_timeout():
    gate = threading.Event()
    indexer = Indexer(Recorder(gate=gate))
    indexer.submit(["document:1"])
    assert not indexer.flush(0.1)
    gate.set()
    assert indexer.flush(5)
    indexer.stop()


def test_synchronous_mode_runs_in_the_caller_and_queues_a_failure_for_retry():
    record = Recorder(fail_times=1)
    indexer = Indexer(record, asynchronous=False)
    indexer.submit(["document:1"])  # fails in the caller: kept for the retry thread
    assert record.done == [] and indexer.pending == 1
    assert indexer.flush(10)
    assert record.done == ["document:1"]
    indexer.submit(["document:2"])
    assert record.done == ["document:1", "document:2"]
    indexer.stop()
