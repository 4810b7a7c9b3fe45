"""The board admits in batches (issue 11, item 3): the checking processes check the submissions queued together,
their range proofs in one randomized batch when they carry their commitments (spec 2.0.0 eq. 46), and bisect a
failing batch, so that one bad submission is refused alone, with its reason, and the honest ones of its batch are
accepted and logged. Test group, checks in threads (engine.server.checker.check_bodies is what a checking process
runs on a chunk).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from engine.ballot import encrypt_ballot
from engine.board.board import PreparedBallot
from engine.board.entries import BallotSubmitted, canonical_json, decode_entry, encode_contest_data_proofs, encode_entry
from engine.board.sth import BoardKey
from engine.client.board_client import SignedSubmission
from engine.election import EncryptedBallot
from engine.proofs.proof_commitments import BallotCommitments
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from engine.record.codecs.proof_commitments import encode_ballot_commitments
from engine.server.checker import DrainQueue, check_bodies
from engine.server.errors import ApiError
from engine.server.service import BoardService
from tests.adversarial.online_board import OnlineElection, make_online_election
from tests.support.contest_data_nonces import proofs_for, remember

VOTERS = 7
FORGED_PROOF, BAD_SIGNATURE, WRONG_COMMITMENT = 2, 4, 5


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> OnlineElection:
    return make_online_election(tmp_path_factory.mktemp("batch-admission"), voters=VOTERS, seed=5)


@pytest.fixture
def service(election: OnlineElection, tmp_path: Path) -> Iterator[BoardService]:
    board = BoardService(
        election.election, election.roster, tmp_path / "board.sqlite", BoardKey.load(election.board_key_file)
    )
    try:
        yield board
    finally:
        board.close()


def encrypted(e: OnlineElection, i: int) -> tuple[EncryptedBallot, BallotCommitments]:
    init = e.election.initialized
    result = encrypt_ballot(e.election.manifest, init, e.plaintexts[i], device="online", code_baux=init.config.baux0)
    assert result.proof_commitments is not None
    return remember(result), result.proof_commitments


def body(
    e: OnlineElection, i: int, ballot: EncryptedBallot, commitments: BallotCommitments | None, sig: bytes
) -> bytes:
    document = {
        "ballot": encode_encrypted_ballot(ballot),
        "did": e.credentials[i].did,
        "signature": sig.hex(),
        "contest_data_proofs": encode_contest_data_proofs(proofs_for(ballot)),
    }
    if commitments is not None:
        document["proof_commitments"] = encode_ballot_commitments(commitments)
    return json.dumps(document).encode()


def forge_first_response(ballot: EncryptedBallot) -> EncryptedBallot:
    """The ballot with its first selection proof's first response changed (a proof that does not verify)."""
    contest = ballot.contests[0]
    selection = contest.selections[0]
    proof = selection.proof
    responses = (proof.responses[0] + proof.responses[0].group.element_q(1), *proof.responses[1:])
    selection = dataclasses.replace(selection, proof=dataclasses.replace(proof, responses=responses))
    contest = dataclasses.replace(contest, selections=(selection, *contest.selections[1:]))
    return dataclasses.replace(ballot, contests=(contest, *ballot.contests[1:]))


def wrong_first_commitment(commitments: BallotCommitments) -> BallotCommitments:
    """The commitments with the first selection proof's a_0 replaced by another quadratic residue (g^2)."""
    contest = commitments.contests[0]
    sid, values = contest.selections[0]
    values = (values[0].group.g_pow(2), *values[1:])
    contest = dataclasses.replace(contest, selections=((sid, values), *contest.selections[1:]))
    return dataclasses.replace(commitments, contests=(contest, *commitments.contests[1:]))


def bodies(e: OnlineElection, with_commitments: bool) -> list[bytes]:
    """One submission per voter; voter FORGED_PROOF signs a ballot whose proof does not verify, voter
    BAD_SIGNATURE's signature is not over its ballot, voter WRONG_COMMITMENT (with commitments) sends commitments
    that are not its proof's."""
    out = []
    for i in range(VOTERS):
        ballot, commitments = encrypted(e, i)
        if i == FORGED_PROOF:
            ballot = forge_first_response(ballot)
        if i == WRONG_COMMITMENT and with_commitments:
            commitments = wrong_first_commitment(commitments)
        signature = e.sign(i, ballot)
        if i == BAD_SIGNATURE:
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        out.append(body(e, i, ballot, commitments if with_commitments else None, signature))
    return out


def bad(with_commitments: bool) -> dict[int, tuple[int, str]]:
    """The refused submissions: their status and a word of their reason."""
    out = {FORGED_PROOF: (422, "[5.D]"), BAD_SIGNATURE: (403, "signature")}
    if with_commitments:
        out[WRONG_COMMITMENT] = (422, "[R.proof_commitments]")
    return out


@pytest.mark.parametrize("with_commitments", [True, False], ids=["commitments", "strict"])
def test_one_chunk_refuses_the_bad_ones_alone(election: OnlineElection, service: BoardService, with_commitments: bool):
    dids = tuple(sorted(election.roster.dids))
    checked = check_bodies(service.checker.context, dids, bodies(election, with_commitments))
    refused = bad(with_commitments)
    assert len(checked) == VOTERS
    for i, outcome in enumerate(checked):
        assert outcome.refusal is None and outcome.prechecked is not None and outcome.submission is not None
        assert isinstance(outcome.submission.ballot, PreparedBallot)  # not the decoded ballot, nor its commitments
        assert outcome.prechecked.signature_valid == (i != BAD_SIGNATURE)
        if i == BAD_SIGNATURE:
            assert outcome.prechecked.ballot_problems is None  # never checked: the board refuses it before
        elif i in refused:
            assert any(refused[i][1] in p for p in outcome.prechecked.ballot_problems or ())
        else:
            assert outcome.prechecked.ballot_problems == ()
            assert outcome.prechecked.contest_data_problems == ()
    before = service.log.size
    accepted = []
    for i, outcome in enumerate(checked):
        if i in refused:
            with pytest.raises(ApiError) as caught:
                service.submit_checked(outcome)
            status, word = refused[i]
            assert caught.value.status == status and word in caught.value.reason
        else:
            accepted.append(service.submit_checked(outcome)["ballot_id"])
    assert len(accepted) == VOTERS - len(refused)
    entries = service.log.entries(before, service.log.size)
    logged = [decode_entry(data, election.election.group) for data in entries]  # strict: canonical bytes only
    assert [entry.ballot_id for entry in logged if isinstance(entry, BallotSubmitted)] == accepted
    assert all(encode_entry(entry) == data for entry, data in zip(logged, entries))


def test_an_entry_with_its_ballot_json_made_beforehand_has_the_same_bytes(election: OnlineElection):
    ballot, _ = encrypted(election, 1)
    did, proofs = election.credentials[1].did, proofs_for(ballot)
    plain = BallotSubmitted(ballot.ballot_id, did, ballot.confirmation_code, b"\1" * 64, ballot, 7, proofs)
    made = canonical_json(encode_encrypted_ballot(ballot))
    spliced = dataclasses.replace(plain, ballot_json=made)
    assert spliced == plain and encode_entry(spliced) == encode_entry(plain)
    assert decode_entry(encode_entry(spliced), election.election.group) == plain


def test_a_malformed_body_is_refused_in_its_chunk(election: OnlineElection, service: BoardService):
    good = bodies(election, True)[0]
    document = json.loads(good)
    document["proof_commitments"]["contests"] = "none"
    extra = dict(json.loads(good), surplus=1)
    checked = check_bodies(
        service.checker.context,
        tuple(sorted(election.roster.dids)),
        [b"{", json.dumps(document).encode(), json.dumps(extra).encode(), good],
    )
    assert [c.refusal[0] if c.refusal else None for c in checked] == [400, 400, 400, None]
    assert checked[1].refusal is not None and "proof_commitments" in checked[1].refusal[1]
    assert checked[2].refusal is not None and "surplus" in checked[2].refusal[1]


def test_over_the_checker_queue(election: OnlineElection, service: BoardService):
    """Through ``check_body`` (the server's path): the same refusals, whatever the chunks."""
    refused = bad(True)
    futures = [service.check_body(b) for b in bodies(election, True)]
    for i, future in enumerate(futures):
        checked = future.result(timeout=60)
        if i in refused:
            with pytest.raises(ApiError) as caught:
                service.submit_checked(checked)
            assert caught.value.status == refused[i][0]
        else:
            assert service.submit_checked(checked)["leaf_index"] > 0


def test_drain_queue_sends_what_queued_as_one_chunk():
    gate = threading.Event()
    chunks: list[list[int]] = []

    def run(chunk: list[int]) -> list[int]:
        chunks.append(chunk)
        gate.wait(10)
        return [x * 10 for x in chunk]

    with ThreadPoolExecutor(1) as pool:
        queue: DrainQueue[int, int] = DrainQueue(pool, run, slots=1, max_chunk=3)
        futures = [queue.submit(x) for x in range(6)]
        gate.set()
        assert [f.result(timeout=10) for f in futures] == [0, 10, 20, 30, 40, 50]
    assert chunks == [[0], [1, 2, 3], [4, 5]]


def test_drain_queue_fails_only_the_chunk_that_failed():
    def run(chunk: list[int]) -> list[int]:
        if 1 in chunk:
            raise RuntimeError("worker lost")
        return chunk

    with ThreadPoolExecutor(1) as pool:
        queue: DrainQueue[int, int] = DrainQueue(pool, run, slots=1, max_chunk=1)
        futures = [queue.submit(x) for x in range(3)]
        assert futures[0].result(timeout=10) == 0 and futures[2].result(timeout=10) == 2
        with pytest.raises(RuntimeError, match="worker lost"):
            futures[1].result(timeout=10)


def test_the_voters_client_keeps_and_sends_its_commitments(election: OnlineElection):
    ballot, commitments = encrypted(election, 0)
    pending = SignedSubmission(
        ballot, "did:key:z", b"\0" * 64, election.election.group, proofs_for(ballot), commitments
    )
    again = SignedSubmission.from_json(json.loads(json.dumps(pending.to_json())))
    assert again.proof_commitments == commitments
    without = SignedSubmission.from_json({k: v for k, v in pending.to_json().items() if k != "proof_commitments"})
    assert without.proof_commitments is None
