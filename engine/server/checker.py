"""The board's door check: the verifier's per-ballot verifications 5-7.B (spec 2.0.0 section 6.2.4).

A submitted ballot is checked on its own, exactly as the verifier will check it in the record:
subgroup membership of every element (5.A, 6.A, R.subgroup), the range proofs of each selection
(5.B-5.D) and of each contest limit (6.B-6.D), the contest hashes (7.A, eq. 57), the confirmation
code (7.B, eq. 58) and the ballot's shape against the manifest. The board refuses a ballot with
any finding, so an invalid ballot never reaches the log.

These checks are CPU heavy (one variable-base exponentiation per proof commitment). With
``workers`` > 0 they run in a pool of that many processes (spawned, so no lock of the serving
process is inherited), which keeps every core busy whatever the bignum backend; with 0 they run
in the calling thread (the native backend releases the GIL, so a thread pool scales too).

A submission's body goes to the checking processes whole (``check_body``): a worker parses it once, checks
the voter's signature, and, for a signed submission from a DID on the roster, the verifier's checks and
the proofs of knowledge of the contest data nonces; the serving process gets back only what the board's rules
look at (engine.board.board.PreparedBallot: ids, H(B), B_aux, state, the pads' index keys, the entry's ballot
bytes; never the decoded ballot, whose unpickling cost the serving process as much as the HTTP) and the verdicts
(engine.board.board.Prechecked), which the board applies at its rules' places. Bodies
are sent in chunks: while fewer chunks than workers are being checked, what queued goes out, shared among
the free workers, at most MAX_CHUNK (32) a chunk (``DrainQueue``), so a worker checks submissions that arrived
while it was busy together: one round trip, one subgroup batch, and, for the submissions that carry
their range proofs' commitments (spec 2.0.0 eq. 46), one randomized batch equation, bisected when it
fails so that a bad submission is refused alone with the strict check's finding
(engine.verify.batch_proofs). Chunks of 32 took ~3% less of a checking process's CPU a submission than chunks of 8
(the per-chunk native calls and round trip shared by more); under a light load the chunks stay small, so only a
loaded board's submissions wait longer (for their chunk's last check).

A worker never outlives the server: each one watches its parent and exits when the parent is gone,
even if the server was killed (SIGKILL runs no cleanup); a clean stop shuts the pool down first.
"""

from __future__ import annotations

import bisect
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from engine.board.board import Prechecked, PreparedBallot, contest_data_proof_problems
from engine.board.entries import canonical_json
from engine.credentials.did import verify_submission
from engine.election import ElectionInitialized, EncryptedBallot
from engine.errors import BallotchainError
from engine.manifest import Manifest
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.proofs.proof_commitments import BallotCommitments
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from engine.server.app import Submission, parse_submission
from engine.server.errors import ApiError
from engine.verify.ballots import BallotContext, ballot_problems, chunk_finding_lines
from engine.verify.layout import ManifestLayout

_CONTEXT: BallotContext | None = None
_DIDS: tuple[str, ...] = ()
PARENT_POLL_SECONDS = 0.2
MAX_CHUNK = 32
PREENCRYPTED_REFUSED = "[R.ballot_manifest] pre-encrypted ballots (spec 4) are not accepted"

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class PreparedSubmission:
    """A submission as the serving process gets it from a checking process: the ballot as the board's rules
    see it (PreparedBallot), the voter's DID and signature, the contest data proofs."""

    ballot: PreparedBallot
    did: str
    signature: bytes
    contest_data_proofs: tuple[PadKnowledgeProof, ...]


@dataclass(frozen=True)
class CheckedSubmission:
    """A body as the checking process leaves it: refused (``refusal``: HTTP status and reason, a malformed
    body), or prepared for the board (PreparedSubmission) with its stateless checks' verdicts."""

    submission: PreparedSubmission | None
    prechecked: Prechecked | None
    refusal: tuple[int, str] | None = None


def check_bodies(ctx: BallotContext, dids: Sequence[str], bodies: Sequence[bytes]) -> list[CheckedSubmission]:
    """Parse each POST /ballots body and make its stateless checks (module doc); one outcome per body, in order.

    The proofs are checked only for a signed submission of a DID in ``dids`` (sorted) for this election: the
    board refuses the others before it would check them."""
    out: list[CheckedSubmission | None] = [None] * len(bodies)
    parsed: list[tuple[int, Submission, bytes, bool, bool]] = []
    for i, body in enumerate(bodies):
        try:
            submission = parse_submission(body, ctx.group)
        except ApiError as exc:
            out[i] = CheckedSubmission(None, None, (exc.status, exc.reason))
            continue
        ballot = submission.ballot
        ballot_json = canonical_json(encode_encrypted_ballot(ballot))  # once: for the signature and the entry
        signed = verify_submission(
            submission.did, ctx.h_e, ballot, submission.contest_data_proofs, submission.signature, ballot_json
        )
        eligible = signed and ballot.election_id == ctx.h_e and _listed(dids, submission.did)
        parsed.append((i, submission, ballot_json, signed, eligible))
    chunk = [(i, s) for i, s, _, _, eligible in parsed if eligible and not s.ballot.is_preencrypt]
    try:
        findings = chunk_findings(ctx, chunk)
    except BallotchainError:  # a ballot the checks cannot go through: each alone, so that only it is refused
        findings = {}
        for item in chunk:
            try:
                findings.update(chunk_findings(ctx, [item]))
            except BallotchainError as exc:
                findings[item[0]] = (str(exc),)
    for i, submission, ballot_json, signed, eligible in parsed:
        problems: tuple[str, ...] | None = None
        data_problems: tuple[str, ...] | None = None
        if eligible:
            problems = findings.get(i, (PREENCRYPTED_REFUSED,))
            if not problems:
                data_problems = tuple(
                    contest_data_proof_problems(ctx.h_e, submission.ballot, submission.contest_data_proofs)
                )
        prepared = PreparedSubmission(
            PreparedBallot.of(submission.ballot, ballot_json),
            submission.did,
            submission.signature,
            submission.contest_data_proofs,
        )
        out[i] = CheckedSubmission(prepared, Prechecked(signed, problems, data_problems))
    return [o for o in out if o is not None]


def chunk_findings(ctx: BallotContext, chunk: Sequence[tuple[int, Submission]]) -> dict[int, tuple[str, ...]]:
    """The verifier's findings (5.A-7.B, R.*) for each (position, submission), as ``ballot_problems`` words them;
    the range proofs of those that carry commitments in one randomized batch (engine.verify.batch_proofs)."""
    commitments: list[BallotCommitments | None] = [s.proof_commitments for _, s in chunk]
    lines = chunk_finding_lines(
        ctx, [("", s.ballot) for _, s in chunk], commitments if any(c is not None for c in commitments) else None
    )
    return {i: tuple(found) for (i, _), found in zip(chunk, lines, strict=True)}


def _listed(dids: Sequence[str], did: str) -> bool:
    i = bisect.bisect_left(dids, did)
    return i < len(dids) and dids[i] == did


def ballot_context(manifest: Manifest, initialized: ElectionInitialized) -> BallotContext:
    """What every submitted ballot is verified against: the group, K, H_E and the manifest's layout."""
    layout = ManifestLayout.from_manifest(manifest)
    group = initialized.joint_public_key.group
    return BallotContext(
        group=group,
        joint_key=initialized.joint_public_key,
        h_e=initialized.extended_base_hash,
        layout=layout,
        cache_key=("board", group.name, initialized.extended_base_hash.data),
    )


def exit_with_parent(parent: int, interval: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """Watch, in a daemon thread, that this process's parent is still ``parent``; exit at once when it is not
    (the parent died and this process was handed to another)."""

    def watch() -> None:
        stop = threading.Event()
        while os.getppid() == parent:
            stop.wait(interval)
        os._exit(0)

    thread = threading.Thread(target=watch, name="ballotchain-parent-watch", daemon=True)
    thread.start()
    return thread


def _init_worker(ctx: BallotContext, parent: int | None = None, dids: tuple[str, ...] = ()) -> None:
    global _CONTEXT, _DIDS
    if parent is not None:
        exit_with_parent(parent)
    _CONTEXT, _DIDS = ctx, dids
    ctx.group.g_pow(1)
    ctx.group.table_for(ctx.joint_key)


def _context() -> BallotContext:
    if _CONTEXT is None:
        raise RuntimeError("the checking process was not given the election")
    return _CONTEXT


def _problems_in_worker(ballot: EncryptedBallot) -> list[str]:
    return ballot_problems(_context(), ballot)


def _bodies_in_worker(bodies: list[bytes]) -> list[CheckedSubmission]:
    return check_bodies(_context(), _DIDS, bodies)


class DrainQueue(Generic[T, R]):
    """Items from many threads run through ``run(chunk) -> results`` on ``executor`` in chunks: while fewer than
    ``slots`` chunks are running, what is queued goes out, shared among the free slots, at most ``max_chunk`` a
    chunk; a chunk that ends sends the next. Small chunks keep the workers and the serving process busy together
    (a chunk's submissions wait for its last one). ``submit`` never blocks."""

    def __init__(
        self, executor: Executor, run: Callable[[list[T]], list[R]], slots: int, max_chunk: int = MAX_CHUNK
    ) -> None:
        self._executor = executor
        self._run = run
        self._slots = max(1, slots)
        self._max_chunk = max(1, max_chunk)
        self._lock = threading.Lock()
        self._queue: list[tuple[T, Future[R]]] = []
        self._running = 0

    def submit(self, item: T) -> Future[R]:
        future: Future[R] = Future()
        with self._lock:
            self._queue.append((item, future))
        self._send()
        return future

    def _send(self) -> None:
        chunks = []
        with self._lock:
            while self._queue and self._running < self._slots:
                size = min(self._max_chunk, -(-len(self._queue) // (self._slots - self._running)))
                taken = self._queue[:size]
                del self._queue[:size]
                chunk = [(item, future) for item, future in taken if future.set_running_or_notify_cancel()]
                if chunk:  # those whose waiter gave up are not checked
                    chunks.append(chunk)
                    self._running += 1
        for chunk in chunks:
            try:
                running = self._executor.submit(self._run, [item for item, _ in chunk])
            except BaseException as exc:  # a pool shut down or broken: the chunk fails, the queue goes on
                self._settle(chunk, None, exc)
                continue
            running.add_done_callback(lambda done, chunk=chunk: self._settle(chunk, done, None))  # type: ignore[misc]

    def _settle(
        self, chunk: list[tuple[T, Future[R]]], done: Future[list[R]] | None, error: BaseException | None
    ) -> None:
        results: list[R] = []
        try:
            if done is not None and error is None:
                results = done.result()
                if len(results) != len(chunk):
                    error = RuntimeError(f"a checking chunk of {len(chunk)} gave {len(results)} outcomes")
        except BaseException as exc:  # the chunk's error (a lost worker, a pool shut down) is each of its items'
            error = exc
        try:
            for n, (_, future) in enumerate(chunk):
                if error is None:
                    future.set_result(results[n])
                else:
                    future.set_exception(error)
        finally:
            with self._lock:
                self._running -= 1
            self._send()


class BallotChecker:
    """ballot -> the list of problems the verifier would report for it ([] when it verifies).

    Callable from any thread; ``close()`` stops the worker processes.
    """

    def __init__(
        self,
        manifest: Manifest,
        initialized: ElectionInitialized,
        workers: int = 0,
        roster_dids: tuple[str, ...] = (),
    ) -> None:
        if workers < 0:
            raise ValueError("workers must be 0 (check in the calling thread) or a positive number")
        self.context = ballot_context(manifest, initialized)
        self.workers = workers
        self._dids = tuple(sorted(roster_dids))
        self._pool: ProcessPoolExecutor | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._bodies: DrainQueue[bytes, CheckedSubmission]
        if workers:
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.context, os.getpid(), self._dids),
            )
            self._bodies = DrainQueue(self._pool, _bodies_in_worker, workers)
        else:
            _init_worker(self.context)
            slots = os.cpu_count() or 1
            self._threads = ThreadPoolExecutor(slots, thread_name_prefix="ballotchain-check")
            context, dids = self.context, self._dids
            self._bodies = DrainQueue(self._threads, lambda bodies: check_bodies(context, dids, bodies), slots)

    def check_body(self, body: bytes) -> Future[CheckedSubmission]:
        """A POST /ballots body parsed and checked (module doc), in a chunk with the others queued; never blocks."""
        return self._bodies.submit(body)

    def __call__(self, ballot: EncryptedBallot) -> list[str]:
        if self._pool is None:
            return ballot_problems(self.context, ballot)
        return self._pool.submit(_problems_in_worker, ballot).result()

    def warm_up(self) -> None:
        """Start the worker processes now (each builds the tables of g and K), not on the first ballot."""
        if self._pool is not None:
            futures = [self._pool.submit(_noop) for _ in range(self.workers)]
            for f in futures:
                f.result()

    def worker_pids(self) -> list[int]:
        """The checking processes' ids (none before they start, or with workers=0)."""
        if self._pool is None:
            return []
        processes = getattr(self._pool, "_processes", None) or {}
        return sorted(int(pid) for pid in processes)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)
            self._threads = None


def _noop() -> None:
    return None
