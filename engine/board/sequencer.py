"""Group commit: submissions from many threads appended in batches, one durable transaction each.

A ``Sequencer`` takes work items from any number of threads and hands them, in arrival order, to
``commit(batch)`` in batches of at most ``max_batch``. No thread of its own: a thread that finds no
batch in progress leads the next one (takes the oldest tickets, commits them, wakes their threads,
hands the lead to the oldest ticket still waiting), so while one batch is being made durable the
next one gathers: a batch is what arrived during the previous one's fsync. A leader may also wait
up to ``max_wait`` seconds (default 0) for more items, only while submissions are still on their
way (counted by ``arriving()``); a lone submission is committed at once. Waiting did not pay on the
board's server (benchmarks/server_bench.py: with clients that wait for their receipts, the wait is
added to every answer). Each thread sleeps on its own ticket and is woken only when its batch is
committed or when it is to lead the next batch.

``commit`` settles every ticket of its batch (``Ticket.accept`` or ``Ticket.refuse``); if it raises,
every ticket it left unsettled gets that exception. ``Sequencer.run`` returns only once its
ticket is settled: a submission is acknowledged only after its batch is committed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MAX_BATCH = 256
DEFAULT_MAX_WAIT = 0.0


@dataclass(frozen=True)
class GroupCommit:
    """A batch holds at most ``max_batch`` items (1: every submission its own transaction and head), those
    that arrived while the previous batch was written, and those that arrive within ``max_wait`` seconds
    while submissions are still being checked."""

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
        self.leads = False
        self._result: R | None = None
        self._error: BaseException | None = None
        self._wake = threading.Event()

    def accept(self, result: R) -> None:
        self._result, self.settled = result, True
        self._wake.set()

    def refuse(self, error: BaseException) -> None:
        self._error, self.settled = error, True
        self._wake.set()

    def outcome(self) -> R:
        if self._error is not None:
            raise self._error
        assert self.settled
        return self._result  # type: ignore[return-value]

    def _lead(self) -> None:
        self.leads = True
        self._wake.set()

    def _wait(self) -> None:
        self._wake.wait()
        self._wake.clear()


class Sequencer(Generic[T, R]):
    """Batches items from many threads into calls of ``commit`` (see module doc).

    Each waiting thread sleeps on its own ticket: a commit wakes the threads of its batch, and hands the
    lead to the oldest waiting ticket (whose batch comes next), so no wake-up is spent on threads that
    still have to wait.
    """

    def __init__(self, commit: Callable[[list[Ticket[T, R]]], None], settings: GroupCommit | None = None) -> None:
        self._commit = commit
        self.settings = settings or GroupCommit()
        self._lock = threading.Lock()
        self._more = threading.Condition(self._lock)
        self._queue: deque[Ticket[T, R]] = deque()
        self._leading = False
        self._gathering = False
        self._arriving = 0

    @contextlib.contextmanager
    def arriving(self) -> Iterator[None]:
        """Count a submission on its way (being checked) for the block: a leader may wait for it."""
        with self._lock:
            self._arriving += 1
        try:
            yield
        finally:
            with self._lock:
                self._arriving -= 1
                if self._gathering:
                    self._more.notify()

    def run(self, item: T) -> R:
        """Queue ``item``, wait until the batch holding it is committed; its result (or raise its error)."""
        ticket: Ticket[T, R] = Ticket(item)
        with self._lock:
            self._queue.append(ticket)
            leads = not self._leading
            self._leading = True
            if self._gathering:
                self._more.notify()
        while True:
            if not leads:
                ticket._wait()
                if ticket.settled:
                    return ticket.outcome()
                assert ticket.leads
                ticket.leads = False
            try:
                self._commit_batch(self._gather())
            finally:
                with self._lock:
                    if self._queue:
                        self._queue[0]._lead()
                    else:
                        self._leading = False
            if ticket.settled:
                return ticket.outcome()
            leads = False

    def _gather(self) -> list[Ticket[T, R]]:
        """The next batch: the queue's oldest tickets, after waiting (at most max_wait) while submissions are
        still arriving and the batch is not full."""
        limit = self.settings.max_batch
        with self._lock:
            deadline = time.monotonic() + self.settings.max_wait
            self._gathering = True
            try:
                while len(self._queue) < limit and self._arriving > 0:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._more.wait(remaining)
            finally:
                self._gathering = False
            return [self._queue.popleft() for _ in range(min(limit, len(self._queue)))]

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
