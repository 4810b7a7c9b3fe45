"""Phases the record enforces while voting (issue 15): no ballot after the tally, one ballot id per election."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.board_cmds import credential_path
from engine.cli.demo_cmd import random_ballots, run_ceremony
from engine.cli.main import cli
from engine.record import ElectionRecord
from engine.record.codec import encode_plaintext_ballot
from tests.test_board_cli import served
from tests.test_cli import ballot_line, run


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """n = 3, k = 2, without chaining (a device may encrypt several batches); copied by each test."""
    root = tmp_path_factory.mktemp("election")
    (root / "private").mkdir()
    run_ceremony(root / "record", root / "private", root / "exchange", 3, 2, "test", chain=False, step=lambda _t: None)
    return root


@pytest.fixture()
def election(template: Path, tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "e"
    shutil.copytree(template, root)
    return {"root": root, "record": root / "record"}


def refused(*args: object) -> str:
    """The one-line refusal of a command that must exit 2."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def write_ballots(path: Path, *ids: str) -> Path:
    path.write_text("\n".join(ballot_line(i, 0, (0, 1), True) for i in ids))
    return path


def test_encrypt_after_the_tally_is_refused(election: dict[str, Path]) -> None:
    root, record = election["root"], election["record"]
    run("encrypt", "--record", record, "--ballots", write_ballots(root / "a.jsonl", "a1", "a2"), "--device", "booth-1")
    run("tally", "--record", record)
    late = write_ballots(root / "late.jsonl", "late-1")
    out = refused("encrypt", "--record", record, "--ballots", late, "--device", "booth-2")
    assert "tallied" in out and "encrypted_tally.json" in out
    assert not (record / "encrypted_ballots" / "booth-2").exists()


def test_a_ballot_id_used_on_one_device_is_refused_on_every_device(election: dict[str, Path]) -> None:
    root, record = election["root"], election["record"]
    run("encrypt", "--record", record, "--ballots", write_ballots(root / "a.jsonl", "a1", "a2"), "--device", "booth-1")
    batch = write_ballots(root / "b.jsonl", "b1", "a2", "b3")
    for device in ("booth-2", "booth-1"):
        out = refused("encrypt", "--record", record, "--ballots", batch, "--device", device)
        assert "'a2'" in out and "'booth-1'" in out
    # nothing of the refused batch was written, on either device
    assert not (record / "encrypted_ballots" / "booth-2").exists()
    assert sorted(p.name for p in (record / "encrypted_ballots" / "booth-1").glob("eballot-*")) == [
        "eballot-a1.json",
        "eballot-a2.json",
    ]
    twice = write_ballots(root / "twice.jsonl", "c1", "c1")
    assert "more than once" in refused("encrypt", "--record", record, "--ballots", twice, "--device", "booth-3")
    assert not (record / "encrypted_ballots" / "booth-3").exists()
    run("tally", "--record", record)  # the record stays tallyable


def test_receipt_check_says_a_replaced_ballot_no_longer_counts(tmp_path: Path) -> None:
    """A voter whose DID cast a later ballot (e.g. someone else with the credential) hears that the first
    no longer counts: exit 1, naming the log's ballot_superseded entry and the replacing ballot."""
    record = tmp_path / "election"
    run_ceremony(record, tmp_path / "private", tmp_path / "exchange", 2, 2, "test", chain=False, step=lambda _t: None)
    credentials, roster, key = tmp_path / "credentials", tmp_path / "roster.json", tmp_path / "board" / "key.json"
    run(
        "registrar", "roster", "--record", record, "--voters", 2, "--out-credentials", credentials,
        "--roster", roster, "--registrar-key", tmp_path / "registrar-key.json",
    )  # fmt: skip
    run("election", "keys", "--record", record, "--board-key", key, "--roster", roster)
    ballots = random_ballots(ElectionRecord(record).manifest, 3, random.Random(5))
    for n, ballot in enumerate(ballots, start=1):
        (tmp_path / f"ballot-{n}.json").write_text(json.dumps(encode_plaintext_ballot(ballot)))

    def vote(url: str, voter: int, ballot: int) -> Path:
        receipt = tmp_path / f"receipt-{ballot}.json"
        run(
            "vote", "--board", url, "--credential", credential_path(credentials, voter),
            "--ballot", tmp_path / f"ballot-{ballot}.json", "--receipt", receipt, "--allow-test-group",
        )  # fmt: skip
        return receipt

    with served(record, roster, tmp_path / "board" / "board.sqlite", key) as url:
        first, other, second = vote(url, 1, 1), vote(url, 2, 2), vote(url, 1, 3)
        result = CliRunner().invoke(cli, ["receipt", "check", str(first)])
        assert result.exit_code == 1, result.output
        assert "NO LONGER COUNTS" in result.output and "ballot_superseded" in result.output
        assert ballots[2].ballot_id in result.output and "entry 3 " in result.output
        for still_counts in (other, second):
            assert "is in the board's latest tree" in run("receipt", "check", still_counts)
