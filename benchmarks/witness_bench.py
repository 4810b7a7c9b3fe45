"""Witness and receipt benchmark (issue 12 targets: a witness cosigns a checkpoint in <= 5 ms after receiving
it; a receipt check against a cosigned checkpoint with 3 witnesses <= 2 ms).

    .venv/bin/python benchmarks/witness_bench.py [--samples 300] [--log-size 1000000] [--dir FOLDER]

A log of ``--log-size`` leaves grows by a batch of 1..64 leaves per checkpoint (random sizes, the
consistency proofs taken from an in-memory tree); a witness with its state file in a temporary folder
(engine.board.witness: one SQLite transaction, WAL with synchronous=FULL, per cosignature) takes each
add-checkpoint.
Medians over the samples:

- ``add_checkpoint_ms``: Witness.handle on the request body: parse, the log's signature, the
  consistency proof, the state's durable write, the cosignature;
- ``http_add_checkpoint_ms``: the same request over HTTP on loopback to a ``ballotchain witness serve``
  process on the same state file, sent by the board's link to a witness (engine.server.witness_link,
  one kept-alive connection), request sent to answer read;
- ``state_fdatasync_ms``: a 4 KiB write and fdatasync in the state's folder, measured just before: the
  disk's floor under both figures above (the witness's commit makes at least one such sync; on this shared
  machine it ranges from 0.05 ms to over 10 ms with the other processes' writes);
- ``receipt_checkpoint_ms``: what a receipt check does with the board's checkpoint once fetched: the
  checkpoint with the board's signature and 3 witnesses' cosignatures (quorum 2) checked, the one the
  receipt holds (another size) opened on the board's signature (engine.client.checkpoints.open_held), and
  the consistency proof between them verified.

``--dir /dev/shm`` (no disk) shows the witness's cost without the disk. The million-leaf tree that makes
the requests is frozen out of the garbage collector (``gc.freeze``): otherwise every collection of the
HTTP client's garbage walks it, which cost this process up to 13 ms a request, none of it the witness's.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from engine.board.checkpoint import Checkpoint, election_origin, sign_checkpoint  # noqa: E402
from engine.board.cosigning import check_cosigned, open_board_checkpoint  # noqa: E402
from engine.board.election_keys import ElectionKeys  # noqa: E402
from engine.board.merkle import MemoryTree, consistency_proof, leaf_hash, tree_root, verify_consistency  # noqa: E402
from engine.board.note import CosignatureSigner, NoteSigner, b64encode  # noqa: E402
from engine.board.sth import public_key_bytes, save_key  # noqa: E402
from engine.board.witness import CosignedState, Witness, WitnessState  # noqa: E402
from engine.cli.witness_cmds import WITNESS_KEY_KIND  # noqa: E402
from engine.hash import UInt256  # noqa: E402
from engine.server.witness_link import HttpWitnessLink  # noqa: E402

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
        link = HttpWitnessLink(url)
        try:
            for body in bodies:
                t0 = time.perf_counter()
                status, _, answer = link.post(body)
                times.append((time.perf_counter() - t0) * 1000)
                assert status == 200, answer
        finally:
            link.close()
        return times
    finally:
        process.terminate()
        process.wait()


def fdatasync_times(folder: Path, samples: int) -> list[float]:
    path = folder / "sync-probe"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.write(fd, bytes(4096))
        os.fsync(fd)
        times = []
        for _ in range(samples):
            t0 = time.perf_counter()
            os.pwrite(fd, os.urandom(4096), 0)
            os.fdatasync(fd)
            times.append((time.perf_counter() - t0) * 1000)
        return times
    finally:
        os.close(fd)
        path.unlink()


def receipt_checkpoint_times(tree: MemoryTree, samples: int, rng: random.Random) -> list[float]:
    h_e = rng.randbytes(32)
    board = Ed25519PrivateKey.generate()
    log = NoteSigner(election_origin(h_e), board)
    witnesses = [CosignatureSigner(f"witness.example/w{i}", Ed25519PrivateKey.generate()) for i in range(3)]
    registrar = public_key_bytes(Ed25519PrivateKey.generate())
    keys = ElectionKeys(UInt256(h_e), public_key_bytes(board), registrar, tuple(w.verifier_key for w in witnesses), 2)

    def cosigned(size: int) -> bytes:
        note = sign_checkpoint(Checkpoint(log.name, size, tree_root(tree, size)), log)
        return note.with_signatures(w.cosign(note.text, 1_800_000_000 + size) for w in witnesses).to_bytes()

    times = []
    for _ in range(samples):
        held_size = rng.randint(1, tree.size() - 65)
        size = held_size + rng.randint(1, 64)
        held, latest, proof = cosigned(held_size), cosigned(size), consistency_proof(tree, held_size, size)
        t0 = time.perf_counter()
        new = check_cosigned(latest, keys)
        old = open_board_checkpoint(held, keys, cosignatures=False)
        assert verify_consistency(held_size, size, old.checkpoint.root, new.checkpoint.root, proof)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--log-size", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, help="Where the state file goes (default: a temporary folder).")
    args = parser.parse_args()
    rng = random.Random(12)
    total = args.log_size + 2 * 64 * args.samples + 1
    tree = MemoryTree([leaf_hash(i.to_bytes(8, "big")) for i in range(total)])
    gc.freeze()
    log = NoteSigner(ORIGIN, Ed25519PrivateKey.generate())
    signer = CosignatureSigner("witness.example/bench", Ed25519PrivateKey.generate())
    bodies = requests(tree, log, args.log_size, 2 * args.samples, rng)
    start_note = sign_checkpoint(Checkpoint(ORIGIN, args.log_size, tree_root(tree, args.log_size)), log).to_bytes()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder, WitnessState(Path(folder) / "witness.db") as state:
        syncs = fdatasync_times(Path(folder), min(args.samples, 200))
        witness = Witness(signer, state, {ORIGIN: [log.verifier_key]})
        state.advance(ORIGIN, lambda _current: CosignedState(args.log_size, tree_root(tree, args.log_size)), start_note)
        direct = []
        for body in bodies[: args.samples]:
            t0 = time.perf_counter()
            witness.handle(body)
            direct.append((time.perf_counter() - t0) * 1000)
        state.close()
        over_http = http_times(Path(folder), log, bodies[args.samples :])
    receipt = receipt_checkpoint_times(tree, args.samples, rng)
    print(
        json.dumps(
            {
                "machine": platform.machine(),
                "python": platform.python_version(),
                "log_size": args.log_size,
                "samples": args.samples,
                "add_checkpoint_ms": round(statistics.median(direct), 3),
                "http_add_checkpoint_ms": round(statistics.median(over_http), 3),
                "state_fdatasync_ms": round(statistics.median(syncs), 3),
                "receipt_checkpoint_ms": round(statistics.median(receipt), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
