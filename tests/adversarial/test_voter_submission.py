"""Defect 7 (issue 9): the voter's signature covers the whole submission; and (part of defect 10)
one voter's DID cannot submit without bound.

A man in the middle (a network attacker, a compromised proxy) holds a voter's signed submission on
its way to the board and changes one part of it: the state (CAST to SPOILED, which would turn the
vote into an audit and make the voter's own submission a conflict), the ballot id, a ciphertext, a
proof, the contest data, B_aux. The board refuses every changed submission (403, the signature)
and logs nothing; the voter's own submission is then accepted and the election ends and verifies.

A DID may make at most ``board serve --max-submissions-per-did`` accepted submissions (re-votes and
challenges; a replay of an accepted one does not count): beyond it the board answers 429.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from engine.election import BallotState, EncryptedBallot
from tests.adversarial.online_board import (
    board_over_http,
    expected_counts,
    finish_election,
    make_online_election,
    refused,
    served,
    submission_body,
    tally_counts,
)


def _first_contest(ballot: EncryptedBallot, **changes: object) -> EncryptedBallot:
    contest = dataclasses.replace(ballot.contests[0], **changes)
    return dataclasses.replace(ballot, contests=(contest, *ballot.contests[1:]))


def _first_selection(ballot: EncryptedBallot, **changes: object) -> EncryptedBallot:
    contest = ballot.contests[0]
    selection = dataclasses.replace(contest.selections[0], **changes)
    return _first_contest(ballot, selections=(selection, *contest.selections[1:]))


def flip_to_spoiled(ballot: EncryptedBallot) -> EncryptedBallot:
    return dataclasses.replace(ballot, state=BallotState.SPOILED)


def rename(ballot: EncryptedBallot) -> EncryptedBallot:
    return dataclasses.replace(ballot, ballot_id=f"{ballot.ballot_id}-mitm")


def swap_ciphertext(ballot: EncryptedBallot) -> EncryptedBallot:
    """The first selection's ciphertext becomes the second's (a vote moved from one option to another)."""
    return _first_selection(ballot, ciphertext=ballot.contests[0].selections[1].ciphertext)


def change_proof(ballot: EncryptedBallot) -> EncryptedBallot:
    proof = ballot.contests[0].selections[0].proof
    return _first_selection(ballot, proof=dataclasses.replace(proof, responses=tuple(reversed(proof.responses))))


def change_contest_data(ballot: EncryptedBallot) -> EncryptedBallot:
    data = ballot.contests[0].contest_data
    c1 = bytes([data.c1[0] ^ 1]) + data.c1[1:]
    return _first_contest(ballot, contest_data=dataclasses.replace(data, c1=c1))


def change_baux(ballot: EncryptedBallot) -> EncryptedBallot:
    return dataclasses.replace(ballot, code_baux=ballot.code_baux + b"mitm")


TAMPERINGS: dict[str, Callable[[EncryptedBallot], EncryptedBallot]] = {
    "state CAST to SPOILED": flip_to_spoiled,
    "ballot id": rename,
    "a ciphertext": swap_ciphertext,
    "a proof": change_proof,
    "the contest data": change_contest_data,
    "B_aux": change_baux,
}


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return make_online_election(tmp_path_factory.mktemp("mitm"), voters=3)


def test_a_man_in_the_middle_cannot_change_a_signed_submission(election, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    e = election
    ballot = e.encrypt(0)
    did, signature = e.credentials[0].did, e.sign(0, ballot)
    with board_over_http(e) as board:
        size = board.size
        for what, tamper in TAMPERINGS.items():
            changed = tamper(ballot)
            assert changed != ballot, what
            reason = refused(board, board.post(changed, did, signature), 403, "signature", size)
            assert "DID" in reason, (what, reason)
        # the voter's own submission goes through, as cast, and counts
        accepted = board.post(ballot, did, signature)
        assert accepted.status_code == 200, accepted.text
        assert board.service.board.counted_ballot_ids()[did] == ballot.ballot_id
        for i in (1, 2):
            assert board.vote(e, i, e.encrypt(i)).status_code == 200
    record, report = finish_election(e)
    assert report.ok, [str(f) for f in report.findings]
    assert tally_counts(record) == expected_counts(list(e.plaintexts))


def test_a_did_over_its_cap_of_submissions_is_refused(tmp_path: Path) -> None:
    e = make_online_election(tmp_path, voters=2)

    def post(http: httpx.Client, i: int, ballot: EncryptedBallot) -> httpx.Response:
        body = submission_body(ballot, e.credentials[i].did, e.sign(i, ballot))
        return http.post("/ballots", content=body, headers={"content-type": "application/json"})

    def size(http: httpx.Client) -> int:
        return int(http.get("/sth").json()["sth"]["tree_size"])

    with served(e, "--max-submissions-per-did", 2) as url, httpx.Client(base_url=url, timeout=60) as http:
        cast = e.encrypt(0)
        first = post(http, 0, cast)
        assert first.status_code == 200, first.text
        challenged = e.encrypt(0, state=BallotState.SPOILED, ballot_id="challenged-0")
        assert post(http, 0, challenged).status_code == 200
        before = size(http)
        over = post(http, 0, e.encrypt(0, ballot_id="revote-0"))
        assert over.status_code == 429, over.text
        assert "made 2 submissions" in over.json()["error"]
        assert size(http) == before
        again = post(http, 0, cast)  # a replay of an accepted submission: the same receipt, not counted
        assert again.status_code == 200 and again.json() == first.json()
        assert post(http, 1, e.encrypt(1)).status_code == 200  # another voter is not affected
    record, report = finish_election(e)
    assert report.ok, [str(f) for f in report.findings]
    assert tally_counts(record) == expected_counts(list(e.plaintexts))
