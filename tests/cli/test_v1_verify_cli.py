"""`ballotchain verify` on ElectionGuard 1.0 records: the version is recognised, exit 0 / 1 / 2 and
--json as for 2.0 records, a malformed file one line on stderr (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine.cli.main import cli
from tests.support.eg1_records import RECORDS, copy_record, load, save

TEST_RECORD = RECORDS / "test-missing-guardian"


def run(*args: object) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["verify", *(str(a) for a in args)], catch_exceptions=True)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_a_1_0_record_verifies_with_json() -> None:
    code, out, _ = run(TEST_RECORD, "--allow-test-group", "--json", "--jobs", "2")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["failed"] == []
    assert {c["id"] for c in report["checks"]} >= {"V1.4.c", "V1.9.c"}
    assert report["summary"] == {"ballots": 6, "cast": 4, "challenged": 2}


def test_the_summary_names_the_batches() -> None:
    code, out, _ = run(TEST_RECORD, "--allow-test-group")
    assert code == 0
    assert "all checks passed" in out and "V1.4.c: 54 batch" in out
    code, out, _ = run(TEST_RECORD, "--allow-test-group", "--strict")
    assert code == 0 and "V1.4.c: 54 strict" in out


def test_a_tampered_record_exits_1(tmp_path: Path) -> None:
    record = copy_record("test-missing-guardian", tmp_path)
    tally = load(record, "tally.json")
    tally["contests"]["mayor"]["selections"]["mayor-kim"]["tally"] = 5
    save(record, "tally.json", tally)
    code, out, _ = run(record, "--allow-test-group")
    assert code == 1 and "V1.10.a" in out


def test_the_test_group_without_the_option_exits_1() -> None:
    code, out, _ = run(TEST_RECORD)
    assert code == 1 and "--allow-test-group" in out


def test_a_malformed_file_is_one_line_exit_2(tmp_path: Path) -> None:
    record = copy_record("test-missing-guardian", tmp_path)
    (record / "guardians" / "guardian_2.json").write_text('{"guardian_id": "2"}', encoding="utf-8")
    code, out, err = run(record, "--allow-test-group")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0
    assert "guardians/guardian_2.json: election_proofs: missing field" in err
    code, out, _ = run(record, "--allow-test-group", "--json")
    assert code == 2 and json.loads(out)["ok"] is False


def test_board_pins_do_not_apply_to_a_1_0_record() -> None:
    code, _, err = run(TEST_RECORD, "--allow-test-group", "--board-key", "00" * 32)
    assert code == 2 and "1.0 record" in err
