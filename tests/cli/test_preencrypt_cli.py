"""`ballotchain preencrypt make` and `record` (spec 2.0.0 section 4) on a test-group election: the ballots
made, recorded as marked, pass `verify`; bad inputs are one line on stderr, exit 2."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from engine.cli.demo_cmd import run_ceremony
from engine.verify import Status, verify_record
from engine.verify.catalog import PREENCRYPTED_CHECKS
from tests.support.elections import run


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("preencrypt-cli")
    run_ceremony(
        root / "record", root / "private", root / "exchange", 2, 2, "test", chain=False, step=lambda _: None,
        preencrypted=True,
    )  # fmt: skip
    return root


def codes(ballot_file: Path) -> dict[str, list[str]]:
    doc = json.loads(ballot_file.read_text())
    return {c["contest_id"]: [s["short_code"] for s in c["selections"]] for c in doc["contests"]}


def test_make_record_verify(election: Path) -> None:
    record, printed = election / "record", election / "printed"
    out = run("preencrypt", "make", "--record", record, "--count", 2, "--out", printed)
    lines = [line.split("\t") for line in out.strip().splitlines()]
    assert [line[0] for line in lines] == ["pre-0001", "pre-0002"]
    first = printed / "pre-0001.json"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    contest, short_codes = next(iter(codes(first).items()))
    recorded = run(
        "preencrypt", "record", "--record", record, "--ballot", first, "--device", "scanner",
        "--mark", f"{contest}={short_codes[0]}",
    )  # fmt: skip
    assert recorded.split() == ["pre-0001", "CAST", lines[0][1]]
    report = verify_record(record, accept_test_group=True)
    assert report.ok, [str(f) for f in report.findings]
    assert all(report.check(c).status is Status.PASSED for c in PREENCRYPTED_CHECKS)

    run("preencrypt", "record", "--record", record, "--ballot", first, "--device", "scanner", expect=2)  # used id
    second = printed / "pre-0002.json"
    args = ("preencrypt", "record", "--record", record, "--ballot", second, "--device", "scanner")
    run(*args, "--mark", f"{contest}=ZZZZZ", expect=2)
    run(*args, "--mark", "no-such-contest=ABCDE", expect=2)
    run(*args, "--mark", "garbage", expect=2)
    run("preencrypt", "make", "--record", record, "--count", 1, "--out", election / "again", expect=2)  # pre-0001 used
    run("preencrypt", "make", "--record", record, "--count", 1, "--out", record / "inside", expect=2)
    run("preencrypt", "make", "--record", record, "--count", 1, "--out", printed, "--style", "nope", expect=2)


def test_record_challenge_publishes_the_primary_nonce(election: Path) -> None:
    record, printed = election / "record", election / "printed-ch"
    run("preencrypt", "make", "--record", record, "--count", 1, "--out", printed, "--prefix", "ch-")
    ballot_file = printed / "ch-0001.json"
    recorded = run(
        "preencrypt", "record", "--record", record, "--ballot", ballot_file, "--device", "scanner", "--challenge"
    )
    assert recorded.split()[:2] == ["ch-0001", "SPOILED"]
    eballot = json.loads((record / "encrypted_ballots" / "scanner" / "eballot-ch-0001.json").read_text())
    assert eballot["primary_nonce"] == json.loads(ballot_file.read_text())["primary_nonce"]
    report = verify_record(record, accept_test_group=True)
    assert report.ok, [str(f) for f in report.findings]
    assert report.check("18.C").status is Status.PASSED


def test_an_election_whose_manifest_does_not_admit_them_is_refused(tmp_path: Path) -> None:
    run_ceremony(
        tmp_path / "record", tmp_path / "private", tmp_path / "exchange", 2, 2, "test", chain=False,
        step=lambda _: None,
    )  # fmt: skip
    run("preencrypt", "make", "--record", tmp_path / "record", "--count", 1, "--out", tmp_path / "p", expect=2)
    assert not (tmp_path / "p").exists()


def test_check_compares_the_record_with_the_paper(election: Path, tmp_path: Path) -> None:
    """`preencrypt check`: a cast ballot against its confirmation code and marks, a challenged one opened with
    its primary nonce against every printed code; a paper that differs exits 1."""
    record, printed = election / "record", election / "printed-ck"
    run("preencrypt", "make", "--record", record, "--count", 2, "--out", printed, "--prefix", "ck-")
    cast, spoiled = printed / "ck-0001.json", printed / "ck-0002.json"
    contest, short_codes = next(iter(codes(cast).items()))
    mark = f"{contest}={short_codes[0]}"
    run("preencrypt", "record", "--record", record, "--ballot", cast, "--device", "scanner", "--mark", mark)
    run("preencrypt", "record", "--record", record, "--ballot", spoiled, "--device", "scanner", "--challenge")

    assert "matches" in run("preencrypt", "check", "--record", record, "--ballot", cast, "--mark", mark)
    run("preencrypt", "check", "--record", record, "--ballot", cast, "--mark", f"{contest}={short_codes[1]}", expect=1)
    assert "opened with its primary nonce" in run("preencrypt", "check", "--record", record, "--ballot", spoiled)

    doc = json.loads(spoiled.read_text())
    options = doc["contests"][0]["selections"]
    options[0]["short_code"], options[1]["short_code"] = options[1]["short_code"], options[0]["short_code"]
    swapped = tmp_path / "swapped.json"
    swapped.write_text(json.dumps(doc))
    run("preencrypt", "check", "--record", record, "--ballot", swapped, expect=1)
    run("preencrypt", "check", "--record", record, "--ballot", tmp_path / "none.json", expect=2)
