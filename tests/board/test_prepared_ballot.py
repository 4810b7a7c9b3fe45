"""A ballot given to the board as a PreparedBallot (what the server's checking processes send back instead of the
decoded ballot): the same entry bytes, the same refusals and replays as the decoded ballot itself."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.board.board import BallotBoard, BoardError, Prechecked, PreparedBallot, verify_receipt
from engine.board.entries import BallotSubmitted, PreparedSubmitted, encode_entry
from engine.board.log import TransparencyLog
from engine.board.sth import BoardKey
from engine.board.storage import SQLiteLogStorage
from engine.election import EncryptedBallot
from tests.board.test_board import ELECTION, ROSTER, VOTERS, checker, encrypt, signed

CHECKED = Prechecked(True, (), ())


@pytest.fixture()
def board(tmp_path: Path) -> Iterator[BallotBoard]:
    with SQLiteLogStorage(tmp_path / "board.db") as storage:
        b = BallotBoard(TransparencyLog(storage, BoardKey.generate()), ELECTION, ROSTER, checker)
        b.publish_election()
        yield b


def test_prepared_entry_bytes_are_the_decoded_ballots() -> None:
    ballot, did, sig, proofs = signed(VOTERS[0], encrypt(0))
    prepared = PreparedBallot.of(ballot)
    entry = BallotSubmitted(ballot.ballot_id, did, ballot.confirmation_code, sig, ballot, 17, proofs)
    same = PreparedSubmitted(ballot.ballot_id, did, ballot.confirmation_code, sig, prepared.ballot_json, 17, proofs)
    assert same.encode() == encode_entry(entry)
    assert not any(isinstance(v, EncryptedBallot) for v in vars(pickle.loads(pickle.dumps(prepared))).values())


def test_prepared_submission_is_logged_as_the_ballot_and_replays(board: BallotBoard) -> None:
    ballot, did, sig, proofs = signed(VOTERS[0], encrypt(0))
    receipt = board.submit(PreparedBallot.of(ballot), did, sig, proofs, CHECKED)
    assert board.log.public_key is not None
    assert verify_receipt(receipt, board.log.public_key, ballot, did, sig, proofs)
    assert board.submit(ballot, did, sig, proofs) == receipt  # an exact replay, decoded or prepared
    assert board.submit(PreparedBallot.of(ballot), did, sig, proofs, CHECKED) == receipt
    assert board.counted_ballots() == {did: ballot}


def test_prepared_submission_is_refused_as_the_ballot(board: BallotBoard) -> None:
    ballot, did, sig, proofs = signed(VOTERS[0], encrypt(0))
    board.submit(ballot, did, sig, proofs)
    copy, other_did, other_sig, other_proofs = signed(VOTERS[1], encrypt(0))
    with pytest.raises(BoardError, match="already") as decoded:
        board.submit(copy, other_did, other_sig, other_proofs)
    with pytest.raises(BoardError, match="already") as prepared:
        board.submit(PreparedBallot.of(copy), other_did, other_sig, other_proofs, CHECKED)
    assert (prepared.value.status, prepared.value.reason) == (decoded.value.status, decoded.value.reason)
    with pytest.raises(BoardError, match="comes with its checks") as unchecked:
        board.submit(PreparedBallot.of(encrypt(1)), VOTERS[2].did, sig, proofs)
    assert unchecked.value.status == 400
