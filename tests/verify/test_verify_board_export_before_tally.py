"""`verify` on a board's export before the tally exists (issue 12, item 6): the board's checks (B.*) pass or
fail on their own (B.3 waits for the challenged ballots' decryptions), and the tally's checks say "not yet"
rather than failing the run.

An online election on the test group: three submissions (two cast, one challenged) through the board's
HTTP API, `board close` and `board export`, then the verifier on the exported record, as published,
and with one log entry changed.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.election import BallotState
from engine.verify import verify_record
from engine.verify.board import ENTRIES_FILE
from engine.verify.report import Status
from tests.adversarial.online_board import board_over_http, close_and_export, make_online_election, run

TALLY_CHECKS = {"8.A", "8.B", "R.cast_set", "9.A", "R.tally_copy"}


def test_a_board_export_verifies_before_the_tally_and_a_changed_entry_fails_the_board_checks(tmp_path: Path) -> None:
    e = make_online_election(tmp_path, voters=3)
    with board_over_http(e) as board:
        for i in range(2):
            assert board.vote(e, i, e.encrypt(i)).status_code == 200
        challenged = e.encrypt(2, state=BallotState.SPOILED, ballot_id="challenged-2")
        assert board.vote(e, 2, challenged).status_code == 200
    record = close_and_export(e)
    assert not (record / "encrypted_tally.json").exists()

    report = verify_record(record, accept_test_group=True)
    statuses = {c.check_id: c.status for c in report.checks}
    board_checks = {check: status for check, status in statuses.items() if check.startswith("B.")}
    # B.3 waits for the challenged ballots' decryptions, published after the tally; every other B check is made
    assert board_checks.pop("B.3") is Status.NOT_YET
    assert board_checks and all(s in (Status.PASSED, Status.NOT_APPLICABLE) for s in board_checks.values()), (
        board_checks
    )
    assert {"B.1", "B.2", "B.4", "B.7", "B.8"} <= {c for c, s in board_checks.items() if s is Status.PASSED}
    assert set(report.not_yet_ids) >= TALLY_CHECKS
    assert report.ok and report.phase == "voting"
    assert "tally not yet published" in run("verify", record, "--allow-test-group")

    lines = (record / ENTRIES_FILE).read_text("utf-8").splitlines()
    entry = json.loads(lines[1])
    entry["timestamp"] = entry.get("timestamp", 0) + 1
    lines[1] = json.dumps(entry, separators=(",", ":"), sort_keys=True)
    (record / ENTRIES_FILE).write_text("\n".join(lines) + "\n", "utf-8")
    tampered = verify_record(record, accept_test_group=True)
    failed = set(tampered.failed_ids)
    assert failed and all(check.startswith("B.") for check in failed), failed
    assert not tampered.ok
    assert set(tampered.not_yet_ids) >= TALLY_CHECKS
    run("verify", record, "--allow-test-group", expect=1)
