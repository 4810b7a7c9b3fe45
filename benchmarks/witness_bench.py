"""Witness benchmark (issue 12 target: a witness cosigns a checkpoint in <= 5 ms after receiving it).

    .venv/bin/python benchmarks/witness_bench.py [--samples 300] [--log-size 1000000] [--dir FOLDER]

A log of ``--log-size`` leaves grows by a batch of 1..64 leaves per checkpoint (random sizes, the
consistency proofs taken from an in-memory tree); a witness with its SQLite state file in a temporary
folder (WAL, synchronous=FULL: one fsync'd transaction per cosignature) takes each add-checkpoint.
Medians over the samples:

- ``add_checkpoint_ms``: Witness.handle on the request body: parse, the log's signature, the
  consistency proof, the state's transaction, the cosignature;
- ``http_add_checkpoint_ms``: the same request over HTTP on loopback to a ``ballotchain witness serve``
  process on the same state file (keep-alive httpx client), request sent to answer read.

The state file's fsync is most of both: ``--dir /dev/shm`` (no disk) shows the rest. Prints one JSON
object.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from engine.board.checkpoint import Checkpoint, sign_checkpoint  # noqa: E402
from engine.board.merkle import MemoryTree, consistency_proof, leaf_hash, tree_root  # noqa: E402
from engine.board.note import CosignatureSigner, NoteSigner, b64encode  # noqa: E402
from engine.board.sth import save_key  # noqa: E402
from engine.board.witness import CosignedState, Witness, WitnessState  # noqa: E402
from engine.cli.witness_cmds import WITNESS_KEY_KIND  # noqa: E402

ORIGIN = "ballotchain.example/bench"


def requests(tree: MemoryTree, log: NoteSigner, start: int, samples: int, rng: random.Random) -> list[bytes]:
    bodies, old = [], start
    for _ in range(samples):
        new = old + rng.randint(1, 64)
        proof = "".join(b64encode(node) + "\n" for node in consistency_proof(tree, old, new))
        note = sign_checkpoint(Checkpoint(ORIGIN, new, tree_root(tree, new)), log).to_bytes()
        bodies.append(f"old {old}\n{proof}\n".encode() + note)
        old = new
    return bodies


def http_times(folder: Path, log: NoteSigner, bodies: list[bytes]) -> list[float]:
    key = folder / "witness.key"
    save_key(key, WITNESS_KEY_KIND, Ed25519PrivateKey.generate())
    command = [
        sys.executable, "-m", "engine.cli.main", "witness", "serve", "--key", str(key), "--name", "witness.example/b",
        "--state", str(folder / "witness.db"), "--log-key", log.verifier_key.vkey(), "--origin", ORIGIN, "--port", "0",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=ROOT)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().split("serving ", 1)[1].split()[0]
        times = []
        with httpx.Client(base_url=url) as client:
            for body in bodies:
                t0 = time.perf_counter()
                answer = client.post("/add-checkpoint", content=body)
                times.append((time.perf_counter() - t0) * 1000)
                assert answer.status_code == 200, answer.text
        return times
    finally:
        process.terminate()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--log-size", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, help="Where the state file goes (default: a temporary folder).")
    args = parser.parse_args()
    rng = random.Random(12)
    total = args.log_size + 2 * 64 * args.samples + 1
    tree = MemoryTree([leaf_hash(i.to_bytes(8, "big")) for i in range(total)])
    log = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    signer = CosignatureSigner("witness.example/bench", Ed25519PrivateKey.generate())
    bodies = requests(tree, log, args.log_size, 2 * args.samples, rng)
    start_note = sign_checkpoint(Checkpoint(ORIGIN, args.log_size, tree_root(tree, args.log_size)), log).to_bytes()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder, WitnessState(Path(folder) / "witness.db") as state:
        witness = Witness(signer, state, {ORIGIN: [log.verifier_key]})
        state.advance(ORIGIN, lambda _current: CosignedState(args.log_size, tree_root(tree, args.log_size)), start_note)
        direct = []
        for body in bodies[: args.samples]:
            t0 = time.perf_counter()
            witness.handle(body)
            direct.append((time.perf_counter() - t0) * 1000)
        state.close()
        over_http = http_times(Path(folder), log, bodies[args.samples :])
    print(
        json.dumps(
            {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "log_size": args.log_size,
                "samples": args.samples,
                "add_checkpoint_ms": round(statistics.median(direct), 3),
                "http_add_checkpoint_ms": round(statistics.median(over_http), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
