"""The verifier's report: per check, what was checked and what did not hold (spec 2.0.0 section 6).

``Report``, ``CheckResult`` and ``Finding`` are immutable values; ``Recorder`` is the mutable
tally a verification run (or one worker process) fills in and that is merged into a report.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from engine.verify.catalog import CHECKS, DESCRIPTIONS, ORDER

# Findings kept per check id; beyond it only the count grows (a record with a million bad ballots
# still gives a readable report).
MAX_FINDINGS_PER_CHECK = 200


class Status(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not applicable"
    NOT_CHECKED = "not checked"
    NOT_YET = "not yet"  # the election has not reached the step that publishes what the check needs


# The election's phase, as the record shows it (what has been published so far):
PHASE_VOTING = "voting"  # no encrypted_tally.json yet: ballots only
PHASE_TALLIED = "tallied"  # encrypted_tally.json, and no decryption published yet
PHASE_DECRYPTED = "decrypted"  # tally.json or a challenged ballot's decryption: the record must be complete


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing that did not hold: the check, where (file, ballot, contest, selection), and what."""

    check_id: str
    message: str
    file: str = ""
    ballot_id: str = ""
    contest_id: str = ""
    selection_id: str = ""

    def to_json_dict(self) -> dict[str, str]:
        out = {"check": self.check_id, "message": self.message}
        for key in ("file", "ballot_id", "contest_id", "selection_id"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out

    def where(self, *, with_file: bool = True) -> str:
        """Where the finding holds: "file F, ballot B, contest C, selection S", the parts that are known."""
        places = (
            ("file", self.file if with_file else ""),
            ("ballot", self.ballot_id),
            ("contest", self.contest_id),
            ("selection", self.selection_id),
        )
        return ", ".join(f"{name} {value}" for name, value in places if value)

    def __str__(self) -> str:
        where = self.where()
        return f"[{self.check_id}] {self.message}" + (f" ({where})" if where else "")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check id; seconds are CPU seconds summed over the processes that ran it."""

    check_id: str
    description: str
    status: Status
    items: int
    passed: int
    failed: int
    seconds: float
    notes: tuple[str, ...] = ()
    forms: tuple[tuple[str, int], ...] = ()

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.check_id,
            "description": self.description,
            "status": self.status.value,
            "items": self.items,
            "passed": self.passed,
            "failed": self.failed,
            "seconds": round(self.seconds, 6),
        }
        if self.notes:
            out["notes"] = list(self.notes)
        if self.forms:
            out["forms"] = dict(self.forms)
        return out


@dataclass(frozen=True, slots=True)
class KeyUse:
    """A trust anchor the verifier checked against: whose key, its bytes, where it came from.

    role: "board" or "registrar"; source: "pinned" (given by the user), "board_keys.json" (fixed in
    the record before voting), or the file that merely names it when the record fixes none
    ("board/board.json", "board/roster.json"); None when there is no such key at all.
    """

    role: str
    key: bytes | None
    source: str
    pinned: bool

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "key": None if self.key is None else self.key.hex().upper(),
            "source": self.source,
            "pinned": self.pinned,
        }

    def __str__(self) -> str:
        key = "none" if self.key is None else self.key.hex().upper()
        return f"{self.role} key {key} ({'pinned' if self.pinned else 'from ' + self.source})"


@dataclass(frozen=True)
class Report:
    """What the verifier found in one election record.

    ``ok`` holds when every check passed, does not apply, or waits for a later phase of the election
    ("not yet": the record of an election still voting or not yet decrypted); a check that failed or
    could not be made ("not checked", e.g. pre-encrypted ballots) makes it false. ``phase`` is one of
    PHASE_VOTING, PHASE_TALLIED, PHASE_DECRYPTED ("" if the verifier stopped before knowing it);
    ``hints`` say what the user can do about a failure (e.g. the option that accepts the test group).
    """

    record: str
    checks: tuple[CheckResult, ...]
    findings: tuple[Finding, ...]
    seconds: float
    jobs: int
    findings_omitted: int = 0
    summary: tuple[tuple[str, int], ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    keys: tuple[KeyUse, ...] = field(default=())
    phase: str = ""
    hints: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(c.status in (Status.PASSED, Status.NOT_APPLICABLE, Status.NOT_YET) for c in self.checks)

    @property
    def not_yet_ids(self) -> tuple[str, ...]:
        return tuple(c.check_id for c in self.checks if c.status is Status.NOT_YET)

    @property
    def status_line(self) -> str:
        """One line for people: the verdict, in the election's phase, and what is not yet published."""
        counts = dict(self.summary)
        cast, challenged = counts.get("cast", 0), counts.get("challenged", 0)
        ballots = f"{counts.get('ballots', 0):,} ballots ({cast:,} cast, {challenged:,} challenged)"
        if self.failed_ids:
            line = f"the record does NOT verify: {len(self.failed_ids)} check(s) failed ({', '.join(self.failed_ids)})"
            return "; ".join([line, *self.hints])
        if not self.ok:
            missing = self.not_checked_ids
            line = f"the record is incomplete: {len(missing)} check(s) could not be made ({', '.join(missing)})"
            return "; ".join([line, *self.hints])
        if self.phase == PHASE_VOTING:
            return f"voting phase: {ballots} verified; tally not yet published"
        if self.phase == PHASE_TALLIED:
            pending = "" if "R.challenged" not in self.not_yet_ids else "; challenged ballots not yet decrypted"
            return f"tallied: {ballots} and the encrypted tally verified; decryption not yet published{pending}"
        return f"all checks passed: the record is complete, {ballots} verified"

    @property
    def failed_ids(self) -> tuple[str, ...]:
        return tuple(c.check_id for c in self.checks if c.status is Status.FAILED)

    @property
    def not_checked_ids(self) -> tuple[str, ...]:
        return tuple(c.check_id for c in self.checks if c.status is Status.NOT_CHECKED)

    def check(self, check_id: str) -> CheckResult:
        for c in self.checks:
            if c.check_id == check_id:
                return c
        raise KeyError(check_id)

    def findings_for(self, check_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.check_id == check_id)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "record": self.record,
            "seconds": round(self.seconds, 6),
            "jobs": self.jobs,
            "summary": dict(self.summary),
            "failed": list(self.failed_ids),
            "not_checked": list(self.not_checked_ids),
            "not_yet": list(self.not_yet_ids),
            "phase": self.phase,
            "status": self.status_line,
            "hints": list(self.hints),
            "checks": [c.to_json_dict() for c in self.checks],
            "findings": [f.to_json_dict() for f in self.findings],
            "findings_omitted": self.findings_omitted,
            "notes": list(self.notes),
            "keys": {k.role: k.to_json_dict() for k in self.keys},
        }


@dataclass
class _Count:
    items: int = 0
    passed: int = 0
    failed: int = 0
    seconds: float = 0.0


class Recorder:
    """Counts items, collects findings and times the work of each check id.

    A worker process fills its own recorder and sends ``snapshot()`` back; the parent ``merge``s.
    """

    def __init__(self) -> None:
        self._counts: dict[str, _Count] = {}
        self._findings: dict[str, list[Finding]] = {}
        self._omitted: dict[str, int] = {}
        self._forms: dict[str, dict[str, int]] = {}
        self._notes: dict[str, list[str]] = {}

    def _count(self, check_id: str) -> _Count:
        if check_id not in DESCRIPTIONS:
            raise KeyError(f"unknown check id {check_id!r}")
        c = self._counts.get(check_id)
        if c is None:
            c = self._counts[check_id] = _Count()
        return c

    def passed(self, check_id: str, n: int = 1) -> None:
        c = self._count(check_id)
        c.items += n
        c.passed += n

    def failed(self, finding: Finding) -> None:
        c = self._count(finding.check_id)
        c.items += 1
        c.failed += 1
        kept = self._findings.setdefault(finding.check_id, [])
        if len(kept) < MAX_FINDINGS_PER_CHECK:
            kept.append(finding)
        else:
            self._omitted[finding.check_id] = self._omitted.get(finding.check_id, 0) + 1

    def failed_at(self, check_id: str, message: str, where: dict[str, str]) -> None:
        self.failed(Finding(check_id, message, **where))

    def expect(self, condition: bool, check_id: str, message: str, **where: str) -> bool:
        """Count one item of check_id; on a false condition, record the finding. Returns condition."""
        if condition:
            self.passed(check_id)
        else:
            self.failed(Finding(check_id, message, **where))
        return condition

    def form(self, check_id: str, form: str, n: int = 1) -> None:
        """Count an item found in a named form (e.g. "egk" or "spec", docs/PROTOCOL.md deviations)."""
        self._count(check_id)
        forms = self._forms.setdefault(check_id, {})
        forms[form] = forms.get(form, 0) + n

    def note(self, check_id: str, text: str) -> None:
        self._count(check_id)
        notes = self._notes.setdefault(check_id, [])
        if text not in notes:
            notes.append(text)

    def add_seconds(self, check_id: str, seconds: float) -> None:
        self._count(check_id).seconds += seconds

    @contextmanager
    def timed(self, check_id: str) -> Iterator[None]:
        start = time.process_time()
        try:
            yield
        finally:
            self.add_seconds(check_id, time.process_time() - start)

    def items(self, check_id: str) -> int:
        """How many items of check_id were counted so far."""
        c = self._counts.get(check_id)
        return 0 if c is None else c.items

    def has_failures(self, check_id: str) -> bool:
        c = self._counts.get(check_id)
        return c is not None and c.failed > 0

    # -- moving between processes --------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """A picklable copy of everything recorded."""
        return {
            "counts": {k: (c.items, c.passed, c.failed, c.seconds) for k, c in self._counts.items()},
            "findings": {k: list(v) for k, v in self._findings.items()},
            "omitted": dict(self._omitted),
            "forms": {k: dict(v) for k, v in self._forms.items()},
            "notes": {k: list(v) for k, v in self._notes.items()},
        }

    def merge(self, snap: dict[str, Any]) -> None:
        for k, (items, passed, failed, seconds) in snap["counts"].items():
            c = self._count(k)
            c.items += items
            c.passed += passed
            c.failed += failed
            c.seconds += seconds
        for k, findings in snap["findings"].items():
            kept = self._findings.setdefault(k, [])
            room = MAX_FINDINGS_PER_CHECK - len(kept)
            kept.extend(findings[: max(room, 0)])
            extra = len(findings) - max(room, 0)
            if extra > 0:
                self._omitted[k] = self._omitted.get(k, 0) + extra
        for k, n in snap["omitted"].items():
            self._omitted[k] = self._omitted.get(k, 0) + n
        for k, forms in snap["forms"].items():
            for form, n in forms.items():
                self.form(k, form, n)
        for k, notes in snap["notes"].items():
            for text in notes:
                self.note(k, text)

    # -- the report ----------------------------------------------------------------------
    def build(
        self,
        record: str,
        seconds: float,
        jobs: int,
        not_checked: frozenset[str] = frozenset(),
        summary: tuple[tuple[str, int], ...] = (),
        notes: tuple[str, ...] = (),
        keys: tuple[KeyUse, ...] = (),
        *,
        not_yet: frozenset[str] = frozenset(),
        phase: str = "",
        hints: tuple[str, ...] = (),
        catalog: tuple[tuple[str, str], ...] = CHECKS,
    ) -> Report:
        """The report over ``catalog`` (the 2.0 checks unless told, e.g. V1_CHECKS for a 1.0 record); a check
        in ``not_yet`` without failures is NOT_YET (even if also in ``not_checked``)."""
        results = []
        for check_id, description in catalog:
            c = self._counts.get(check_id, _Count())
            if c.failed:
                status = Status.FAILED
            elif check_id in not_yet:
                status = Status.NOT_YET
            elif check_id in not_checked:
                status = Status.NOT_CHECKED
            elif c.items == 0:
                status = Status.NOT_APPLICABLE
            else:
                status = Status.PASSED
            results.append(
                CheckResult(
                    check_id=check_id,
                    description=description,
                    status=status,
                    items=c.items,
                    passed=c.passed,
                    failed=c.failed,
                    seconds=c.seconds,
                    notes=tuple(self._notes.get(check_id, ())),
                    forms=tuple(sorted(self._forms.get(check_id, {}).items())),
                )
            )
        findings = sorted(
            (f for kept in self._findings.values() for f in kept),
            key=lambda f: (ORDER[f.check_id], f.file, f.ballot_id, f.contest_id, f.selection_id),
        )
        return Report(
            record=record,
            checks=tuple(results),
            findings=tuple(findings),
            seconds=seconds,
            jobs=jobs,
            findings_omitted=sum(self._omitted.values()),
            summary=summary,
            notes=notes,
            keys=keys,
            phase=phase,
            hints=hints,
        )
