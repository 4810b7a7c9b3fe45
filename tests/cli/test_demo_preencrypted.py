"""`ballotchain demo --preencrypted` (spec 2.0.0 section 4): some cast ballots are pre-encrypted, marked by
short code and recorded (some challenged); the tally check holds and the record passes 15.A-18.D."""

from __future__ import annotations

from pathlib import Path

from engine.cli.demo_cmd import run_demo
from engine.election import BallotState
from engine.record import ElectionRecord
from engine.verify import Status, verify_record
from engine.verify.catalog import PREENCRYPTED_CHECKS
from tests.support.elections import run


def _run_preencrypted_demo(out: Path, *, voters: int, challenge_rate: float) -> None:
    """An offline demo on the test group, two guardians, one device, some ballots pre-encrypted."""
    code = run_demo(
        out,
        voters=voters,
        guardians=2,
        quorum=2,
        absent=0,
        challenge_rate=challenge_rate,
        seed=7,
        group_name="test",
        devices=1,
        jobs=1,
        preencrypted=True,
    )
    assert code == 0


def test_demo_preencrypted_verifies_with_checks_15_to_18_passed(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    _run_preencrypted_demo(out, voters=8, challenge_rate=0.0)
    record = out / "record"
    assert not ElectionRecord(record).config.chain_confirmation_codes
    assert sorted(p.name for p in (out / "private" / "printed").iterdir()) == ["voter-00004.json", "voter-00008.json"]
    report = verify_record(record, accept_test_group=True)
    assert report.ok, [str(f) for f in report.findings]
    assert all(report.check(c).status is Status.PASSED for c in PREENCRYPTED_CHECKS)


def test_demo_refuses_preencrypted_online(tmp_path: Path) -> None:
    run("demo", "--out", tmp_path / "demo", "--online", "--preencrypted", "--group", "test", expect=2)


def test_demo_challenges_preencrypted_ballots_which_open_and_decrypt(tmp_path: Path) -> None:
    """Every fourth challenged voter marks a pre-encrypted ballot too: it is recorded SPOILED with its primary
    nonce (18.C) and, like every challenged ballot, decrypted by the guardians (12-14, R.challenged)."""
    out = tmp_path / "demo"
    _run_preencrypted_demo(out, voters=10, challenge_rate=0.6)
    record = ElectionRecord(out / "record")
    spoiled = [
        b
        for b in (record.read_encrypted_ballot(p) for p in record.encrypted_ballot_paths())
        if b.is_preencrypt and b.primary_nonce is not None
    ]
    assert spoiled and all(b.state is BallotState.SPOILED for b in spoiled)
    report = verify_record(out / "record", accept_test_group=True)
    assert report.ok, [str(f) for f in report.findings]
    for check_id in ("18.C", "R.challenged", "12.B", "13.A"):
        assert report.check(check_id).status is Status.PASSED
