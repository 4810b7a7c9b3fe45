"""What the board's adversarial tests share: a small online election (test group), its board served
over HTTP in process (the server's ASGI app), and the honest end of the election through the CLI:
close, export, tally, decryption by the guardians, verification.
"""

from __future__ import annotations

import dataclasses
import json
import random
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from click.testing import CliRunner

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 behind its test client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from engine.ballot import encrypt_ballot
from engine.board.election_keys import ELECTION_KEYS_FILE, ElectionKeys, encode_election_keys
from engine.board.entries import encode_contest_data_proofs
from engine.board.sth import BoardKey
from engine.cli.demo_cmd import random_ballots, run_ceremony, stop_process, wait_for_url
from engine.cli.main import cli
from engine.credentials.did import VoterCredential, sign_submission
from engine.credentials.roster import RegistrarKey, SignedRoster, encode_roster, make_roster
from engine.election import BallotState, EncryptedBallot, PlaintextBallot
from engine.hash import UInt256
from engine.record import ElectionRecord
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from engine.server.app import create_app
from engine.server.service import BoardService, Election
from engine.verify import Report, verify_record
from tests.support.contest_data_nonces import proofs_for, remember


@dataclass(frozen=True)
class OnlineElection:
    """An unchained test-group election with its voters' credentials, roster, plaintexts and board key."""

    root: Path
    election_dir: Path
    election: Election
    guardian_secrets: dict[str, Path]
    roster: SignedRoster
    credentials: tuple[VoterCredential, ...]
    plaintexts: tuple[PlaintextBallot, ...]
    db: Path
    board_key_file: Path

    @property
    def h_e(self) -> UInt256:
        return self.election.initialized.extended_base_hash

    def encrypt(
        self, i: int, *, state: BallotState = BallotState.CAST, ballot_id: str | None = None
    ) -> EncryptedBallot:
        """Voter i's plaintext, freshly encrypted as the voter's own machine does (B_aux = the election's)."""
        plaintext = self.plaintexts[i]
        if ballot_id is not None:
            plaintext = dataclasses.replace(plaintext, ballot_id=ballot_id)
        init = self.election.initialized
        return remember(
            encrypt_ballot(
                self.election.manifest, init, plaintext, device="online", code_baux=init.config.baux0, state=state
            )
        )

    def sign(self, i: int, ballot: EncryptedBallot) -> bytes:
        """Voter i's signature on the ballot with its contest data proofs (tests.support.contest_data_nonces)."""
        return sign_submission(self.credentials[i], self.h_e, ballot, proofs_for(ballot))


def make_online_election(root: Path, voters: int = 4, seed: int = 11) -> OnlineElection:
    election_dir = root / "election"
    secrets = run_ceremony(election_dir, root / "private", root / "exchange", 2, 2, "test", chain=False, step=str)
    registrar, board_key = RegistrarKey.generate(), BoardKey.generate()
    h_e = ElectionRecord(election_dir).initialized.extended_base_hash
    keys = ElectionKeys(h_e, board_key.public_key, registrar.public_key)
    (election_dir / ELECTION_KEYS_FILE).write_bytes(encode_election_keys(keys))
    election = Election.from_record(election_dir)
    credentials = tuple(VoterCredential.generate() for _ in range(voters))
    roster = make_roster(registrar, [c.did for c in credentials], h_e)
    (root / "roster.json").write_bytes(encode_roster(roster))
    plaintexts = tuple(random_ballots(election.manifest, voters, random.Random(seed)))
    key_file = root / "board" / "board-key.json"
    key_file.parent.mkdir()
    board_key.save(key_file)
    return OnlineElection(
        root,
        election_dir,
        election,
        secrets,
        roster,
        credentials,
        plaintexts,
        key_file.parent / "board.sqlite",
        key_file,
    )


def submission_body(ballot: EncryptedBallot, did: str, signature: bytes) -> bytes:
    """The POST /ballots body, with the ballot's contest data proofs (tests.support.contest_data_nonces)."""
    return json.dumps(
        {
            "ballot": encode_encrypted_ballot(ballot),
            "did": did,
            "signature": signature.hex(),
            "contest_data_proofs": encode_contest_data_proofs(proofs_for(ballot)),
        }
    ).encode()


@dataclass
class Board:
    """The board's HTTP API in process, and its service (to look at the log's size)."""

    service: BoardService
    http: TestClient

    @property
    def size(self) -> int:
        return self.service.log.size

    def post(self, ballot: EncryptedBallot, did: str, signature: bytes) -> httpx.Response:
        body = submission_body(ballot, did, signature)
        return self.http.post("/ballots", content=body, headers={"content-type": "application/json"})

    def vote(self, e: OnlineElection, i: int, ballot: EncryptedBallot) -> httpx.Response:
        """Voter i submits its own ballot, signed by itself."""
        return self.post(ballot, e.credentials[i].did, e.sign(i, ballot))


@contextmanager
def served(e: OnlineElection, *options: object) -> Iterator[str]:
    """`ballotchain board serve` of the election in a child process on a free loopback port; its URL."""
    command = [
        sys.executable, "-m", "engine.cli.main", "board", "serve", "--election", e.election_dir,
        "--roster", e.root / "roster.json", "--db", e.db, "--board-key", e.board_key_file,
        "--port", 0, "--check-workers", 0, *options,
    ]  # fmt: skip
    log = e.root / "server.log"
    with log.open("ab") as errors:
        process = subprocess.Popen([str(c) for c in command], stdout=subprocess.PIPE, stderr=errors)
    try:
        yield wait_for_url(process, 120, log)
    finally:
        stop_process(process)


@contextmanager
def board_over_http(e: OnlineElection, **options: Any) -> Iterator[Board]:
    service = BoardService(e.election, e.roster, e.db, BoardKey.load(e.board_key_file), check_workers=0, **options)
    try:
        with TestClient(create_app(service)) as http:
            yield Board(service, http)
    finally:
        service.close()


def refused(board: Board, response: httpx.Response, status: int, words: str, size_before: int) -> str:
    """The answer is a refusal with this status and reason, and nothing was logged; the reason."""
    assert response.status_code == status, response.text
    reason = response.json()["error"]
    assert words in reason, reason
    assert board.size == size_before
    return str(reason)


def run(*args: object, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    if result.exit_code != expect:
        raise AssertionError(f"exit {result.exit_code} (wanted {expect}) for {args}:\n{result.output}")
    if expect == 2:
        assert "Traceback" not in result.output and result.output.strip().count("\n") == 0, result.output
    return result.output


def close_and_export(e: OnlineElection) -> Path:
    """`board close` and `board export` (after the server has stopped); the exported record."""
    run("board", "close", "--db", e.db, "--board-key", e.board_key_file)
    record = e.root / "record"
    run("board", "export", "--db", e.db, "--election", e.election_dir, "--out", record)
    return record


def tally_decrypt_verify(e: OnlineElection, record: Path) -> Report:
    """Tally, decryption by every guardian (the CLI steps), then the verifier's report."""
    run("tally", "--record", record)
    exchange = e.root / "decryption"
    partials, challenges, responses = exchange / "partials", exchange / "challenges", exchange / "responses"
    nonces = {g: secret.parent / "decryption-nonces.json" for g, secret in e.guardian_secrets.items()}
    for g, secret in e.guardian_secrets.items():
        run("guardian", "decrypt", "--record", record, "--secret", secret, "--out", partials, "--nonces", nonces[g])
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    for g, secret in e.guardian_secrets.items():
        run(
            "guardian", "respond", "--record", record, "--secret", secret, "--nonces", nonces[g],
            "--challenges", challenges, "--out", responses,
        )  # fmt: skip
    run("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)
    return verify_record(record, accept_test_group=True)


def finish_election(e: OnlineElection) -> tuple[Path, Report]:
    """The honest end of the election: close, export, tally, decrypt, verify."""
    record = close_and_export(e)
    return record, tally_decrypt_verify(e, record)


def tally_counts(record: Path) -> dict[tuple[str, str], int]:
    tally = ElectionRecord(record).tally
    return {(c.contest_id, s.selection_id): s.tally for c in tally.contests for s in c.selections}


def expected_counts(plaintexts: list[PlaintextBallot]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for ballot in plaintexts:
        for c in ballot.contests:
            for s in c.selections:
                counts[(c.contest_id, s.selection_id)] = counts.get((c.contest_id, s.selection_id), 0) + s.vote
    return counts
