"""verify_record: every check of spec 2.0.0 section 6 over an election record directory.

The ballot files are cut into partitions (about DEFAULT_CHUNK_SELECTIONS selections each, fewer for a
small record so that every process gets TASKS_PER_WORKER of them); each partition is read and verified
where it runs (engine.verify.partition): in this process, in ``jobs`` worker processes, or on a Dask
cluster (engine.verify.distributed), with at most a few partitions in flight so that memory stays flat.
The parent only lists the files, and absorbs the results in the partitions' order: per ballot what the
cross-ballot checks need (its id and state, its confirmation code (7.C), its chain link (7.D-7.G), a
fingerprint if it is SPOILED (R.challenged)), and per partition the counts, the bounded findings and the
products of the cast ballots (8). The parent's memory does not grow with the ballots (issue 11, item 4):
nothing is kept per proof commitments file (engine.verify.commitments), at most DIGESTS_IN_MEMORY ciphertext
digests are held (the others wait in temporary files, engine.verify.copies), and the per-ballot rows live in
a temporary SQLite table with a bounded page cache (engine.verify.ballot_table), looked up there, chain
links included. Given a ``cache``, the parent reads the
ballots itself (and workers verify the ones not cached), so that a ballot verified before is not again.

Values flow downstream as the record states them: the ballots are verified against the record's
K and H_E, and each stored value is checked once against its formula (1.F-1.H, 3.B, 4.A).

A record that cannot be read raises the reader's RecordError (the CLI's exit code 2). There are two
exceptions: parameters of no known group (the reader's UnknownGroupError) are reported by 1.B-1.E;
and a proof value or element out of its range in the guardians' records, a ballot, a
challenged-ballot decryption or tally.json is what the spec's range checks exist to catch (2.A-2.C,
3.B, 5.A-5.C, 6.B-6.C, 9-14). The reader raises those as RangeViolation, which carries the value
kind and the field path as data; range_check_of maps them to their check without reading the
message, and the file is reported as a failure of that check (naming the file and field) and left out.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, MutableMapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from typing import Any

from gmpy2 import invert

from engine.board.note import VerifierKey
from engine.election import BallotState, EncryptedBallot
from engine.group import TEST_GROUP
from engine.record import ElectionRecord, RecordError, UnknownGroupError
from engine.record.files import file_names
from engine.record.layout import (
    BALLOT_CHAIN,
    DBALLOT_PREFIX,
    EBALLOT_PREFIX,
    ENCRYPTED_BALLOTS,
    ENCRYPTED_TALLY,
    INITIALIZED,
    JSON_SUFFIX,
    TALLY,
    ballot_chain_label,
    challenged_ballot_label,
    id_from_name,
)
from engine.verify.ballot_table import BallotTable, table_errors
from engine.verify.ballots import BallotContext, init_worker, verify_ballot_chunk, verify_chunk_in_worker
from engine.verify.board import PinnedKeys, verify_board
from engine.verify.catalog import CHECKS
from engine.verify.chains import verify_chain, verify_unique_codes
from engine.verify.challenged import verify_challenged_ballot
from engine.verify.commitments import CommitmentSource
from engine.verify.copies import CiphertextIndex, verify_unique_ciphertexts
from engine.verify.decryption import Memo, settle_contest_data_subgroup
from engine.verify.distributed import cluster_results, cluster_workers
from engine.verify.guardians import verify_guardians
from engine.verify.layout import ManifestLayout
from engine.verify.parameters import verify_parameters, verify_unknown_parameters
from engine.verify.partition import (
    BallotEntry,
    PartitionResult,
    init_partition_worker,
    verify_partition,
    verify_partition_in_worker,
)
from engine.verify.preencrypted import verify_preencrypted
from engine.verify.ranges import range_check_of, range_finding, read_ballot_or_finding
from engine.verify.report import PHASE_DECRYPTED, PHASE_TALLIED, PHASE_VOTING, Finding, Recorder, Report
from engine.verify.subgroup import SubgroupBatch
from engine.verify.tally import Aggregator, verify_aggregation, verify_cast_list, verify_tally

__all__ = ["ProgressCallback", "range_check_of", "verify_record"]

ProgressCallback = Callable[[str, int, int], None]
"""progress(phase, done, total): phase "ballots" (once per ballot), "tally", "challenged"."""

DEFAULT_CHUNK_SELECTIONS = 400
TASKS_PER_WORKER = 4  # a small record's partitions per process, so that none waits idle
DIGESTS_IN_MEMORY = 1 << 16  # ciphertext digests held by the parent; the others wait on disk (R.unique_ciphertexts)
MAX_REPORT_NOTES = 100  # the reader's notes (fields it skipped) carried into the report
TALLY_CHECKS = (
    "8.A",
    "8.B",
    "9.A",
    "9.B",
    "10.A",
    "10.B",
    "10.C",
    "10.D",
    "10.E",
    "R.cast_set",
    "R.tally_copy",
)

# Checks that wait for a later phase (see record_phase) instead of failing: the tally's before it exists,
# the decryptions' before any is published.
_AWAITING_TALLY = frozenset({"8.A", "8.B", "R.cast_set"})
_AWAITING_DECRYPTION = frozenset({"9.A", "9.B", "10.A", "10.B", "10.C", "10.D", "10.E", "R.tally_copy"})
CAST = BallotState.CAST
TEST_GROUP_HINT = (
    "the record uses the engine's small insecure test group: for tests and demos, verify it with --allow-test-group"
)


@dataclass
class _BallotIndex:
    """What the cross-ballot checks keep while the ballots stream past: per ballot a row of ``ballots`` (on
    disk) and its ciphertexts' digests (spilled to disk past DIGESTS_IN_MEMORY); counts and the contests."""

    ballots: BallotTable
    contests: set[str] = field(default_factory=set)
    ciphertexts: CiphertextIndex = field(default_factory=lambda: CiphertextIndex(spill_at=DIGESTS_IN_MEMORY))
    left_out: int = 0

    def close(self) -> None:
        self.ciphertexts.close()
        self.ballots.close()


def record_phase(record: ElectionRecord) -> str:
    """How far the election is, by what the record holds: the decryption has begun once tally.json or
    any challenged ballot's decryption is published (from then on the record must be complete); the
    tally, once encrypted_tally.json is; before that, voting."""
    if record.has(TALLY) or record.challenged_ballot_paths():
        return PHASE_DECRYPTED
    if record.has(ENCRYPTED_TALLY):
        return PHASE_TALLIED
    return PHASE_VOTING


def verify_record(
    record_dir: str | os.PathLike[str],
    jobs: int = 1,
    progress: ProgressCallback | None = None,
    *,
    accept_test_group: bool = False,
    chunk_ballots: int | None = None,
    cache: MutableMapping[Hashable, Any] | None = None,
    board_key: bytes | None = None,
    registrar_key: bytes | None = None,
    witness_keys: tuple[VerifierKey, ...] | None = None,
    strict: bool = False,
    cluster: Any = None,
) -> Report:
    """Verify the election record in record_dir; the report says what held and what did not.

    jobs: worker processes for the per-ballot work (0: one per CPU). accept_test_group: allow the
    engine's small test group in 1.B-1.E (for records of tests and demos). chunk_ballots: ballots
    per unit of parallel work (default: about DEFAULT_CHUNK_SELECTIONS selections). cache: a
    mapping the caller keeps between runs; each ballot's outcome is stored under the ballot's value
    and what it was verified against, so verifying a changed record again re-verifies only the
    ballots that changed. board_key, registrar_key: the keys of an online election the caller pins
    (32 raw bytes each); the record must fix these keys (B.0). The report names the keys used.
    witness_keys: the witnesses' cosignature keys the caller pins; board_keys.json must fix exactly
    these (B.0), and B.9 then counts their cosignatures.
    strict: verify every range proof on its own even where the record publishes its commitments
    (proof_commitments/, otherwise batch mode: engine.verify.batch_proofs).
    record_dir may be an fsspec URL (s3://..., file://...; engine.record.files), read the same way.
    cluster: a dask.distributed Client; the ballots are then verified by its workers, which read them
    from record_dir (a path or URL every worker sees), and the report is the one a local run gives
    (engine.verify.distributed). Without it, ``jobs`` local processes read and verify them.

    Raises RecordError when the record cannot be read (a missing or malformed file).
    """
    if jobs < 0:
        raise ValueError("jobs must be 0 (all CPUs) or a positive number")
    jobs = jobs or os.cpu_count() or 1
    started = time.perf_counter()
    record = ElectionRecord(record_dir, allow_url=True)
    rec = Recorder()

    try:
        group = record.group
    except UnknownGroupError:
        verify_unknown_parameters(rec, record.constant_values(), accept_test_group=accept_test_group)
        rec.note("1.B", "with parameters other than the spec's, nothing else can be verified")
        unchecked = frozenset(c for c, _ in CHECKS if c not in ("1.B", "1.C", "1.D", "1.E"))
        return rec.build(str(record_dir), time.perf_counter() - started, jobs, not_checked=unchecked)
    config = record.config
    manifest = record.manifest
    h_p = verify_parameters(rec, group, config, accept_test_group=accept_test_group)
    hints = (TEST_GROUP_HINT,) if group is TEST_GROUP and not accept_test_group else ()
    try:
        init = record.initialized
    except RecordError as error:
        check_id = range_check_of(error, INITIALIZED)
        if check_id is None:
            raise
        rec.failed(range_finding(check_id, error))
        rec.note(check_id, "without the guardians' keys nothing else can be verified")
        unchecked = frozenset(c for c, _ in CHECKS if not c.startswith("1.") and c != check_id)
        return rec.build(str(record_dir), time.perf_counter() - started, jobs, not_checked=unchecked, hints=hints)
    verify_guardians(rec, init, h_p)

    layout = ManifestLayout.from_manifest(manifest)
    ctx = BallotContext(
        group=group,
        joint_key=init.joint_public_key,
        h_e=init.extended_base_hash,
        layout=layout,
        cache_key=(
            "ballot",
            group.name,
            int(init.joint_public_key.value),
            init.extended_base_hash.data,
            layout.contests,
            tuple(sorted(layout.styles.items())),
        ),
    )
    chains = _chained_devices(record)
    with table_errors(), closing(_BallotIndex(BallotTable())) as index:
        agg = Aggregator(group)
        total = sum(1 for _ in _ballot_labels(record))
        workers = jobs if cluster is None else cluster_workers(cluster)
        if chunk_ballots is None:
            chunk_ballots = partition_size(total, workers, _selections_per_ballot(layout))
        done = 0

        def on_ballot_done(n: int) -> None:
            nonlocal done
            done += n
            if progress is not None:
                progress("ballots", done, total)

        source = None if strict else CommitmentSource.open(record.root, group)
        if cache is not None and cluster is None:
            ballots = _read_ballots(record, rec, index)
            work = _indexed(ballots, rec, index, agg)
            _verify_ballots(ctx, work, rec, jobs, chunk_ballots, cache, on_ballot_done, source)
        else:
            partitions = _partitions(record, chunk_ballots)
            batch = source is not None
            if cluster is None:
                results = _local_results(ctx, record.location, batch, jobs, partitions)
            else:
                results = cluster_results(cluster, ctx, record.location, batch, partitions)
            uncount: list[str] = []
            for result in results:
                uncount += _absorb(result, record, rec, index, agg, source)
                on_ballot_done(result.files)
            _uncount(record, agg, uncount)
            jobs = workers
        if source is not None:
            source.settle(rec)

        _cross_ballot_checks(rec, record, index, chains, config.baux0, ctx, config.chain_confirmation_codes)
        verify_unique_ciphertexts(rec, index.ciphertexts, _reread_ballots(record))
        not_checked = set(verify_preencrypted(rec, ctx, _reread_ballots(record) if index.ballots.preencrypted else ()))
        phase = record_phase(record)
        not_checked |= _tally_checks(record, rec, ctx, index, agg, progress, cache)
        not_yet = _awaited(phase, not_checked)
        decrypted_ids = _challenged_checks(record, rec, ctx, index, progress, cache)
        awaiting = set() if phase == PHASE_DECRYPTED else _awaiting_decryption(rec, index, decrypted_ids)
        keys = verify_board(
            record, rec, ctx, PinnedKeys(board_key, registrar_key, witness_keys), decrypted_ids | awaiting
        )
        if awaiting:
            not_yet |= {"R.challenged"} | ({"B.3"} if rec.items("B.3") else set())
            rec.note("B.3", f"{len(awaiting)} challenged ballot(s) of the log not yet decrypted ({phase} phase)")

        summary = (
            ("ballots", index.ballots.ballots),
            ("cast", index.ballots.count(BallotState.CAST)),
            ("challenged", index.ballots.count(BallotState.SPOILED)),
            ("devices", len(index.ballots.devices)),
            ("guardians", len(init.guardians)),
            ("files_left_out", index.left_out),
            ("preencrypted", index.ballots.preencrypted),
            ("reader_notes", len(record.notes)),
        )
        return rec.build(
            str(record_dir),
            time.perf_counter() - started,
            jobs,
            not_checked=frozenset(not_checked),
            summary=summary,
            notes=tuple(record.notes[:MAX_REPORT_NOTES]),
            keys=keys,
            not_yet=frozenset(not_yet),
            phase=phase,
            hints=hints,
        )


def _chained_devices(record: ElectionRecord) -> list[str]:
    """The devices with a ballot chain file (each read once here, so that a malformed one fails early)."""
    return [device for device in record.devices() if record.ballot_chain_without_ids(device) is not None]


def _awaited(phase: str, not_checked: set[str]) -> set[str]:
    """The checks that could not be made only because the election has not reached their phase yet."""
    if phase == PHASE_VOTING:
        return not_checked & (_AWAITING_TALLY | _AWAITING_DECRYPTION)
    if phase == PHASE_TALLIED:
        return not_checked & _AWAITING_DECRYPTION
    return set()


def _awaiting_decryption(rec: Recorder, index: _BallotIndex, decrypted_ids: set[str]) -> set[str]:
    """Before the decryption, the challenged ballots whose decryptions are not published yet (R.challenged
    notes them instead of failing them)."""
    awaiting = {bid for bid in index.ballots.fingerprinted_ids() if bid not in decrypted_ids}
    if awaiting:
        rec.note("R.challenged", f"{len(awaiting)} challenged ballot(s) not yet decrypted (published with the tally)")
    return awaiting


def _selections_per_ballot(layout: ManifestLayout) -> int:
    sizes = [len(c.selection_ids) for c in layout.contests]
    largest_style = max((len(style) for style in layout.styles.values()), default=1)
    return max(1, largest_style * max(sizes, default=1))


# ---------------------------------------------------------------- streaming the ballots


def _read_ballots(record: ElectionRecord, rec: Recorder, index: _BallotIndex) -> Iterator[tuple[str, EncryptedBallot]]:
    for path in record.encrypted_ballot_paths():
        ballot = read_ballot_or_finding(record, path, rec)
        if ballot is None:
            index.left_out += 1
            continue
        yield path.relative_to(record.root).as_posix(), ballot


def _reread_ballots(record: ElectionRecord) -> Iterator[tuple[str, EncryptedBallot]]:
    """The readable ballots again (a second pass; files left out the first time are left out again)."""
    for path in record.encrypted_ballot_paths():
        try:
            yield path.relative_to(record.root).as_posix(), record.read_encrypted_ballot(path)
        except RecordError:
            continue


def _indexed(
    ballots: Iterator[tuple[str, EncryptedBallot]],
    rec: Recorder,
    index: _BallotIndex,
    agg: Aggregator,
) -> Iterator[tuple[str, EncryptedBallot]]:
    """Note each ballot in the index (ids, codes, chain links, fingerprints, ciphertexts, sums), pass it on."""
    for label, ballot in ballots:
        index.ciphertexts.add(ballot)
        index.contests.update(c.contest_id for c in ballot.contests)
        if not _note(rec, index, BallotEntry.of(label, ballot)) and ballot.state is BallotState.CAST:
            agg.add(ballot)
        yield label, ballot


def _note(rec: Recorder, index: _BallotIndex, entry: BallotEntry) -> bool:
    """Note one ballot in the index; True when another ballot of the record has its id already (R.ballot_ids)."""
    return _noted(rec, entry, index.ballots.add(entry))


def _noted(rec: Recorder, entry: BallotEntry, repeated: bool) -> bool:
    """R.ballot_ids for one ballot noted in the index; returns ``repeated``."""
    if repeated:
        rec.failed(Finding("R.ballot_ids", "a second ballot has this id", file=entry.label, ballot_id=entry.ballot_id))
    else:
        rec.passed("R.ballot_ids")
    return repeated


def partition_size(ballots: int, workers: int, selections_per_ballot: int) -> int:
    """Ballots per task: about DEFAULT_CHUNK_SELECTIONS selections, and small enough that every one of
    ``workers`` processes gets TASKS_PER_WORKER tasks of a small record (egk's allAvailableJson has 11 ballots)."""
    size = max(1, DEFAULT_CHUNK_SELECTIONS // max(1, selections_per_ballot))
    if workers > 1:
        size = min(size, max(1, -(-ballots // (workers * TASKS_PER_WORKER))))
    return size


def _partitions(record: ElectionRecord, size: int) -> Iterator[list[str]]:
    """The record's ballot file labels, in the order of encrypted_ballot_paths, ``size`` at a time."""
    chunk: list[str] = []
    for label in _ballot_labels(record):
        chunk.append(label)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ballot_labels(record: ElectionRecord) -> Iterator[str]:
    """The labels of encrypted_ballot_paths, as strings, one device's names held at a time (a Path per file
    would intern its parts, and the interpreter's table of interned strings keeps the size it grew to)."""
    for device in record.devices():
        try:
            names = sorted(
                name
                for name in file_names(record.root / ENCRYPTED_BALLOTS / device)
                if id_from_name(name, EBALLOT_PREFIX)
            )
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise RecordError(device, "", f"cannot list: {exc.strerror or exc}") from None
        for name in names:
            yield f"{ENCRYPTED_BALLOTS}/{device}/{name}"


def _local_results(
    ctx: BallotContext, root: str, batch: bool, jobs: int, partitions: Iterator[list[str]]
) -> Iterator[PartitionResult]:
    """verify_partition over the partitions, in this process or in jobs worker processes that read their own
    ballots (at most 2 * jobs partitions in flight); the results in the partitions' order."""
    if jobs == 1:
        for labels in partitions:
            yield verify_partition(ctx, root, labels, batch)
        return
    in_flight: deque[Future[PartitionResult]] = deque()
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=_process_context(), initializer=init_partition_worker, initargs=(ctx,)
    ) as pool:
        for labels in partitions:
            if len(in_flight) >= 2 * jobs:
                yield in_flight.popleft().result()
            in_flight.append(pool.submit(verify_partition_in_worker, root, labels, batch))
        while in_flight:
            yield in_flight.popleft().result()


def _absorb(
    result: PartitionResult,
    record: ElectionRecord,
    rec: Recorder,
    index: _BallotIndex,
    agg: Aggregator,
    source: CommitmentSource | None,
) -> list[str]:
    """Merge one partition's result, in order; the labels of its CAST ballots whose id came before (they are
    in the partition's products, and must not be counted in 8.A, 8.B)."""
    rec.merge(result.snapshot)
    record.notes.extend(result.reader_notes)
    index.left_out += result.left_out
    index.ciphertexts.extend(result.digests)
    index.contests.update(result.contests)
    agg.merge(result.cast_products, result.cast)
    if source is not None:
        source.count_without(result.without_commitments, list(result.without_commitments_named))
    duplicates = index.ballots.add_all(result.entries)
    return [e.label for e, repeated in zip(result.entries, duplicates) if _noted(rec, e, repeated) and e.state is CAST]


def _uncount(record: ElectionRecord, agg: Aggregator, labels: list[str]) -> None:
    """Divide the products by the ballots of ``labels`` (read again): the ids that were repeated."""
    if not labels:
        return
    repeated = Aggregator(agg.group)
    for label in labels:
        repeated.add(record.read_encrypted_ballot(record.root / label))
    p = agg.group.p
    inverses = {key: (int(invert(pad, p)), int(invert(data, p))) for key, (pad, data) in repeated.partial().items()}
    agg.merge(inverses, -repeated.ballots)


def _verify_ballots(
    ctx: BallotContext,
    work: Iterator[tuple[str, EncryptedBallot]],
    rec: Recorder,
    jobs: int,
    chunk_ballots: int,
    cache: MutableMapping[Hashable, Any] | None,
    on_done: Callable[[int], None],
    source: CommitmentSource | None = None,
) -> None:
    """Run verify_ballot_chunk over the stream, in this process or in a pool of jobs workers; with the
    ballots' proof commitments from ``source`` when given (batch mode)."""
    committed: dict[int, Any] = {}

    def commitments_of(chunk: list[tuple[str, EncryptedBallot]]) -> list[Any] | None:
        return None if source is None else [committed.pop(id(ballot), None) for _, ballot in chunk]

    def keys_of(chunk: list[tuple[str, EncryptedBallot]]) -> list[Hashable]:
        return [(ctx.cache_key, label, ballot, committed.get(id(ballot))) for label, ballot in chunk]

    def absorb(keys: list[Hashable], snapshots: list[dict[str, Any]]) -> None:
        for key, snap in zip(keys, snapshots):
            rec.merge(snap)
            if cache is not None:
                cache[key] = snap
        on_done(len(snapshots))

    def chunks() -> Iterator[list[tuple[str, EncryptedBallot]]]:
        chunk: list[tuple[str, EncryptedBallot]] = []
        for label, ballot in work:
            if source is not None:
                committed[id(ballot)] = source.for_ballot(label, ballot, rec)
            if cache is not None:
                snap = cache.get((ctx.cache_key, label, ballot, committed.get(id(ballot))))
                if snap is not None:
                    rec.merge(snap)
                    on_done(1)
                    committed.pop(id(ballot), None)
                    continue
            chunk.append((label, ballot))
            if len(chunk) >= chunk_ballots:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    if jobs == 1:
        for chunk in chunks():
            keys = keys_of(chunk)
            absorb(keys, verify_ballot_chunk(ctx, chunk, commitments_of(chunk)))
        return

    pending: dict[Future[list[dict[str, Any]]], list[Hashable]] = {}
    with ProcessPoolExecutor(
        max_workers=jobs, mp_context=_process_context(), initializer=init_worker, initargs=(ctx,)
    ) as pool:
        for chunk in chunks():
            while len(pending) >= 2 * jobs:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    absorb(pending.pop(future), future.result())
            keys = keys_of(chunk)
            pending[pool.submit(verify_chunk_in_worker, chunk, commitments_of(chunk))] = keys
        for future in list(pending):
            absorb(pending.pop(future), future.result())


def _process_context() -> BaseContext:
    """fork where the platform has it (workers inherit the loaded modules and the table of g;
    scripts need no __main__ guard), spawn elsewhere."""
    return get_context("fork" if "fork" in get_all_start_methods() else "spawn")


# ---------------------------------------------------------------- after the stream


def _cross_ballot_checks(
    rec: Recorder,
    record: ElectionRecord,
    index: _BallotIndex,
    chains: list[str],
    b_aux_0: bytes,
    ctx: BallotContext,
    chaining_configured: bool,
) -> None:
    verify_unique_codes(rec, *index.ballots.repeated_codes())
    for device in chains:
        chain = record.ballot_chain_without_ids(device)
        assert chain is not None
        links = index.ballots.chain_links(device)
        verify_chain(
            rec,
            ctx.h_e,
            b_aux_0,
            chain,
            links,
            chaining_configured=chaining_configured,
            ballot_ids=partial(record.chain_ballot_ids, device),
            listed=index.ballots.listing(f"chain {device}"),
        )
        del chain, links
    if len(chains) > 1:
        rec.note(
            "7.D",
            f"{len(chains)} chains start from the configuration's one B_aux,0, which does not tell the devices "
            "apart (spec 3.4.3 asks for unique device information)",
        )
    if chaining_configured:
        for device in sorted(index.ballots.devices):
            rec.expect(
                device in chains,
                "R.chain_cover",
                f"the configuration chains confirmation codes, but the device has no {BALLOT_CHAIN}",
                file=ballot_chain_label(device),
            )


def _tally_checks(
    record: ElectionRecord,
    rec: Recorder,
    ctx: BallotContext,
    index: _BallotIndex,
    agg: Aggregator,
    progress: ProgressCallback | None,
    memo: Memo | None,
) -> set[str]:
    """8-11 and R.cast_set; returns the checks that could not be made (no tally files)."""
    not_checked: set[str] = set()
    encrypted = None
    if record.has(ENCRYPTED_TALLY):
        encrypted = record.encrypted_tally_without_ids
        rec.expect(
            encrypted.election_id == ctx.h_e,
            "R.election_id",
            "the encrypted tally names another H_E",
            file=ENCRYPTED_TALLY,
        )
        verify_cast_list(rec, record.cast_ballot_ids(), index.ballots.cast_ids(), index.ballots.listing("cast"))
        verify_aggregation(rec, ctx.layout, encrypted, agg)
    else:
        not_checked |= {"8.A", "8.B", "R.cast_set"}
        rec.note("8.A", f"the record has no {ENCRYPTED_TALLY}")
    if progress is not None:
        progress("tally", 0, 1)
    if record.has(TALLY):
        try:
            tally = record.tally
        except RecordError as error:
            check_id = range_check_of(error, TALLY)
            if check_id is None:
                raise
            rec.failed(range_finding(check_id, error))
            not_checked |= {c for c in TALLY_CHECKS if c.startswith(("9.", "10.", "11."))}
            tally = None
        if tally is not None:
            verify_tally(rec, ctx.layout, ctx.h_e, ctx.joint_key, encrypted, tally, index.contests, memo)
    else:
        not_checked |= {"9.A", "9.B", "10.A", "10.B", "10.C", "10.D", "10.E", "R.tally_copy"}
        rec.note("9.A", f"the record has no {TALLY}")
    if progress is not None:
        progress("tally", 1, 1)
    return not_checked


def _challenged_checks(
    record: ElectionRecord,
    rec: Recorder,
    ctx: BallotContext,
    index: _BallotIndex,
    progress: ProgressCallback | None,
    memo: Memo | None,
) -> set[str]:
    """12-14, R.contest_data and R.challenged over challenged_ballots/; the ids of the decryptions."""
    paths = record.challenged_ballot_paths()
    batch: SubgroupBatch[tuple[str, str, str]] = SubgroupBatch(ctx.group)
    decrypted_ids: set[str] = set()
    for i, path in enumerate(paths):
        label = path.relative_to(record.root).as_posix()
        try:
            decrypted = record.read_challenged_ballot(path)
        except RecordError as error:
            check_id = range_check_of(error, DBALLOT_PREFIX)
            if check_id is None:
                raise
            rec.failed(range_finding(check_id, error))
            index.left_out += 1
            decrypted_ids.add(path.name[len(DBALLOT_PREFIX) : -len(JSON_SUFFIX)])
            continue
        decrypted_ids.add(decrypted.id)
        fingerprint = index.ballots.fingerprint(decrypted.id)
        if fingerprint is None:
            state = index.ballots.state(decrypted.id)
            rec.failed(
                Finding(
                    "R.challenged",
                    "a CAST ballot is published decrypted"
                    if state is BallotState.CAST
                    else "the record has no such ballot",
                    file=label,
                    ballot_id=decrypted.id,
                )
            )
        verify_challenged_ballot(rec, ctx.layout, ctx.h_e, ctx.joint_key, label, decrypted, fingerprint, batch, memo)
        if progress is not None:
            progress("challenged", i + 1, len(paths))
    with rec.timed("R.subgroup"):
        settle_contest_data_subgroup(rec, batch)
    before_decryption = record_phase(record) != PHASE_DECRYPTED
    for bid in index.ballots.fingerprinted_ids():
        if bid not in decrypted_ids and before_decryption:
            continue  # not yet: noted by _awaiting_decryption
        if bid not in decrypted_ids:
            rec.failed(
                Finding(
                    "R.challenged",
                    "the challenged ballot has no decryption in challenged_ballots/",
                    ballot_id=bid,
                    file=challenged_ballot_label(bid),
                )
            )
        else:
            rec.passed("R.challenged")
    return decrypted_ids
