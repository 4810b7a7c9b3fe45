"""`ballotchain tally --scheduler / --cluster`: eq. 62 over a record's ballot files on a Dask cluster.

The ballot files are cut into slices; each is a task (engine.tally.partial_tally) that a worker reads
from the record's path, which every worker must see. The slices follow the local tally's order
(device by device, each device's files by name), so the encrypted tally is the same, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.dask_cluster import worker_count
from engine.election import EncryptedBallot, EncryptedTally
from engine.record import ElectionRecord
from engine.tally import DEFAULT_CHUNK, tally_ballots_on_cluster

SLICES_PER_WORKER = 4  # a small record's slices per worker, so that none waits idle

BallotSlice = tuple[str, tuple[str, ...]]  # the record's path and the labels of its ballot files


def read_ballot_slice(part: BallotSlice) -> Iterator[EncryptedBallot]:
    """The ballots of one slice, read where the task runs."""
    root, labels = part
    record = ElectionRecord(root)
    for label in labels:
        yield record.read_encrypted_ballot(record.root / label)


def ballot_slices(record: ElectionRecord, size: int) -> Iterator[BallotSlice]:
    """The record's ballot files in the local tally's order, ``size`` at a time, under the record's absolute
    path (a worker's working directory is not ours)."""
    root = str(record.root.absolute())
    labels: list[str] = []
    for path in record.encrypted_ballot_paths():
        labels.append(path.relative_to(record.root).as_posix())
        if len(labels) >= size:
            yield root, tuple(labels)
            labels = []
    if labels:
        yield root, tuple(labels)


def tally_on_cluster(record_dir: Path, client: Any, tally_id: str) -> EncryptedTally:
    """The encrypted tally of the record's cast ballots, computed by the client's workers."""
    record = ElectionRecord(record_dir)
    ballots = sum(1 for _ in record.encrypted_ballot_paths())
    size = max(1, min(DEFAULT_CHUNK, -(-ballots // (SLICES_PER_WORKER * worker_count(client)))))
    return tally_ballots_on_cluster(
        client,
        record.manifest,
        record.initialized.extended_base_hash,
        ballot_slices(record, size),
        read_ballot_slice,
        tally_id,
        group=record.group,
    )
