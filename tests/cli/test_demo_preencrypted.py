"""`ballotchain demo --preencrypted` (spec 2.0.0 section 4): some cast ballots are pre-encrypted, marked by
short code and recorded; the demo's tally check holds and the record passes verifications 15.A-18.B."""

from __future__ import annotations

from pathlib import Path

from engine.cli.demo_cmd import run_demo
from engine.record import ElectionRecord
from engine.verify import Status, verify_record
from engine.verify.catalog import PREENCRYPTED_CHECKS
from tests.support.elections import run


def test_demo_preencrypted_verifies_with_checks_15_to_18_passed(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code = run_demo(
        out,
        voters=8,
        guardians=2,
        quorum=2,
        absent=0,
        challenge_rate=0.0,
        seed=7,
        group_name="test",
        devices=1,
        jobs=1,
        preencrypted=True,
    )
    assert code == 0
    record = out / "record"
    assert not ElectionRecord(record).config.chain_confirmation_codes
    assert sorted(p.name for p in (out / "private" / "printed").iterdir()) == ["voter-00004.json", "voter-00008.json"]
    report = verify_record(record, accept_test_group=True)
    assert report.ok, [str(f) for f in report.findings]
    assert all(report.check(c).status is Status.PASSED for c in PREENCRYPTED_CHECKS)


def test_demo_refuses_preencrypted_online(tmp_path: Path) -> None:
    run("demo", "--out", tmp_path / "demo", "--online", "--preencrypted", "--group", "test", expect=2)
