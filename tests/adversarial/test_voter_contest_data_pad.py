"""A voter has another voter's pad decrypted as the C0 of a challenged ballot's contest data.

In ElectionGuard 2.0.0 contest data is hashed ElGamal (C0, C1, C2) with C0 = g^xi (spec 3.3.6, eq.
50-55) and carries no proof. Voter B takes alpha_A, the pad of one of voter A's selection ciphertexts
(public on the board's log), and challenges a ballot of its own whose first contest's data has
C0' = alpha_A * g^t, t known to B, the rest a proper encryption signed by B. Its confirmation code does
not cover contest data, so the board's checks of 2.0.0 all pass, and the guardians, decrypting the
challenged ballot, publish beta' = C0'^s = K^xi_A * K^t (eq. 81): B divides by K^t and reads A's vote
from (alpha_A, beta_A). The board's ciphertext index refuses C0' = alpha_A itself, not its multiples.

The board now requires, for each contest, a proof that the voter knows xi with C0 = g^xi
(engine.proofs.pad_knowledge); B knows t, not xi_A + t. The attack is refused (422, naming the
contest) without a proof, with B's proof of the C0 it replaced, and with proofs B can forge; nothing
is logged; A, B and C then vote honestly and the election ends, decrypted, and verifies (B.8 too).
"""

from __future__ import annotations

import base64
import dataclasses
import json

import httpx
import pytest

from engine.board.entries import BallotSubmitted, decode_entry, encode_contest_data_proofs
from engine.credentials.did import sign_submission
from engine.election import BallotState, EncryptedBallot
from engine.group import ElementModP, ElementModQ
from engine.proofs.pad_knowledge import PadKnowledgeProof, pad_knowledge_challenge
from engine.record import ElectionRecord
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from tests.adversarial.online_board import (
    Board,
    OnlineElection,
    board_over_http,
    expected_counts,
    finish_election,
    make_online_election,
    refused,
    tally_counts,
)
from tests.support.contest_data_nonces import proofs_for

A, B, C = 0, 1, 2


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> OnlineElection:
    return make_online_election(tmp_path_factory.mktemp("contest-data-pad"), voters=3)


def pads_on_the_log(board: Board, ballot_id: str, e: OnlineElection) -> list[ElementModP]:
    """The selection pads of a logged ballot, as anyone reads them from GET /entries."""
    page = board.http.get("/entries", params={"start": 0, "end": board.size}).json()
    for text in page["entries"]:
        entry = decode_entry(base64.b64decode(text), e.election.group)
        if isinstance(entry, BallotSubmitted) and entry.ballot_id == ballot_id:
            return [s.ciphertext.pad for c in entry.ballot.contests for s in c.selections]
    raise AssertionError(f"{ballot_id} is not on the log")


def with_first_c0(ballot: EncryptedBallot, c0: ElementModP) -> EncryptedBallot:
    """The ballot with its first contest's C0 replaced; H(B) does not cover contest data, so it stays valid."""
    first = ballot.contests[0]
    data = dataclasses.replace(first.contest_data, c0=c0)
    return dataclasses.replace(ballot, contests=(dataclasses.replace(first, contest_data=data), *ballot.contests[1:]))


def post_signed(
    board: Board, e: OnlineElection, i: int, ballot: EncryptedBallot, proofs: tuple[PadKnowledgeProof, ...]
) -> httpx.Response:
    """Voter i signs (H_E, the ballot, these proofs) and posts them."""
    signature = sign_submission(e.credentials[i], e.h_e, ballot, proofs)
    body = {
        "ballot": encode_encrypted_ballot(ballot),
        "did": e.credentials[i].did,
        "signature": signature.hex(),
        "contest_data_proofs": encode_contest_data_proofs(proofs),
    }
    return board.http.post("/ballots", content=json.dumps(body).encode(), headers={"content-type": "application/json"})


def proof_with_t(e: OnlineElection, ballot: EncryptedBallot, t: ElementModQ) -> PadKnowledgeProof:
    """The best B can do: a Schnorr proof for the C0 it made, with the exponent it knows (t, not xi_A + t)."""
    first = ballot.contests[0]
    u = e.election.group.random_q()
    c = pad_knowledge_challenge(
        e.h_e, ballot.confirmation_code, first.sequence_order, first.contest_data, e.election.group.g_pow(u)
    )
    return PadKnowledgeProof(c, u - c * t)


def test_a_voter_cannot_have_another_voters_pad_decrypted_as_contest_data(election: OnlineElection) -> None:
    e = election
    group = e.election.group
    ballot_a = e.encrypt(A)
    with board_over_http(e) as board:
        assert board.vote(e, A, ballot_a).status_code == 200
        alpha_a = pads_on_the_log(board, ballot_a.ballot_id, e)[0]
        t = group.random_q()
        challenged_b = e.encrypt(B, state=BallotState.SPOILED, ballot_id="challenged-by-b")
        attack = with_first_c0(challenged_b, alpha_a * group.g_pow(t))
        honest_proofs = proofs_for(challenged_b)
        contest = repr(attack.contests[0].contest_id)
        size = board.size

        # without a proof: none at all, or B's own proof of the C0 it replaced
        refused(
            board,
            post_signed(board, e, B, attack, ()),
            422,
            f"no proof of knowledge of the nonce of the contest data of contest {contest}",
            size,
        )
        refused(board, post_signed(board, e, B, attack, honest_proofs), 422, f"contest {contest} does not verify", size)
        # with forged proofs: made with t, or simulated
        forged = (proof_with_t(e, attack, t), *honest_proofs[1:])
        refused(board, post_signed(board, e, B, attack, forged), 422, f"contest {contest} does not verify", size)
        simulated = (PadKnowledgeProof(group.random_q(), group.random_q()), *honest_proofs[1:])
        refused(board, post_signed(board, e, B, attack, simulated), 422, f"contest {contest} does not verify", size)
        # as a cast ballot too (nothing would decrypt it, but no proof, no ballot)
        cast_attack = dataclasses.replace(attack, state=BallotState.CAST)
        refused(board, post_signed(board, e, B, cast_attack, forged), 422, f"contest {contest} does not verify", size)

        # everyone votes honestly, B challenges its honest ballot, and A counts once
        assert board.vote(e, B, challenged_b).status_code == 200
        assert board.vote(e, B, e.encrypt(B)).status_code == 200
        assert board.vote(e, C, e.encrypt(C)).status_code == 200
        assert board.service.board.counted_ballot_ids()[e.credentials[A].did] == ballot_a.ballot_id
    record, report = finish_election(e)
    assert report.ok, [str(f) for f in report.findings]
    assert report.check("B.8").items == 4  # A, B challenged, B cast, C
    assert tally_counts(record) == expected_counts(list(e.plaintexts))
    exported = ElectionRecord(record)
    assert len(exported.encrypted_tally.cast_ballot_ids) == 3
    assert (record / "challenged_ballots" / "dballot-challenged-by-b.json").is_file()
