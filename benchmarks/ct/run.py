"""Run the cases of benchmarks/ct/cases.py for the backend this process uses; results as JSON-ready dicts."""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Iterable
from typing import Any

from benchmarks.ct.cases import CASES, Case
from benchmarks.ct.measure import measure
from benchmarks.ct.stats import THRESHOLD, dudect_tests, verdict
from engine.group import Group


def arithmetic() -> dict[str, Any]:
    """The engine's backend and, for native, which multiplication its odd moduli use."""
    from engine.backend import get_backend

    backend = get_backend()
    info: dict[str, Any] = {"backend": backend.name}
    if backend.name == "native":
        from engine.backend.native_backend import lib

        info["arithmetic"] = "ifma" if lib.bc_ifma_available() else "mpn"
    return info


def selected(names: Iterable[str] | None, *, full: bool, native: bool) -> list[Case]:
    """The cases to run: by name prefix if given, else all (full_only ones in a full run only)."""
    wanted = list(names or [])
    out = []
    for case in CASES:
        if wanted and not any(case.name.startswith(w) for w in wanted):
            continue
        if case.full_only and not full and not wanted:
            continue
        if case.native_only and not native:
            continue
        out.append(case)
    return out


def run_case(
    case: Case,
    group: Group,
    *,
    samples: int,
    budget_s: float | None,
    min_samples: int,
    seed: int | None = None,
) -> dict[str, Any]:
    """Build, time and test one case; the dict holds t, samples, means and the resolution."""
    case_group = case.group_for(group)
    rng = random.Random(seed if seed is not None else int.from_bytes(os.urandom(8), "big"))
    prepare, run = case.build(case_group)
    timings = measure(prepare, run, samples, rng=rng, budget_s=budget_s, min_samples=min_samples)
    tests = dudect_tests(timings.times_ns, timings.classes)
    v = verdict(tests)
    raw = tests[0]
    return {
        "case": case.name,
        "kind": case.kind,
        "group": case_group.name,
        "classes": list(case.classes),
        "samples": int(len(timings.times_ns)),
        "per_class": list(raw.samples),
        "mean_ns": [round(m, 1) for m in raw.mean_ns],
        "median_ns": round(float(sorted(timings.times_ns)[len(timings.times_ns) // 2]), 1),
        "t": round(raw.t, 2),
        "max_abs_t": round(v.max_abs_t, 2),
        "max_at": v.max_at,
        "resolution_ns": round(raw.resolution_ns, 1),
        "best_resolution_ns": round(v.resolution_ns, 1),
        "leak": v.leak,
        "expected_leak": case.expect_leak,
        "as_expected": v.leak == case.expect_leak,
        "seconds": round(timings.seconds, 1),
        "tests": [t.as_json() for t in tests],
    }


def run_cases(
    cases: list[Case],
    group: Group,
    *,
    scale: float = 1.0,
    samples: int | None = None,
    budget_s: float | None = None,
    min_samples: int = 1000,
    progress: bool = True,
) -> dict[str, Any]:
    """Every case in this process: a dict of the configuration and the case results."""
    started = time.time()
    load_before = list(os.getloadavg())
    results = []
    for case in cases:
        n = samples if samples is not None else max(min_samples, int(case.samples * scale))
        result = run_case(case, group, samples=n, budget_s=budget_s, min_samples=min(min_samples, n))
        results.append(result)
        if progress:
            print(
                f"  {case.name:28s} n={result['samples']:>8d}  max|t|={result['max_abs_t']:7.2f}"
                f"  res={result['best_resolution_ns']:>10.1f} ns  {result['seconds']:6.1f} s",
                file=sys.stderr,
                flush=True,
            )
    return {
        **arithmetic(),
        "threshold": THRESHOLD,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.time() - started, 1),
        "cases": results,
    }
