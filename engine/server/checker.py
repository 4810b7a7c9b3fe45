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

A worker never outlives the server: each one watches its parent and exits when the parent is gone,
even if the server was killed (SIGKILL runs no cleanup); a clean stop shuts the pool down first.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

from engine.election import ElectionInitialized, EncryptedBallot
from engine.manifest import Manifest
from engine.verify.ballots import BallotContext, ballot_problems
from engine.verify.layout import ManifestLayout

_CONTEXT: BallotContext | None = None
PARENT_POLL_SECONDS = 0.2


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


def _init_worker(ctx: BallotContext, parent: int | None = None) -> None:
    global _CONTEXT
    if parent is not None:
        exit_with_parent(parent)
    _CONTEXT = ctx
    ctx.group.g_pow(1)
    ctx.group.table_for(ctx.joint_key)


def _problems_in_worker(ballot: EncryptedBallot) -> list[str]:
    if _CONTEXT is None:
        raise RuntimeError("the checking process was not given the election")
    return ballot_problems(_CONTEXT, ballot)


class BallotChecker:
    """ballot -> the list of problems the verifier would report for it ([] when it verifies).

    Callable from any thread; ``close()`` stops the worker processes.
    """

    def __init__(self, manifest: Manifest, initialized: ElectionInitialized, workers: int = 0) -> None:
        if workers < 0:
            raise ValueError("workers must be 0 (check in the calling thread) or a positive number")
        self.context = ballot_context(manifest, initialized)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        if workers:
            self._pool = ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.context, os.getpid()),
            )
        else:
            _init_worker(self.context)

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


def _noop() -> None:
    return None
