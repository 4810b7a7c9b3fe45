"""Ballot-casting server benchmark: submissions accepted per second, proof checks included.

    .venv/bin/python benchmarks/server_bench.py [--group production|test] [--ballots 80] [--check-workers 2 0]
        [--max-batch 1 256] [--repeats 1] [--commitments both|with|without] [--baseline-root DIR] [--concurrency 128]

An election of the demo manifest (3 contests, 14 selections a ballot) is set up with the engine's
own roles (3 guardians, quorum 2); its ballots are encrypted and signed by their voters beforehand
(on every core). Then, for each --check-workers value, a fresh `ballotchain board serve` runs in a
child process on loopback, and every ballot is submitted at once (--concurrency keep-alive connections, 128 by
default, enough to keep the board's checking chunks full (engine.server.checker.MAX_CHUNK); the client is a
lean raw-asyncio HTTP/1.1 one whose requests are built beforehand, so that the load generator, which shares the
machine's cores with the server, takes as little CPU as it can: httpx took about as much CPU per submission as
the server did): each submission
is decoded, checked by the verifier's per-ballot checks (subgroup, range proofs, contest hashes,
confirmation code), its DID signature checked, and appended durably (SQLite WAL, synchronous=FULL)
before the receipt goes out. Submissions per second = ballots / (last receipt - first request).
check-workers N > 0: proofs checked in N processes; 0: in the server's threads (native backend:
GIL released in the bignum calls). The client runs on the same machine and takes some CPU too.
Each --check-workers value runs once per --max-batch value (the board's group commit: 1 is one
transaction and one signed head per submission, as before group commit), --repeats times, the
settings interleaved; a run's figure is the median, and ``batch_ratio`` compares the last
--max-batch with the first (same process, same ballots).

--commitments: the bodies carry their range proofs' commitments (the optional "proof_commitments"
field: the board checks the proofs of the submissions queued together in one randomized batch), or
not, or both (interleaved). --baseline-root DIR also runs, interleaved, the server of another checkout
(e.g. `git archive <commit> | tar -x -C DIR`, with engine/_native.abi3.so copied in) on the bodies without
commitments (with them when --commitments is "with"): ``speedup`` is each setting's median over the baseline's.
``server_cpu_ms_per_submission``
is the CPU time (user + system) of the server and its checking processes per accepted submission, read
from /proc: on a shared machine it moves less with the load than the rate does.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from engine.backend import get_backend  # noqa: E402
from engine.board.sth import BoardKey  # noqa: E402
from engine.cli.demo_cmd import random_ballots, run_ceremony, stop_process, wait_for_url  # noqa: E402
from engine.cli.election_cmds import fix_election_keys  # noqa: E402
from engine.credentials.did import VoterCredential, sign_submission  # noqa: E402
from engine.credentials.roster import RegistrarKey, encode_roster, make_roster  # noqa: E402
from engine.election import PlaintextBallot  # noqa: E402
from engine.record import ElectionRecord  # noqa: E402
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot  # noqa: E402
from engine.server.checker import ballot_context  # noqa: E402
from engine.server.service import Election  # noqa: E402
from engine.verify.ballots import ballot_problems  # noqa: E402

CONCURRENCY = 128


def _encrypt_and_sign(election_dir: str, plaintext: PlaintextBallot, seed: bytes) -> tuple[bytes, bytes]:
    """The submission's body without and with its proof commitments."""
    from engine.ballot import encrypt_ballot, prove_contest_data_knowledge
    from engine.board.entries import encode_contest_data_proofs
    from engine.record.codecs.proof_commitments import encode_ballot_commitments

    election = Election.from_record(Path(election_dir))
    init = election.initialized
    result = encrypt_ballot(election.manifest, init, plaintext, device="online", code_baux=init.config.baux0)
    ballot, proofs = result.ballot, prove_contest_data_knowledge(result)
    voter = VoterCredential.from_private_bytes(seed)
    signature = sign_submission(voter, init.extended_base_hash, ballot, proofs)
    body = {
        "ballot": encode_encrypted_ballot(ballot),
        "did": voter.did,
        "signature": signature.hex(),
        "contest_data_proofs": encode_contest_data_proofs(proofs),
    }
    assert result.proof_commitments is not None
    committed = {**body, "proof_commitments": encode_ballot_commitments(result.proof_commitments)}
    return json.dumps(body).encode(), json.dumps(committed).encode()


def prepare(root: Path, group: str, ballots: int) -> tuple[Path, Path, list[tuple[bytes, bytes]]]:
    election_dir = root / "election"
    run_ceremony(election_dir, root / "private", root / "exchange", 3, 2, group, chain=False, step=lambda _s: None)
    seeds = [os.urandom(32) for _ in range(ballots)]
    dids = [VoterCredential.from_private_bytes(s).did for s in seeds]
    registrar, board_key = RegistrarKey.generate(), BoardKey.generate()
    board_key.save(root / "board-key.json")
    h_e = ElectionRecord(election_dir).initialized.extended_base_hash
    fix_election_keys(election_dir, board_key.public_key, registrar.public_key)
    election = Election.from_record(election_dir)
    roster = make_roster(registrar, dids, h_e)
    roster_file = root / "roster.json"
    roster_file.write_bytes(encode_roster(roster))
    plaintexts = random_ballots(election.manifest, ballots, random.Random(1))
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        bodies = list(pool.map(_encrypt_and_sign, [str(election_dir)] * ballots, plaintexts, seeds))
    return election_dir, roster_file, bodies


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of process ``pid`` and its descendants, from /proc (Linux)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(p, 0.0) for p in tree)


def one_core_check_ms(election_dir: Path, bodies: list[bytes], count: int = 5) -> float:
    """The door check of one ballot on one core (decoding excluded), median of ``count``."""
    from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot

    election = Election.from_record(election_dir)
    ctx = ballot_context(election.manifest, election.initialized)
    times = []
    for body in bodies[:count]:
        ballot = decode_encrypted_ballot(json.loads(body)["ballot"], election.group)
        start = time.perf_counter()
        assert ballot_problems(ctx, ballot) == []
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2] * 1000


def post_request(host: str, body: bytes) -> bytes:
    """A POST /ballots request, built once before the run (HTTP/1.1, keep-alive)."""
    head = (
        f"POST /ballots HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    """One response off a keep-alive connection: its status (the body is read and dropped)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(lines[0].split(" ", 2)[1])


async def submit_all(
    url: str, bodies: list[bytes], concurrency: int = CONCURRENCY
) -> tuple[float, list[int], list[float]]:
    """Every body POSTed over ``concurrency`` keep-alive connections (raw asyncio HTTP/1.1, requests built
        beforehand: the load generator shares the server's cores and should take as little of them as it can); the
    run's seconds, each body's status and each request's latency (seconds from its write to its response)."""
    address = urlsplit(url)
    host, port = address.hostname or "127.0.0.1", address.port or 80
    requests = [post_request(f"{host}:{port}", body) for body in bodies]
    codes: list[int] = [0] * len(requests)
    latencies: list[float] = [0.0] * len(requests)
    todo = iter(range(len(requests)))

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for i in todo:
                sent = time.perf_counter()
                writer.write(requests[i])
                codes[i] = await _read_status(reader)
                latencies[i] = time.perf_counter() - sent
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return time.perf_counter() - start, codes, latencies


def run_server(
    root: Path,
    election_dir: Path,
    roster: Path,
    workers: int,
    bodies: list[bytes],
    max_batch: int,
    run: int = 0,
    *,
    setting: str = "strict",
    server_root: Path = ROOT,
    concurrency: int = CONCURRENCY,
) -> dict[str, Any]:
    db = root / f"board-{setting}-{workers}-{max_batch}-{run}.sqlite"
    command = [
        sys.executable, "-m", "engine.cli.main", "board", "serve", "--election", str(election_dir),
        "--roster", str(roster), "--db", str(db), "--board-key", str(root / "board-key.json"),
        "--port", "0", "--check-workers", str(workers), "--max-batch", str(max_batch),
    ]  # fmt: skip
    log = root / f"server-{workers}-{max_batch}.log"
    with log.open("ab") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, cwd=server_root)
    try:
        url = wait_for_url(process, 300, log)
        cpu_before = tree_cpu_seconds(process.pid)
        seconds, codes, latencies = asyncio.run(submit_all(url, bodies, concurrency))
        cpu = tree_cpu_seconds(process.pid) - cpu_before
    finally:
        stop_process(process)
    accepted = sum(1 for c in codes if c == 200)
    if accepted != len(bodies):
        raise SystemExit(f"only {accepted} of {len(bodies)} submissions accepted: {sorted(set(codes))}")
    return {
        "setting": setting,
        "check_workers": workers,
        "max_batch": max_batch,
        "mode": f"{workers} processes" if workers else "server threads",
        "seconds": round(seconds, 3),
        "submissions_per_second": round(accepted / seconds, 2),
        "wall_ms_per_submission": round(seconds / accepted * 1000, 2),
        "server_cpu_ms_per_submission": round(cpu / accepted * 1000, 2),
        "latency_ms_median": round(sorted(latencies)[len(latencies) // 2] * 1000, 1),
        "latency_ms_p95": round(sorted(latencies)[int(len(latencies) * 0.95)] * 1000, 1),
    }


def settings(args: argparse.Namespace) -> list[str]:
    """The server settings to run: the baseline checkout's, then this checkout's without and with commitments."""
    out = ["baseline"] if args.baseline_root else []
    if args.commitments in ("both", "without"):
        out.append("strict")
    if args.commitments in ("both", "with"):
        out.append("commitments")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--group", choices=["production", "test"], default="production")
    parser.add_argument("--ballots", type=int, default=80)
    parser.add_argument("--check-workers", type=int, nargs="+", default=[2, 0])
    parser.add_argument("--max-batch", type=int, nargs="+", default=[1, 256])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--commitments", choices=["both", "with", "without"], default="both")
    parser.add_argument("--baseline-root", type=Path, default=None)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    args = parser.parse_args()
    kinds = settings(args)
    with tempfile.TemporaryDirectory(prefix="ballotchain-server-bench-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        election_dir, roster, pairs = prepare(root, args.group, args.ballots)
        prepare_seconds = time.perf_counter() - started
        plain = [pair[0] for pair in pairs]
        check_ms = one_core_check_ms(election_dir, plain)
        runs = []
        for w in args.check_workers:
            by_setting: dict[tuple[str, int], list[dict[str, Any]]] = {
                (k, b): [] for k in kinds for b in args.max_batch
            }
            for r in range(args.repeats):  # interleaved: a change of the machine's load hits every setting alike
                for kind, batch in by_setting:
                    with_commitments = kind == "commitments" or (kind == "baseline" and args.commitments == "with")
                    bodies = [pair[1] for pair in pairs] if with_commitments else plain
                    server_root = args.baseline_root if kind == "baseline" else ROOT
                    by_setting[(kind, batch)].append(
                        run_server(
                            root,
                            election_dir,
                            roster,
                            w,
                            bodies,
                            batch,
                            r,
                            setting=kind,
                            server_root=server_root,
                            concurrency=args.concurrency,
                        )
                    )
            for samples in by_setting.values():
                best = sorted(samples, key=lambda x: x["submissions_per_second"])[len(samples) // 2]
                best["samples_per_second"] = [x["submissions_per_second"] for x in samples]
                best["samples_cpu_ms"] = [x["server_cpu_ms_per_submission"] for x in samples]
                runs.append(best)
    first = kinds[0]
    ratios = {
        f"{w} workers, {k}": round(
            [r for r in runs if r["check_workers"] == w and r["setting"] == k][-1]["submissions_per_second"]
            / [r for r in runs if r["check_workers"] == w and r["setting"] == k][0]["submissions_per_second"],
            2,
        )
        for w in args.check_workers
        for k in kinds
    }
    speedup = {
        f"{r['setting']}, {r['check_workers']} workers, batch {r['max_batch']}": round(
            r["submissions_per_second"] / base["submissions_per_second"], 2
        )
        for r in runs
        for base in runs
        if base["setting"] == first
        and base["check_workers"] == r["check_workers"]
        and base["max_batch"] == r["max_batch"]
        and r["setting"] != first
    }
    result = {
        "benchmark": "server submissions",
        "group": args.group,
        "backend": get_backend().name,
        "cores": os.cpu_count(),
        "load_average": os.getloadavg()[0],
        "ballots": args.ballots,
        "selections_per_ballot": 14,
        "concurrent_requests": args.concurrency,
        "body_kib": round(sum(len(b) for b in plain) / len(plain) / 1024, 1),
        "body_with_commitments_kib": round(sum(len(p[1]) for p in pairs) / len(pairs) / 1024, 1),
        "check_ms_per_ballot_one_core": round(check_ms, 2),
        "prepare_seconds": round(prepare_seconds, 1),
        "runs": runs,
        "submissions_per_second": max(r["submissions_per_second"] for r in runs),
        "batch_ratio": ratios,
        f"speedup_over_{first}": speedup,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
