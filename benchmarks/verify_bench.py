"""Verifier benchmark: a production-group election record verified on 1 and 2 processes.

    .venv/bin/python benchmarks/verify_bench.py [--ballots 1000 5000] [--jobs 1 2] [--regenerate]
    .venv/bin/python benchmarks/verify_bench.py --proofs [--proof-ballots 60] [--repeats 5]
    .venv/bin/python benchmarks/verify_bench.py --egk [--repeats 5] [--jobs 2]

Each record is made once by the engine's own roles (key ceremony, encryption with chained codes on
two devices, 5% challenged, tally, decryption by a quorum) and cached under benchmarks/cache/.
Each verification runs in a fresh process, so that its peak resident memory is its own. Prints one
JSON object: per record and number of jobs, wall-clock ms per selection, per ballot and in total,
the speed-up from 1 to 2 jobs, and the peak RSS of the verifying process and of its largest worker.
CPU seconds (parent, workers) and the load average are printed too: on a shared machine the wall
clock speed-up is only meaningful when nothing else runs.

--proofs compares strict and batch verification of the ballots (every per-ballot check, 5.A-7.B:
verify_ballot_chunk in chunks as the verifier makes them) in one process on one core, with the
proof commitments the encrypting devices published (docs/BATCH_VERIFICATION.md): medians over
--repeats, ms per selection, the ratio; once with the CPU's AVX-512 IFMA (where it has it) and once
with BALLOTCHAIN_NATIVE_IFMA=0, each in a fresh process. Interleaved with them, the earlier ways as
baselines (``baseline``): strict without shared squarings, batch with one Jacobi symbol per
commitment; the speed-ups over them are medians of per-repetition ratios.

--egk verifies egk's allAvailableJson (strict: it has no commitments) on --jobs processes (2 by
default) and, alternating in the same run, a straightforward verifier of its range proofs
(plain_verifier: four plain gmpy2 powmods per proof branch, on as many processes): medians of the
wall clock and their ratio, with and without IFMA.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / "cache"
GUARDIANS, QUORUM = 3, 2
CHALLENGE_RATE = 0.05
DEVICES = 2


def generate(out: Path, voters: int, seed: int = 2026, group_name: str = "production") -> Path:
    """A complete, valid public record of `voters` ballots (the demo manifest) on `group_name`, in out/record."""
    from engine.cli import ballot_cmds, decrypt_cmds
    from engine.cli.demo_cmd import run_ceremony
    from engine.cli.sample_election import random_ballots
    from engine.record import ElectionRecord

    record, private, exchange = out / "record", out / "private", out / "exchange"
    private.mkdir(parents=True)
    secret = run_ceremony(record, private, exchange, GUARDIANS, QUORUM, group_name, chain=True, step=lambda _s: None)
    ids = list(secret)

    rng = random.Random(seed)
    ballots = random_ballots(ElectionRecord(record).manifest, voters, rng)
    challenged = {b.ballot_id for b in ballots if rng.random() < CHALLENGE_RATE}
    for d in range(DEVICES):
        mine = ballots[d::DEVICES]
        ballot_cmds.encrypt_ballots(
            record, mine, f"device-{d + 1}", [b.ballot_id for b in mine if b.ballot_id in challenged]
        )
    ballot_cmds.tally_record(record, processes=2)
    present = ids[:QUORUM]
    partials, asked, answers = exchange / "partials", exchange / "challenges", exchange / "responses"
    nonces = {g: private / g / "decryption-nonces.json" for g in present}
    for g in present:
        decrypt_cmds.guardian_decrypt(record, secret[g], partials, nonces[g], None)
    decrypt_cmds.decrypt_challenge(record, partials, asked)
    for g in present:
        decrypt_cmds.guardian_answer(record, secret[g], nonces[g], asked, answers, None)
    decrypt_cmds.decrypt_combine(record, partials, answers)
    return record


def cached_record(voters: int, regenerate: bool, group_name: str = "production") -> tuple[Path, float | None]:
    """The record of generate(), made once and kept under benchmarks/cache/<group>-<voters>; with the
    seconds it took to make, or None when it was already there."""
    CACHE.mkdir(parents=True, exist_ok=True)
    (CACHE / ".gitignore").write_text("*\n")
    folder = CACHE / f"{group_name}-{voters}"
    record = folder / "record"
    if (folder / "complete").exists() and not regenerate:
        return record, None
    if folder.exists():
        subprocess.run(["rm", "-rf", str(folder)], check=True)
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        generate(folder, voters, group_name=group_name)
    (folder / "complete").write_text("")
    return record, time.perf_counter() - started


def measure(record: Path, jobs: int) -> dict[str, object]:
    """Run in a fresh process: one verification, its timing and memory."""
    from engine.backend import get_backend
    from engine.verify import verify_record

    started = time.perf_counter()
    report = verify_record(record, jobs=jobs)
    wall = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"the benchmark record does not verify: {report.failed_ids}")
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    selections = report.check("5.D").items
    ballots = dict(report.summary)["ballots"]
    return {
        "backend": get_backend().name,
        "jobs": jobs,
        "ballots": ballots,
        "selections": selections,
        "total_s": round(wall, 3),
        "ms_per_selection": round(1000 * wall / selections, 3),
        "ms_per_selection_per_core": round(1000 * wall * jobs / selections, 3),
        "ms_per_ballot": round(1000 * wall / ballots, 2),
        "seconds_by_check": {c.check_id: round(c.seconds, 2) for c in report.checks if c.seconds >= 0.05},
        "cpu_s_parent": round(own.ru_utime + own.ru_stime, 2),
        "cpu_s_workers": round(children.ru_utime + children.ru_stime, 2),
        "peak_rss_mib": round(own.ru_maxrss / 1024, 1),
        "peak_worker_rss_mib": round(children.ru_maxrss / 1024, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def measure_proofs(record: Path, repeats: int) -> dict[str, object]:
    """In a fresh process: strict vs batch over the record's ballots, medians of ``repeats`` runs."""
    import statistics

    from engine.backend import get_backend
    from engine.record import ElectionRecord
    from engine.record.codecs.proof_commitments import read_ballot_commitments
    from engine.verify.ballots import BallotContext, verify_ballot_chunk
    from engine.verify.layout import ManifestLayout
    from engine.verify.report import Recorder
    from engine.verify.runner import DEFAULT_CHUNK_SELECTIONS, _selections_per_ballot

    rec = ElectionRecord(record)
    group, init = rec.group, rec.initialized
    layout = ManifestLayout.from_manifest(rec.manifest)
    ctx = BallotContext(group, init.joint_public_key, init.extended_base_hash, layout, ())
    ballots = [(p.name, rec.read_encrypted_ballot(p)) for p in rec.encrypted_ballot_paths()]
    commitments = [read_ballot_commitments(record, b.encrypting_device, b.ballot_id, group) for _, b in ballots]
    size = max(1, DEFAULT_CHUNK_SELECTIONS // _selections_per_ballot(layout))
    chunks = [(ballots[i : i + size], commitments[i : i + size]) for i in range(0, len(ballots), size)]
    group.g_pow(1)
    group.table_for(init.joint_public_key)

    def run(batch: bool) -> tuple[float, Recorder]:
        total = Recorder()
        started = time.process_time()
        for chunk, committed in chunks:
            for snap in verify_ballot_chunk(ctx, chunk, committed if batch else None):
                total.merge(snap)
        return time.process_time() - started, total

    modes = ("strict", "batch", "strict_separate", "batch_jacobi_each")
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    totals: dict[str, Recorder] = {}
    for _ in range(repeats):
        for mode in modes:
            with baseline(mode, group):
                seconds, totals[mode] = run(mode.startswith("batch"))
            times[mode].append(seconds)
    out: dict[str, object] = {"backend": get_backend().name, "ballots": len(ballots)}
    for mode in modes:
        report = totals[mode].build(str(record), 0.0, 1)
        if not report.ok:
            raise SystemExit(f"the benchmark record does not verify in {mode} mode: {report.failed_ids}")
        selections = report.check("5.D").items
        out["selections"] = selections
        out[f"{mode}_ms_per_selection"] = round(1000 * statistics.median(times[mode]) / selections, 3)
        if mode in ("strict", "batch"):
            out[f"{mode}_forms_5D"] = dict(report.check("5.D").forms)
    out["speedup"] = round(out["strict_ms_per_selection"] / out["batch_ms_per_selection"], 2)  # type: ignore[operator]
    out["strict_speedup_over_separate"] = round(
        statistics.median(a / b for a, b in zip(times["strict_separate"], times["strict"])), 2
    )
    out["batch_speedup_over_jacobi_each"] = round(
        statistics.median(a / b for a, b in zip(times["batch_jacobi_each"], times["batch"])), 2
    )
    return out


@contextlib.contextmanager
def baseline(mode: str, group: Any) -> Iterator[None]:
    """The earlier ways, for ratios in the same run: "strict_separate" recomputes every commitment
    with one exponentiation per base and exponent (no shared squarings); "batch_jacobi_each" tests one
    Jacobi symbol per commitment (the Backend default of multi_powmod_residues). Other modes: as is."""
    from engine.backend.base import Backend
    from engine.proofs import range_proof

    backend_type = type(group.backend)
    saved_commitments = range_proof.range_commitments
    saved_residues = backend_type.multi_powmod_residues

    def separate(public_key: Any, ciphertext: Any, proof: Any) -> list[Any]:
        out = []
        for j, (c, v) in enumerate(zip(proof.challenges, proof.responses)):
            w = (v.value - j * c.value) % group.q
            out.append(group.g_pow(v) * ciphertext.pad**c)
            out.append(group.k_pow(public_key, w) * ciphertext.data**c)
        return out

    try:
        if mode == "strict_separate":
            range_proof.range_commitments = separate  # type: ignore[assignment]
        if mode == "batch_jacobi_each":
            backend_type.multi_powmod_residues = Backend.multi_powmod_residues  # type: ignore[method-assign]
        yield
    finally:
        range_proof.range_commitments = saved_commitments  # type: ignore[assignment]
        backend_type.multi_powmod_residues = saved_residues  # type: ignore[method-assign]


EGK_RECORD = ROOT / "tests" / "vectors" / "egk" / "workflow" / "allAvailableJson"


def plain_proof_check(h_e: object, key: object, ballot: object) -> int:
    """The straightforward verifier of one ballot's range proofs (5.D, 6.D): every commitment
    recomputed with four plain gmpy2 powmods, a_j = g^v_j alpha^c_j, b_j = K^w_j beta^c_j, and hashed.
    Returns how many proofs hold."""
    import gmpy2

    from engine.elgamal import Ciphertext
    from engine.group import ElementModP
    from engine.proofs.range_proof import range_challenge

    group = key.group  # type: ignore[attr-defined]
    p, q, g, k = group.p, group.q, group.g, key.value  # type: ignore[attr-defined]

    def holds(ct: Ciphertext, proof: object) -> bool:
        commitments = []
        for j, (c, v) in enumerate(zip(proof.challenges, proof.responses)):  # type: ignore[attr-defined]
            w = (v.value - j * c.value) % q
            a = gmpy2.powmod(g, v.value, p) * gmpy2.powmod(ct.pad.value, c.value, p) % p
            b = gmpy2.powmod(k, w, p) * gmpy2.powmod(ct.data.value, c.value, p) % p
            commitments += [ElementModP(a, group), ElementModP(b, group)]
        chal = range_challenge(h_e, key, ct, commitments)  # type: ignore[arg-type]
        return bool(chal.value == sum(c.value for c in proof.challenges) % q)  # type: ignore[attr-defined]

    ok = 0
    for contest in ballot.contests:  # type: ignore[attr-defined]
        for s in contest.selections:
            ok += holds(s.ciphertext, s.proof)
        pads = [s.ciphertext.pad.value for s in contest.selections]
        datas = [s.ciphertext.data.value for s in contest.selections]
        alpha, beta = gmpy2.mpz(1), gmpy2.mpz(1)
        for a, b in zip(pads, datas):
            alpha, beta = alpha * a % p, beta * b % p
        ok += holds(Ciphertext(ElementModP(alpha, group), ElementModP(beta, group)), contest.proof)
    return ok


def _plain_check_path(args: tuple[str, str]) -> int:
    from engine.record import ElectionRecord

    record, path = args
    rec = ElectionRecord(Path(record))
    init = rec.initialized
    return plain_proof_check(init.extended_base_hash, init.joint_public_key, rec.read_encrypted_ballot(Path(path)))


def plain_verifier(record: Path, processes: int) -> int:
    """The baseline: plain_proof_check of every ballot file, one task per file, on `processes` processes."""
    import multiprocessing

    from engine.record import ElectionRecord

    paths = [(str(record), str(p)) for p in ElectionRecord(record).encrypted_ballot_paths()]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        return sum(pool.map(_plain_check_path, paths, chunksize=1))


def measure_egk(repeats: int, jobs: int) -> dict[str, object]:
    """In a fresh process: egk's allAvailableJson, ballotchain verify (strict: no commitments) against
    plain_verifier, both on `jobs` processes, alternated, medians of wall-clock seconds."""
    import statistics

    from engine.backend import get_backend
    from engine.verify import verify_record

    ours, plain = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        report = verify_record(EGK_RECORD, jobs=jobs)
        ours.append(time.perf_counter() - started)
        if not report.ok:
            raise SystemExit(f"egk's record does not verify: {report.failed_ids}")
        started = time.perf_counter()
        plain_verifier(EGK_RECORD, jobs)
        plain.append(time.perf_counter() - started)
    return {
        "backend": get_backend().name,
        "jobs": jobs,
        "ifma": native_ifma(),
        "ballotchain_verify_s": round(statistics.median(ours), 3),
        "plain_gmpy2_proofs_s": round(statistics.median(plain), 3),
        "speedup": round(statistics.median(plain) / statistics.median(ours), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def egk_main(repeats: int, jobs: int) -> None:
    out: dict[str, object] = {"record": "egk allAvailableJson", "repeats": repeats}
    for label, env in (("ifma", {}), ("no_ifma", {"BALLOTCHAIN_NATIVE_IFMA": "0"})):
        command = [sys.executable, __file__, "--measure-egk", "--repeats", str(repeats), "--jobs", str(jobs)]
        result = subprocess.run(
            command, check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env}
        )
        out[label] = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(out, indent=2))


def native_ifma() -> bool:
    from engine.backend import get_backend

    with contextlib.suppress(ImportError, AttributeError):
        from engine._native import lib  # type: ignore[import-not-found]

        return get_backend().name == "native" and bool(lib.bc_ifma_available())
    return False


def proofs_main(ballots: int, repeats: int, regenerate: bool) -> None:
    record, _ = cached_record(ballots, regenerate)
    out: dict[str, object] = {"group": "production", "repeats": repeats, "cpu_seconds_of_one_process": True}
    for label, env in (("ifma", {}), ("no_ifma", {"BALLOTCHAIN_NATIVE_IFMA": "0"})):
        command = [sys.executable, __file__, "--measure-proofs", str(record), "--repeats", str(repeats)]
        result = subprocess.run(
            command, check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **env}
        )
        out[label] = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps(out, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ballots", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--proofs", action="store_true", help="strict vs batch range-proof verification")
    parser.add_argument("--proof-ballots", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--measure-proofs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--egk", action="store_true", help="egk's allAvailableJson against a plain gmpy2 verifier")
    parser.add_argument("--measure-egk", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_egk:
        print(json.dumps(measure_egk(args.repeats, args.jobs[0])))
        return
    if args.egk:
        egk_main(args.repeats, 2 if args.jobs == [1, 2] else args.jobs[0])
        return
    if args.measure_proofs is not None:
        figures = measure_proofs(args.measure_proofs, args.repeats)
        figures["ifma"] = native_ifma()
        print(json.dumps(figures))
        return
    if args.proofs:
        proofs_main(args.proof_ballots, args.repeats, args.regenerate)
        return
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.jobs[0])))
        return

    out: dict[str, object] = {"group": "production", "cpus": os.cpu_count(), "records": {}}
    for voters in args.ballots:
        record, generated = cached_record(voters, args.regenerate)
        runs = {}
        for jobs in args.jobs:
            result = subprocess.run(
                [sys.executable, __file__, "--measure", str(record), "--jobs", str(jobs)],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            runs[str(jobs)] = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"{voters} ballots, {jobs} job(s): {runs[str(jobs)]['total_s']} s", file=sys.stderr)
        entry: dict[str, object] = {"runs": runs}
        if generated is not None:
            entry["generated_s"] = round(generated, 1)
        if "1" in runs and "2" in runs:
            entry["speedup_1_to_2"] = round(runs["1"]["total_s"] / runs["2"]["total_s"], 3)  # type: ignore[operator]
        out["records"][str(voters)] = entry  # type: ignore[index]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
