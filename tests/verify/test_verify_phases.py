"""`verify` during the election (issue 15, serious 9), through the command line on the test group:

- voting (no tally yet) and tallied (not yet decrypted): what is present is checked, the rest is
  "not yet", exit 0, and a status line says the phase; the decrypted record must be complete;
- a test-group record verified without --allow-test-group names that option;
- `verify --json` on a folder that cannot be read prints one JSON object with the error, exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from engine.cli.main import cli
from tests.support.elections import copy_election, decrypt, run, verify_json


@pytest.fixture()
def election(voting_template: Path, tmp_path: Path) -> Path:
    """The session's voting election (four ballots, b4 challenged, not tallied), copied."""
    return copy_election(voting_template, tmp_path / "e")


def verify(record: Path, *options: str) -> Result:
    return CliRunner().invoke(cli, ["verify", str(record), *options])


def test_verify_while_voting_checks_the_ballots_and_waits_for_the_tally(election: Path) -> None:
    record = election / "record"
    result = verify(record, "--allow-test-group")
    assert result.exit_code == 0, result.output
    assert "voting phase: 4 ballots (3 cast, 1 challenged) verified; tally not yet published" in result.output
    report = verify_json(record, expect=0)
    assert report["ok"] and report["phase"] == "voting" and report["failed"] == [] and report["not_checked"] == []
    assert {"8.A", "8.B", "R.cast_set", "9.A", "R.tally_copy", "R.challenged"} <= set(report["not_yet"])
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["5.A"] == "passed" and statuses["7.C"] == "passed" and statuses["8.A"] == "not yet"
    assert report["status"].startswith("voting phase")
    final = verify(record, "--allow-test-group", "--final")
    assert final.exit_code == 1 and "--final: not yet published: " in final.output and "8.A" in final.output


def test_verify_after_the_tally_checks_it_and_waits_for_the_decryption(election: Path) -> None:
    record = election / "record"
    run("tally", "--record", record)
    result = verify(record, "--allow-test-group")
    assert result.exit_code == 0, result.output
    assert "tallied: 4 ballots (3 cast, 1 challenged) and the encrypted tally verified" in result.output
    assert "decryption not yet published" in result.output
    report = verify_json(record, expect=0)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert report["phase"] == "tallied" and statuses["8.A"] == "passed" and statuses["R.cast_set"] == "passed"
    assert statuses["9.A"] == "not yet" and statuses["R.challenged"] == "not yet"
    # a tampered encrypted tally fails now, not later
    tally = json.loads((record / "encrypted_tally.json").read_text())
    tally["cast_ballot_ids"] = tally["cast_ballot_ids"][1:]
    (record / "encrypted_tally.json").write_text(json.dumps(tally))
    assert "R.cast_set" in verify_json(record, expect=1)["failed"]


def test_the_decrypted_record_must_be_complete(election: Path) -> None:
    record = election / "record"
    run("tally", "--record", record)
    decrypt(election)
    complete = verify(record, "--allow-test-group")
    assert complete.exit_code == 0 and "all checks passed: the record is complete" in complete.output
    assert verify(record, "--allow-test-group", "--final").exit_code == 0
    assert verify_json(record, expect=0)["phase"] == "decrypted"
    (record / "tally.json").unlink()  # the decryption is published in part: incomplete
    incomplete = verify_json(record, expect=1)
    assert "9.A" in incomplete["not_checked"] and incomplete["status"].startswith("the record is incomplete")
    (record / "challenged_ballots" / "dballot-b4.json").unlink()  # back to "tallied": waiting again
    assert verify_json(record, expect=0)["phase"] == "tallied"


def test_a_test_group_record_without_the_option_names_it(election: Path) -> None:
    result = verify(election / "record")
    assert result.exit_code == 1, result.output
    assert "--allow-test-group" in result.output
    report = json.loads(verify(election / "record", "--json").stdout)
    assert not report["ok"] and "--allow-test-group" in report["status"]


def test_verify_json_on_an_unreadable_folder_prints_one_json_object(election: Path, tmp_path: Path) -> None:
    (election / "record" / "manifest.json").write_text("{")
    for folder in (tmp_path / "nowhere", election / "record"):
        result = verify(folder, "--json")
        assert result.exit_code == 2, result.output
        report = json.loads(result.stdout)
        assert report["ok"] is False and report["error"] and "Traceback" not in result.output
    bad_key = verify(election / "record", "--json", "--board-key", "xyz")
    assert bad_key.exit_code == 2 and "--board-key" in json.loads(bad_key.stdout)["error"]
