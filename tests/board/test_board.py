"""The ballot board's rules: who may submit what, replays, superseding, challenged ballots, closing.

An in-memory election on the test group with the demo manifest (as ``ballotchain bench`` sets it
up), ballots encrypted with engine.ballot.encrypt_ballot, the proofs checked by the bench's
per-ballot verification (the server injects the verifier's checks the same way).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.ballot import challenge, encrypt_ballot
from engine.board.board import (
    DEFAULT_MAX_SUBMISSIONS_PER_DID,
    BallotBoard,
    BoardError,
    BoardSetupError,
    Receipt,
    verify_receipt,
)
from engine.board.entries import BallotSubmitted, BallotSuperseded, ElectionPublished, VotingClosed, decode_entry
from engine.board.log import TransparencyLog
from engine.board.sth import BoardKey, verify_sth
from engine.board.storage import SQLiteLogStorage
from engine.cli.bench_cmd import bench_election, verify_ballot_proofs
from engine.cli.demo_cmd import random_ballots
from engine.credentials.did import VoterCredential, sign_submission
from engine.credentials.roster import RegistrarKey, make_roster
from engine.election import ElectionInitialized, EncryptedBallot
from engine.errors import GroupError
from engine.group import ElementModP
from engine.hash import UInt256
from engine.manifest import Manifest
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.proofs.range_proof import RangeProof
from tests.support.contest_data_nonces import proofs_for, remember

MANIFEST, ELECTION, _ = bench_election("test", 3, 2)
VOTERS = [VoterCredential.generate() for _ in range(6)]
OUTSIDER = VoterCredential.generate()
REGISTRAR = RegistrarKey.generate()
ROSTER = make_roster(REGISTRAR, [v.did for v in VOTERS], ELECTION.extended_base_hash)
PLAINTEXTS = random_ballots(MANIFEST, 12, random.Random(6))
Proofs = tuple[PadKnowledgeProof, ...]
Submission = tuple[EncryptedBallot, str, bytes, Proofs]


def encrypt(n: int, manifest: Manifest = MANIFEST, election: ElectionInitialized = ELECTION) -> EncryptedBallot:
    return remember(encrypt_ballot(manifest, election, PLAINTEXTS[n], device="test-device"))


def checker(ballot: EncryptedBallot) -> list[str]:
    return [] if verify_ballot_proofs(ELECTION, ballot) else ["a range proof does not verify"]


def signed(voter: VoterCredential, ballot: EncryptedBallot, proofs: Proofs | None = None) -> Submission:
    proofs = proofs_for(ballot) if proofs is None else proofs
    return ballot, voter.did, sign_submission(voter, ELECTION.extended_base_hash, ballot, proofs), proofs


@pytest.fixture()
def key() -> BoardKey:
    return BoardKey.generate()


@pytest.fixture()
def board(tmp_path: Path, key: BoardKey) -> Iterator[BallotBoard]:
    with SQLiteLogStorage(tmp_path / "board.db") as storage:
        b = BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, checker)
        b.publish_election()
        yield b


def snapshot(board: BallotBoard) -> tuple[int, bytes, dict[str, str]]:
    return board.log.size, board.log.root(), board.counted_ballot_ids()


def refused(
    board: BallotBoard, status: int, match: str, ballot: EncryptedBallot, did: str, sig: bytes, proofs: Proofs
) -> None:
    before = snapshot(board)
    with pytest.raises(BoardError, match=match) as info:
        board.submit(ballot, did, sig, proofs)
    assert info.value.status == status
    assert snapshot(board) == before, "a refusal changed the log"


def entries(board: BallotBoard) -> list[object]:
    return [decode_entry(e, ELECTION.joint_public_key.group) for e in board.log.entries(0, board.log.size)]


# ---------------------------------------------------------------- acceptance


def test_publish_is_the_first_entry_and_idempotent(board: BallotBoard) -> None:
    first = board.publish_election()
    assert board.publish_election() == first and board.log.size == 1
    assert isinstance(first, ElectionPublished)
    assert first.h_e == ELECTION.extended_base_hash and first.roster_root == ROSTER.root
    assert first.joint_key == ELECTION.joint_public_key and first.manifest_hash == ELECTION.config.manifest_hash


def test_accepted_submission_has_a_verifiable_receipt(board: BallotBoard, key: BoardKey) -> None:
    ballot, did, sig, proofs = signed(VOTERS[0], encrypt(0))
    receipt = board.submit(ballot, did, sig, proofs)
    assert receipt.leaf_index == 1 and receipt.sth.tree_size == 2
    assert verify_sth(receipt.sth, key.public_key)
    assert verify_receipt(receipt, key.public_key, ballot, did, sig, proofs)
    assert Receipt.from_json(receipt.to_json()) == receipt
    assert not verify_receipt(receipt, BoardKey.generate().public_key, ballot, did, sig, proofs)
    assert not verify_receipt(receipt, key.public_key, encrypt(1), did, sig, proofs)
    assert not verify_receipt(receipt, key.public_key, ballot, did, sig, proofs[::-1])
    assert not verify_receipt(dataclasses.replace(receipt, leaf_index=0), key.public_key, ballot, did, sig, proofs)
    assert board.counted_ballots() == {did: ballot}
    assert board.receipt(ballot.ballot_id) == receipt


def test_replay_gets_the_same_receipt_and_no_entry(board: BallotBoard) -> None:
    submission = signed(VOTERS[0], encrypt(0))
    receipt = board.submit(*submission)
    board.submit(*signed(VOTERS[1], encrypt(1)))
    before = snapshot(board)
    assert board.submit(*submission) == receipt
    assert snapshot(board) == before


def test_a_later_cast_ballot_supersedes_visibly(board: BallotBoard) -> None:
    voter = VOTERS[2]
    first, second = encrypt(2), encrypt(3)
    board.submit(*signed(voter, first))
    receipt = board.submit(*signed(voter, second))
    log = entries(board)
    assert isinstance(log[-2], BallotSuperseded) and isinstance(log[-1], BallotSubmitted)
    assert (log[-2].did, log[-2].old_ballot_id, log[-2].new_ballot_id) == (voter.did, first.ballot_id, second.ballot_id)
    assert receipt.leaf_index == board.log.size - 1
    assert board.counted_ballot_ids() == {voter.did: second.ballot_id}


def test_spoiled_ballots_are_logged_never_counted_and_supersede_nothing(board: BallotBoard) -> None:
    voter = VOTERS[3]
    spoiled = challenge(encrypt(4))
    board.submit(*signed(voter, spoiled))
    assert board.counted_ballots() == {}
    cast = encrypt(5)
    board.submit(*signed(voter, cast))
    board.submit(*signed(voter, challenge(encrypt(6))))
    assert board.counted_ballot_ids() == {voter.did: cast.ballot_id}
    assert not any(isinstance(e, BallotSuperseded) for e in entries(board))
    assert sum(isinstance(e, BallotSubmitted) for e in entries(board)) == 3


def test_close_counts_and_refuses_later_submissions(board: BallotBoard) -> None:
    board.submit(*signed(VOTERS[0], encrypt(0)))
    board.submit(*signed(VOTERS[0], encrypt(1)))
    board.submit(*signed(VOTERS[1], encrypt(2)))
    closed = board.close()
    assert isinstance(closed, VotingClosed) and closed.counted_count == 2
    size = board.log.size
    assert board.close() == closed and board.log.size == size
    assert isinstance(entries(board)[-1], VotingClosed)
    refused(board, 409, "closed", *signed(VOTERS[2], encrypt(3)))


# ---------------------------------------------------------------- refusals, each leaving the log unchanged


def test_refusals(board: BallotBoard) -> None:
    first = encrypt(0)
    board.submit(*signed(VOTERS[0], first))
    ballot, did, sig, proofs = signed(VOTERS[1], encrypt(1))
    refused(board, 403, "not on the roster", *signed(OUTSIDER, ballot))
    h_e = ELECTION.extended_base_hash
    refused(board, 403, "signature", ballot, did, sign_submission(VOTERS[2], h_e, ballot, proofs), proofs)
    refused(
        board, 403, "signature", ballot, did, sign_submission(VOTERS[1], UInt256(bytes(32)), ballot, proofs), proofs
    )
    refused(board, 403, "signature", ballot, did, bytes([sig[0] ^ 1]) + sig[1:], proofs)
    refused(board, 403, "signature", ballot, did, sig, proofs[::-1])  # the signature covers the proofs
    refused(board, 400, "64 bytes", ballot, did, sig[:63], proofs)
    refused(board, 400, "malformed DID", ballot, "did:web:example.com", sig, proofs)
    refused(board, 400, "not an encrypted ballot", "ballot", did, sig, proofs)  # type: ignore[arg-type]
    other = dataclasses.replace(ballot, election_id=UInt256(bytes(32)))
    refused(board, 422, "another election", other, did, sig, proofs)
    refused(board, 409, "already used", *signed(VOTERS[1], dataclasses.replace(encrypt(2), ballot_id=first.ballot_id)))
    refused(board, 409, "confirmation code", *signed(VOTERS[1], dataclasses.replace(first, ballot_id="copy")))
    assert board.submit(ballot, did, sig, proofs).leaf_index == 2


def test_checker_refusal(board: BallotBoard) -> None:
    ballot = encrypt(1)
    contest = ballot.contests[0]
    proof = contest.selections[0].proof
    bad_proof = RangeProof(proof.challenges, (proof.responses[0] + 1,) + proof.responses[1:])
    bad_selection = dataclasses.replace(contest.selections[0], proof=bad_proof)
    forged = dataclasses.replace(
        ballot,
        contests=(dataclasses.replace(contest, selections=(bad_selection,) + contest.selections[1:]),)
        + ballot.contests[1:],
    )
    assert forged.confirmation_code == ballot.confirmation_code  # proofs are not covered by H(B)
    refused(board, 422, "range proof", *signed(VOTERS[1], forged))

    assert board.submit(*signed(VOTERS[1], ballot)).leaf_index == 1


def test_checker_errors_are_refusals(tmp_path: Path, key: BoardKey) -> None:
    def raising(_: EncryptedBallot) -> list[str]:
        raise GroupError("an element is outside the group")

    with SQLiteLogStorage(tmp_path / "b.db") as storage:
        board = BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, raising)
        board.publish_election()
        refused(board, 422, "outside the group", *signed(VOTERS[0], encrypt(0)))


def test_not_published_board_refuses(tmp_path: Path, key: BoardKey) -> None:
    with SQLiteLogStorage(tmp_path / "b.db") as storage:
        board = BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, checker)
        refused(board, 409, "not published", *signed(VOTERS[0], encrypt(0)))
        with pytest.raises(BoardError):
            board.close()


# ---------------------------------------------------------------- setup, restart, concurrency


def test_setup_mismatches(tmp_path: Path, key: BoardKey) -> None:
    other_manifest, other_election, _ = bench_election("test", 3, 2)
    with pytest.raises(BoardSetupError, match="another election"):
        BallotBoard(TransparencyLog(SQLiteLogStorage(tmp_path / "a.db"), key), other_election, ROSTER, checker)
    forged = dataclasses.replace(ROSTER, dids=ROSTER.dids[1:])
    with pytest.raises(BoardSetupError, match="roster does not verify"):
        BallotBoard(TransparencyLog(SQLiteLogStorage(tmp_path / "b.db"), key), ELECTION, forged, checker)
    storage = SQLiteLogStorage(tmp_path / "c.db")
    BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, checker).publish_election()
    other_roster = make_roster(REGISTRAR, [v.did for v in VOTERS], other_election.extended_base_hash)
    with pytest.raises(BoardSetupError, match="another election or roster"):
        BallotBoard(TransparencyLog(storage, key), other_election, other_roster, checker)
    storage.close()


def test_state_survives_a_restart(tmp_path: Path, key: BoardKey) -> None:
    path = tmp_path / "board.db"
    first, second = signed(VOTERS[0], encrypt(0)), signed(VOTERS[0], encrypt(1))
    with SQLiteLogStorage(path) as storage:
        board = BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, checker)
        board.publish_election()
        board.submit(*first)
        receipt = board.submit(*second)
    with SQLiteLogStorage(path) as storage:
        board = BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, checker)
        assert board.submit(*second) == receipt
        refused(
            board,
            409,
            "already used",
            *signed(VOTERS[1], dataclasses.replace(encrypt(2), ballot_id=first[0].ballot_id)),
        )
        assert board.counted_ballot_ids() == {VOTERS[0].did: second[0].ballot_id}
        board.close()
    with SQLiteLogStorage(path) as storage:
        board = BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, checker)
        assert board.is_closed
        assert TransparencyLog(storage).audit() == []


def test_concurrent_submissions(board: BallotBoard, key: BoardKey) -> None:
    submissions = [signed(VOTERS[i % 6], encrypt(i)) for i in range(12)]
    receipts: list[Receipt] = []
    errors: list[BaseException] = []

    def submit(s: Submission) -> None:
        try:
            receipts.append(board.submit(*s))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(s,)) for s in submissions + submissions[:4]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.ballot_id for r in receipts}) == 12
    assert sum(isinstance(e, BallotSubmitted) for e in entries(board)) == 12
    assert sum(isinstance(e, BallotSuperseded) for e in entries(board)) == 6
    assert board.log.audit() == []
    for r in receipts:
        ballot, did, sig, proofs = next(s for s in submissions if s[0].ballot_id == r.ballot_id)
        assert verify_receipt(r, key.public_key, ballot, did, sig, proofs)


# ---------------------------------------------------------------- copies and the per-DID cap


def test_a_did_makes_at_most_the_cap_of_submissions_and_replays_do_not_count(board: BallotBoard) -> None:
    assert board.max_submissions_per_did == DEFAULT_MAX_SUBMISSIONS_PER_DID == 5
    made = [signed(VOTERS[0], encrypt(i)) for i in range(5)]
    for submission in made:
        board.submit(*submission)
    assert board.submit(*made[0]).ballot_id == made[0][0].ballot_id  # a replay, at the cap
    refused(board, 429, "made 5 submissions", *signed(VOTERS[0], encrypt(5)))
    board.submit(*signed(VOTERS[1], encrypt(6)))  # another DID is not affected


def test_the_cap_is_configurable_and_survives_a_restart(tmp_path: Path, key: BoardKey) -> None:
    for bad in (0, -1, True, "2"):
        with pytest.raises(BoardSetupError, match="submission"):
            BallotBoard(
                TransparencyLog(SQLiteLogStorage(tmp_path / "x.db"), key),
                ELECTION,
                ROSTER,
                checker,
                max_submissions_per_did=bad,  # type: ignore[arg-type]
            )
    path = tmp_path / "board.db"
    with SQLiteLogStorage(path) as storage:
        board = BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, checker, max_submissions_per_did=1)
        board.publish_election()
        first = encrypt(0)
        board.submit(*signed(VOTERS[0], first))
    with SQLiteLogStorage(path) as storage:
        board = BallotBoard(TransparencyLog(storage, key), ELECTION, ROSTER, checker, max_submissions_per_did=1)
        refused(board, 429, "made 1 submissions", *signed(VOTERS[0], encrypt(1)))
        # the ciphertext index survives the restart too
        other = encrypt(2)
        copy = dataclasses.replace(other, contests=(first.contests[0], *other.contests[1:]))
        refused(board, 409, "already on the board", *signed(VOTERS[1], copy))


def test_copied_and_repeated_ciphertexts_and_another_baux_are_refused(board: BallotBoard) -> None:
    first = encrypt(0)
    board.submit(*signed(VOTERS[0], first))
    mine = encrypt(1)
    contest = mine.contests[0]
    copied_selection = dataclasses.replace(contest.selections[1], ciphertext=first.contests[0].selections[0].ciphertext)
    copied = dataclasses.replace(contest, selections=(contest.selections[0], copied_selection, *contest.selections[2:]))
    at = f"selection {contest.contest_id}/{contest.selections[1].selection_id}"
    refused(board, 409, at, *signed(VOTERS[1], dataclasses.replace(mine, contests=(copied, *mine.contests[1:]))))
    twice = dataclasses.replace(
        contest.selections[1],
        ciphertext=dataclasses.replace(contest.selections[1].ciphertext, pad=contest.contest_data.c0),
    )
    repeated = dataclasses.replace(contest, selections=(contest.selections[0], twice, *contest.selections[2:]))
    refused(board, 422, "twice", *signed(VOTERS[1], dataclasses.replace(mine, contests=(repeated, *mine.contests[1:]))))
    refused(board, 422, "B_aux", *signed(VOTERS[1], dataclasses.replace(mine, code_baux=b"another")))
    board.submit(*signed(VOTERS[1], mine))


# ---------------------------------------------------------------- proofs of knowledge of the contest data nonces


def with_contest_data_pad(ballot: EncryptedBallot, pad: ElementModP) -> EncryptedBallot:
    """The ballot with the first contest's C0 replaced (H(B) does not cover contest data: it stays valid)."""
    contest = ballot.contests[0]
    data = dataclasses.replace(contest.contest_data, c0=pad)
    return dataclasses.replace(ballot, contests=(dataclasses.replace(contest, contest_data=data), *ballot.contests[1:]))


def test_contest_data_proofs_missing_extra_or_failing_are_refused_naming_the_contest(board: BallotBoard) -> None:
    ballot = challenge(encrypt(1))
    proofs = proofs_for(ballot)
    names = [repr(c.contest_id) for c in ballot.contests]
    assert len(proofs) == len(ballot.contests) >= 2
    flipped = dataclasses.replace(proofs[1], response=proofs[1].response + 1)
    cases = [
        ((), f"no proof of knowledge of the nonce of the contest data of contest {names[0]}"),
        (proofs[:-1], f"no proof of knowledge of the nonce of the contest data of contest {names[-1]}"),
        ((*proofs, proofs[0]), f"{len(proofs) + 1} contest data proofs for {len(proofs)} contests"),
        ((proofs[0], flipped, *proofs[2:]), f"contest {names[1]} does not verify"),
        (proofs[::-1], f"contest {names[0]} does not verify"),
    ]
    for bad, reason in cases:
        refused(board, 422, reason, *signed(VOTERS[1], ballot, bad))
    _, did, sig, _ = signed(VOTERS[1], ballot)
    refused(board, 422, "contest data proof 0", ballot, did, sig, ("proof", *proofs[1:]))  # type: ignore[arg-type]
    # a proof made for this ballot does not carry over to another with the same contest data
    other = encrypt(2)
    borrowed = dataclasses.replace(other, contests=(other.contests[0], *ballot.contests[1:]))
    mixed = (proofs_for(other)[0], *proofs[1:])
    refused(board, 422, f"contest {names[1]} does not verify", *signed(VOTERS[1], borrowed, mixed))
    board.submit(*signed(VOTERS[1], ballot))


def test_another_voters_pad_as_a_challenged_contest_datas_c0_is_refused(board: BallotBoard) -> None:
    """The attack the proofs stop: C0' = alpha_A g^t, whose decryption would give K^xi_A (A's vote)."""
    victim = encrypt(0)
    board.submit(*signed(VOTERS[0], victim))
    alpha_a = victim.contests[0].selections[0].ciphertext.pad
    t = ELECTION.joint_public_key.group.random_q()
    mine = challenge(encrypt(1))
    attack = with_contest_data_pad(mine, alpha_a * ELECTION.joint_public_key.group.g_pow(t))
    honest = proofs_for(mine)
    where = f"contest {mine.contests[0].contest_id!r} does not verify"
    refused(board, 422, where, *signed(VOTERS[1], attack, honest))  # the proof of the C0 it replaced
    refused(board, 422, "no proof", *signed(VOTERS[1], attack, honest[1:]))
    refused(board, 422, "no proof", *signed(VOTERS[1], attack, ()))
    refused(board, 422, where, *signed(VOTERS[1], attack, (PadKnowledgeProof(t, t), *honest[1:])))
    # the pad itself is refused before any proof is looked at (rule 7)
    refused(board, 409, "already on the board", *signed(VOTERS[1], with_contest_data_pad(mine, alpha_a), honest))
    board.submit(*signed(VOTERS[1], mine))
    assert board.counted_ballot_ids() == {VOTERS[0].did: victim.ballot_id}
