"""Timing-leak harness: python -m benchmarks.ct [options]; JSON on stdout, the table on stderr.

Each configuration (native with AVX-512 IFMA, native with BALLOTCHAIN_NATIVE_IFMA=0, gmpy2) runs
in its own process, since the backend and the multiplication path are fixed when the tables are
built. Exit status 0 when every case came out as expected (no leak flagged, the positive controls
flagged), 1 otherwise.

    python -m benchmarks.ct                          # full run, native configurations
    python -m benchmarks.ct --scale 0.1              # a tenth of the samples
    python -m benchmarks.ct --configs gmpy2 --budget 120
    python -m benchmarks.ct --cases var-base range-arith --json-out ct.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

CONFIGS = {
    "native-ifma": {"ENGINE_BACKEND": "native", "BALLOTCHAIN_NATIVE_IFMA": "1"},
    "native-mpn": {"ENGINE_BACKEND": "native", "BALLOTCHAIN_NATIVE_IFMA": "0"},
    "gmpy2": {"ENGINE_BACKEND": "gmpy2"},
}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_has_ifma() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            return "avx512ifma" in handle.read()
    except OSError:
        return False


def available_configs() -> list[str]:
    try:
        from engine.backend.native_backend import lib
    except ImportError:
        return ["gmpy2"]
    os.environ.pop("BALLOTCHAIN_NATIVE_IFMA", None)
    return ["native-ifma", "native-mpn"] if lib.bc_ifma_available() else ["native-mpn"]


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ct", description=__doc__.splitlines()[0])
    ap.add_argument("--configs", help="comma-separated: native-ifma, native-mpn, gmpy2 (default: the native ones)")
    ap.add_argument("--cases", nargs="*", help="case name prefixes (default: every case)")
    ap.add_argument("--group", choices=["production", "test"], default="production")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every case's sample count")
    ap.add_argument("--samples", type=int, help="the same sample count for every case")
    ap.add_argument("--budget", type=float, default=900.0, help="seconds per case at most (after 1000 samples)")
    ap.add_argument("--json-out", help="also write the JSON here")
    ap.add_argument("--markdown", metavar="JSON", help="print a saved report as a Markdown table (no run)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def child(args: argparse.Namespace) -> int:
    from benchmarks.ct.run import arithmetic, run_cases, selected
    from engine.group import group_by_name

    native = arithmetic()["backend"] == "native"
    cases = selected(args.cases, full=args.scale >= 1.0, native=native)
    result = run_cases(cases, group_by_name(args.group), scale=args.scale, samples=args.samples, budget_s=args.budget)
    json.dump(result, sys.stdout)
    return 0


def run_config(name: str, argv: list[str]) -> dict[str, Any]:
    env = {**os.environ, **CONFIGS[name]}
    if "BALLOTCHAIN_NATIVE_IFMA" not in CONFIGS[name]:
        env.pop("BALLOTCHAIN_NATIVE_IFMA", None)
    print(f"{name}:", file=sys.stderr, flush=True)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.ct", *argv, "--child", name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": f"exit status {proc.returncode}", "cases": []}
    return json.loads(proc.stdout)


def table(configs: dict[str, dict[str, Any]]) -> str:
    head = (
        f"{'config':12s} {'case':28s} {'samples':>9s} {'t':>8s} {'max|t|':>8s} {'at':>8s}"
        f" {'mean':>11s} {'res':>10s}  verdict"
    )
    lines = [head, "-" * len(head)]
    for name, result in configs.items():
        if "error" in result:
            lines.append(f"{name:12s} {result['error']}")
        for c in result["cases"]:
            mean = sum(c["mean_ns"]) / 2
            word = ("leak" if c["leak"] else "none") + ("" if c["as_expected"] else "  << UNEXPECTED")
            lines.append(
                f"{name:12s} {c['case']:28s} {c['samples']:>9d} {c['t']:>8.2f} {c['max_abs_t']:>8.2f} {c['max_at']:>8s}"
                f" {_time(mean):>11s} {_time(c['best_resolution_ns']):>10s}  {word}"
            )
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """One row per case, for each configuration: samples, max |t| (crop) and resolution / mean time."""
    names = [n for n, r in report["configs"].items() if "error" not in r]
    head = "| case | classes (0 / 1) | " + " | ".join(f"{n}: samples, max \\|t\\|, resolution / mean" for n in names)
    lines = [head + " |", "|" + "---|" * (2 + len(names))]
    by_name = {n: {c["case"]: c for c in report["configs"][n]["cases"]} for n in names}
    order = list(dict.fromkeys(c for n in names for c in by_name[n]))
    for case in order:
        first = next(by_name[n][case] for n in names if case in by_name[n])
        cells = []
        for n in names:
            c = by_name[n].get(case)
            if c is None:
                cells.append("-")
                continue
            flag = " **leak**" if c["leak"] else ""
            cells.append(
                f"{c['samples']:,}, {c['max_abs_t']:.2f} ({c['max_at']}){flag}, "
                f"{_time(c['best_resolution_ns'])} / {_time(sum(c['mean_ns']) / 2)}"
            )
        lines.append(f"| {case} | {' / '.join(first['classes'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _as_expected(result: dict[str, Any]) -> bool:
    return "error" not in result and all(c["as_expected"] for c in result["cases"])


def _time(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} us"
    return f"{ns:.0f} ns"


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.child:
        return child(args)
    if args.markdown:
        with open(args.markdown, encoding="utf-8") as handle:
            print(markdown(json.load(handle)))
        return 0
    names = args.configs.split(",") if args.configs else available_configs()
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        print(f"unknown configuration(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    passthrough = ["--group", args.group, "--scale", str(args.scale), "--budget", str(args.budget)]
    if args.samples is not None:
        passthrough += ["--samples", str(args.samples)]
    if args.cases:
        passthrough += ["--cases", *args.cases]
    started = datetime.datetime.now(datetime.timezone.utc)
    configs = {name: run_config(name, passthrough) for name in names}
    import gmpy2

    report = {
        "harness": "dudect-style: Welch's t over randomly interleaved classes, raw and percentile crops",
        "date": started.isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cpu_has_avx512ifma": cpu_has_ifma(),
        "python": platform.python_version(),
        "gmp": gmpy2.mp_version(),
        "group": args.group,
        "command": " ".join(["python -m benchmarks.ct", *(argv if argv is not None else sys.argv[1:])]),
        "configs": configs,
        "all_as_expected": all(_as_expected(r) for r in configs.values()),
    }
    print(table(configs), file=sys.stderr)
    text = json.dumps(report, indent=1)
    print(text)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return 0 if report["all_as_expected"] else 1


if __name__ == "__main__":
    sys.exit(main())
