"""The command line, driven as the roles would: each guardian in its own folder (test group)."""

from __future__ import annotations

import functools
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.demo_cmd import demo_manifest_bytes
from engine.cli.main import cli
from tests.support.egk_data import workflow
from tests.support.egk_verification import egk_verification
from tests.support.elections import FOUR_BALLOTS, ballot_line, cli_election_paths, copy_election, run


@pytest.fixture()
def election(cli_ceremony_template: Path, tmp_path: Path) -> dict[str, Path]:
    """The session's command-by-command ceremony (alice, bob, carol in their own folders), copied."""
    return cli_election_paths(copy_election(cli_ceremony_template, tmp_path / "e"))


def test_whole_election_through_the_cli(election: dict[str, Path]) -> None:
    root, record = election["root"], election["record"]
    assert stat.S_IMODE(os.stat(election["alice"] / "secret.json").st_mode) == 0o600
    ballots = root / "ballots.jsonl"
    ballots.write_text("\n".join(FOUR_BALLOTS))
    out = run("encrypt", "--record", record, "--ballots", ballots, "--device", "booth-1", "--challenge", "b4")
    assert "b4\tSPOILED" in out and "b1\tCAST" in out
    run("tally", "--record", record)
    partials, asked, answers = root / "partials", root / "challenges", root / "responses"
    for name in ("alice", "carol"):  # bob is away
        home = election[name]
        run(
            "guardian", "decrypt", "--record", record, "--secret", home / "secret.json",
            "--out", partials, "--nonces", home / "nonces.json",
        )  # fmt: skip
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", asked)
    for name in ("alice", "carol"):
        home = election[name]
        run(
            "guardian", "respond", "--record", record, "--secret", home / "secret.json",
            "--nonces", home / "nonces.json", "--challenges", asked, "--out", answers,
        )  # fmt: skip
        assert not (home / "nonces.json").exists()
    run("decrypt", "combine", "--record", record, "--partials", partials, "--responses", answers)
    tally = json.loads((record / "tally.json").read_text())
    counts = {(c["contest_id"], s["selection_id"]): s["tally"] for c in tally["contests"] for s in c["selections"]}
    assert counts[("mayor", "kim-minji")] == 2 and counts[("mayor", "park-seoyeon")] == 1
    assert counts[("council", "han-jiwoo")] == 2 and counts[("council", "cho-minseo")] == 2
    assert counts[("referendum", "yes")] == 2 and counts[("referendum", "no")] == 1
    assert (record / "challenged_ballots" / "dballot-b4.json").exists()
    assert "Yes" in run("results", record)
    report = json.loads(run("verify", record, "--json", "--allow-test-group"))
    assert report["ok"] and not report["failed"]
    # no secret ever lands in the public record
    for path in record.rglob("*.json"):
        text = path.read_text()
        assert "polynomial_coefficients" not in text and "key_share" not in text


def test_a_tampered_share_stops_the_ceremony_and_names_the_sender(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(demo_manifest_bytes())
    record = tmp_path / "record"
    run("election", "init", "--manifest", manifest, "-n", 2, "-k", 2, "--out", record, "--group", "test")
    publics, shares = tmp_path / "publics", tmp_path / "shares"
    publics.mkdir()
    for x, name in enumerate(["alice", "bob"], start=1):
        run(
            "guardian", "keygen", "--record", record, "--id", name, "--x", x,
            "--secret", tmp_path / f"{name}.json", "--public-out", publics / f"guardian-{name}.json",
        )  # fmt: skip
    for name in ["alice", "bob"]:
        run(
            "guardian",
            "shares",
            "--record",
            record,
            "--secret",
            tmp_path / f"{name}.json",
            "--publics",
            publics,
            "--out",
            shares,
        )
    share_file = shares / "share-alice-to-bob.json"
    share = json.loads(share_file.read_text())
    share["c1"] = ("0" if share["c1"][0] != "0" else "1") + share["c1"][1:]
    share_file.write_text(json.dumps(share))
    complaints = tmp_path / "complaints"
    result = CliRunner().invoke(
        cli,
        ["guardian", "receive", "--record", str(record), "--secret", str(tmp_path / "bob.json"),
         "--publics", str(publics), "--shares", str(shares), "--complaints", str(complaints)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "'alice'" in result.output
    complaint = json.loads((complaints / "complaint-bob-against-alice.json").read_text())
    assert complaint["accused"] == "alice" and complaint["accuser"] == "bob"


def test_passphrase_protected_secret(election: dict[str, Path], tmp_path: Path) -> None:
    record, publics = election["record"], tmp_path / "publics-without-carol"
    publics.mkdir()
    for name in ("alice", "bob"):
        shutil.copy(election["publics"] / f"guardian-{name}.json", publics)
    secret = tmp_path / "dave.json"
    env = {"BALLOTCHAIN_PASSPHRASE": "correct horse"}
    run(
        "guardian", "keygen", "--record", record, "--id", "dave", "--x", 3, "--secret", secret,
        "--public-out", publics / "guardian-dave.json", env=env,
    )  # fmt: skip
    assert b"polynomial" not in secret.read_bytes()
    run(
        "guardian",
        "shares",
        "--record",
        record,
        "--secret",
        secret,
        "--publics",
        publics,
        "--out",
        tmp_path / "s",
        env=env,
    )
    run(
        "guardian", "shares", "--record", record, "--secret", secret, "--publics", publics, "--out", tmp_path / "s",
        expect=2, env={"BALLOTCHAIN_PASSPHRASE": "wrong"},
    )  # fmt: skip


def test_bad_inputs_give_one_line_and_exit_2(election: dict[str, Path], tmp_path: Path) -> None:
    record = election["record"]
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json")
    run(
        "election",
        "init",
        "--manifest",
        bad_json,
        "-n",
        3,
        "-k",
        2,
        "--out",
        tmp_path / "r1",
        "--group",
        "test",
        expect=2,
    )
    run(
        "election",
        "init",
        "--manifest",
        tmp_path / "missing.json",
        "-n",
        3,
        "-k",
        2,
        "--out",
        tmp_path / "r2",
        expect=2,
    )
    manifest = tmp_path / "m.json"
    manifest.write_bytes(demo_manifest_bytes())
    run("election", "init", "--manifest", manifest, "-n", 2, "-k", 3, "--out", tmp_path / "r3", expect=2)
    run("election", "init", "--manifest", manifest, "-n", 3, "-k", 2, "--out", record, expect=2)  # existing folder
    invalid = json.loads(demo_manifest_bytes())
    invalid["contests"][0]["votes_allowed"] = 9
    manifest.write_text(json.dumps(invalid))
    run("election", "init", "--manifest", manifest, "-n", 3, "-k", 2, "--out", tmp_path / "r4", expect=2)
    ballots = tmp_path / "ballots.jsonl"
    ballots.write_text(ballot_line("x1", 0, (0, 1), True).replace("mayor", "governor", 1))
    run("encrypt", "--record", record, "--ballots", ballots, "--device", "d", expect=2)
    too_many = json.loads(ballot_line("x2", 0, (0, 1), True))
    too_many["contests"][1]["selections"][2]["vote"] = 1
    ballots.write_text(json.dumps(too_many))
    run("encrypt", "--record", record, "--ballots", ballots, "--device", "d", expect=2)
    assert not (record / "encrypted_ballots" / "d").exists()
    # another guardian's secret file on the wrong election
    other = tmp_path / "other"
    another = json.loads(demo_manifest_bytes())
    another["election_scope_id"] = "another-election"  # H_B covers the manifest, n and k only
    manifest.write_text(json.dumps(another))
    run("election", "init", "--manifest", manifest, "-n", 3, "-k", 2, "--out", other, "--group", "test")
    run(
        "guardian", "shares", "--record", other, "--secret", election["alice"] / "secret.json",
        "--publics", election["publics"], "--out", tmp_path / "s2", expect=2,
    )  # fmt: skip
    run("verify", tmp_path / "nowhere", expect=2)
    run("results", record, expect=2)  # not decrypted yet


def test_verify_exit_codes_on_an_egk_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's exit codes; the ballots' and proofs' verdicts come from the record's one verification
    in this process (tests.support.egk_verification, which tests/verify/test_verify.py asserts on)."""
    from engine.cli import verify_cmd

    verdicts = egk_verification("allAvailableJson").verdicts
    monkeypatch.setattr(verify_cmd, "verify_record", functools.partial(verify_cmd.verify_record, cache=verdicts))
    source = workflow("allAvailableJson")
    copy = tmp_path / "rec"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("private_data"))
    assert json.loads(run("verify", copy, "--json"))["ok"]
    tally = json.loads((copy / "tally.json").read_text())
    tally["contests"][0]["selections"][0]["tally"] += 1
    (copy / "tally.json").write_text(json.dumps(tally))
    run("verify", copy, expect=1)
    (copy / "tally.json").write_text("{")
    run("verify", copy, expect=2)


def test_demo_small(tmp_path: Path) -> None:
    out = run("demo", "--out", tmp_path / "demo", "--voters", 12, "--group", "test", "--jobs", 1)
    assert "all checks passed" in out
    assert "equals the count" in out
    run("demo", "--out", tmp_path / "demo", "--voters", 12, "--group", "test", expect=2)
