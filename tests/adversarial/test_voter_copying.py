"""Defect 6 (issue 9): ballot copying (Cortier and Smyth's attack on Helios).

Voter B takes voter A's ciphertexts and proofs from the public log and submits them as B's own
ballot, signed by B: under a new ballot id and another B_aux (so the confirmation code is new), or
with the election's B_aux and one of A's contests among B's own, or with A's contest data in B's
ballot. Counted, it would count A's choices twice and, in a small election, tell B how A voted
(and a challenged copy would have A's contest data decrypted). The board refuses every copy, and
A re-using its own earlier ciphertexts in a re-vote too; A's ballot stays as it was, and the
election ends with A counted once and verifies.
"""

from __future__ import annotations

import dataclasses

import pytest

from engine.ballot import confirmation_code
from engine.election import BallotState, EncryptedBallot
from engine.record import ElectionRecord
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from tests.adversarial.online_board import (
    OnlineElection,
    board_over_http,
    expected_counts,
    finish_election,
    make_online_election,
    refused,
    tally_counts,
)

A, B = 0, 1


def recoded(e: OnlineElection, ballot: EncryptedBallot, ballot_id: str, code_baux: bytes) -> EncryptedBallot:
    """The ballot under a new id and B_aux, with the confirmation code that goes with them (eq. 58)."""
    code = confirmation_code(e.h_e, [c.contest_hash for c in ballot.contests], code_baux)
    return dataclasses.replace(ballot, ballot_id=ballot_id, code_baux=code_baux, confirmation_code=code)


def with_first_contest_of(e: OnlineElection, mine: EncryptedBallot, theirs: EncryptedBallot) -> EncryptedBallot:
    """``mine`` with its first contest (ciphertexts, proofs, contest data) taken from ``theirs``."""
    mixed = dataclasses.replace(mine, contests=(theirs.contests[0], *mine.contests[1:]))
    return recoded(e, mixed, mine.ballot_id, mine.code_baux)


def with_contest_data_of(mine: EncryptedBallot, theirs: EncryptedBallot) -> EncryptedBallot:
    """``mine`` with the first contest's encrypted contest data (C0, C1, C2) of ``theirs`` (H(B) unchanged)."""
    contest = dataclasses.replace(mine.contests[0], contest_data=theirs.contests[0].contest_data)
    return dataclasses.replace(mine, contests=(contest, *mine.contests[1:]))


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> OnlineElection:
    return make_online_election(tmp_path_factory.mktemp("copying"), voters=3)


def test_a_voter_cannot_copy_another_voters_ballot(election: OnlineElection) -> None:
    e = election
    baux = e.election.initialized.config.baux0
    ballot_a = e.encrypt(A)
    with board_over_http(e) as board:
        assert board.vote(e, A, ballot_a).status_code == 200
        size = board.size

        def b_submits(ballot: EncryptedBallot, status: int, words: str) -> None:
            refused(board, board.vote(e, B, ballot), status, words, size)

        # A's whole ballot under a new id and another B_aux (a new confirmation code), signed by B
        b_submits(recoded(e, ballot_a, "copy-by-b", baux + b"B"), 422, "B_aux")
        # ... with the election's B_aux: A's confirmation code
        b_submits(recoded(e, ballot_a, "copy-by-b", baux), 409, "confirmation code")
        b_submits(dataclasses.replace(recoded(e, ballot_a, "copy-by-b", baux), state=BallotState.SPOILED), 409, "code")
        # one of A's contests among B's own (a new confirmation code), cast or challenged
        ballot_b = e.encrypt(B)
        mixed = with_first_contest_of(e, ballot_b, ballot_a)
        reason = f"selection {ballot_a.contests[0].contest_id}/"
        b_submits(mixed, 409, reason)
        b_submits(dataclasses.replace(mixed, state=BallotState.SPOILED), 409, "already on the board")
        # A's contest data in B's ballot (contest data is not in H(B): decrypting it would reveal A's)
        spoiled_b = e.encrypt(B, state=BallotState.SPOILED, ballot_id="challenged-by-b")
        b_submits(with_contest_data_of(spoiled_b, ballot_a), 409, "the contest data of")
        # A re-votes with one of its own earlier contests: not a fresh encryption either
        revote_a = with_first_contest_of(e, e.encrypt(A, ballot_id="revote-a"), ballot_a)
        refused(board, board.vote(e, A, revote_a), 409, "already on the board", size)

        # A's ballot is untouched, B and C vote honestly, and everyone counts once
        assert board.service.board.counted_ballot_ids()[e.credentials[A].did] == ballot_a.ballot_id
        assert board.vote(e, B, ballot_b).status_code == 200
        assert board.vote(e, B, spoiled_b).status_code == 200
        assert board.vote(e, 2, e.encrypt(2)).status_code == 200
    record, report = finish_election(e)
    assert report.ok, [str(f) for f in report.findings]
    exported = ElectionRecord(record)
    assert encode_encrypted_ballot(exported.encrypted_ballot(ballot_a.ballot_id)) == encode_encrypted_ballot(ballot_a)
    assert tally_counts(record) == expected_counts(list(e.plaintexts))
    assert len(exported.encrypted_tally.cast_ballot_ids) == 3
