"""Scale benchmark: records of 10^3 to 10^5 ballots verified strict and batched, and a national projection.

    .venv/bin/python benchmarks/scale_bench.py [--ballots 1000 3000] [--jobs 1 2] [--repeats 3]
        [--sample-ballots 20] [--regenerate] [--dask] [--no-local]

The records are made on the engine's small TEST group (--group test): encrypting 10^4-10^5 ballots on
the production group would take hours (about 2 ms per selection without IFMA, spec 2.0.0 section 3.3),
so only a small production sample is made. Each record is made once by the engine's own roles (key
ceremony, encryption with chained codes on two devices, which writes proof_commitments/ beside
encrypted_ballots/, 5% challenged, tally, decryption by a quorum) and cached under benchmarks/cache/.

Every record is verified whole (all checks, verify_record) in strict mode (each range proof on its
own, spec 2.0.0 section 3.3.5, eq. 46) and in batch mode (the published commitments,
docs/BATCH_VERIFICATION.md), with each number of jobs, --repeats times. Prints one JSON object: per
record, mode and jobs the median seconds, ms per selection (wall clock, and times jobs per core),
the speed-ups batch/strict and 2 jobs/1 job, peak RSS of this process and of its largest worker
process, the backend and whether AVX-512 IFMA is used.

With --dask, each record is also verified on Dask LocalClusters of 1 and 2 single-threaded worker
processes (engine.verify.distributed), in one fresh process that alternates them with the local process
pool of 2 jobs, --repeats times, so that the ratios (2 workers over 1, Dask over local processes on the
same cores) come from one process and one load; and the client's memory is measured in another fresh
process per record, against a `dask scheduler` and `dask worker` processes (tracemalloc peak of the
verifying client while the ballots stream past and over the whole run, its peak RSS, and the workers' peak
RSS), to show that it does not grow with the number of ballots. --no-local skips the local strict/batch rows.

The projection: cores needed to verify a 44-million-voter, 10-selection election in one hour, from
the per-core cost per selection measured on the largest test-group record with one job, strict and
batched; then the same on the production group: the test group's whole-record cost plus the
difference, production minus test, of the per-ballot checks' cost (5.A-7.B, verify_bench.measure_proofs,
one process) measured in this run on --sample-ballots ballots of each group, so that the costs that do
not depend on the group (reading, parsing, hashing) are counted once. The ratio is printed too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from verify_bench import ROOT, cached_record, measure_proofs  # noqa: E402  (a script beside this one)

NATIONAL_VOTERS = 44_000_000
NATIONAL_SELECTIONS_PER_VOTER = 10
PROJECTION_SECONDS = 3600.0
TEST_GROUP_NOTE = (
    "records on the engine's small test group: encrypting 10^3-10^5 ballots on the production group would take hours"
)


def measure(record: Path, jobs: int, strict: bool, repeats: int) -> dict[str, object]:
    """In a fresh process: ``repeats`` whole verifications of the record, their median and memory."""
    from engine.backend import get_backend
    from engine.verify import verify_record

    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        report = verify_record(record, jobs=jobs, accept_test_group=True, strict=strict)
        times.append(time.perf_counter() - started)
        if not report.ok:
            raise SystemExit(f"the benchmark record does not verify: {report.failed_ids}")
    wall = statistics.median(times)
    selections = report.check("5.D").items
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "backend": get_backend().name,
        "ifma": native_ifma(),
        "mode": "strict" if strict else "batch",
        "jobs": jobs,
        "ballots": dict(report.summary)["ballots"],
        "selections": selections,
        "median_s": round(wall, 3),
        "runs_s": [round(t, 3) for t in times],
        "ms_per_selection": round(1000 * wall / selections, 4),
        "ms_per_selection_per_core": round(1000 * wall * jobs / selections, 4),
        "forms_5D": dict(report.check("5.D").forms),
        "peak_rss_mib": round(own.ru_maxrss / 1024, 1),
        "peak_worker_rss_mib": round(children.ru_maxrss / 1024, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def measure_dask(record: Path, workers: list[int], strict: bool, repeats: int) -> dict[str, object]:
    """In a fresh process: local processes (max(workers) jobs) and Dask LocalClusters of each number of
    workers (warmed by one verification), alternated ``repeats`` times; medians and the ratios between them."""
    from engine.dask_cluster import open_cluster
    from engine.verify import verify_record

    jobs = max(workers)
    times: dict[str, list[float]] = {}
    with contextlib.ExitStack() as stack:
        clients = {n: stack.enter_context(open_cluster(local_workers=n)) for n in workers}
        for client in clients.values():  # a running cluster's workers have their modules and tables loaded
            verify_record(record, accept_test_group=True, strict=strict, cluster=client)
        for _ in range(repeats):
            for name, client in [("local", None), *((f"dask/{n}", c) for n, c in clients.items())]:
                started = time.perf_counter()
                report = verify_record(record, jobs=jobs, accept_test_group=True, strict=strict, cluster=client)
                times.setdefault(name, []).append(time.perf_counter() - started)
                if not report.ok:
                    raise SystemExit(f"the benchmark record does not verify: {report.failed_ids}")
    medians = {name: statistics.median(runs) for name, runs in times.items()}
    selections = report.check("5.D").items
    out: dict[str, object] = {
        "mode": "strict" if strict else "batch",
        "local_jobs": jobs,
        "selections": selections,
        "median_s": {name: round(m, 3) for name, m in medians.items()},
        "runs_s": {name: [round(t, 3) for t in runs] for name, runs in times.items()},
        "ms_per_selection": {name: round(1000 * m / selections, 4) for name, m in medians.items()},
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    if 1 in workers and 2 in workers:
        out["dask_2_over_1_workers"] = round(medians["dask/1"] / medians["dask/2"], 2)
    out[f"dask_{jobs}_workers_over_local_{jobs}_jobs"] = round(medians[f"dask/{jobs}"] / medians["local"], 3)
    return out


def measure_client_memory(record: Path, workers: int) -> dict[str, object]:
    """In a fresh process: one verification on a `dask scheduler` and ``workers`` `dask worker` processes
    started for it (so that the scheduler's own state is not counted as the client's, as a LocalCluster's
    would be), the client's tracemalloc peak while the ballots stream past and during the whole run (which adds
    the checks after the stream: encrypted_tally.json's cast_ballot_ids and each device's ballot_chain.json are
    streamed too, engine.record.jsonstream), its peak RSS and the workers' peak RSS."""
    import tempfile
    import tracemalloc

    from engine.dask_cluster import open_cluster
    from engine.verify import verify_record
    from tests.support.dask_processes import dask_processes

    with (
        tempfile.TemporaryDirectory() as logs,
        dask_processes(Path(logs), workers) as address,
        open_cluster(scheduler=address) as client,
    ):
        stream_peak = [0]

        def progress(phase: str, done: int, total: int) -> None:
            if phase == "ballots" and done == total:
                stream_peak[0] = tracemalloc.get_traced_memory()[1]

        tracemalloc.start()
        report = verify_record(record, accept_test_group=True, cluster=client, progress=progress)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        worker_rss = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return {
        "ballots": dict(report.summary)["ballots"],
        "workers": workers,
        "client_tracemalloc_peak_ballots_mib": round(stream_peak[0] / 2**20, 2),
        "client_tracemalloc_peak_mib": round(peak / 2**20, 2),
        "client_peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "worker_peak_rss_mib": round(max(worker_rss.values()) / 1024, 1),
    }


def native_ifma() -> bool:
    from engine.backend import get_backend

    with contextlib.suppress(ImportError, AttributeError):
        from engine._native import lib  # type: ignore[import-not-found]

        return get_backend().name == "native" and bool(lib.bc_ifma_available())
    return False


def fresh(args: list[str]) -> dict[str, object]:
    """Run this file with ``args`` in a fresh process; its last line of JSON."""
    result = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT, env=os.environ
    )
    figures: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def cores_for(ms_per_selection_per_core: float) -> float:
    selections = NATIONAL_VOTERS * NATIONAL_SELECTIONS_PER_VOTER
    return round(selections * ms_per_selection_per_core / 1000 / PROJECTION_SECONDS, 1)


def group_ratio(sample_ballots: int, repeats: int, regenerate: bool) -> dict[str, object]:
    """Per-ballot check cost, production over test group, strict and batched, on equal small records."""
    out: dict[str, object] = {"sample_ballots": sample_ballots}
    per_group: dict[str, dict[str, object]] = {}
    for group_name in ("test", "production"):
        record, generated = cached_record(sample_ballots, regenerate, group_name)
        per_group[group_name] = fresh(["--measure-proofs", str(record), "--repeats", str(repeats)])
        if generated is not None:
            per_group[group_name]["generated_s"] = round(generated, 1)
        print(f"{group_name} sample: {per_group[group_name]}", file=sys.stderr)
    out["per_group"] = per_group
    for mode in ("strict", "batch"):
        key = f"{mode}_ms_per_selection"
        out[f"{mode}_production_over_test"] = round(
            float(per_group["production"][key]) / float(per_group["test"][key]),  # type: ignore[arg-type]
            2,
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--group", choices=["test"], default="test", help="the large records' group (test only)")
    parser.add_argument("--ballots", type=int, nargs="+", default=[1000, 3000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sample-ballots", type=int, default=20, help="ballots of the production/test ratio sample")
    parser.add_argument("--no-production", action="store_true", help="skip the production-group sample")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--strict", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure-proofs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dask", action="store_true", help="also on Dask LocalClusters of 1 and 2 workers")
    parser.add_argument("--no-local", action="store_true", help="skip the local strict/batch rows and projection")
    parser.add_argument("--measure-dask", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure-memory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.jobs[0], args.strict, args.repeats)))
        return
    if args.measure_dask is not None:
        print(json.dumps(measure_dask(args.measure_dask, args.jobs, args.strict, args.repeats)))
        return
    if args.measure_memory is not None:
        print(json.dumps(measure_client_memory(args.measure_memory, max(args.jobs))))
        return
    if args.no_local:
        print(json.dumps(dask_main(args), indent=2))
        return
    if args.measure_proofs is not None:
        print(json.dumps(measure_proofs(args.measure_proofs, args.repeats)))
        return

    out: dict[str, object] = {"group": args.group, "note": TEST_GROUP_NOTE, "cpus": os.cpu_count()}
    records: dict[str, dict[str, object]] = {}
    for voters in args.ballots:
        record, generated = cached_record(voters, args.regenerate, args.group)
        runs: dict[str, dict[str, object]] = {}
        for mode in ("strict", "batch"):
            for jobs in args.jobs:
                flags = ["--strict"] if mode == "strict" else []
                run = fresh(["--measure", str(record), "--jobs", str(jobs), "--repeats", str(args.repeats), *flags])
                runs[f"{mode}/{jobs}"] = run
                print(f"{voters} ballots, {mode}, {jobs} job(s): {run['median_s']} s", file=sys.stderr)
        entry: dict[str, object] = {"runs": runs}
        if generated is not None:
            entry["generated_s"] = round(generated, 1)
        speedups: dict[str, float] = {}
        for jobs in args.jobs:
            strict_s, batch_s = runs[f"strict/{jobs}"]["median_s"], runs[f"batch/{jobs}"]["median_s"]
            speedups[f"batch_over_strict/{jobs}"] = round(float(strict_s) / float(batch_s), 2)  # type: ignore[arg-type]
        if 1 in args.jobs and 2 in args.jobs:
            for mode in ("strict", "batch"):
                one, two = runs[f"{mode}/1"]["median_s"], runs[f"{mode}/2"]["median_s"]
                speedups[f"2_jobs_over_1/{mode}"] = round(float(one) / float(two), 2)  # type: ignore[arg-type]
        entry["speedups"] = speedups
        records[str(voters)] = entry
    out["records"] = records

    largest = records[str(max(args.ballots))]["runs"]
    base_jobs = min(args.jobs)
    per_core = {
        mode: float(largest[f"{mode}/{base_jobs}"]["ms_per_selection_per_core"])  # type: ignore[index,arg-type]
        for mode in ("strict", "batch")
    }
    first = largest[f"strict/{base_jobs}"]  # type: ignore[index]
    out["backend"], out["ifma"] = first["backend"], first["ifma"]
    projection: dict[str, object] = {
        "voters": NATIONAL_VOTERS,
        "selections_per_voter": NATIONAL_SELECTIONS_PER_VOTER,
        "hours": PROJECTION_SECONDS / 3600,
        "from": f"{max(args.ballots)} ballots, {base_jobs} job(s), whole record, ms per selection per core",
        "test_group": {
            mode: {"ms_per_selection_per_core": per_core[mode], "cores": cores_for(per_core[mode])} for mode in per_core
        },
    }
    if not args.no_production:
        ratio = group_ratio(args.sample_ballots, args.repeats, args.regenerate)
        out["production_over_test"] = ratio
        groups: dict[str, dict[str, object]] = ratio["per_group"]  # type: ignore[assignment]
        scaled = {
            mode: per_core[mode]
            + float(groups["production"][f"{mode}_ms_per_selection"])  # type: ignore[arg-type]
            - float(groups["test"][f"{mode}_ms_per_selection"])  # type: ignore[arg-type]
            for mode in per_core
        }
        projection["production_group_scaled"] = {
            mode: {"ms_per_selection_per_core": round(scaled[mode], 3), "cores": cores_for(scaled[mode])}
            for mode in scaled
        }
    out["projection"] = projection
    if args.dask:
        out["dask"] = dask_main(args)
    own = resource.getrusage(resource.RUSAGE_SELF)
    out["peak_rss_mib_driver"] = round(own.ru_maxrss / 1024, 1)
    print(json.dumps(out, indent=2))


def dask_main(args: argparse.Namespace) -> dict[str, object]:
    """The Dask rows: per record and mode, local processes and 1 and 2 Dask workers; the client's memory."""
    out: dict[str, object] = {}
    for voters in args.ballots:
        record, _ = cached_record(voters, args.regenerate, args.group)
        rows: dict[str, object] = {}
        for mode in ("strict", "batch"):
            flags = ["--strict"] if mode == "strict" else []
            jobs = [str(j) for j in args.jobs]
            rows[mode] = fresh(["--measure-dask", str(record), "--jobs", *jobs, "--repeats", str(args.repeats), *flags])
            print(f"{voters} ballots, {mode}, Dask: {rows[mode]}", file=sys.stderr)
        rows["client_memory"] = fresh(["--measure-memory", str(record), "--jobs", str(max(args.jobs))])
        out[str(voters)] = rows
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
