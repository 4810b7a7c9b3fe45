"""Group commit: the board's rules hold within a batch, one transaction and one signed head per batch.

``BallotBoard.submit_batch`` commits its submissions as one batch (as the sequencer does with the
submissions that arrive while a batch is being made durable), so these tests need no timing.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.board.board import BallotBoard, BoardError, Receipt, verify_receipt
from engine.board.entries import BallotSubmitted, BallotSuperseded, decode_entry
from engine.board.log import TransparencyLog
from engine.board.sequencer import GroupCommit, Sequencer, Ticket
from engine.board.sth import BoardKey, SignedTreeHead
from engine.board.storage import SQLiteLogStorage
from engine.cli.bench_cmd import verify_ballot_proofs
from engine.election import BallotState, EncryptedBallot
from engine.proofs.pad_knowledge import PadKnowledgeProof
from tests.adversarial.online_board import OnlineElection, make_online_election
from tests.support.contest_data_nonces import proofs_for

Submission = tuple[EncryptedBallot, str, bytes, tuple[PadKnowledgeProof, ...]]


@pytest.fixture(scope="module")
def e(tmp_path_factory: pytest.TempPathFactory) -> OnlineElection:
    """A test-group election with twelve voters (their credentials, plaintexts and roster)."""
    return make_online_election(tmp_path_factory.mktemp("group-commit"), voters=12)


def checker_of(e: OnlineElection) -> Callable[[EncryptedBallot], list[str]]:
    init = e.election.initialized
    return lambda ballot: [] if verify_ballot_proofs(init, ballot) else ["a range proof does not verify"]


def signed(e: OnlineElection, voter: int, ballot: EncryptedBallot) -> Submission:
    """Voter ``voter``'s submission of ``ballot`` (signed by the voter, with its contest data proofs)."""
    return ballot, e.credentials[voter].did, e.sign(voter, ballot), proofs_for(ballot)


def entries(board: BallotBoard) -> list[object]:
    return [decode_entry(data, board.group) for data in board.log.entries(0, board.log.size)]


def snapshot(board: BallotBoard) -> tuple[int, bytes, dict[str, str]]:
    return board.log.size, board.log.root(), board.counted_ballot_ids()


@pytest.fixture()
def key() -> BoardKey:
    return BoardKey.generate()


@pytest.fixture()
def heads() -> list[SignedTreeHead]:
    return []


@pytest.fixture()
def board(e: OnlineElection, tmp_path: Path, key: BoardKey, heads: list[SignedTreeHead]) -> Iterator[BallotBoard]:
    init, roster = e.election.initialized, e.roster
    with SQLiteLogStorage(tmp_path / "board.db") as storage:
        b = BallotBoard(TransparencyLog(storage, key), init, roster, checker_of(e), max_submissions_per_did=3)
        b.head_listeners.append(heads.append)
        b.publish_election()
        yield b


def test_a_batch_is_one_transaction_and_one_signed_head(
    e: OnlineElection, board: BallotBoard, key: BoardKey, heads: list[SignedTreeHead]
) -> None:
    submissions = [signed(e, i, e.encrypt(i)) for i in range(4)]
    receipts = board.submit_batch(submissions)
    assert all(isinstance(r, Receipt) for r in receipts)
    assert [r.leaf_index for r in receipts] == [1, 2, 3, 4]  # type: ignore[union-attr]
    assert {r.sth for r in receipts} == {heads[-1]}  # type: ignore[union-attr]
    assert [h.tree_size for h in heads] == [1, 5]  # the election's head, then one for the batch
    assert all(board.log.tree_head(size) is None for size in (2, 3, 4))
    for submission, receipt in zip(submissions, receipts):
        assert isinstance(receipt, Receipt) and verify_receipt(receipt, key.public_key, *submission)
        assert board.receipt(submission[0].ballot_id) == receipt
    assert board.log.audit() == []


def test_a_copy_of_a_ballot_earlier_in_the_batch_is_refused(e: OnlineElection, board: BallotBoard) -> None:
    first, other = e.encrypt(0), e.encrypt(1)
    copy = dataclasses.replace(other, contests=(first.contests[0], *other.contests[1:]))
    accepted, copied, honest = board.submit_batch([signed(e, 0, first), signed(e, 1, copy), signed(e, 2, e.encrypt(2))])
    assert isinstance(accepted, Receipt) and isinstance(honest, Receipt)
    assert isinstance(copied, BoardError) and copied.status == 409 and "already on the board" in copied.reason
    assert first.ballot_id in copied.reason
    logged = [e.ballot_id for e in entries(board) if isinstance(e, BallotSubmitted)]
    assert logged == [first.ballot_id, e.encrypt(2).ballot_id]


def test_a_dids_later_ballot_in_the_batch_supersedes_its_earlier_one_in_order(
    e: OnlineElection, board: BallotBoard
) -> None:
    voter = 3
    one, two = e.encrypt(3), e.encrypt(4)
    spoiled = e.encrypt(5)
    spoiled = dataclasses.replace(spoiled, state=BallotState.SPOILED)
    results = board.submit_batch([signed(e, voter, one), signed(e, voter, two), signed(e, voter, spoiled)])
    assert all(isinstance(r, Receipt) for r in results)
    logged = entries(board)[1:]
    assert [type(e) for e in logged] == [BallotSubmitted, BallotSuperseded, BallotSubmitted, BallotSubmitted]
    superseded = logged[1]
    assert isinstance(superseded, BallotSuperseded)
    assert (superseded.old_ballot_id, superseded.new_ballot_id) == (one.ballot_id, two.ballot_id)
    assert board.counted_ballot_ids() == {e.credentials[voter].did: two.ballot_id}


def test_replays_reused_ids_and_the_cap_within_a_batch(e: OnlineElection, board: BallotBoard) -> None:
    voter = 4
    submission = signed(e, voter, e.encrypt(6))
    taken = signed(e, 5, dataclasses.replace(e.encrypt(7), ballot_id=submission[0].ballot_id))
    over = [signed(e, voter, e.encrypt(i)) for i in (8, 9, 10)]
    results = board.submit_batch([submission, submission, taken, *over])
    first, replay, reused, cap_1, cap_2, cap_3 = results
    assert isinstance(first, Receipt) and replay == first
    assert isinstance(reused, BoardError) and reused.status == 409 and "already used" in reused.reason
    assert isinstance(cap_1, Receipt) and isinstance(cap_2, Receipt)
    assert isinstance(cap_3, BoardError) and cap_3.status == 429
    assert sum(isinstance(e, BallotSubmitted) for e in entries(board)) == 3
    assert board.submit(*submission) == first  # a replay after the batch too


def test_a_closed_board_refuses_the_whole_batch(e: OnlineElection, board: BallotBoard) -> None:
    board.close()
    before = snapshot(board)
    results = board.submit_batch([signed(e, 0, e.encrypt(0)), signed(e, 1, e.encrypt(1))])
    assert all(isinstance(r, BoardError) and r.status == 409 for r in results)
    assert snapshot(board) == before


def test_concurrent_submissions_through_the_sequencer(
    e: OnlineElection, tmp_path: Path, key: BoardKey, heads: list[SignedTreeHead]
) -> None:
    submissions = [signed(e, i % 6, e.encrypt(i)) for i in range(12)]
    receipts: list[Receipt] = []
    errors: list[BaseException] = []
    with SQLiteLogStorage(tmp_path / "board.db") as storage:
        board = BallotBoard(
            TransparencyLog(storage, key),
            e.election.initialized,
            e.roster,
            checker_of(e),
            group_commit=GroupCommit(max_batch=4),
        )
        board.head_listeners.append(heads.append)
        board.publish_election()

        def submit(s: tuple) -> None:  # type: ignore[type-arg]
            try:
                receipts.append(board.submit(*s))
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)

        threads = [threading.Thread(target=submit, args=(s,)) for s in submissions + submissions[:3]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len({r.ballot_id for r in receipts}) == 12
        stored = [board.log.tree_head(h.tree_size) for h in heads]
        assert stored == heads  # every head the board made was stored and reported once
        assert {r.sth for r in receipts} <= set(heads)
        assert board.log.audit(sorted(heads, key=lambda h: h.tree_size)) == []
        for r in receipts:
            submission = next(s for s in submissions if s[0].ballot_id == r.ballot_id)
            assert verify_receipt(r, key.public_key, *submission)


def test_the_sequencer_batches_in_order_and_spreads_a_failure() -> None:
    batches: list[list[int]] = []

    def commit(batch: list[Ticket[int, int]]) -> None:
        batches.append([t.item for t in batch])
        if any(t.item < 0 for t in batch):
            raise OSError("disk full")
        for t in batch:
            t.accept(t.item * 10)

    sequencer: Sequencer[int, int] = Sequencer(commit, GroupCommit(max_batch=3, max_wait=0))
    results: dict[int, object] = {}

    def run(i: int) -> None:
        try:
            results[i] = sequencer.run(i)
        except OSError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: i * 10 for i in range(10)}
    assert all(1 <= len(b) <= 3 for b in batches) and sorted(sum(batches, [])) == list(range(10))
    with pytest.raises(OSError, match="disk full"):
        sequencer.run(-1)
    for bad in (0, True):
        with pytest.raises(ValueError):
            GroupCommit(max_batch=bad)
    with pytest.raises(ValueError):
        GroupCommit(max_wait=-1)
