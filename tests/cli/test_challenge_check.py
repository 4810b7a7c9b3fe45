"""`ballotchain ballot check-challenge` (issue 13, item 1): a challenged ballot checks from its nonce; a device
that encrypted other choices than it claims, a wrong nonce or a cast ballot fails (exit 1, each difference on
stderr); bad input is one line, exit 2."""

from __future__ import annotations

import dataclasses
import json
import random
from pathlib import Path

import pytest

from engine.ballot import encrypt_ballot
from engine.cli.sample_election import random_ballots
from engine.election import BallotState, PlaintextBallot
from engine.hash import UInt256
from engine.record import ElectionRecord
from engine.record.codecs.challenged_ballot import ChallengedBallot, encode_challenged_ballot
from tests.support.elections import invoke, run

NONCE = UInt256(bytes(range(32)))


@pytest.fixture(scope="module")
def record(ceremony_template: Path) -> Path:
    return ceremony_template / "record"


def challenge_file(
    record: Path,
    out: Path,
    *,
    claimed: PlaintextBallot | None = None,
    encrypted: PlaintextBallot | None = None,
    nonce: UInt256 = NONCE,
    state: BallotState = BallotState.SPOILED,
) -> Path:
    """A challenge document as the page writes it: ``encrypted`` under NONCE, ``claimed`` (default the same)."""
    election = ElectionRecord(record)
    voter = random_ballots(election.manifest, 2, random.Random(5))
    encrypted = encrypted or dataclasses.replace(voter[0], sn=None)
    result = encrypt_ballot(
        election.manifest,
        election.initialized,
        encrypted,
        device="online",
        ballot_nonce=NONCE,
        code_baux=election.config.baux0,
        state=state,
    )
    ballot = result.ballot
    doc = ChallengedBallot(
        election.initialized.extended_base_hash, ballot.confirmation_code, nonce, claimed or encrypted, ballot
    )
    out.write_text(json.dumps(encode_challenged_ballot(doc)))
    return out


def other_choices(record: Path) -> tuple[PlaintextBallot, PlaintextBallot]:
    a, b = random_ballots(ElectionRecord(record).manifest, 2, random.Random(5))
    b = dataclasses.replace(b, ballot_id=a.ballot_id, sn=None)
    return dataclasses.replace(a, sn=None), b


def test_an_honest_challenge_checks(record: Path, tmp_path: Path) -> None:
    out = run("ballot", "check-challenge", challenge_file(record, tmp_path / "c.json"), "--record", record)
    assert "decrypted with its nonce:" in out
    assert "the ballot encrypts exactly these choices" in out


def test_a_device_that_encrypted_other_choices_fails(record: Path, tmp_path: Path) -> None:
    claimed, encrypted = other_choices(record)
    assert claimed.contests != encrypted.contests
    path = challenge_file(record, tmp_path / "c.json", claimed=claimed, encrypted=encrypted)
    result = invoke("ballot", "check-challenge", path, "--record", record)
    assert result.exit_code == 1, result.output
    assert "the device claims" in result.stderr
    assert "do not trust the device" in result.stderr


def test_a_wrong_nonce_or_a_cast_ballot_fails(record: Path, tmp_path: Path) -> None:
    wrong = challenge_file(record, tmp_path / "n.json", nonce=UInt256(bytes(32)))
    result = invoke("ballot", "check-challenge", wrong, "--record", record)
    assert result.exit_code == 1 and "the nonce does not open the ballot" in result.stderr
    cast = challenge_file(record, tmp_path / "cast.json", state=BallotState.CAST)
    result = invoke("ballot", "check-challenge", cast, "--record", record)
    assert result.exit_code == 1 and "not marked challenged" in result.stderr


def test_bad_input_is_one_line(record: Path, tmp_path: Path) -> None:
    good = challenge_file(record, tmp_path / "c.json")
    run("ballot", "check-challenge", good, expect=2)
    run("ballot", "check-challenge", good, "--record", record, "--board", "http://127.0.0.1:9", expect=2)
    run("ballot", "check-challenge", good, "--board", "http://127.0.0.1:9", expect=2)  # nobody listens there
    run("ballot", "check-challenge", tmp_path / "missing.json", "--record", record, expect=2)
    (tmp_path / "text.json").write_text("not json")
    run("ballot", "check-challenge", tmp_path / "text.json", "--record", record, expect=2)
    doc = json.loads(good.read_text())
    (tmp_path / "kind.json").write_text(json.dumps({**doc, "kind": "something-else"}))
    run("ballot", "check-challenge", tmp_path / "kind.json", "--record", record, expect=2)
    (tmp_path / "nonce.json").write_text(json.dumps({**doc, "ballot_nonce": "XYZ"}))
    run("ballot", "check-challenge", tmp_path / "nonce.json", "--record", record, expect=2)
