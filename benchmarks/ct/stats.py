"""Welch's t-test over two classes of timings, raw and over percentile crops (dudect's statistics).

Reparaz, Balasch and Verbauwhede, "dude, is my code constant time?" (DATE 2017): time many calls
of two input classes interleaved at random and test whether the two timing distributions have
the same mean; |t| above 4.5 is a leak. Cropping at a percentile of the pooled timings drops the
long tail that interrupts and other processes add, which makes the test more sensitive to a
small, steady difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

THRESHOLD = 4.5
# dudect crops at 1 - 0.5^(10 (k+1) / N); these six keep 50% .. 98.4% of the samples.
CROP_PERCENTILES = (50.0, 75.0, 87.5, 93.75, 96.875, 98.4375)


@dataclass(frozen=True)
class TTest:
    """One Welch test: t of class 1 minus class 0, and the resolution it reached.

    resolution_ns is the difference of means that would give |t| = THRESHOLD with these
    samples: a leak of that size or more would have been flagged.
    """

    crop: str
    samples: tuple[int, int]
    mean_ns: tuple[float, float]
    t: float
    resolution_ns: float

    def as_json(self) -> dict[str, object]:
        return {
            "crop": self.crop,
            "samples": list(self.samples),
            "mean_ns": [round(m, 1) for m in self.mean_ns],
            "t": round(self.t, 2),
            "resolution_ns": round(self.resolution_ns, 1),
        }


def welch(times: np.ndarray, classes: np.ndarray, crop: str) -> TTest:
    """Welch's t of class 1 against class 0 (t = 0 when a class has fewer than two samples)."""
    a, b = times[classes == 0], times[classes == 1]
    n0, n1 = len(a), len(b)
    if n0 < 2 or n1 < 2:
        return TTest(crop, (n0, n1), (math.nan, math.nan), 0.0, math.inf)
    m0, m1 = float(a.mean()), float(b.mean())
    se = math.sqrt(float(a.var(ddof=1)) / n0 + float(b.var(ddof=1)) / n1)
    t = (m1 - m0) / se if se > 0 else (0.0 if m0 == m1 else math.copysign(math.inf, m1 - m0))
    return TTest(crop, (n0, n1), (m0, m1), t, THRESHOLD * se)


def dudect_tests(times: np.ndarray, classes: np.ndarray) -> list[TTest]:
    """The raw test and one per crop: samples below a percentile of the pooled timings."""
    tests = [welch(times, classes, "raw")]
    for pct in CROP_PERCENTILES:
        keep = times < np.percentile(times, pct)
        tests.append(welch(times[keep], classes[keep], f"p{pct:g}"))
    return tests


@dataclass(frozen=True)
class Verdict:
    """The largest |t| over the tests, where it was found, and the finest resolution reached."""

    max_abs_t: float
    max_at: str
    resolution_ns: float
    leak: bool


def verdict(tests: list[TTest]) -> Verdict:
    worst = max(tests, key=lambda t: abs(t.t))
    finest = min(t.resolution_ns for t in tests)
    return Verdict(abs(worst.t), worst.crop, finest, abs(worst.t) > THRESHOLD)
