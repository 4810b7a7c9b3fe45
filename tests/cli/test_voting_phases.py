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
from engine.record.codecs.plaintext_ballot import encode_plaintext_ballot
from tests.support.elections import ballot_line, run
from tests.support.online_cli import served


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


# ---------------------------------------------------------------- decryption that can be resumed


def tallied(election: dict[str, Path]) -> Path:
    root, record = election["root"], election["record"]
    ballots = write_ballots(root / "ballots.jsonl", "b1", "b2", "b3")
    run("encrypt", "--record", record, "--ballots", ballots, "--device", "booth-1", "--challenge", "b3")
    run("tally", "--record", record)
    return record


def step1(root: Path, guardian: str, out: Path, nonces: Path) -> list[object]:
    secret = root / "private" / guardian / "guardian-secret.json"
    return ["guardian", "decrypt", "--record", root / "record", "--secret", secret, "--out", out, "--nonces", nonces]


def test_a_failed_guardian_decrypt_leaves_no_nonce_file_and_its_retry_works(election: dict[str, Path]) -> None:
    root = election["root"]
    tallied(election)
    nonces, partials = root / "g1-nonces.json", root / "partials"
    run(*step1(root, "guardian-1", partials, nonces))
    nonces.unlink()  # as `guardian respond` does: the round is over for guardian-1
    out = refused(*step1(root, "guardian-1", partials, nonces))
    assert "partial-guardian-1.json exists already" in out and "partials-2" in out
    assert not nonces.exists()
    # the write of the partial decryption fails (--out is a file): its nonces are removed with it
    (root / "not-a-folder").write_text("")
    refused(*step1(root, "guardian-1", root / "not-a-folder", nonces))
    assert not nonces.exists()
    run(*step1(root, "guardian-1", root / "partials-2", nonces))
    assert nonces.exists() and (root / "partials-2" / "partial-guardian-1.json").exists()
    # step 1 again over its own files: refused, nothing changed
    before = nonces.read_bytes()
    assert "guardian respond" in refused(*step1(root, "guardian-1", root / "partials-2", nonces))
    assert nonces.read_bytes() == before


def test_a_new_quorum_after_a_silent_guardian_names_who_must_compute_new_partials(election: dict[str, Path]) -> None:
    from tests.support.elections import complete_round

    root, record = election["root"], tallied(election)
    partials, challenges, responses = root / "partials", root / "challenges", root / "responses"
    guardians = ("guardian-1", "guardian-2", "guardian-3")
    for g in guardians:
        run(*step1(root, g, partials, root / "private" / g / "nonces.json"))
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    before = {p.name: p.read_bytes() for p in challenges.iterdir()}
    for g in ("guardian-1", "guardian-3"):  # guardian-2 never answers
        secret, nonces = root / "private" / g / "guardian-secret.json", root / "private" / g / "nonces.json"
        run("guardian", "respond", "--record", record, "--secret", secret, "--nonces", nonces,
            "--challenges", challenges, "--out", responses)  # fmt: skip
    # the same challenges again are fine; another quorum over the spent round is not
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    result = CliRunner().invoke(
        cli, ["decrypt", "challenge", "--record", str(record), "--partials", str(partials), "--out", str(challenges),
              "--exclude", "guardian-2"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "guardian-1, guardian-3 must compute new partial decryptions" in result.stderr
    assert {p.name: p.read_bytes() for p in challenges.iterdir()} == before
    complete_round(root, ("guardian-1", "guardian-3"), result.stderr, "guardian-2")
    assert (record / "tally.json").exists()
