"""Bulletin-board benchmark: appends and RFC 9162 proofs in logs of 10^4, 10^5 and 10^6 entries.

    .venv/bin/python benchmarks/board_bench.py [--sizes 10000 100000 1000000] [--samples 300]
    .venv/bin/python benchmarks/board_bench.py --group-commit [--ballots 1500] [--threads 64] [--repeats 3]
        [--check-workers 2] [--batches 1 256] [--paths ballots parsed bodies commitments]

Each log is built once (small synthetic entries, bulk-appended) and cached under
benchmarks/cache/board-log-N.db. Per size it measures, as medians over random indices / sizes:

- ``append_ms``: one durable append through TransparencyLog (SQLite WAL, synchronous=FULL, the
  entry, its subtree hashes and the signed tree head of the new size in one transaction), on a copy
  of the cached log so the cache keeps its size;
- ``inclusion_proof_ms`` / ``inclusion_verify_ms``: PATH(m, D[n]) from storage, and its check;
- ``consistency_proof_ms`` / ``consistency_verify_ms``: PROOF(m, D[n]) from storage, and its check;
- ``root_ms``: MTH of the whole log from storage;
- ``inclusion_proof_cold_ms``: an inclusion proof from a freshly opened storage (no subtree hash
  cached in memory: the storage keeps those of level >= 6 once read);
- ``subtree_reads_*``: the median number of subtree hashes read from SQLite per proof, and the
  proof lengths: both grow with log2(n), which is what keeps the times logarithmic.

With ``--group-commit`` it measures instead the board's accepted submissions per second (test group,
the demo manifest's 3 contests and 14 selections, ballots encrypted and signed beforehand), in process:
``--threads`` threads submit every ballot to a ``BallotBoard`` on a fresh SQLite log (WAL,
synchronous=FULL), each submission checked in full (DID signature, the verifier's per-ballot checks in
``--check-workers`` processes, 0: in the threads; the proofs of knowledge of the contest data nonces)
and acknowledged only once its batch is durable. Once per ``--batches`` value (the sequencer's largest
batch: 1 is one transaction and one signed head per submission, as before group commit), in the same
process, medians of ``--repeats`` runs (the settings interleaved); ``--no-checks`` replaces the
per-ballot checks (not the signature and nonce proofs) by nothing, to see the sequencer's own ceiling.
``--paths``: ``ballots`` submits decoded ballots (each checked on its own by the checker, its signature
and nonce proofs in the submitting thread); ``parsed`` the same from the POST /ballots bodies, parsed in
the submitting thread (the server's path before bodies went to the checking processes); ``bodies``
submits the bodies as the server does (engine.server.checker.check_body: parsed and checked in the
checking processes, in chunks of what queued, then BallotBoard.submit with the verdicts);
``commitments`` the same with the range proofs' commitments in the bodies (one randomized batch per
chunk).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.board.log import TransparencyLog  # noqa: E402
from engine.board.merkle import (  # noqa: E402
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from engine.board.sth import BoardKey  # noqa: E402
from engine.board.storage import SQLiteLogStorage  # noqa: E402

CACHE = ROOT / "benchmarks" / "cache"
CHUNK = 50_000


def synthetic_entry(i: int) -> bytes:
    return b'{"i":%d,"type":"synthetic"}' % i


def build(path: Path, size: int) -> None:
    """The log of ``size`` synthetic entries, built in a temporary file then moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building")
    for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        stale.unlink(missing_ok=True)
    with SQLiteLogStorage(tmp) as storage:
        for start in range(0, size, CHUNK):
            items = [
                (synthetic_entry(i), leaf_hash(synthetic_entry(i))) for i in range(start, min(size, start + CHUNK))
            ]
            storage.append_many(items)
            print(f"  built {start + len(items)} / {size}", file=sys.stderr)
    tmp.rename(path)


def cached_log(size: int) -> Path:
    path = CACHE / f"board-log-{size}.db"
    if not path.exists():
        print(f"building a log of {size} entries in {path}", file=sys.stderr)
        t0 = time.perf_counter()
        build(path, size)
        print(f"  {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return path


class CountingStorage:
    """A node source that counts the subtree hashes read from storage."""

    def __init__(self, storage: SQLiteLogStorage) -> None:
        self.storage = storage
        self.reads = 0

    def size(self) -> int:
        return self.storage.size()

    def subtree_hash(self, level: int, index: int) -> bytes:
        self.reads += 1
        return self.storage.subtree_hash(level, index)


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 4)


def timed(action: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = action()
    return time.perf_counter() - t0, result


def measure(size: int, samples: int, rng: random.Random) -> dict[str, object]:
    path = cached_log(size)
    out: dict[str, object] = {"entries": size}
    with SQLiteLogStorage(path) as storage:
        assert storage.size() == size, f"{path} holds {storage.size()} entries, not {size}"
        root = tree_root(storage, size)
        out["root_ms"] = median_ms([timed(lambda: tree_root(storage, size))[0] for _ in range(samples)])
        counter = CountingStorage(storage)
        make_inc, check_inc, reads_inc, len_inc = [], [], [], []
        make_con, check_con, reads_con, len_con = [], [], [], []
        for _ in range(samples):
            m = rng.randrange(size)
            counter.reads = 0
            seconds, proof = timed(lambda: inclusion_proof(counter, m, size))  # noqa: B023
            make_inc.append(seconds)
            reads_inc.append(counter.reads)
            assert isinstance(proof, list)
            len_inc.append(len(proof))
            leaf = storage.leaf_hash(m)
            seconds, ok = timed(lambda: verify_inclusion(leaf, m, size, proof, root))  # noqa: B023
            assert ok
            check_inc.append(seconds)

            old = rng.randrange(1, size)
            old_root = tree_root(storage, old)
            counter.reads = 0
            seconds, cproof = timed(lambda: consistency_proof(counter, old, size))  # noqa: B023
            make_con.append(seconds)
            reads_con.append(counter.reads)
            assert isinstance(cproof, list)
            len_con.append(len(cproof))
            seconds, ok = timed(lambda: verify_consistency(old, size, old_root, root, cproof))  # noqa: B023
            assert ok
            check_con.append(seconds)
        out.update(
            inclusion_proof_ms=median_ms(make_inc),
            inclusion_verify_ms=median_ms(check_inc),
            consistency_proof_ms=median_ms(make_con),
            consistency_verify_ms=median_ms(check_con),
            inclusion_proof_length=statistics.median(len_inc),
            consistency_proof_length=statistics.median(len_con),
            subtree_reads_inclusion=statistics.median(reads_inc),
            subtree_reads_consistency=statistics.median(reads_con),
            subtree_reads_max=max(reads_inc + reads_con),
        )
    out["inclusion_proof_cold_ms"] = cold_proof_ms(path, size, max(20, samples // 10), rng)
    out["append_ms"] = append_ms(path, max(20, samples // 10))
    return out


def cold_proof_ms(path: Path, size: int, samples: int, rng: random.Random) -> float:
    """An inclusion proof from a freshly opened storage: every subtree hash read from SQLite."""
    times = []
    for _ in range(samples):
        with SQLiteLogStorage(path) as storage:
            m = rng.randrange(size)
            times.append(timed(lambda: inclusion_proof(storage, m, size))[0])  # noqa: B023
    return median_ms(times)


def append_ms(path: Path, appends: int) -> float:
    """Median time of one durable append (entry + subtree hashes + signed head) on a copy of the log."""
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        copy = Path(tmp) / "log.db"
        shutil.copyfile(path, copy)
        with SQLiteLogStorage(copy) as storage:
            log = TransparencyLog(storage, BoardKey.generate())
            base = storage.size()
            times = [timed(lambda: log.append(synthetic_entry(base + k)))[0] for k in range(appends)]  # noqa: B023
    return median_ms(times)


def _encrypt_and_sign(
    manifest: Any, init: Any, plaintext: Any, seed: bytes
) -> tuple[tuple[Any, str, bytes, Any], bytes, bytes]:
    """(ballot, DID, signature, nonce proofs), and the POST /ballots body without and with the proof commitments."""
    from engine.ballot import encrypt_ballot, prove_contest_data_knowledge
    from engine.board.entries import encode_contest_data_proofs
    from engine.credentials.did import VoterCredential, sign_submission
    from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
    from engine.record.codecs.proof_commitments import encode_ballot_commitments

    result = encrypt_ballot(manifest, init, plaintext, device="online", code_baux=init.config.baux0)
    proofs = prove_contest_data_knowledge(result)
    voter = VoterCredential.from_private_bytes(seed)
    signature = sign_submission(voter, init.extended_base_hash, result.ballot, proofs)
    body = {
        "ballot": encode_encrypted_ballot(result.ballot),
        "did": voter.did,
        "signature": signature.hex(),
        "contest_data_proofs": encode_contest_data_proofs(proofs),
    }
    assert result.proof_commitments is not None
    committed = {**body, "proof_commitments": encode_ballot_commitments(result.proof_commitments)}
    return (
        (result.ballot, voter.did, signature, proofs),
        json.dumps(body).encode(),
        json.dumps(committed).encode(),
    )


def group_commit(args: argparse.Namespace) -> dict[str, object]:
    """Accepted submissions per second through BallotBoard.submit, per largest batch (see module doc)."""
    import os
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from engine.backend import get_backend
    from engine.board.board import BallotBoard
    from engine.board.sequencer import GroupCommit
    from engine.cli.bench_cmd import bench_election
    from engine.cli.demo_cmd import random_ballots
    from engine.credentials.roster import RegistrarKey, make_roster
    from engine.server.app import parse_submission
    from engine.server.checker import BallotChecker

    manifest, init, _ = bench_election("test", 3, 2)
    seeds = [os.urandom(32) for _ in range(args.ballots)]
    plaintexts = random_ballots(manifest, args.ballots, random.Random(5))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        prepared = list(
            pool.map(
                _encrypt_and_sign, [manifest] * args.ballots, [init] * args.ballots, plaintexts, seeds, chunksize=16
            )
        )
    prepare_seconds = time.perf_counter() - t0
    submissions = [p[0] for p in prepared]
    bodies = {"bodies": [p[1] for p in prepared], "commitments": [p[2] for p in prepared]}
    roster = make_roster(RegistrarKey.generate(), [s[1] for s in submissions], init.extended_base_hash)
    checker = BallotChecker(manifest, init, args.check_workers, roster.dids)
    checker.warm_up()

    def via_body(board: BallotBoard, body: bytes) -> object:
        checked = checker.check_body(body).result()
        s = checked.submission
        assert s is not None
        return board.submit(s.ballot, s.did, s.signature, s.contest_data_proofs, checked.prechecked)

    def parsed(board: BallotBoard, body: bytes) -> object:
        s = parse_submission(body, init.joint_public_key.group)
        return board.submit(s.ballot, s.did, s.signature, s.contest_data_proofs)

    def run_once(max_batch: int, path: str = "ballots") -> dict[str, float]:
        with (
            tempfile.TemporaryDirectory(prefix="board-group-commit-") as tmp,
            SQLiteLogStorage(Path(tmp) / "b.db") as s,
        ):
            board = BallotBoard(
                TransparencyLog(s, BoardKey.generate()),
                init,
                roster,
                (lambda _b: []) if args.no_checks else checker,
                group_commit=GroupCommit(max_batch=max_batch),
            )
            board.publish_election()
            heads: list[object] = []
            board.head_listeners.append(heads.append)
            start = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as threads:
                if path == "ballots":
                    receipts = list(threads.map(lambda sub: board.submit(*sub), submissions))
                elif path == "parsed":
                    receipts = list(threads.map(lambda body: parsed(board, body), bodies["bodies"]))
                else:
                    receipts = list(threads.map(lambda body: via_body(board, body), bodies[path]))
            seconds = time.perf_counter() - start
            assert len(receipts) == len(submissions) and s.size() == len(submissions) + 1
            return {"per_second": len(receipts) / seconds, "mean_batch": len(receipts) / max(1, len(heads))}

    try:
        run_once(max(args.batches))  # warm-up: caches, the checking processes' tables
        by_batch: dict[tuple[str, int], list[dict[str, float]]] = {(p, b): [] for p in args.paths for b in args.batches}
        for _ in range(args.repeats):  # interleaved, so a change of the machine's load hits every setting alike
            for path, max_batch in by_batch:
                by_batch[(path, max_batch)].append(run_once(max_batch, path))
        runs = []
        for (path, max_batch), samples in by_batch.items():
            runs.append(
                {
                    "path": path,
                    "max_batch": max_batch,
                    "submissions_per_second": round(statistics.median(r["per_second"] for r in samples), 1),
                    "mean_batch_size": round(statistics.median(r["mean_batch"] for r in samples), 1),
                    "samples_per_second": [round(r["per_second"], 1) for r in samples],
                }
            )
    finally:
        checker.close()
    base, best = runs[0]["submissions_per_second"], runs[-1]["submissions_per_second"]
    first = runs[0]["path"]
    over_first = {
        f"{r['path']}, batch {r['max_batch']}": round(
            float(r["submissions_per_second"]) / float(b["submissions_per_second"]),  # type: ignore[arg-type]
            2,
        )
        for r in runs
        for b in runs
        if b["path"] == first and b["max_batch"] == r["max_batch"] and r["path"] != first
    }
    return {
        "benchmark": "board group commit",
        "group": "test",
        "backend": get_backend().name,
        "cores": os.cpu_count(),
        "ballots": args.ballots,
        "threads": args.threads,
        "check_workers": args.check_workers,
        "proofs_checked": not args.no_checks,
        "prepare_seconds": round(prepare_seconds, 1),
        "runs": runs,
        "ratio_last_to_first": round(float(best) / float(base), 2),  # type: ignore[arg-type]
        f"speedup_over_{first}": over_first,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--group-commit", action="store_true", help="Measure accepted submissions per second.")
    parser.add_argument("--ballots", type=int, default=1500)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check-workers", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 256])
    parser.add_argument("--no-checks", action="store_true")
    paths = ["ballots", "parsed", "bodies", "commitments"]
    parser.add_argument("--paths", nargs="+", choices=paths, default=["ballots"])
    args = parser.parse_args()
    if args.group_commit:
        print(json.dumps(group_commit(args), indent=2))
        return
    rng = random.Random(9162)
    results = [measure(n, args.samples, rng) for n in args.sizes]
    print(
        json.dumps(
            {
                "benchmark": "board",
                "python": platform.python_version(),
                "sqlite": __import__("sqlite3").sqlite_version,
                "samples": args.samples,
                "logs": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
