"""The verifier against a tallyer who hides challenged ballots (issue 9, defect 5).

A challenged (SPOILED) ballot is the audit of a voting device: the device had to encrypt it
without knowing it would be opened. A tallyer who leaves a challenged ballot of the board's signed
log out of the published record, or publishes it without its decryption, hides exactly the audit
that would expose a cheating device. B.3 now requires every challenged submission of the log to be
in the record, decrypted.

One small online election on the test group is made once per test process (tests.support.online_record):
keys fixed in the record, a roster, voters submitting signed ballots over HTTP to the board's
server (in process), then the CLI: board close, board export, tally, the guardians' decryption.
Three ballots are cast; one is challenged with a write-in; one is challenged by a voter whose
software wrote contest data that no key opens. Every attack copies that record, changes what the
attacker controls, and runs `ballotchain verify` through its command line. The other verifier
tests (test_verifier_keys, test_verifier_contest_data) use the same record.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.online_record import CAST_VOTERS, OnlineRecord, findings_of, verify_json


@pytest.fixture()
def online(online_record: OnlineRecord) -> OnlineRecord:
    return online_record


# ---------------------------------------------------------------- the tests


def test_the_honest_online_record_verifies(online: OnlineRecord) -> None:
    report = verify_json(online.record, expect=0)
    assert report["ok"] and report["summary"]["challenged"] == 2
    b3 = next(c for c in report["checks"] if c["id"] == "B.3")
    assert b3["status"] == "passed" and b3["items"] == len(CAST_VOTERS) + 2 * 2  # each challenged ballot twice


def _eballot(root: Path, ballot_id: str) -> Path:
    return next((root / "encrypted_ballots").rglob(f"eballot-{ballot_id}.json"))


def _dballot(root: Path, ballot_id: str) -> Path:
    return root / "challenged_ballots" / f"dballot-{ballot_id}.json"


HIDINGS = {
    "the ballot and its decryption": (True, True, frozenset({"B.3"})),
    # R.challenged also sees a record ballot without decryption / a decryption without its ballot
    "its decryption only": (False, True, frozenset({"B.3", "R.challenged"})),
    "the ballot only": (True, False, frozenset({"B.3", "R.challenged"})),
}


@pytest.mark.parametrize("what", sorted(HIDINGS))
def test_a_challenged_ballot_of_the_log_cannot_be_left_out_of_the_record(
    online: OnlineRecord, tmp_path: Path, what: str
) -> None:
    """Attack (tallyer): delete the challenged ballot's eballot file, its dballot file, or both."""
    drop_eballot, drop_dballot, failing = HIDINGS[what]
    root = online.copy(tmp_path)
    hidden = online.write_in_ballot
    if drop_eballot:
        _eballot(root, hidden).unlink()
    if drop_dballot:
        _dballot(root, hidden).unlink()
    report = verify_json(root, expect=1)
    assert set(report["failed"]) == failing, report["findings"]
    b3 = findings_of(report, "B.3")
    assert [f["ballot_id"] for f in b3] == [hidden]
    assert "challenged" in b3[0]["message"] and "entry" in b3[0]["message"]
    # the honest record is untouched and still verifies
    assert verify_json(online.record, expect=0)["ok"]
