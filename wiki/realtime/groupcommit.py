"""Group commit: the updates that arrive while a commit is in flight are written together by the next one.

Why: every client update used to take the database write lock, append its row and commit on its own.
Under load (50 editors × 2 updates/s on one document) the event threads queued for the lock, on
SQLite through its busy handler, which polls with sleeps of up to 100 ms, and each paid a whole
transaction. Now one thread at a time (the leader) writes everything queued in one transaction; the
others wait on a condition variable, holding no database lock, and are woken the moment their
outcome is known. An update is still acknowledged (and broadcast) only after the commit that holds it;
when that commit fails, every update of the batch fails with its error: a failed batch acks nothing.

No Flask or database here: the caller's `write(batch)` does the work (wiki/realtime/rooms.py).
"""

import threading


class Pending:
    """One update waiting for a commit; `settle` gives it its outcome (a result or an error)."""

    __slots__ = ("update", "user_id", "sender", "result", "error", "settled")

    def __init__(self, update: bytes, user_id: int | None, sender: str | None = None):
        self.update, self.user_id, self.sender = update, user_id, sender
        self.result, self.error, self.settled = None, None, False

    def settle(self, result=None, error: BaseException | None = None) -> None:
        self.result, self.error, self.settled = result, error, True

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.result


class GroupCommit:
    """A queue of pending updates and at most one thread writing a batch of them at a time."""

    def __init__(self):
        self._ready = threading.Condition(threading.Lock())
        self._queue: list[Pending] = []
        self._writing = False

    def submit(self, item: Pending, write):
        """Queue `item` and return its result once it is settled (raising its error, if it has one).

        If no batch is being written, this thread writes everything queued, its own item included, by
        calling `write(batch)`, which settles each item after the commit. If `write` raises, every
        item of the batch that it had not settled fails with that exception.
        """
        with self._ready:
            self._queue.append(item)
            while not item.settled and self._writing:
                self._ready.wait()
            if item.settled:  # another thread's batch held it
                return item.outcome()
            self._writing, batch, self._queue = True, self._queue, []
        try:
            write(batch)
        except BaseException as error:
            for pending in batch:
                if not pending.settled:
                    pending.settle(error=error)
            raise
        finally:
            with self._ready:
                self._writing = False
                self._ready.notify_all()  # the settled return; one of the others writes the next batch
        return item.outcome()
