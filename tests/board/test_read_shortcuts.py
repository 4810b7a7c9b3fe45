"""The board's read shortcuts (issue 12, submissions per second): they answer as the database would.

SQLiteLogStorage keeps the subtree hashes of its last appends in memory (the receipts of a batch read them),
knows a size it has seen (the log only grows) and counts its writes; a board takes itself as open while
nothing was written since it last read so, and every batch checks again from the database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.board.board import BallotBoard, BoardError, Receipt, verify_receipt
from engine.board.log import TransparencyLog
from engine.board.merkle import MemoryTree, inclusion_proof, leaf_hash
from engine.board.sth import BoardKey
from engine.board.storage import RECENT_APPENDS, SQLiteLogStorage
from tests.adversarial.online_board import OnlineElection, make_online_election
from tests.board.test_group_commit import checker_of, signed


@pytest.fixture(scope="module")
def e(tmp_path_factory: pytest.TempPathFactory) -> OnlineElection:
    return make_online_election(tmp_path_factory.mktemp("read-shortcuts"), voters=4)


@pytest.fixture()
def storage(tmp_path: Path) -> Iterator[SQLiteLogStorage]:
    with SQLiteLogStorage(tmp_path / "board.db") as s:
        yield s


def test_inclusion_proofs_from_recent_nodes_equal_those_from_the_database(
    storage: SQLiteLogStorage, tmp_path: Path
) -> None:
    key = BoardKey.generate()
    log = TransparencyLog(storage, key)
    data = [f"entry {i}".encode() for i in range(2 * RECENT_APPENDS + 7)]
    sizes = [1, 2, 3, 5, 8, 13, 16]
    at = 0
    for end in [*sizes, len(data)]:
        log.append_many(data[at:end])
        at = end
    leaves = [leaf_hash(d) for d in data]
    assert storage.writes >= len(sizes) + 1
    with SQLiteLogStorage(tmp_path / "board.db") as fresh:  # reads every node from the database
        for size in (1, 7, 13, len(data)):
            for index in range(size):
                expected = inclusion_proof(MemoryTree(leaves), index, size)
                assert log.inclusion_proof(index, size) == expected
                assert TransparencyLog(fresh).inclusion_proof(index, size) == expected


def test_a_size_beyond_the_log_is_still_refused(storage: SQLiteLogStorage) -> None:
    log = TransparencyLog(storage, BoardKey.generate())
    log.append_many([b"a", b"b"])
    assert storage.holds(2) and not storage.holds(3)
    with pytest.raises(Exception, match="not between 0 and the log's size 2"):
        log.inclusion_proof(0, 3)


def test_a_board_closed_through_another_board_on_its_storage_refuses_at_once(
    e: OnlineElection, storage: SQLiteLogStorage
) -> None:
    key = BoardKey.generate()
    init, roster = e.election.initialized, e.roster
    one = BallotBoard(TransparencyLog(storage, key), init, roster, checker_of(e))
    one.publish_election()
    submission = signed(e, 0, e.encrypt(0))
    first = one.submit(*submission)
    assert isinstance(first, Receipt) and verify_receipt(first, key.public_key, *submission)
    other = BallotBoard(TransparencyLog(storage, key), init, roster, checker_of(e))
    other.close()
    ballot = e.encrypt(1)
    unsigned = (ballot, e.credentials[1].did, bytes(64), signed(e, 1, ballot)[3])
    for board in (one, other):
        with pytest.raises(BoardError) as refused:
            board.submit(*unsigned)  # closed is said before the bad signature, as before
        assert (refused.value.status, refused.value.reason) == (409, "voting is closed")


def test_a_prepared_ballot_with_its_json_given_equals_the_encoded_one(e: OnlineElection) -> None:
    from engine.board.board import PreparedBallot, _ballot_bytes

    ballot = e.encrypt(2)
    assert PreparedBallot.of(ballot, _ballot_bytes(ballot)) == PreparedBallot.of(ballot)
    assert dataclasses.replace(PreparedBallot.of(ballot)).ballot_json == _ballot_bytes(ballot)


def test_the_submission_digest_over_a_given_ballot_json_is_the_one_over_the_encoded_ballot(
    e: OnlineElection,
) -> None:
    from engine.board.board import _ballot_bytes
    from engine.credentials.did import submission_digest, verify_submission

    ballot, did, signature, proofs = signed(e, 3, e.encrypt(3))
    assert submission_digest(ballot, proofs, _ballot_bytes(ballot)) == submission_digest(ballot, proofs)
    assert verify_submission(did, e.h_e, ballot, proofs, signature, _ballot_bytes(ballot))
    other = _ballot_bytes(dataclasses.replace(ballot, timestamp=ballot.timestamp + 1))
    assert not verify_submission(did, e.h_e, ballot, proofs, signature, other)
