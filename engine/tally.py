"""Homomorphic aggregation of cast ballots, spec 2.0.0 section 3.5 (eq. 62).

For every option of every contest of the manifest, (A, B) = (prod alpha_j mod p, prod beta_j mod p)
over the encryptions (alpha_j, beta_j) on all CAST ballots; challenged (SPOILED) ballots are not
counted (verification 8.A, 8.B). The accumulator streams: it keeps one running product of pads
and one of datas per option, plus the ids of the ballots seen, so its memory grows with the
number of options and ballot ids, never with the ciphertexts of past ballots.

The encrypted tally follows egk's AccumulateTally: every contest and option of the manifest, in
manifest order with the manifest's sequence orders, and the encryption of 0 with nonce 0, (1, 1),
for an option no cast ballot carries.

On a Dask cluster (``tally_ballots_on_cluster``), each task computes ``partial_tally`` over a slice of
the ballot files it reads itself, and ``merge_partial_tallies`` combines consecutive slices in a tree.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from multiprocessing import get_context
from typing import Any, TypeVar, Union

from gmpy2 import mpz

from engine.election import (
    BallotState,
    EncryptedBallot,
    EncryptedTally,
    EncryptedTallyContest,
    EncryptedTallySelection,
)
from engine.elgamal import Ciphertext
from engine.errors import BallotchainError
from engine.group import PRODUCTION_GROUP, ElementModP, Group, group_by_name
from engine.hash import UInt256
from engine.manifest import Manifest

__all__ = [
    "PartialTally",
    "TallyAccumulator",
    "TallyError",
    "merge_partial_tallies",
    "partial_tally",
    "tally_ballots",
    "tally_ballots_on_cluster",
    "tally_ballots_parallel",
]

T = TypeVar("T")

# Ciphertexts buffered per option before one batched product (group.product / prod_mod).
_BATCH = 256
# Ballots sent to a worker process at a time by tally_ballots_parallel.
DEFAULT_CHUNK = 2000


class TallyError(BallotchainError, ValueError):
    """A ballot cannot be added to the tally (another election, duplicate, unknown label...)."""


@dataclass(frozen=True)
class PartialTally:
    """What one worker hands back: running products per option (in manifest order) and ballot ids."""

    group_name: str | None
    pads: tuple[int, ...]
    datas: tuple[int, ...]
    cast_ballot_ids: tuple[str, ...]
    spoiled_ballot_ids: tuple[str, ...]


class TallyAccumulator:
    """Streaming form of eq. 62: feed EncryptedBallot values one at a time, then build().

    A ballot is checked whole before it changes anything, so a rejected ballot (TallyError)
    leaves the accumulator as it was. ``group`` is taken from the first ballot when not given.
    """

    def __init__(self, manifest: Manifest, h_e: UInt256, group: Group | None = None) -> None:
        if not isinstance(h_e, UInt256):
            raise TallyError("the election id H_E must be a UInt256")
        self.manifest = manifest
        self.h_e = h_e
        self.group = group
        self._index: dict[str, tuple[int, dict[str, int]]] = {}
        n = 0
        for c_pos, contest in enumerate(manifest.contests):
            slots = {}
            for s in contest.ballot_selections:
                slots[s.object_id] = n
                n += 1
            self._index[contest.object_id] = (c_pos, slots)
        self._pads = [mpz(1)] * n
        self._datas = [mpz(1)] * n
        self._pending_pads: list[list[mpz]] = [[] for _ in range(n)]
        self._pending_datas: list[list[mpz]] = [[] for _ in range(n)]
        self._cast_ids: list[str] = []
        self._spoiled_ids: list[str] = []
        self._seen: set[str] = set()

    # -- feeding ---------------------------------------------------------------------------
    def add(self, ballot: EncryptedBallot) -> bool:
        """Count a CAST ballot (True); note and skip a SPOILED one (False); raise TallyError otherwise."""
        slots = self._check_ballot(ballot)
        self._seen.add(ballot.ballot_id)
        if ballot.state is BallotState.SPOILED:
            self._spoiled_ids.append(ballot.ballot_id)
            return False
        self._cast_ids.append(ballot.ballot_id)
        for slot, ciphertext in slots:
            self._pending_pads[slot].append(ciphertext.pad.value)
            self._pending_datas[slot].append(ciphertext.data.value)
            if len(self._pending_pads[slot]) >= _BATCH:
                self._flush_slot(slot)
        return True

    def add_all(self, ballots: Iterable[EncryptedBallot]) -> int:
        """Add every ballot; the number counted as cast."""
        return sum(1 for b in ballots if self.add(b))

    def merge(self, partial: PartialTally) -> None:
        """Combine another accumulator's partial products by multiplication (parallel tallying)."""
        if len(partial.pads) != len(self._pads) or len(partial.datas) != len(self._datas):
            raise TallyError("a partial tally has a different number of options than the manifest")
        if partial.group_name is not None:
            other = group_by_name(partial.group_name)
            if self.group is None:
                self.group = other
            elif other is not self.group:
                raise TallyError(f"a partial tally is in group {other.name!r}, not {self.group.name!r}")
        ids = list(partial.cast_ballot_ids) + list(partial.spoiled_ballot_ids)
        if len(set(ids)) != len(ids):
            raise TallyError("a partial tally lists a ballot id twice")
        dup = next((i for i in ids if i in self._seen), None)
        if dup is not None:
            raise TallyError(f"ballot {dup!r} appears more than once")
        p = self._modulus()
        for slot, (pad, data) in enumerate(zip(partial.pads, partial.datas)):
            self._pads[slot] = self._pads[slot] * pad % p
            self._datas[slot] = self._datas[slot] * data % p
        self._seen.update(ids)
        self._cast_ids.extend(partial.cast_ballot_ids)
        self._spoiled_ids.extend(partial.spoiled_ballot_ids)

    # -- results ---------------------------------------------------------------------------
    @property
    def cast_ballot_ids(self) -> tuple[str, ...]:
        return tuple(self._cast_ids)

    def partial(self) -> PartialTally:
        """The running products and ids, to be merged into another accumulator."""
        self._flush_all()
        return PartialTally(
            self.group.name if self.group is not None else None,
            tuple(int(x) for x in self._pads),
            tuple(int(x) for x in self._datas),
            tuple(self._cast_ids),
            tuple(self._spoiled_ids),
        )

    def build(self, tally_id: str) -> EncryptedTally:
        """The encrypted tally (A, B) per option, eq. 62, in manifest order."""
        self._flush_all()
        group = self.group if self.group is not None else PRODUCTION_GROUP
        contests = []
        for contest in self.manifest.contests:
            _, slots = self._index[contest.object_id]
            selections = tuple(
                EncryptedTallySelection(
                    s.object_id,
                    s.sequence_order,
                    Ciphertext(
                        ElementModP(self._pads[slots[s.object_id]], group),
                        ElementModP(self._datas[slots[s.object_id]], group),
                    ),
                )
                for s in contest.ballot_selections
            )
            contests.append(EncryptedTallyContest(contest.object_id, contest.sequence_order, selections))
        return EncryptedTally(tally_id, tuple(contests), tuple(self._cast_ids), self.h_e)

    # -- internals -------------------------------------------------------------------------
    def _check_ballot(self, ballot: EncryptedBallot) -> list[tuple[int, Ciphertext]]:
        if not isinstance(ballot, EncryptedBallot):
            raise TallyError(f"expected an EncryptedBallot, not {type(ballot).__name__}")
        bid = ballot.ballot_id
        if ballot.election_id != self.h_e:
            raise TallyError(f"ballot {bid!r} belongs to election {ballot.election_id.hex()}, not this one")
        if bid in self._seen:
            raise TallyError(f"ballot {bid!r} appears more than once")
        if not isinstance(ballot.state, BallotState):
            raise TallyError(f"ballot {bid!r} has an unknown state {ballot.state!r}")
        slots: list[tuple[int, Ciphertext]] = []
        seen_contests: set[str] = set()
        group = self.group
        for contest in ballot.contests:
            entry = self._index.get(contest.contest_id)
            if entry is None:
                raise TallyError(f"ballot {bid!r} has contest {contest.contest_id!r}, not in the manifest")
            if contest.contest_id in seen_contests:
                raise TallyError(f"ballot {bid!r} has contest {contest.contest_id!r} twice")
            seen_contests.add(contest.contest_id)
            seen_selections: set[str] = set()
            for selection in contest.selections:
                slot = entry[1].get(selection.selection_id)
                if slot is None:
                    raise TallyError(
                        f"ballot {bid!r}, contest {contest.contest_id!r}: selection "
                        f"{selection.selection_id!r} is not in the manifest"
                    )
                if selection.selection_id in seen_selections:
                    raise TallyError(
                        f"ballot {bid!r}, contest {contest.contest_id!r}: selection "
                        f"{selection.selection_id!r} appears twice"
                    )
                seen_selections.add(selection.selection_id)
                ct = selection.ciphertext
                if group is None:
                    group = ct.pad.group
                if ct.pad.group is not group or ct.data.group is not group:
                    raise TallyError(f"ballot {bid!r} has a ciphertext of another group than {group.name!r}")
                slots.append((slot, ct))
        self.group = group
        return slots

    def _modulus(self) -> mpz:
        return (self.group if self.group is not None else PRODUCTION_GROUP).p

    def _flush_slot(self, slot: int) -> None:
        pads, datas = self._pending_pads[slot], self._pending_datas[slot]
        if not pads:
            return
        assert self.group is not None
        backend, p = self.group.backend, self.group.p
        self._pads[slot] = backend.prod_mod([self._pads[slot], *pads], p)
        self._datas[slot] = backend.prod_mod([self._datas[slot], *datas], p)
        pads.clear()
        datas.clear()

    def _flush_all(self) -> None:
        for slot in range(len(self._pads)):
            self._flush_slot(slot)


def tally_ballots(
    manifest: Manifest,
    h_e: UInt256,
    ballots: Iterable[EncryptedBallot],
    tally_id: str,
    *,
    group: Group | None = None,
) -> EncryptedTally:
    """The encrypted tally of the CAST ballots, eq. 62, in one streaming pass."""
    acc = TallyAccumulator(manifest, h_e, group)
    acc.add_all(ballots)
    return acc.build(tally_id)


BallotSource = Union[Iterable[EncryptedBallot], str, "os.PathLike[str]"]


def tally_ballots_parallel(
    manifest: Manifest,
    h_e: UInt256,
    sources: Iterable[BallotSource],
    tally_id: str = "tally",
    *,
    processes: int | None = None,
    loader: Callable[[str], Iterable[EncryptedBallot]] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    group: Group | None = None,
) -> EncryptedTally:
    """eq. 62 across worker processes: partial products per worker, combined by multiplication.

    Each source is either an iterable of parsed EncryptedBallot values, cut here into chunks of
    ``chunk_size`` ballots that are shipped to the workers, or a file path that a worker opens
    itself with ``loader`` (a picklable top-level function, e.g. from engine.record). At most
    two chunks per process are in flight, so memory stays bounded for long streams. Partial
    results are merged in submission order, so cast_ballot_ids are in the order of the sources.
    """
    if chunk_size < 1:
        raise TallyError("chunk_size must be at least 1")
    processes = processes or os.cpu_count() or 1
    acc = TallyAccumulator(manifest, h_e, group)
    group_name = group.name if group is not None else None
    jobs = _jobs(sources, loader, chunk_size)
    if processes == 1:
        for job in jobs:
            acc.merge(_tally_job(manifest, h_e, group_name, job))
        return acc.build(tally_id)
    in_flight: deque[Future[PartialTally]] = deque()
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn")) as pool:
        for job in jobs:
            if len(in_flight) >= 2 * processes:
                acc.merge(in_flight.popleft().result())
            in_flight.append(pool.submit(_tally_job, manifest, h_e, group_name, job))
        while in_flight:
            acc.merge(in_flight.popleft().result())
    return acc.build(tally_id)


_Job = Union[tuple[str, Callable[[str], Iterable[EncryptedBallot]]], list[EncryptedBallot]]


def _jobs(
    sources: Iterable[BallotSource],
    loader: Callable[[str], Iterable[EncryptedBallot]] | None,
    chunk_size: int,
) -> Iterator[_Job]:
    for source in sources:
        if isinstance(source, (str, os.PathLike)):
            if loader is None:
                raise TallyError(f"source {os.fspath(source)!r} is a path, but no loader was given")
            yield (os.fspath(source), loader)
            continue
        it = iter(source)
        while chunk := list(islice(it, chunk_size)):
            yield chunk


def _tally_job(manifest: Manifest, h_e: UInt256, group_name: str | None, job: _Job) -> PartialTally:
    """Worker: one chunk of ballots (or one file) into a partial tally."""
    group = group_by_name(group_name) if group_name is not None else None
    acc = TallyAccumulator(manifest, h_e, group)
    ballots: Iterable[EncryptedBallot] = job[1](job[0]) if isinstance(job, tuple) else job
    acc.add_all(ballots)
    return acc.partial()


def partial_tally(
    manifest: Manifest,
    h_e: UInt256,
    group_name: str | None,
    load: Callable[[T], Iterable[EncryptedBallot]],
    part: T,
) -> PartialTally:
    """A task of a distributed tally: the running products (eq. 62) and ids of the ballots ``load(part)``
    gives (a slice of the record's ballot files, read where the task runs)."""
    group = group_by_name(group_name) if group_name is not None else None
    acc = TallyAccumulator(manifest, h_e, group)
    acc.add_all(load(part))
    return acc.partial()


def merge_partial_tallies(
    manifest: Manifest, h_e: UInt256, group_name: str | None, *partials: PartialTally
) -> PartialTally:
    """Consecutive partial tallies as one, in their order (a node of the reduction tree); TallyError when a
    ballot id occurs twice."""
    acc = TallyAccumulator(manifest, h_e, group_by_name(group_name) if group_name is not None else None)
    for partial in partials:
        acc.merge(partial)
    return acc.partial()


def tally_ballots_on_cluster(
    client: Any,
    manifest: Manifest,
    h_e: UInt256,
    parts: Iterable[T],
    load: Callable[[T], Iterable[EncryptedBallot]],
    tally_id: str = "tally",
    *,
    group: Group | None = None,
    window: int = 64,
) -> EncryptedTally:
    """eq. 62 on a Dask cluster (``client``, engine.dask_cluster): ``partial_tally`` of each part on the
    workers, which read the ballots themselves with ``load`` (a picklable top-level function), combined in
    a tree; the tally is the one tally_ballots_parallel gives over the same ballots in the same order."""
    from engine.dask_cluster import reduced_windows

    group_name = group.name if group is not None else None
    shared = client.scatter(manifest, broadcast=True, hash=False)
    acc = TallyAccumulator(manifest, h_e, group)
    args = (shared, h_e, group_name, load)
    for partial in reduced_windows(client, parts, partial_tally, _merge_loaded, args, window):
        acc.merge(partial)
    return acc.build(tally_id)


def _merge_loaded(
    manifest: Manifest, h_e: UInt256, group_name: str | None, _load: object, *partials: PartialTally
) -> PartialTally:
    return merge_partial_tallies(manifest, h_e, group_name, *partials)
