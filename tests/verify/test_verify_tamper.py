"""Tamper tests: for every check id, one change to a valid egk record that the check exists to catch.

Each test copies egk's chainedJson record (the one with chaining, challenged ballots and their
decryptions) to a temporary folder, changes one thing in its JSON, and asserts that the verifier
reports exactly the intended check as failed, together with the checks that cannot help failing
with it (listed per case, with the reason), and does not crash. The cases are in
tests.support.egk_tampers; the ballot and proof verdicts of one verification of the record from
cold (tests.support.egk_verification, once per test process; keyed by their full values) make each
run re-verify only what was changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.election import ElectionConfig
from engine.group import TEST_GROUP
from engine.hash import UInt256
from engine.record import RecordError
from engine.verify import Report, Status
from engine.verify.catalog import CHECKS, PREENCRYPTED_CHECKS
from engine.verify.parameters import verify_parameters
from engine.verify.report import Recorder
from tests.support.egk_tampers import (
    RECORD,
    TAMPERS,
    Tamper,
    copy_record,
    dballot,
    eballot,
    set_field,
    verify,
)
from tests.support.egk_verification import egk_verification


@pytest.fixture(scope="module")
def baseline() -> Report:
    report = egk_verification(RECORD).report
    assert report.ok, report.failed_ids
    return report


EXEMPT = {
    **{c: "no pre-encrypted ballot in egk's records: tests/verify/test_preencrypted.py" for c in PREENCRYPTED_CHECKS},
    **{f"B.{n}": "egk's records have no board log: see tests/verify/test_board_verify.py" for n in range(0, 10)},
    "R.proof_commitments": "egk's records publish no proof commitments: see tests/verify/test_batch_verify.py",
    "R.preencrypted": "no pre-encrypted ballot in egk's records: tests/verify/test_preencrypted.py",
}


def test_every_check_has_a_tamper_case() -> None:
    covered = {t.check_id for t in TAMPERS} | set(EXEMPT)
    assert covered == {c for c, _ in CHECKS}


@pytest.mark.parametrize("tamper", TAMPERS, ids=[f"{t.check_id}:{t.name}" for t in TAMPERS])
def test_tamper_fails_exactly_the_intended_check(tmp_path: Path, baseline: Report, tamper: Tamper) -> None:
    root = copy_record(tmp_path)
    tamper.apply(root)
    report = verify(root)
    failed = set(report.failed_ids)
    assert tamper.check_id in failed, (failed, [str(f) for f in report.findings])
    assert failed == {tamper.check_id} | tamper.also, [str(f) for f in report.findings]
    assert not report.ok
    findings = report.findings_for(tamper.check_id)
    assert findings and all(f.message for f in findings)
    json.dumps(report.to_json_dict())


# ---------------------------------------------------------------- outside the table


def test_other_parameters_fail_1b_to_1e_and_nothing_else_is_checked(tmp_path: Path) -> None:
    root = copy_record(tmp_path)
    set_field("constants.json", ["large_prime"], lambda h: h[:-1] + "D")(root)
    report = verify(root)
    assert report.failed_ids == ("1.B",)
    assert set(report.not_checked_ids) == {c for c, _ in CHECKS} - {"1.B", "1.C", "1.D", "1.E"}
    set_field("constants.json", ["large_prime"], lambda h: "zz")(root)
    with pytest.raises(RecordError) as err:  # unreadable, not merely other parameters
        verify(root)
    assert err.value.file == "constants.json"

    # A known group other than the spec's (the engine's test group) fails 1.B-1.E, unless accepted.
    config = ElectionConfig(
        group=TEST_GROUP,
        config_version="v2.0.0",
        number_of_guardians=1,
        quorum=1,
        parameter_base_hash=UInt256(bytes(32)),
        manifest_hash=UInt256(bytes(32)),
        election_base_hash=UInt256(bytes(32)),
        manifest_bytes=b"{}",
    )
    rec = Recorder()
    verify_parameters(rec, TEST_GROUP, config)
    assert all(rec.has_failures(c) for c in ("1.B", "1.C", "1.D", "1.E"))
    rec = Recorder()
    verify_parameters(rec, TEST_GROUP, config, accept_test_group=True)
    assert not any(rec.has_failures(c) for c in ("1.B", "1.C", "1.D", "1.E"))


def test_an_ordinary_ballot_marked_preencrypted_fails_17(tmp_path: Path, baseline: Report) -> None:
    root = copy_record(tmp_path)
    set_field(eballot("id-1"), ["is_preencrypt"], lambda _: True)(root)
    report = verify(root)
    # no pre_encryption data, its code is eq. 58's, and egk's manifest does not admit pre-encrypted ballots
    assert set(report.failed_ids) == {"17.B", "17.C", "R.preencrypted"}
    assert all(baseline.check(c).status is Status.NOT_APPLICABLE for c in PREENCRYPTED_CHECKS)


@pytest.mark.parametrize(
    "damage, file",
    [
        (lambda root: (root / "manifest.json").unlink(), "manifest.json"),
        (lambda root: (root / eballot("id-3")).write_text('{"ballot_id": '), eballot("id-3")),
        (lambda root: set_field(eballot("id-2"), ["state"], lambda _: "LOST")(root), eballot("id-2")),
        (lambda root: (root / dballot("id-3")).write_text("[]"), dballot("id-3")),
    ],
    ids=["missing manifest", "truncated ballot", "unknown state", "decryption not an object"],
)
def test_unreadable_record_raises_the_readers_error(tmp_path: Path, damage: Any, file: str) -> None:
    root = copy_record(tmp_path)
    damage(root)
    with pytest.raises(RecordError) as err:
        verify(root)
    assert err.value.file == file


def test_missing_tally_makes_tally_checks_not_checked(tmp_path: Path, baseline: Report) -> None:
    root = copy_record(tmp_path)
    (root / "tally.json").unlink()
    report = verify(root)
    assert report.failed_ids == ()
    assert report.check("9.B").status is Status.NOT_CHECKED
    assert report.check("8.A").status is Status.PASSED
    assert not report.ok
