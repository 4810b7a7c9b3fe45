"""A short run of the timing-leak harness (benchmarks/ct, issue 16) with the backend in use.

Every case of the harness runs on the small test group with a few thousand samples (each case
stops after BUDGET_S seconds once it has MIN_SAMPLES). This cannot measure small leaks; the full
run (make ct) does, and docs/PROTOCOL.md holds its figures. The test fails only when the harness
is broken (the positive control, plain powmod with a short against a long exponent, is not
detected) or when a case leaks far above the noise: |t| above FAIL_T, four times the detection
threshold, which no case reaches without a gross leak such as a shortcut for exponent 0.
"""

from __future__ import annotations

from benchmarks.ct.run import arithmetic, run_cases, selected
from benchmarks.ct.stats import THRESHOLD
from engine.group import TEST_GROUP

SAMPLES = 3000
MIN_SAMPLES = 1000
BUDGET_S = 1.5
FAIL_T = 4 * THRESHOLD


def test_the_harness_detects_its_positive_control_and_no_case_leaks_grossly() -> None:
    native = arithmetic()["backend"] == "native"
    cases = selected(None, full=False, native=native)
    report = run_cases(cases, TEST_GROUP, samples=SAMPLES, budget_s=BUDGET_S, min_samples=MIN_SAMPLES, progress=False)
    results = {r["case"]: r for r in report["cases"]}
    assert {"control/a-a", "control/positive", "var-base/python", "encrypt+proof/vote"} <= set(results)
    positive = results["control/positive"]
    assert positive["max_abs_t"] > THRESHOLD, f"the harness did not detect its positive control: {positive}"
    gross = {
        name: (r["max_abs_t"], r["max_at"], r["samples"])
        for name, r in results.items()
        if not r["expected_leak"] and r["max_abs_t"] > FAIL_T
    }
    assert not gross, f"timing leaks far above the noise (|t|, crop, samples): {gross}"
    assert all(r["samples"] >= MIN_SAMPLES for r in results.values())
