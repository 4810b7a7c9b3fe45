"""egk's three workflow records verified once per test process, and the verdicts kept for the tests
that verify changed copies of them (spec 2.0.0 section 6).

Each record is verified from cold (an empty cache) the first time any test asks for it; the
ballot and proof verdicts of that run are kept (verify_record's ``cache``) so that verifying a copy
with one file changed re-verifies only what changed. allAvailableJson goes through the verifier's
process pool (jobs = 2), the others run in this process.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from engine.verify import Report, verify_record
from tests.support.egk_data import workflow

POOLED = "allAvailableJson"


@dataclass(frozen=True)
class EgkVerification:
    """One egk record's report, the progress events of its run, and the verdicts it left behind."""

    report: Report
    events: tuple[tuple[str, int, int], ...]
    verdicts: dict[Hashable, Any]


@functools.cache
def egk_verification(name: str) -> EgkVerification:
    """egk's workflow record ``name`` verified from cold, once per process."""
    events: list[tuple[str, int, int]] = []
    verdicts: dict[Hashable, Any] = {}
    jobs = 2 if name == POOLED else 1
    report = verify_record(workflow(name), jobs=jobs, progress=lambda *e: events.append(e), cache=verdicts)
    return EgkVerification(report, tuple(events), verdicts)
