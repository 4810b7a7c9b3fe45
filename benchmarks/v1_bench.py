"""ElectionGuard 1.0 ballots: our verifier (batch and strict) against electionguard-python 1.4's own.

    .venv/bin/python benchmarks/v1_bench.py [--ballots 30] [--repeats 3] [--eg-python /tmp/eg14/bin/python]

Needs electionguard 1.4.0 in a Python 3.10 virtualenv (tests/vectors/eg1/PROVENANCE.md says how).
The record, in spec 1.0's standard 4096-bit group, is made once by tests/vectors/eg1/make_records.py
with that interpreter and cached under /tmp/eg1-bench/. In the same run, alternating, each side
verifies every submitted ballot, reading its file: electionguard-python with its own
SubmittedBallot.is_valid_encryption (every selection's 0/1 proof, every contest's constant proof,
the crypto hashes), timed inside its process; ours with engine.verify.v1's chunk verifier (the same
proofs and hashes, plus memberships, the accumulations and the ballot codes), in batch and strict
mode, one process each. Prints one JSON object: medians over --repeats of the CPU ms per selection
(placeholders included), and the ratios electionguard / ours.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

from engine.record.v1 import V1Record
from engine.verify.v1.ballots import BallotContext
from engine.verify.v1.runner import ChunkJob, verify_ballot_chunk

ROOT = Path(__file__).resolve().parent.parent
MAKE_RECORDS = ROOT / "tests" / "vectors" / "eg1" / "make_records.py"
CACHE = Path("/tmp/eg1-bench")

EG_VERIFY = r"""
import glob, json, os, sys, time
from electionguard.ballot import SubmittedBallot
from electionguard.election import CiphertextElectionContext
from electionguard.serialize import from_file
record = sys.argv[1]
context = from_file(CiphertextElectionContext, os.path.join(record, "context.json"))
paths = sorted(glob.glob(os.path.join(record, "submitted_ballots", "*.json")))
start = time.process_time()
valid = selections = 0
for path in paths:
    ballot = from_file(SubmittedBallot, path)
    valid += ballot.is_valid_encryption(
        context.manifest_hash, context.elgamal_public_key, context.crypto_extended_base_hash
    )
    selections += sum(len(c.ballot_selections) for c in ballot.contests)
seconds = time.process_time() - start
print(json.dumps({"seconds": seconds, "valid": valid, "ballots": len(paths), "selections": selections}))
"""


def make_record(eg_python: str, ballots: int) -> Path:
    record = CACHE / f"standard-{ballots}"
    if not (record / "tally.json").exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [eg_python, str(MAKE_RECORDS), str(record), "--present", "2", "--ballots", str(ballots), "--seed", "11"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return record


def eg_seconds(eg_python: str, record: Path) -> tuple[float, int]:
    out = subprocess.run([eg_python, "-c", EG_VERIFY, str(record)], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["valid"] != result["ballots"]:
        raise SystemExit(f"electionguard-python finds {result['ballots'] - result['valid']} invalid ballots")
    return float(result["seconds"]), int(result["selections"])


def our_seconds(record: Path, *, strict: bool) -> float:
    r = V1Record.open(record)
    c, ctx = r.constants, r.context
    bctx = BallotContext.of(c.p, c.q, c.g, ctx.joint_key, ctx.extended_base_hash, ctx.manifest_hash, r.manifest)
    job = ChunkJob(str(record), tuple(str(p) for p in r.submitted_ballot_paths()), bctx, strict)
    start = time.process_time()
    snapshot, _, _ = verify_ballot_chunk(job)
    seconds = time.process_time() - start
    if any(failed for _, _, failed, _ in snapshot["counts"].values()):
        raise SystemExit("our verifier finds a failure in the benchmark record")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--eg-python", default="/tmp/eg14/bin/python")
    args = parser.parse_args()
    record = make_record(args.eg_python, args.ballots)
    eg, batch, strict = [], [], []
    selections = 0
    for _ in range(args.repeats):
        seconds, selections = eg_seconds(args.eg_python, record)
        eg.append(seconds)
        batch.append(our_seconds(record, strict=False))
        strict.append(our_seconds(record, strict=True))
    per = {
        name: 1000 * statistics.median(xs) / selections
        for name, xs in (("eg", eg), ("batch", batch), ("strict", strict))
    }
    print(
        json.dumps(
            {
                "record": str(record),
                "ballots": args.ballots,
                "selections": selections,
                "repeats": args.repeats,
                "ms_per_selection": {
                    "electionguard_python_1_4": round(per["eg"], 3),
                    "ours_batch": round(per["batch"], 3),
                    "ours_strict": round(per["strict"], 3),
                },
                "ratio_eg_over_batch": round(per["eg"] / per["batch"], 2),
                "ratio_eg_over_strict": round(per["eg"] / per["strict"], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
