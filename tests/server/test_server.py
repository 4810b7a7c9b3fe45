"""The ballot-casting server: its API, limits and refusals (in process), load and crash recovery
(uvicorn in a child process on loopback, killed with SIGKILL mid-load). Test group throughout.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import random
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 behind its test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine.ballot import encrypt_ballot
from engine.board.board import Receipt, verify_receipt
from engine.board.entries import (
    BallotSubmitted,
    BallotSuperseded,
    ElectionPublished,
    decode_entry,
    encode_contest_data_proofs,
)
from engine.board.log import TransparencyLog
from engine.board.merkle import leaf_hash, root_of, verify_consistency, verify_inclusion
from engine.board.sth import BoardKey, SignedTreeHead, verify_sth
from engine.board.storage import SQLiteLogStorage
from engine.cli.demo_cmd import random_ballots, run_ceremony, stop_process, wait_for_url
from engine.cli.election_cmds import fix_election_keys
from engine.client import BoardClient, CastResult, check_receipt, monitor
from engine.credentials.did import VoterCredential, sign_submission
from engine.credentials.roster import RegistrarKey, SignedRoster, encode_roster, make_roster
from engine.election import BallotState, EncryptedBallot, PlaintextBallot
from engine.hash import UInt256
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.record import ElectionRecord
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from engine.server.app import Limits, create_app, decode_signature
from engine.server.errors import ApiError
from engine.server.service import BoardService, Election, ServiceError
from tests.support.contest_data_nonces import proofs_for, remember

VOTERS = 230
LOAD = 200


# ---------------------------------------------------------------- an online election (test group)


@dataclass(frozen=True)
class Setup:
    root: Path
    election_dir: Path
    election: Election
    roster: SignedRoster
    roster_file: Path
    credentials: tuple[VoterCredential, ...]
    plaintexts: tuple[PlaintextBallot, ...]
    board_key: BoardKey
    board_key_file: Path
    registrar: RegistrarKey

    def encrypt(
        self, i: int, *, state: BallotState = BallotState.CAST, ballot_id: str | None = None
    ) -> EncryptedBallot:
        plaintext = self.plaintexts[i]
        if ballot_id is not None:
            plaintext = dataclasses.replace(plaintext, ballot_id=ballot_id)
        init = self.election.initialized
        return remember(
            encrypt_ballot(
                self.election.manifest, init, plaintext, device="online", code_baux=init.config.baux0, state=state
            )
        )

    def body(
        self,
        i: int,
        ballot: EncryptedBallot | None = None,
        credential: VoterCredential | None = None,
        proofs: tuple[PadKnowledgeProof, ...] | None = None,
    ) -> bytes:
        ballot = ballot if ballot is not None else self.encrypt(i)
        proofs = proofs_for(ballot) if proofs is None else proofs
        voter = credential or self.credentials[i]
        signature = sign_submission(voter, self.election.initialized.extended_base_hash, ballot, proofs)
        return submission_body(ballot, voter.did, signature, proofs)


def submission_body(
    ballot: EncryptedBallot, did: str, signature: bytes, proofs: tuple[PadKnowledgeProof, ...]
) -> bytes:
    return json.dumps(
        {
            "ballot": encode_encrypted_ballot(ballot),
            "did": did,
            "signature": signature.hex(),
            "contest_data_proofs": encode_contest_data_proofs(proofs),
        }
    ).encode()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    root = tmp_path_factory.mktemp("online")
    election_dir = root / "election"
    run_ceremony(election_dir, root / "private", root / "exchange", 3, 2, "test", chain=False, step=lambda _s: None)
    h_e = ElectionRecord(election_dir).initialized.extended_base_hash
    credentials = tuple(VoterCredential.generate() for _ in range(VOTERS))
    registrar = RegistrarKey.generate()
    roster = make_roster(registrar, [c.did for c in credentials], h_e)
    roster_file = root / "roster.json"
    roster_file.write_bytes(encode_roster(roster))
    key = BoardKey.generate()
    key_file = root / "board-key.json"
    key.save(key_file)
    fix_election_keys(election_dir, key.public_key, registrar.public_key)
    election = Election.from_record(election_dir)
    plaintexts = tuple(random_ballots(election.manifest, VOTERS, random.Random(7)))
    return Setup(root, election_dir, election, roster, roster_file, credentials, plaintexts, key, key_file, registrar)


# ---------------------------------------------------------------- in process


@dataclass
class InProcess:
    service: BoardService
    client: TestClient

    def size(self) -> int:
        return self.service.log.size

    def post(self, body: bytes, content_type: str = "application/json") -> httpx.Response:
        return self.client.post("/ballots", content=body, headers={"content-type": content_type})


@pytest.fixture(scope="module")
def board(setup: Setup, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    db = tmp_path_factory.mktemp("db") / "board.sqlite"
    service = BoardService(setup.election, setup.roster, db, setup.board_key)
    with TestClient(create_app(service, Limits(max_body=256 * 1024, page=5))) as client:
        yield InProcess(service, client)
    service.close()


def refused(board: InProcess, response: httpx.Response, status: int, words: str, size_before: int) -> None:
    assert response.status_code == status, response.text
    reason = response.json()["error"]
    assert words in reason, reason
    assert board.size() == size_before


def test_election_sth_and_the_first_entry(setup: Setup, board: InProcess) -> None:
    doc = board.client.get("/election").json()
    init = setup.election.initialized
    assert doc["election_id"] == init.extended_base_hash.hex()
    assert {k: v.encode() for k, v in doc["record"].items()} == dict(setup.election.files)
    assert bytes.fromhex(doc["board_public_key"]) == setup.board_key.public_key
    body = board.client.get("/sth").json()
    sth = SignedTreeHead.from_json(body["sth"])
    assert verify_sth(sth, bytes.fromhex(body["board_public_key"]))
    entries = board.client.get("/entries", params={"start": 0, "end": 1}).json()["entries"]
    first = decode_entry(base64.b64decode(entries[0]), setup.election.group)
    assert isinstance(first, ElectionPublished) and first.h_e == init.extended_base_hash
    assert first.roster_root == setup.roster.root
    assert board.client.get("/roster").json()["root"] == setup.roster.root.hex().upper()


def test_submission_receipt_and_proofs(setup: Setup, board: InProcess) -> None:
    ballot = setup.encrypt(0)
    proofs = proofs_for(ballot)
    signature = sign_submission(setup.credentials[0], setup.election.initialized.extended_base_hash, ballot, proofs)
    before = board.size()
    response = board.post(submission_body(ballot, setup.credentials[0].did, signature, proofs))
    assert response.status_code == 200, response.text
    receipt = Receipt.from_json(response.json())
    assert receipt.leaf_index == before and receipt.sth.tree_size == before + 1
    assert verify_receipt(receipt, setup.board_key.public_key, ballot, setup.credentials[0].did, signature, proofs)
    size = board.size()
    proof = board.client.get("/proof/inclusion", params={"index": receipt.leaf_index, "size": size}).json()
    path = [bytes.fromhex(h) for h in proof["inclusion_proof"]]
    entry = board.service.log.entry(receipt.leaf_index)
    assert verify_inclusion(leaf_hash(entry), receipt.leaf_index, size, path, board.service.log.root(size))
    consistency = board.client.get("/proof/consistency", params={"old": 1, "new": size}).json()
    old_root = board.service.log.root(1)
    new_root = board.service.log.root(size)
    assert verify_consistency(1, size, old_root, new_root, [bytes.fromhex(h) for h in consistency["consistency_proof"]])
    # the signature may come as base64 too
    assert decode_signature(base64.b64encode(signature).decode()) == signature
    assert decode_signature(base64.urlsafe_b64encode(signature).decode().rstrip("=")) == signature


def test_replay_gets_the_same_answer_and_no_new_entry(setup: Setup, board: InProcess) -> None:
    body = setup.body(1)
    first = board.post(body)
    assert first.status_code == 200, first.text
    size = board.size()
    again = board.post(body)
    assert again.status_code == 200
    assert again.json()["leaf_index"] == first.json()["leaf_index"]
    assert board.size() == size


def test_a_revote_supersedes_and_a_challenge_does_not(setup: Setup, board: InProcess) -> None:
    i = 2
    assert board.post(setup.body(i)).status_code == 200
    size = board.size()
    spoiled = setup.encrypt(i, state=BallotState.SPOILED, ballot_id="challenged-2")
    assert board.post(setup.body(i, spoiled)).status_code == 200
    assert board.size() == size + 1
    revote = setup.encrypt(i, ballot_id="revote-2")
    assert board.post(setup.body(i, revote)).status_code == 200
    assert board.size() == size + 3
    superseded = decode_entry(board.service.log.entry(size + 1), setup.election.group)
    assert isinstance(superseded, BallotSuperseded)
    assert (superseded.old_ballot_id, superseded.new_ballot_id) == (setup.plaintexts[i].ballot_id, "revote-2")
    assert board.service.board.counted_ballot_ids()[setup.credentials[i].did] == "revote-2"


def _forge_proof(ballot: EncryptedBallot) -> EncryptedBallot:
    contest = ballot.contests[0]
    selection = contest.selections[0]
    responses = list(selection.proof.responses)
    responses[0] = responses[0] + 1
    proof = dataclasses.replace(selection.proof, responses=tuple(responses))
    selections = (dataclasses.replace(selection, proof=proof), *contest.selections[1:])
    return dataclasses.replace(
        ballot, contests=(dataclasses.replace(contest, selections=selections), *ballot.contests[1:])
    )


def _outside_subgroup(ballot: EncryptedBallot) -> EncryptedBallot:
    group = ballot.contests[0].selections[0].ciphertext.pad.group
    contest = ballot.contests[0]
    selection = contest.selections[0]
    ciphertext = dataclasses.replace(selection.ciphertext, pad=group.element_p(group.p - 1))
    selections = (dataclasses.replace(selection, ciphertext=ciphertext), *contest.selections[1:])
    return dataclasses.replace(
        ballot, contests=(dataclasses.replace(contest, selections=selections), *ballot.contests[1:])
    )


def test_bad_submissions_are_refused_with_a_reason_and_the_log_unchanged(setup: Setup, board: InProcess) -> None:
    h_e = setup.election.initialized.extended_base_hash
    i = 10
    ballot = setup.encrypt(i)
    voter = setup.credentials[i]
    proofs = proofs_for(ballot)
    good_signature = sign_submission(voter, h_e, ballot, proofs)
    size = board.size()

    refused(board, board.post(setup.body(i, _forge_proof(ballot))), 422, "5.D", size)
    other = dataclasses.replace(ballot, election_id=UInt256(bytes(32)))
    refused(board, board.post(setup.body(i, other)), 422, "another election", size)
    stranger = VoterCredential.generate()
    refused(board, board.post(setup.body(i, ballot, stranger)), 403, "roster", size)
    # the proofs of knowledge of the contest data nonces: refused when missing, extra or failing (422, the
    # contest named), or malformed (400, the proof and its contest named)
    first, last = (repr(c.contest_id) for c in (ballot.contests[0], ballot.contests[-1]))
    refused(board, board.post(setup.body(i, ballot, proofs=proofs[:-1])), 422, f"contest {last}", size)
    refused(board, board.post(setup.body(i, ballot, proofs=(*proofs, proofs[0]))), 422, "for no contest", size)
    failing = (PadKnowledgeProof(proofs[0].challenge, proofs[0].response + 1), *proofs[1:])
    refused(board, board.post(setup.body(i, ballot, proofs=failing)), 422, f"contest {first} does not verify", size)
    with_proofs = json.loads(setup.body(i, ballot))
    for bad_proofs, words in (
        ({}, "a list"),
        ([{"challenge": "00"}], f"contest_data_proofs[0] (contest {first})"),
        ([{"challenge": "0G", "response": "00"}], "hex digits"),
        ([{"challenge": "00", "response": format(setup.election.group.q, "X")}], "not an integer mod q"),
    ):
        refused(
            board, board.post(json.dumps({**with_proofs, "contest_data_proofs": bad_proofs}).encode()), 400, words, size
        )
    bad_signature = bytes([good_signature[0] ^ 1]) + good_signature[1:]
    refused(board, board.post(submission_body(ballot, voter.did, bad_signature, proofs)), 403, "signature", size)
    refused(board, board.post(b'{"ballot": {'), 400, "JSON", size)
    refused(board, board.post(b'{"ballot": 1, "ballot": 2}'), 400, "duplicate key", size)
    refused(board, board.post(b"[]"), 400, "JSON object", size)
    body = json.loads(setup.body(i, ballot))
    refused(board, board.post(json.dumps({**body, "extra": 1}).encode()), 400, "unknown field", size)
    refused(board, board.post(json.dumps({"ballot": body["ballot"], "did": voter.did}).encode()), 400, "missing", size)
    refused(board, board.post(json.dumps({**body, "signature": "zz"}).encode()), 400, "signature", size)
    refused(board, board.post(json.dumps({**body, "did": "did:web:x"}).encode()), 400, "did:key", size)
    extra_field = json.loads(setup.body(i, ballot))
    extra_field["ballot"]["surprise"] = True
    refused(board, board.post(json.dumps(extra_field).encode()), 400, "unknown field", size)
    refused(board, board.post(b"x" * (256 * 1024 + 1)), 413, "limit", size)
    refused(board, board.post(setup.body(i, ballot), "text/plain"), 415, "application/json", size)
    # an element beyond p is not read at all; one below p but outside the subgroup fails 5.A
    too_big = json.loads(setup.body(i, ballot))
    too_big["ballot"]["contests"][0]["selections"][0]["encrypted_vote"]["pad"] = format(setup.election.group.p + 1, "X")
    refused(board, board.post(json.dumps(too_big).encode()), 400, "not an integer mod p", size)
    refused(board, board.post(setup.body(i, _outside_subgroup(ballot))), 422, "5.A", size)
    bad_id = dataclasses.replace(ballot, ballot_id="../escape")
    refused(board, board.post(setup.body(i, bad_id)), 400, "an id holds only", size)
    # and the good one still goes in
    assert board.post(setup.body(i, ballot)).status_code == 200


def test_a_taken_ballot_id_or_code_is_a_conflict(setup: Setup, board: InProcess) -> None:
    first = setup.encrypt(20)
    assert board.post(setup.body(20, first)).status_code == 200
    size = board.size()
    same_id = setup.encrypt(21, ballot_id=first.ballot_id)
    refused(board, board.post(setup.body(21, same_id)), 409, "already used", size)
    copied = dataclasses.replace(first, ballot_id="copy-of-20")
    refused(board, board.post(setup.body(21, copied)), 409, "confirmation code", size)


def test_queries_are_strict(setup: Setup, board: InProcess) -> None:
    c = board.client
    for i in range(30, 36):  # more entries than one page, whatever ran before on this worker
        assert board.post(setup.body(i)).status_code == 200
    assert c.get("/proof/inclusion", params={"index": "x", "size": 1}).status_code == 400
    assert c.get("/proof/inclusion", params={"index": 0}).status_code == 400
    assert c.get("/proof/inclusion", params={"index": 0, "size": 1, "more": 1}).status_code == 400
    assert c.get("/proof/inclusion", params={"index": 5, "size": 2}).status_code == 400
    assert c.get("/proof/consistency", params={"old": 3, "new": 10**9}).status_code == 400
    assert c.get("/entries", params={"start": 5, "end": 2}).status_code == 400
    assert c.get("/entries", params={"start": 10**6, "end": 10**6 + 1}).status_code == 404
    page = c.get("/entries", params={"start": 0, "end": 10**6}).json()
    assert page["end"] - page["start"] == len(page["entries"]) == 5  # the page limit
    assert c.get("/nowhere").status_code == 404 and "error" in c.get("/nowhere").json()
    assert c.post("/sth").status_code == 405


def test_a_database_of_another_election_is_refused(setup: Setup, board: InProcess) -> None:
    other = make_roster(setup.registrar, [setup.credentials[0].did], setup.election.initialized.extended_base_hash)
    with pytest.raises(ServiceError, match="another roster"):
        BoardService(setup.election, other, board.service.storage.path, setup.board_key)
    with pytest.raises(ValueError):
        ApiError(200, "a success is not an error")


# ---------------------------------------------------------------- a real server, in a child process


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str


def start_server(setup: Setup, db: Path, check_workers: int = 0) -> Server:
    command = [
        sys.executable, "-m", "engine.cli.main", "board", "serve",
        "--election", str(setup.election_dir), "--roster", str(setup.roster_file),
        "--db", str(db), "--board-key", str(setup.board_key_file),
        "--host", "127.0.0.1", "--port", "0", "--check-workers", str(check_workers),
    ]  # fmt: skip
    log = db.parent / f"{db.name}.server.log"
    with log.open("ab") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
    return Server(process, wait_for_url(process, 120, log))


@dataclass(frozen=True)
class Signed:
    ballot: EncryptedBallot
    did: str
    signature: bytes
    proofs: tuple[PadKnowledgeProof, ...]

    def body(self) -> bytes:
        return submission_body(self.ballot, self.did, self.signature, self.proofs)


def signed_ballots(setup: Setup, count: int) -> list[Signed]:
    h_e = setup.election.initialized.extended_base_hash
    out = []
    for i in range(count):
        ballot = setup.encrypt(i)
        proofs = proofs_for(ballot)
        signature = sign_submission(setup.credentials[i], h_e, ballot, proofs)
        out.append(Signed(ballot, setup.credentials[i].did, signature, proofs))
    return out


async def post_all(url: str, items: list[Signed], on_answer: Any = None) -> list[httpx.Response | None]:
    """POST every submission at once; None where the connection failed."""
    limits = httpx.Limits(max_connections=len(items), max_keepalive_connections=len(items))
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:

        async def one(i: int, item: Signed) -> httpx.Response | None:
            try:
                response = await client.post(
                    "/ballots", content=item.body(), headers={"content-type": "application/json"}
                )
            except httpx.HTTPError:
                return None
            if on_answer is not None:
                on_answer(i, response)
            return response

        return list(await asyncio.gather(*(one(i, item) for i, item in enumerate(items))))


def logged_submissions(client: BoardClient, setup: Setup, size: int) -> list[BallotSubmitted]:
    out = []
    for data in client.entries(0, size):
        entry = decode_entry(data, setup.election.group)
        if isinstance(entry, BallotSubmitted):
            out.append(entry)
    return out


def audit(db: Path) -> list[str]:
    storage = SQLiteLogStorage(db)
    try:
        return TransparencyLog(storage).audit()
    finally:
        storage.close()


@pytest.fixture(scope="module")
def load_ballots(setup: Setup) -> list[Signed]:
    return signed_ballots(setup, LOAD)


def test_concurrent_submissions_are_all_acknowledged_and_on_the_log(
    setup: Setup, load_ballots: list[Signed], tmp_path: Path
) -> None:
    db = tmp_path / "load.sqlite"
    server = start_server(setup, db, check_workers=1)
    try:
        responses = asyncio.run(post_all(server.url, load_ballots))
        assert all(r is not None and r.status_code == 200 for r in responses), [
            r.text if r is not None else None for r in responses if r is None or r.status_code != 200
        ][:3]
        receipts = [Receipt.from_json(r.json()) for r in responses if r is not None]
        for item, receipt in zip(load_ballots, receipts):
            assert verify_receipt(
                receipt, setup.board_key.public_key, item.ballot, item.did, item.signature, item.proofs
            )
        with BoardClient(server.url) as client:
            sth, key = client.sth()
            assert key == setup.board_key.public_key and verify_sth(sth, key)
            assert sth.tree_size == LOAD + 1
            entries = client.entries(0, sth.tree_size)
            assert root_of([leaf_hash(e) for e in entries]) == sth.root
            logged = logged_submissions(client, setup, sth.tree_size)
        assert sorted(e.ballot_id for e in logged) == sorted(item.ballot.ballot_id for item in load_ballots)
        assert len({r.leaf_index for r in receipts}) == LOAD
    finally:
        stop_process(server.process)
    assert audit(db) == []


def test_sigkill_mid_load_loses_no_acknowledged_ballot(
    setup: Setup, load_ballots: list[Signed], tmp_path: Path
) -> None:
    db = tmp_path / "crash.sqlite"
    server = start_server(setup, db)
    with BoardClient(server.url) as client:
        first_head = monitor(client, None)
    acknowledged: dict[int, Receipt] = {}
    kill_at = LOAD // 5

    def on_answer(i: int, response: httpx.Response) -> None:
        if response.status_code == 200:
            acknowledged[i] = Receipt.from_json(response.json())
            if len(acknowledged) == kill_at:
                os.kill(server.process.pid, signal.SIGKILL)

    try:
        asyncio.run(post_all(server.url, load_ballots, on_answer))
    finally:
        server.process.kill()
        server.process.wait()
        stop_process(server.process)
    assert server.process.returncode == -signal.SIGKILL
    assert kill_at <= len(acknowledged) < LOAD

    restarted = start_server(setup, db)
    try:
        with BoardClient(restarted.url) as client:
            grown = monitor(client, first_head)  # the new head extends the one seen before the crash
            assert grown.sth.tree_size >= len(acknowledged) + 1
            for i, receipt in acknowledged.items():
                item = load_ballots[i]
                saved = CastResult(
                    item.ballot, item.did, item.signature, receipt, setup.board_key.public_key, client.url,
                    setup.election.group, item.proofs,
                )  # fmt: skip
                check_receipt(client, saved)  # inclusion in the receipt's head, consistent with the new one
        again = asyncio.run(post_all(restarted.url, load_ballots))
        assert all(r is not None and r.status_code == 200 for r in again)
        for i, receipt in acknowledged.items():
            response = again[i]
            assert response is not None and Receipt.from_json(response.json()).leaf_index == receipt.leaf_index
        with BoardClient(restarted.url) as client:
            sth, _ = client.sth()
            logged = logged_submissions(client, setup, sth.tree_size)
            monitor(client, grown)
        assert sorted(e.ballot_id for e in logged) == sorted(item.ballot.ballot_id for item in load_ballots)
    finally:
        stop_process(restarted.process)
    assert audit(db) == []


def test_one_server_per_database(setup: Setup, tmp_path: Path) -> None:
    db = tmp_path / "busy.sqlite"
    server = start_server(setup, db)
    try:
        second = subprocess.run(
            [
                sys.executable, "-m", "engine.cli.main", "board", "serve",
                "--election", str(setup.election_dir), "--roster", str(setup.roster_file),
                "--db", str(db), "--board-key", str(setup.board_key_file), "--port", "0",
            ],
            capture_output=True,
            timeout=120,
        )  # fmt: skip
        assert second.returncode == 2
        assert b"in use by another process" in second.stderr
    finally:
        stop_process(server.process)
