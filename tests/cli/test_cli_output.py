"""What the command line prints for people and for programs (issue 15, item 6, "Answers for people"):

- `verify` prints a short summary (status line, verdict, every failed or unchecked check with its findings, one
  line counting the others); `--verbose` prints the table of every check; `--json` is unchanged;
- output that is not a terminal (a pipe, a file) is never wrapped: a hash or a path stays on one line;
- a guardian's secret file written without a passphrase (none given, or the variable set but empty) draws a
  warning on stderr; `--ask-passphrase` without a terminal to ask on is one line and exit 2.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from engine.cli.common import PASSPHRASE_ENV
from engine.cli.demo_cmd import demo_manifest_bytes
from tests.support.elections import copy_election, invoke, run

TABLE_TITLE = "Verification of"


@pytest.fixture()
def record(two_cast_template: Path, tmp_path: Path) -> Path:
    """The record of the session's election with two ballots cast (b1, b2), not tallied, copied."""
    return copy_election(two_cast_template / "record", tmp_path / "record")


# ---------------------------------------------------------------- verify: summary, --verbose, --json


def test_verify_prints_a_summary_by_default(record: Path) -> None:
    result = invoke("verify", record, "--allow-test-group")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("voting phase: 2 ballots (2 cast, 0 challenged) verified")
    assert lines[1].startswith("every check made passed: ")
    assert any("check(s) passed" in line and "not yet (" in line and "8.A" in line for line in lines)
    assert TABLE_TITLE not in result.stdout and "--verbose" in result.stdout
    assert len(lines) <= 4, result.stdout


def test_verify_summary_shows_a_failed_check_with_its_findings(record: Path) -> None:
    result = invoke("verify", record)  # a test-group record without --allow-test-group: a check fails
    assert result.exit_code == 1, result.output
    report = json.loads(invoke("verify", record, "--json").stdout)
    failed = report["failed"]
    assert failed and TABLE_TITLE not in result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith("the record does NOT verify")
    for check_id in failed:
        assert any(line.startswith(f"failed {check_id} ") for line in lines), result.stdout
    for finding in report["findings"]:
        assert any(line.startswith("  ") and finding["message"] in line for line in lines), finding
    assert "--allow-test-group" in result.stdout


def test_verify_verbose_prints_the_table_of_every_check(record: Path) -> None:
    result = invoke("verify", record, "--allow-test-group", "--verbose")
    assert result.exit_code == 0, result.output
    assert TABLE_TITLE in result.stdout
    report = json.loads(invoke("verify", record, "--allow-test-group", "--json").stdout)
    for check in report["checks"]:
        assert any(line.lstrip("│┃ ").startswith(f"{check['id']} ") for line in result.stdout.splitlines()), check


# ---------------------------------------------------------------- no wrapping when output is not a terminal


def test_piped_output_keeps_each_line_whole(record: Path) -> None:
    board, registrar = "ab" * 32, "cd" * 32
    args = ["election", "keys", "--record", str(record), "--board-key-pub", board, "--registrar-key-pub", registrar]
    done = subprocess.run(
        [sys.executable, "-m", "engine.cli.main", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert f"board key {board}, registrar key {registrar}" in lines, done.stdout
    assert any(line.endswith(str(record / "board_keys.json")) for line in lines), done.stdout


# ---------------------------------------------------------------- the guardian's secret file and its passphrase


@pytest.fixture()
def configured(tmp_path: Path) -> Path:
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(demo_manifest_bytes())
    out = tmp_path / "record"
    run("election", "init", "--manifest", manifest, "-n", 3, "-k", 2, "--out", out, "--group", "test")
    return out


def keygen(record: Path, *options: str, env: dict[str, str] | None = None) -> Result:
    home = record.parent
    args = ["guardian", "keygen", "--record", record, "--id", "alice", "--x", "1", "--secret", home / "secret.json"]
    return invoke(*args, "--public-out", home / "alice.json", *options, env=env)


def test_an_unsealed_secret_file_draws_a_warning(configured: Path) -> None:
    result = keygen(configured)
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "unsealed" in result.stderr and "secret.json" in result.stderr


def test_an_empty_passphrase_variable_is_no_passphrase_with_a_warning(configured: Path) -> None:
    result = keygen(configured, env={PASSPHRASE_ENV: ""})
    assert result.exit_code == 0, result.output
    assert f"{PASSPHRASE_ENV} (--passphrase-env) is set but empty" in result.stderr
    assert "unsealed" in result.stderr
    again = keygen(configured)  # the file opens without a passphrase: it was written unsealed
    assert again.exit_code == 0 and "nothing written" in again.stdout, again.output


def test_a_sealed_secret_file_draws_no_warning(configured: Path) -> None:
    result = keygen(configured, env={PASSPHRASE_ENV: "correct horse"})
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr


def test_ask_passphrase_without_a_terminal_is_one_line_and_exit_2(configured: Path) -> None:
    result = keygen(configured, "--ask-passphrase")
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().count("\n") == 0 and "--ask-passphrase" in result.stderr, result.stderr
    assert "warning" not in result.stderr and result.stdout == ""
    assert not (configured.parent / "secret.json").exists()


def test_receive_warns_when_it_stores_the_key_share_unsealed(configured: Path) -> None:
    root = configured.parent
    publics, shares = root / "publics", root / "shares"
    publics.mkdir()
    for x, name in enumerate(["alice", "bob", "carol"], start=1):
        secret, public = root / f"{name}.secret.json", publics / f"guardian-{name}.json"
        run("guardian", "keygen", "--record", configured, "--id", name, "--x", x, "--secret", secret,
            "--public-out", public)  # fmt: skip
    for name in ("alice", "bob", "carol"):
        secret = root / f"{name}.secret.json"
        run("guardian", "shares", "--record", configured, "--secret", secret, "--publics", publics, "--out", shares)
    secret = root / "alice.secret.json"
    result = invoke(
        "guardian", "receive", "--record", configured, "--secret", secret, "--publics", publics,
        "--shares", shares, "--complaints", root / "complaints",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "key share" in result.stdout and "unsealed" in result.stderr and "alice.secret.json" in result.stderr
