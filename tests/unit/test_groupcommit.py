"""Group commit (wiki/realtime/groupcommit.py): updates that arrive during a commit are written
together by the next one, each learns its outcome only after the commit holding it, and a failed
commit gives every update of its batch the error (nothing is acknowledged)."""

import threading
import time

from wiki.realtime.groupcommit import GroupCommit, Pending


class Log:
    """A fake log whose first write waits until released, so others queue up behind it."""

    def __init__(self, fail_batch: int | None = None):
        self.batches: list[list[bytes]] = []
        self.release, self.first_started = threading.Event(), threading.Event()
        self.fail_batch = fail_batch

    def write(self, batch: list[Pending]) -> None:
        number = len(self.batches)
        self.batches.append([item.update for item in batch])
        if number == 0:
            self.first_started.set()
            assert self.release.wait(5)
        if number == self.fail_batch:
            raise OSError("disk full")
        for offset, item in enumerate(batch):
            item.settle((number, offset))


def submit_in_threads(writes: GroupCommit, log: Log, updates: list[bytes]) -> tuple[list, list[threading.Thread]]:
    outcomes: list = [None] * len(updates)

    def send(index: int) -> None:
        try:
            outcomes[index] = writes.submit(Pending(updates[index], None), log.write)
        except (OSError, ValueError) as error:  # the batch's failure, or the item's own
            outcomes[index] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(updates))]
    for thread in threads:
        thread.start()
    return outcomes, threads


def wait_queued(writes: GroupCommit, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(writes._queue) < count:
        assert time.monotonic() < deadline, "the updates did not queue up"
        time.sleep(0.005)


def behind_a_held_commit(log: Log, updates: list[bytes], check_waiting=None) -> tuple[GroupCommit, list, list]:
    """Submit b"a" (its commit is held), then `updates` meanwhile; release; (writes, a's, theirs)."""
    writes = GroupCommit()
    first, first_threads = submit_in_threads(writes, log, [b"a"])
    assert log.first_started.wait(5)
    rest, threads = submit_in_threads(writes, log, updates)
    wait_queued(writes, len(updates))
    if check_waiting:
        check_waiting(rest)
    log.release.set()
    for thread in first_threads + threads:
        thread.join(5)
    return writes, first, rest


def test_updates_arriving_during_a_commit_are_written_together_after_it():
    def nobody_answered(rest):  # while the commit before theirs runs
        assert rest == [None, None, None]

    log = Log()
    _writes, first, rest = behind_a_held_commit(log, [b"b", b"c", b"d"], nobody_answered)

    assert log.batches == [[b"a"], [b"b", b"c", b"d"]]
    assert first == [(0, 0)]
    assert sorted(rest) == [(1, 0), (1, 1), (1, 2)]


def test_a_failed_commit_fails_every_update_of_its_batch_and_the_next_batch_goes_on():
    log = Log(fail_batch=1)
    writes, first, failed = behind_a_held_commit(log, [b"b", b"c"])

    assert first == [(0, 0)]
    assert all(isinstance(outcome, OSError) for outcome in failed)
    assert writes.submit(Pending(b"e", None), log.write) == (2, 0)


def test_an_items_own_error_is_raised_in_its_own_thread_only():
    class Picky(Log):
        def write(self, batch):
            if self.batches:  # after the held first batch: refuse the malformed one alone
                self.batches.append([item.update for item in batch])
                for item in batch:
                    item.settle(*(("stored", None) if item.update != b"bad" else (None, ValueError("not Yjs"))))
                return
            super().write(batch)

    log = Picky()
    _writes, _first, (bad, good) = behind_a_held_commit(log, [b"bad", b"good"])

    assert sorted(log.batches[1]) == [b"bad", b"good"]  # one batch
    assert isinstance(bad, ValueError)
    assert good == "stored"
