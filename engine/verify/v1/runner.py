"""Verifying an ElectionGuard 1.0 record (electionguard-python 1.x) into the verifier's report.

The record-wide checks run here; the submitted ballots are read and checked in chunks, in worker
processes when jobs > 1 (at most 2 * jobs chunks in flight), each chunk settling its own membership
checks and proof equations (randomized batches, or one by one with ``strict``). Each worker sends
back its recorder's snapshot, the CAST ballots' products per selection and a summary per ballot.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any

from engine.record.v1 import STATE_SPOILED, V1Constants, V1Record
from engine.verify.catalog import V1_CHECKS
from engine.verify.report import PHASE_DECRYPTED, PHASE_TALLIED, PHASE_VOTING, Recorder, Report
from engine.verify.v1.ballots import BallotContext, BallotWork, check_ballot
from engine.verify.v1.decryption import DecryptionContext, check_coefficients, check_decryption
from engine.verify.v1.equations import settle_claims, settle_memberships
from engine.verify.v1.hash import h1, hx
from engine.verify.v1.parameters import check_base_hashes, check_constants, check_guardians, check_manifest_hash
from engine.verify.v1.tally import (
    BallotSummary,
    SelectionKey,
    check_codes,
    check_encrypted_tally,
    check_spoiled,
    check_tally_messages,
)

CHUNK = 32
# What the tally (encrypted_tally.json) and the decryptions (tally.json, spoiled_ballots/) publish:
# "not yet" while the election has not reached them (README, "Verifying a record").
TALLY_CHECKS = frozenset({"V1.7.a"})
DECRYPTION_CHECKS = frozenset(
    {"V1.7.b", "V1.8.a", "V1.8.b", "V1.9.a", "V1.9.b", "V1.9.c", "V1.10.a", "V1.10.b", "V1.11.a", "V1.11.b"}
)
Progress = Callable[[str, int, int], None]
ChunkResult = tuple[dict[str, Any], dict[SelectionKey, tuple[int, int]], list[BallotSummary]]


@dataclass(frozen=True)
class ChunkJob:
    """Everything a worker needs for a chunk of ballot files: picklable (plain values and paths)."""

    record_dir: str
    paths: tuple[str, ...]
    ballot_context: BallotContext
    strict: bool


def verify_ballot_chunk(job: ChunkJob) -> ChunkResult:
    """V1.4-V1.6.a and V1.12 for a chunk of submitted ballots, with its CAST products and summaries."""
    record = V1Record.open(job.record_dir)
    ctx = job.ballot_context
    rec = Recorder()
    work = BallotWork([], [])
    products: dict[SelectionKey, tuple[int, int]] = {}
    summaries: list[BallotSummary] = []
    for name in job.paths:
        path = Path(name)
        ballot = record.read_submitted_ballot(path)
        file = record.label(path)
        check_ballot(ctx, ballot, file, rec, work)
        code = h1(ctx.q, hx(ballot.code_seed), str(ballot.timestamp), hx(ballot.crypto_hash))
        rec.expect(
            code == ballot.code,
            "V1.6.b",
            "the code is not H(code seed, timestamp, ballot hash)",
            file=file,
            ballot_id=ballot.object_id,
        )
        spoiled = ballot.state == STATE_SPOILED
        real = [(c.object_id, s) for c in ballot.contests for s in c.selections if not s.is_placeholder]
        if not spoiled:
            for cid, s in real:
                pad, data = products.get((cid, s.object_id), (1, 1))
                products[(cid, s.object_id)] = (pad * s.ciphertext.pad % ctx.p, data * s.ciphertext.data % ctx.p)
        ciphertexts = (
            tuple(((cid, s.object_id), s.ciphertext.pad, s.ciphertext.data) for cid, s in real) if spoiled else ()
        )
        summaries.append(BallotSummary(ballot.object_id, file, spoiled, ballot.code_seed, ballot.code, ciphertexts))
    outside = settle_memberships(work.memberships, ctx.p, ctx.q, rec, strict=job.strict)
    settle_claims(work.claims, ctx.p, ctx.q, rec, strict=job.strict, outside=outside)
    return rec.snapshot(), products, summaries


def _chunks(paths: list[Path], size: int) -> Iterator[tuple[str, ...]]:
    for i in range(0, len(paths), size):
        yield tuple(str(p) for p in paths[i : i + size])


def _run_chunks(
    jobs: list[ChunkJob], workers: int, on_done: Callable[[ChunkResult, int], None], client: Any = None
) -> None:
    """Each chunk's verification, handed to on_done in order: on a Dask client's workers (``client.map``),
    in a pool of worker processes, or here."""
    if client is not None:
        for future, job in zip(client.map(verify_ballot_chunk, jobs, pure=False), jobs):
            on_done(future.result(), len(job.paths))
        return
    if workers == 1 or len(jobs) <= 1:
        for job in jobs:
            on_done(verify_ballot_chunk(job), len(job.paths))
        return
    context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict[Future[ChunkResult], int] = {}
        for job in jobs:
            while len(pending) >= 2 * workers:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    on_done(future.result(), pending.pop(future))
            pending[pool.submit(verify_ballot_chunk, job)] = len(job.paths)
        for future in list(pending):
            on_done(future.result(), pending.pop(future))


def verify_v1_record(
    record_dir: str | os.PathLike[str],
    *,
    jobs: int = 1,
    strict: bool = False,
    accept_test_group: bool = False,
    progress: Progress | None = None,
    client: Any = None,
) -> Report:
    """Every 1.0 check of the record (engine.verify.catalog.V1_CHECKS); RecordError if a file cannot be read.

    client: a Dask client (``--scheduler``) whose workers verify the chunks of ballots instead of local
    processes; they read the record from its path, which they must see."""
    started = time.perf_counter()
    workers = jobs or os.cpu_count() or 1
    record = V1Record.open(record_dir)
    c: V1Constants = record.constants
    context = record.context
    rec = Recorder()
    test_group = check_constants(c, rec, accept_test_group=accept_test_group)
    check_base_hashes(c, context, rec)
    memberships, claims = check_guardians(c, context, record.guardians, rec)
    outside = settle_memberships(memberships, c.p, c.q, rec, strict=strict)
    settle_claims(claims, c.p, c.q, rec, strict=strict, outside=outside)

    check_manifest_hash(c, context, record.manifest, rec)
    ballot_context = BallotContext.of(
        c.p, c.q, c.g, context.joint_key, context.extended_base_hash, context.manifest_hash, record.manifest
    )
    paths = record.submitted_ballot_paths()
    chunk_jobs = [ChunkJob(str(record.directory), chunk, ballot_context, strict) for chunk in _chunks(paths, CHUNK)]
    products: dict[SelectionKey, tuple[int, int]] = {}
    summaries: list[BallotSummary] = []
    done = [0]

    def absorb(result: ChunkResult, n: int) -> None:
        snapshot, chunk_products, chunk_summaries = result
        rec.merge(snapshot)
        for key, (pad, data) in chunk_products.items():
            old_pad, old_data = products.get(key, (1, 1))
            products[key] = (old_pad * pad % c.p, old_data * data % c.p)
        summaries.extend(chunk_summaries)
        done[0] += n
        if progress is not None:
            progress("ballots", done[0], len(paths))

    _run_chunks(chunk_jobs, workers, absorb, client)
    check_codes(c.q, record.devices, summaries, rec)

    phase = PHASE_VOTING
    not_yet = DECRYPTION_CHECKS | TALLY_CHECKS
    encrypted_tally = record.encrypted_tally
    if encrypted_tally is not None:
        phase = PHASE_TALLIED
        not_yet = DECRYPTION_CHECKS
        published = check_encrypted_tally(c.p, record.manifest, encrypted_tally, products, rec)
        tally = record.tally
        spoiled = list(record.spoiled_ballots())
        if tally is not None or spoiled:
            phase = PHASE_DECRYPTED
            not_yet = frozenset()
            if tally is None:
                rec.failed_at(
                    "V1.10.b", "spoiled ballots are decrypted but the tally is missing", {"file": "tally.json"}
                )
            dctx = DecryptionContext(
                c,
                context.extended_base_hash,
                {g.guardian_id: g for g in record.guardians},
                dict(record.coefficients or ()),
            )
            check_coefficients(dctx, rec)
            if tally is not None:
                check_tally_messages(record.manifest, tally, published, rec)
                check_decryption(dctx, tally, "tally.json", "", rec)
            for file, decryption in spoiled:
                check_decryption(dctx, decryption, file, decryption.object_id, rec)
            check_spoiled(record.manifest, summaries, spoiled, rec)
            outside = settle_memberships(dctx.memberships, c.p, c.q, rec, strict=strict)
            settle_claims(dctx.claims, c.p, c.q, rec, strict=strict, outside=outside)

    spoiled_count = sum(1 for s in summaries if s.spoiled)
    summary = (("ballots", len(summaries)), ("cast", len(summaries) - spoiled_count), ("challenged", spoiled_count))
    notes = ("ElectionGuard 1.0 record (electionguard-python 1.x)",)
    hints = (
        ("the record uses the test group: --allow-test-group accepts it",)
        if test_group and not accept_test_group
        else ()
    )
    return rec.build(
        str(record_dir),
        time.perf_counter() - started,
        workers,
        summary=summary,
        notes=notes,
        phase=phase,
        hints=hints,
        catalog=V1_CHECKS,
        not_yet=not_yet,
    )
