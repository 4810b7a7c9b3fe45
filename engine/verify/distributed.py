"""The ballots of a record verified on a Dask cluster (issue 11, item 4).

The runner cuts the record's ballot files into partitions of bounded size; each is a task that a
worker runs (engine.verify.partition.verify_partition): it reads its ballots and their proof
commitments from the record's path or fsspec URL and returns counts, bounded findings, what the cross-ballot checks
need and the partial products of the cast ballots (spec 2.0.0 eq. 62). The results of a window of
consecutive partitions are combined on the workers in a tree (engine.dask_cluster.reduced_windows),
and the client absorbs the windows in order, so that it never holds more than two windows' results.
The context (group, K, H_E, manifest layout) is sent to every worker once.

A task whose worker dies is run again by Dask; a lost worker costs time, not results: the report is
the one a local run gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.dask_cluster import reduced_windows, worker_count
from engine.verify.ballots import BallotContext
from engine.verify.partition import PartitionResult, combine, verify_partition

__all__ = ["PARTITIONS_PER_WORKER_IN_WINDOW", "cluster_results", "cluster_workers"]

PARTITIONS_PER_WORKER_IN_WINDOW = 8

PartitionTask = tuple[str, list[str], bool]  # the record's path or URL, the partition's ballot file labels, batch mode


def verify_partition_task(ctx: BallotContext, task: PartitionTask) -> PartitionResult:
    """One partition, on a worker."""
    root, labels, batch = task
    return verify_partition(ctx, root, labels, batch)


def _combine(_ctx: BallotContext, *results: PartitionResult) -> PartitionResult:
    return combine(*results)


_TASK = verify_partition_task  # what each partition runs (a test gives one that kills its worker once)


def cluster_workers(client: Any) -> int:
    """The workers of the client's cluster (at least 1)."""
    return worker_count(client)


def cluster_results(
    client: Any, ctx: BallotContext, root: str, batch: bool, partitions: Iterator[list[str]]
) -> Iterator[PartitionResult]:
    """verify_partition over the partitions on the client's workers; one combined result per window of
    partitions, in the partitions' order."""
    context = client.scatter(ctx, broadcast=True, hash=False)
    window = PARTITIONS_PER_WORKER_IN_WINDOW * worker_count(client)
    tasks = ((root, labels, batch) for labels in partitions)
    yield from reduced_windows(client, tasks, _TASK, _combine, (context,), window)
