"""One partition of a record's ballot files, verified where it runs: a worker process or a Dask worker.

A partition is a list of ballot file labels (encrypted_ballots/<device>/eballot-<id>.json). The task
that verifies it reads the ballots and their proof commitments itself, from the record's path or fsspec
URL (ElectionRecord.location), runs
every per-ballot check (5-7.B, R.*; engine.verify.ballots) and hands back a ``PartitionResult``: the
merged counts and bounded findings, the entries that the cross-ballot checks need (ids, states,
confirmation codes, chain links, fingerprints of challenged ballots), the partial products of the
cast ballots (8.A, 8.B; spec 2.0.0 eq. 62), the 64-bit digests of the ciphertexts
(R.unique_ciphertexts) and the reader's notes. ``combine`` joins consecutive results in order, so
results reduce in a tree to what one pass over the ballots gives.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.election import BallotState, EncryptedBallot
from engine.group import group_by_name
from engine.hash import UInt256
from engine.record import ElectionRecord
from engine.verify.ballots import BallotContext, verify_ballot_chunk
from engine.verify.challenged import BallotFingerprint
from engine.verify.commitments import MAX_NAMED, CommitmentSource
from engine.verify.copies import CiphertextIndex
from engine.verify.ranges import read_ballot_or_finding
from engine.verify.report import Recorder
from engine.verify.tally import Aggregator

__all__ = [
    "BallotEntry",
    "PartitionResult",
    "combine",
    "init_partition_worker",
    "verify_partition",
    "verify_partition_in_worker",
]


@dataclass(frozen=True)
class BallotEntry:
    """What the cross-ballot checks keep of one ballot (7.C-7.G, 8, R.ballot_ids, R.challenged)."""

    label: str
    ballot_id: str
    state: BallotState
    device: str
    confirmation_code: UInt256
    code_baux: bytes
    preencrypted: bool
    fingerprint: BallotFingerprint | None

    @classmethod
    def of(cls, label: str, ballot: EncryptedBallot) -> BallotEntry:
        spoiled = ballot.state is not BallotState.CAST
        return cls(
            label,
            ballot.ballot_id,
            ballot.state,
            ballot.encrypting_device,
            ballot.confirmation_code,
            ballot.code_baux,
            ballot.is_preencrypt,
            BallotFingerprint.of(ballot) if spoiled else None,
        )


@dataclass(frozen=True)
class PartitionResult:
    """The outcome of consecutive ballot files; ``combine`` joins results of consecutive partitions."""

    group_name: str
    snapshot: dict[str, Any]
    entries: tuple[BallotEntry, ...]
    files: int
    left_out: int
    cast_products: dict[tuple[str, str], tuple[int, int]]
    cast: int
    digests: bytes
    contests: frozenset[str]
    without_commitments: int
    without_commitments_named: tuple[str, ...]
    reader_notes: tuple[str, ...] = field(default=())


_WARMED: set[Any] = set()


def _warm(ctx: BallotContext) -> None:
    """Once per process: the fixed-base tables of g and K."""
    if ctx.cache_key not in _WARMED:
        ctx.group.g_pow(1)
        ctx.group.table_for(ctx.joint_key)
        _WARMED.add(ctx.cache_key)


def verify_partition(ctx: BallotContext, root: str, labels: Sequence[str], batch: bool) -> PartitionResult:
    """Read and verify the ballot files ``labels`` of the record at ``root``; with their published proof
    commitments when ``batch`` (the record has proof_commitments/), each range proof strictly otherwise."""
    _warm(ctx)
    record = ElectionRecord(root, allow_url=True)
    notes_before = len(record.notes)
    rec = Recorder()
    source = CommitmentSource(record.root, ctx.group) if batch else None
    agg = Aggregator(ctx.group)
    ciphertexts = CiphertextIndex()
    contests: set[str] = set()
    chunk: list[tuple[str, EncryptedBallot]] = []
    committed: list[Any] = []
    entries: list[BallotEntry] = []
    left_out = 0
    for label in labels:
        ballot = read_ballot_or_finding(record, record.root / label, rec)
        if ballot is None:
            left_out += 1
            continue
        entries.append(BallotEntry.of(label, ballot))
        ciphertexts.add(ballot)
        contests.update(c.contest_id for c in ballot.contests)
        if ballot.state is BallotState.CAST:
            agg.add(ballot)
        if source is not None:
            committed.append(source.for_ballot(label, ballot, rec))
        chunk.append((label, ballot))
    for snap in verify_ballot_chunk(ctx, chunk, committed if source is not None else None):
        rec.merge(snap)
    return PartitionResult(
        group_name=ctx.group.name,
        snapshot=rec.snapshot(),
        entries=tuple(entries),
        files=len(labels),
        left_out=left_out,
        cast_products=agg.partial(),
        cast=agg.ballots,
        digests=ciphertexts.digests.tobytes(),
        contests=frozenset(contests),
        without_commitments=source.without if source is not None else 0,
        without_commitments_named=tuple(source.without_named) if source is not None else (),
        reader_notes=tuple(record.notes[notes_before:]),
    )


def combine(*results: PartitionResult) -> PartitionResult:
    """The results of consecutive partitions as one, in their order (a node of the reduction tree)."""
    first = results[0]
    rec = Recorder()
    agg = Aggregator(group_by_name(first.group_name))
    digests = array("Q")
    for result in results:
        rec.merge(result.snapshot)
        agg.merge(result.cast_products, result.cast)
        digests.frombytes(result.digests)
    return PartitionResult(
        group_name=first.group_name,
        snapshot=rec.snapshot(),
        entries=tuple(e for r in results for e in r.entries),
        files=sum(r.files for r in results),
        left_out=sum(r.left_out for r in results),
        cast_products=agg.partial(),
        cast=agg.ballots,
        digests=digests.tobytes(),
        contests=frozenset().union(*(r.contests for r in results)),
        without_commitments=sum(r.without_commitments for r in results),
        without_commitments_named=tuple(label for r in results for label in r.without_commitments_named)[:MAX_NAMED],
        reader_notes=tuple(note for r in results for note in r.reader_notes),
    )


_WORKER_CONTEXT: BallotContext | None = None


def init_partition_worker(ctx: BallotContext) -> None:
    """Process-pool initializer: keep the context and warm the fixed-base tables of g and K."""
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = ctx
    _warm(ctx)


def verify_partition_in_worker(root: str, labels: Sequence[str], batch: bool) -> PartitionResult:
    if _WORKER_CONTEXT is None:
        raise RuntimeError("the worker was not initialized with a ballot context")
    return verify_partition(_WORKER_CONTEXT, root, labels, batch)
