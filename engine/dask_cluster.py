"""The Dask cluster that the distributed verify and tally run on (optional extra ``dask``).

``open_cluster`` connects to an existing scheduler (``--scheduler tcp://HOST:PORT``) or starts a
LocalCluster of worker processes on this machine (``--cluster local``), and yields a
dask.distributed Client. Workers read the record from its path, so every worker must see that path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any, TypeVar

from engine.errors import BallotchainError

__all__ = ["CONNECT_TIMEOUT_S", "ClusterError", "open_cluster", "reduced_windows", "worker_count"]

CONNECT_TIMEOUT_S = 10
LOCAL = "local"
FAN_IN = 8
RETRIES = 2
WINDOWS_IN_FLIGHT = 2
MESSAGE_LOG_LENGTH = 10  # messages a connection keeps for debugging: Dask's 1000 grew the client by ~1 MiB

T = TypeVar("T")


class ClusterError(BallotchainError):
    """No Dask cluster to run on: Dask is not installed, the scheduler cannot be reached, or it has no workers."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(
            "Dask is not installed: install the optional extra, pip install 'ballotchain[dask]'"
        ) from None
    return distributed


@contextmanager
def open_cluster(scheduler: str | None = None, local_workers: int | None = None) -> Iterator[Any]:
    """A Client of the scheduler at ``scheduler``, or of a LocalCluster of ``local_workers`` single-threaded
    worker processes (no dashboard) that is closed on exit. Raises ClusterError when there is none to use.

    The client's connection (and a LocalCluster scheduler's) keeps a log of its last MESSAGE_LOG_LENGTH
    messages only, so that the client's memory does not grow with the tasks it submits."""
    if (scheduler is None) == (local_workers is None):
        raise ValueError("give either a scheduler address or a number of local workers")
    distributed = _distributed()
    import dask

    with (
        dask.config.set({"distributed.admin.low-level-log-length": MESSAGE_LOG_LENGTH}),
        _client(distributed, scheduler, local_workers) as client,
    ):
        yield client


@contextmanager
def _client(distributed: Any, scheduler: str | None, local_workers: int | None) -> Iterator[Any]:
    if local_workers is not None:
        with (
            distributed.LocalCluster(
                n_workers=local_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: a second local cluster must not collide on 8787
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            yield client
        return
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"the Dask scheduler at {scheduler} has no workers: {exc}") from None
        yield client


def worker_count(client: Any) -> int:
    """The workers the scheduler knows of now (at least 1)."""
    return max(1, len(client.scheduler_info().get("workers", {})))


def _run(task: Callable[..., Any], args: tuple[Any, ...], part: Any) -> Any:
    return task(*args, part)


def _run_combine(combine: Callable[..., Any], args: tuple[Any, ...], results: list[Any]) -> Any:
    return combine(*args, *results)


def reduced_windows(
    client: Any,
    parts: Iterable[T],
    task: Callable[..., Any],
    combine: Callable[..., Any],
    args: tuple[Any, ...],
    window: int,
) -> Iterator[Any]:
    """``task(*args, part)`` for every part on the cluster, ``window`` parts at a time; each window's
    results combined on the workers in a tree of fan-in FAN_IN (``combine(*args, *results)``, in the parts'
    order) and yielded in order, with at most WINDOWS_IN_FLIGHT windows in flight. Each level of a window goes
    to the scheduler in one message (client.map). A task whose worker dies is run again by Dask, one that fails
    is retried RETRIES times."""
    it = iter(parts)
    in_flight: deque[Any] = deque()
    while chunk := list(islice(it, window)):
        level = client.map(_run, [task] * len(chunk), [args] * len(chunk), chunk, pure=False, retries=RETRIES)
        while len(level) > 1:
            groups = [level[i : i + FAN_IN] for i in range(0, len(level), FAN_IN)]
            level = client.map(
                _run_combine, [combine] * len(groups), [args] * len(groups), groups, pure=False, retries=RETRIES
            )
        in_flight.append(level[0])
        if len(in_flight) >= WINDOWS_IN_FLIGHT:
            yield in_flight.popleft().result()
    while in_flight:
        yield in_flight.popleft().result()
