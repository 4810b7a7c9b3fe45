"""Group commit: submissions from many threads appended in batches, one durable transaction each.

A ``Sequencer`` takes work items from any number of threads and hands them, in arrival order, to
``commit(batch)`` in batches of at most ``max_batch``. No thread of its own: the first waiting
thread that finds no batch in progress leads the next one (takes the queue, commits it, wakes the
others), so while one batch is being made durable the next one gathers. A leader waits at most
``max_wait`` seconds for more items, and only while submissions are still on their way (counted by
``arriving()``): a lone submission is committed at once.

``commit`` settles every ticket of its batch (``Ticket.accept`` or ``Ticket.refuse``); if it raises,
every ticket it left unsettled gets that exception. ``Sequencer.run`` returns only once its
ticket is settled: a submission is acknowledged only after its batch is committed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_BATCH = 256
DEFAULT_MAX_WAIT = 0.002


@dataclass(frozen=True)
class GroupCommit:
    """A batch ends at ``max_batch`` items or after ``max_wait`` seconds of waiting for submissions still
    being checked (``max_batch`` 1: every submission its own transaction and head)."""

    max_batch: int = DEFAULT_MAX_BATCH
    max_wait: float = DEFAULT_MAX_WAIT

    def __post_init__(self) -> None:
        if isinstance(self.max_batch, bool) or not isinstance(self.max_batch, int) or self.max_batch < 1:
            raise ValueError(f"a batch holds at least one submission, not {self.max_batch!r}")
        if not 0 <= self.max_wait <= 1:
            raise ValueError(f"the batch wait is between 0 and 1 second, not {self.max_wait!r}")


class Ticket(Generic[T, R]):
    """One item waiting for its batch, and then its outcome (a result or an exception)."""

    def __init__(self, item: T) -> None:
        self.item = item
        self.settled = False
        self._result: R | None = None
        self._error: BaseException | None = None

    def accept(self, result: R) -> None:
        self._result, self.settled = result, True

    def refuse(self, error: BaseException) -> None:
        self._error, self.settled = error, True

    def outcome(self) -> R:
        if self._error is not None:
            raise self._error
        assert self.settled
        return self._result  # type: ignore[return-value]


class Sequencer(Generic[T, R]):
    """Batches items from many threads into calls of ``commit`` (see module doc)."""

    def __init__(self, commit: Callable[[list[Ticket[T, R]]], None], settings: GroupCommit | None = None) -> None:
        self._commit = commit
        self.settings = settings or GroupCommit()
        self._cond = threading.Condition()
        self._queue: list[Ticket[T, R]] = []
        self._leading = False
        self._arriving = 0

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Count a submission on its way (being checked) for the block: a leader may wait for it."""
        with self._cond:
            self._arriving += 1
        try:
            yield
        finally:
            with self._cond:
                self._arriving -= 1
                self._cond.notify_all()

    def run(self, item: T) -> R:
        """Queue ``item``, wait until the batch holding it is committed; its result (or raise its error)."""
        ticket: Ticket[T, R] = Ticket(item)
        with self._cond:
            self._queue.append(ticket)
            self._cond.notify_all()
            while not ticket.settled:
                if self._leading:
                    self._cond.wait()
                    continue
                self._leading = True
                try:
                    batch = self._gather()
                    self._cond.release()
                    try:
                        self._commit_batch(batch)
                    finally:
                        self._cond.acquire()
                finally:
                    self._leading = False
                    self._cond.notify_all()
        return ticket.outcome()

    def _gather(self) -> list[Ticket[T, R]]:
        """The next batch (condition held): wait while submissions are arriving, up to max_wait."""
        limit = self.settings.max_batch
        deadline = time.monotonic() + self.settings.max_wait
        while len(self._queue) < limit and self._arriving > 0:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            self._cond.wait(remaining)
        batch = self._queue[:limit]
        del self._queue[:limit]
        return batch

    def _commit_batch(self, batch: list[Ticket[T, R]]) -> None:
        try:
            self._commit(batch)
        except BaseException as exc:
            for ticket in batch:
                if not ticket.settled:
                    ticket.refuse(exc)
            if not isinstance(exc, Exception):
                raise
        for ticket in batch:
            if not ticket.settled:
                ticket.refuse(RuntimeError("the batch commit left a submission unsettled"))
