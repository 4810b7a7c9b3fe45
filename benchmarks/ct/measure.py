"""Timing two input classes of one call, interleaved at random, inputs prepared outside the timed region.

Each batch draws a random class for every sample, prepares every input first (fresh objects for
both classes, so that neither class is the cache-warm one), then times the calls one by one with
the garbage collector off. The first batch is a warm-up and is dropped. A case stops at its sample
count or, once it has min_samples, at its time budget.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Prepare = Callable[[int, random.Random], Any]
Run = Callable[[Any], object]


@dataclass(frozen=True)
class Timings:
    times_ns: np.ndarray
    classes: np.ndarray
    seconds: float


def _batch(prepare: Prepare, run: Run, size: int, rng: random.Random) -> tuple[list[int], list[int]]:
    classes = [rng.getrandbits(1) for _ in range(size)]
    inputs = [prepare(c, rng) for c in classes]
    times = [0] * size
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        for i, x in enumerate(inputs):
            start = clock()
            run(x)
            times[i] = clock() - start
    finally:
        gc.enable()
    return classes, times


def measure(
    prepare: Prepare,
    run: Run,
    samples: int,
    *,
    rng: random.Random,
    batch: int = 1000,
    budget_s: float | None = None,
    min_samples: int = 0,
) -> Timings:
    """Time run(prepare(cls, rng)) for about `samples` random classes after one warm-up batch."""
    size = max(10, min(batch, samples))
    _batch(prepare, run, min(size, 200), rng)  # warm-up: caches, lazily built tables, branch predictors
    all_classes: list[int] = []
    all_times: list[int] = []
    start = time.perf_counter()
    while len(all_times) < samples:
        classes, times = _batch(prepare, run, min(size, samples - len(all_times)), rng)
        all_classes += classes
        all_times += times
        if budget_s is not None and len(all_times) >= min_samples and time.perf_counter() - start > budget_s:
            break
    return Timings(
        np.asarray(all_times, dtype=np.float64),
        np.asarray(all_classes, dtype=np.int8),
        time.perf_counter() - start,
    )
