"""The verifier maps the reader's range violations to check ids by their data, not their wording.

The tamper cases that put a value out of its range (a response >= q, a pad >= p, ...) are run again
with the reader's messages reworded: each still fails exactly the check it failed before, and the
finding carries the new wording, so the mapping cannot have read it.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pytest

from engine.record import RangeViolation, ValueKind
from engine.record.cursor import JsonCursor
from tests.support.egk_tampers import TAMPERS, Tamper, copy_record, verify

REWORDED = "a value outside the range of its kind (reworded)"
RANGE_TAMPERS = [t for t in TAMPERS if ">=" in t.name]


def reworded(self: JsonCursor, kind: ValueKind, problem: str) -> NoReturn:
    raise RangeViolation(self.file, self.steps, kind, REWORDED)


def test_the_range_cases_cover_ballots_tally_challenged_ballots_and_guardians() -> None:
    assert {"2.B", "5.A", "5.B", "5.C", "6.B", "6.C", "9.A", "11.A", "12.A", "14.A"} <= {
        t.check_id for t in RANGE_TAMPERS
    }


@pytest.mark.parametrize("tamper", RANGE_TAMPERS, ids=[f"{t.check_id}:{t.name}" for t in RANGE_TAMPERS])
def test_a_reworded_range_violation_fails_the_same_check(
    tmp_path: Path, tamper: Tamper, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_record(tmp_path)
    tamper.apply(root)
    monkeypatch.setattr(JsonCursor, "out_of_range", reworded)
    report = verify(root)
    assert set(report.failed_ids) == {tamper.check_id} | tamper.also, [str(f) for f in report.findings]
    assert any(REWORDED in f.message for f in report.findings_for(tamper.check_id))
