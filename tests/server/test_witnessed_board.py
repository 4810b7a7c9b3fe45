"""Witness cosigning end to end on loopback (issue 12, items 3 and 4): a board and three in-process witnesses
(engine.server.witness_app over real HTTP), the election fixing their keys and a quorum of 2.

An honest election gets cosigned checkpoints and every receipt checks with 2 of 3; with one witness
down the quorum still holds; a forking board (a second database, the same key, another log) is
refused by the witnesses, its checkpoint lacks the quorum, and `board monitor` catches it with
evidence that `board check-evidence` confirms; a mirror copies the log only if the entries give the
cosigned checkpoint's root, and serves the same read API (receipts check against it).
"""

from __future__ import annotations

import contextlib
import json
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.checkpoint import election_origin
from engine.board.cosigning import CosigningError, board_verifier_key, check_cosigned
from engine.board.election_keys import decode_election_keys
from engine.board.fork_evidence import ForkEvidence, check_fork_evidence
from engine.board.note import ED25519_NOTE, CosignatureSigner, VerifierKey
from engine.board.sth import BoardKey
from engine.board.witness import Witness, WitnessState
from engine.cli.demo_cmd import run_ceremony, stop_process, wait_for_url
from engine.cli.election_cmds import fix_election_keys
from engine.cli.main import cli
from engine.cli.sample_election import random_ballots
from engine.client import (
    BoardCheckFailed,
    BoardClient,
    CastResult,
    cast_ballot,
    check_receipt,
    fetch_election,
    monitor,
)
from engine.client.mirror import mirror_board
from engine.credentials.did import VoterCredential
from engine.credentials.roster import RegistrarKey, SignedRoster, make_roster
from engine.election import PlaintextBallot
from engine.record import ElectionRecord
from engine.server.app import create_app
from engine.server.mirror_service import MirrorService
from engine.server.run import serving_in_thread
from engine.server.service import BoardService, Election, open_storage
from engine.server.witness_app import create_witness_app
from engine.server.witness_link import witness_links

VOTERS = 6
QUORUM = 2


@dataclass
class Loopback:
    root: Path
    election: Election
    roster: SignedRoster
    board_key: BoardKey
    credentials: tuple[VoterCredential, ...]
    plaintexts: tuple[PlaintextBallot, ...]
    witnesses: tuple[CosignatureSigner, ...]
    witness_states: tuple[WitnessState, ...]
    witness_urls: list[str]
    stack: contextlib.ExitStack
    witness_stops: list[contextlib.ExitStack] = field(default_factory=list)

    def serve_board(self, db: Path) -> tuple[BoardService, str]:
        service = BoardService(
            self.election, self.roster, db, self.board_key, witness_links=witness_links(self.witness_urls)
        )
        self.stack.callback(service.close)
        return service, self.stack.enter_context(serving_in_thread(create_app(service)))


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loopback]:
    root = tmp_path_factory.mktemp("witnessed")
    record = root / "election"
    run_ceremony(record, root / "private", root / "exchange", 1, 1, "test", chain=False, step=lambda _s: None)
    h_e = ElectionRecord(record).initialized.extended_base_hash
    credentials = tuple(VoterCredential.generate() for _ in range(VOTERS))
    registrar, board_key = RegistrarKey.generate(), BoardKey.generate()
    roster = make_roster(registrar, [c.did for c in credentials], h_e)
    signers = tuple(CosignatureSigner(f"witness.example/w{i}", Ed25519PrivateKey.generate()) for i in range(3))
    fix_election_keys(
        record, board_key.public_key, registrar.public_key, tuple(s.verifier_key for s in signers), QUORUM
    )
    election = Election.from_record(record)
    origin = election_origin(h_e.data)
    board_vkey = VerifierKey(origin, ED25519_NOTE, board_key.public_key)
    with contextlib.ExitStack() as stack:
        states, urls, stops = [], [], []
        for i, signer in enumerate(signers):
            state = stack.enter_context(WitnessState(root / f"witness-{i}.db"))
            witness = Witness(signer, state, {origin: [board_vkey]})
            stop = contextlib.ExitStack()
            stack.push(stop)
            urls.append(stop.enter_context(serving_in_thread(create_witness_app(witness))))
            states.append(state)
            stops.append(stop)
        plaintexts = tuple(random_ballots(election.manifest, VOTERS, random.Random(3)))
        yield Loopback(
            root, election, roster, board_key, credentials, plaintexts, signers, tuple(states), urls, stack, stops
        )


@dataclass
class Boards:
    honest_url: str
    honest: BoardService
    receipts: list[CastResult]


@pytest.fixture(scope="module")
def boards(loop: Loopback) -> Boards:
    service, url = loop.serve_board(loop.root / "board.sqlite")
    receipts = []
    with BoardClient(url) as client:
        online = fetch_election(client, allow_test_group=True)
        for i in range(2):
            receipts.append(cast_ballot(client, online, loop.credentials[i], loop.plaintexts[i]))
    return Boards(url, service, receipts)


def test_keys_file_fixes_the_witnesses_and_quorum(loop: Loopback) -> None:
    keys = decode_election_keys(loop.election.files["board_keys.json"], loop.election.initialized.extended_base_hash)
    assert set(keys.witnesses) == {s.verifier_key for s in loop.witnesses} and keys.witness_quorum == QUORUM
    assert b'"witness_quorum":2' in loop.election.files["board_keys.json"]


def test_honest_board_gets_cosigned_checkpoints_and_receipts_check(loop: Loopback, boards: Boards) -> None:
    keys = loop.election.keys
    names = {s.name for s in loop.witnesses}
    for receipt in boards.receipts:
        assert receipt.checkpoint is not None
        held = check_cosigned(receipt.checkpoint, keys)
        assert set(held.witness_names) == names and held.checkpoint.size >= receipt.receipt.sth.tree_size
        assert CastResult.from_json(receipt.to_json()) == receipt
    with BoardClient(boards.honest_url) as client:
        for receipt in boards.receipts:
            checked = check_receipt(client, receipt)
            assert set(checked.witnesses) == names and checked.checkpoint_size == boards.honest.log.size
        state = monitor(client, None)
        assert state.checkpoint is not None and set(state.witnesses) == names
        assert monitor(client, state).checkpoint == state.checkpoint


def test_forking_board_is_refused_by_the_witnesses_and_caught_by_the_monitor(
    loop: Loopback, boards: Boards, tmp_path: Path
) -> None:
    runner = CliRunner()
    state_file = tmp_path / "monitor.json"
    first = runner.invoke(cli, ["board", "monitor", "--board", boards.honest_url, "--state", str(state_file)])
    assert first.exit_code == 0, first.output
    assert "cosigned by" in first.output

    fork, fork_url = loop.serve_board(loop.root / "fork.sqlite")
    with BoardClient(fork_url) as client:
        online = fetch_election(client, allow_test_group=True)
        while fork.log.size < boards.honest.log.size:
            voter = 2 + fork.log.size
            with pytest.raises(BoardCheckFailed, match="cosignatures"):
                cast_ballot(client, online, loop.credentials[voter], loop.plaintexts[voter])
        assert fork.log.size == boards.honest.log.size
        assert fork.log.root() != boards.honest.log.root()
        with pytest.raises(CosigningError, match="needs 2 of 3"):
            check_cosigned(client.checkpoint(), loop.election.keys)
    refused = [state.evidence(fork.checkpoints.origin) for state in loop.witness_states]
    assert all(any("fork" in reason for reason, _ in found) for found in refused)

    evidence_file = tmp_path / "evidence.json"
    caught = runner.invoke(
        cli,
        ["board", "monitor", "--board", fork_url, "--state", str(state_file), "--evidence", str(evidence_file)],
    )
    assert caught.exit_code == 1, caught.output
    assert "forked" in caught.output and str(evidence_file) in " ".join(caught.output.split())
    evidence = ForkEvidence.from_json(json.loads(evidence_file.read_text()))
    assert "two different trees" in check_fork_evidence(evidence)
    checked = runner.invoke(cli, ["board", "check-evidence", str(evidence_file)])
    assert checked.exit_code == 0 and "a fork" in checked.output


def test_one_witness_down_still_gives_the_quorum(loop: Loopback, boards: Boards) -> None:
    loop.witness_stops[2].close()
    with BoardClient(boards.honest_url) as client:
        online = fetch_election(client, allow_test_group=True)
        cast = cast_ballot(client, online, loop.credentials[5], loop.plaintexts[5])
        assert cast.checkpoint is not None
        assert set(check_cosigned(cast.checkpoint, loop.election.keys).witness_names) == {
            loop.witnesses[0].name,
            loop.witnesses[1].name,
        }
        assert len(check_receipt(client, boards.receipts[0]).witnesses) == 2
    metrics = boards.honest.metrics.render().decode()
    assert 'ballotchain_witness_seconds_count{outcome="cosigned"}' in metrics
    assert 'ballotchain_witness_seconds_count{outcome="refused"} 1.0' in metrics


def test_election_keys_fixes_witnesses_from_the_command_line(loop: Loopback, tmp_path: Path) -> None:
    record = tmp_path / "record"
    shutil.copytree(loop.root / "election", record, ignore=shutil.ignore_patterns("board_keys.json"))
    keys = loop.election.keys
    base = ["election", "keys", "--record", str(record), "--board-key-pub", keys.board_public_key.hex()]
    base += ["--registrar-key-pub", keys.registrar_public_key.hex()]
    witnesses = [arg for s in loop.witnesses for arg in ("--witness", s.verifier_key.vkey())]
    runner = CliRunner()
    bad_type = runner.invoke(cli, [*base, "--witness", board_verifier_key(keys).vkey()])
    assert bad_type.exit_code == 2 and "type 0x04" in bad_type.output and len(bad_type.output.splitlines()) == 1
    too_many = runner.invoke(cli, [*base, *witnesses, "--witness-quorum", "4"])
    assert too_many.exit_code == 2 and "between 1 and 3" in too_many.output
    fixed = runner.invoke(cli, [*base, *witnesses, "--witness-quorum", "2"])
    assert fixed.exit_code == 0, fixed.output
    assert (record / "board_keys.json").read_bytes() == loop.election.files["board_keys.json"]
    assert f"--log-key {board_verifier_key(keys).vkey()}" in " ".join(fixed.output.split())


class TamperingClient(BoardClient):
    """The board's answers, with one entry changed (as a board serving a log its checkpoint does not sign)."""

    def entries(self, start: int, end: int) -> list[bytes]:
        page = super().entries(start, end)
        return [
            data.replace(b'"ballot_submitted"', b'"ballot_submitted" ') if start + i == 2 else data
            for i, data in enumerate(page)
        ]


def test_a_mirror_copies_the_log_checked_against_the_cosigned_checkpoint(
    loop: Loopback, boards: Boards, tmp_path: Path
) -> None:
    with TamperingClient(boards.honest_url) as liar, open_storage(tmp_path / "refused.db", create=True) as refused:
        with pytest.raises(BoardCheckFailed, match="checkpoint's root"):
            mirror_board(liar, refused, allow_test_group=True)
        assert refused.size() == 0
    runner = CliRunner()
    db = tmp_path / "mirror.db"
    copied = runner.invoke(
        cli, ["board", "mirror", "--board", boards.honest_url, "--db", str(db), "--allow-test-group"]
    )
    assert copied.exit_code == 0, copied.output
    assert f"the copy holds {boards.honest.log.size}" in copied.output and "cosigned by" in copied.output
    again = runner.invoke(cli, ["board", "mirror", "--board", boards.honest_url, "--db", str(db), "--allow-test-group"])
    assert again.exit_code == 0 and "copied 0 entries" in again.output
    mirror = MirrorService(db)
    try:
        with serving_in_thread(create_app(mirror)) as url, BoardClient(url) as client:
            size = boards.honest.log.size
            assert client.entries(0, size) == boards.honest.log.entries(0, size)
            assert client.checkpoint() == boards.honest.checkpoint_note()
            for receipt in boards.receipts:
                assert len(check_receipt(client, receipt).witnesses) >= QUORUM
            saved = boards.receipts[0].to_json()
            submission = {key: saved[key] for key in ("ballot", "did", "signature", "contest_data_proofs")}
            refused_ballot = httpx.post(f"{url}/ballots", json=submission)
            assert refused_ballot.status_code == 405 and "mirror" in refused_ballot.json()["error"]
    finally:
        mirror.close()


def test_board_mirror_serve_answers_the_read_api_and_keeps_copying(
    loop: Loopback, boards: Boards, tmp_path: Path
) -> None:
    command = [
        sys.executable, "-m", "engine.cli.main", "board", "mirror", "--board", boards.honest_url,
        "--db", str(tmp_path / "mirror.db"), "--allow-test-group", "--serve", "--port", "0", "--every", "0.2",
    ]  # fmt: skip
    with (tmp_path / "mirror.log").open("ab") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
    try:
        url = wait_for_url(process, 60, tmp_path / "mirror.log")
        with BoardClient(url) as mirror, BoardClient(boards.honest_url) as board:
            assert mirror.checkpoint() == board.checkpoint()
            online = fetch_election(board, allow_test_group=True)
            cast = cast_ballot(board, online, loop.credentials[2], loop.plaintexts[2])
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (
                mirror.checkpoint() != cast.checkpoint or mirror.sth()[0].tree_size < cast.receipt.sth.tree_size
            ):
                time.sleep(0.05)
            assert check_receipt(mirror, cast).checkpoint_size == boards.honest.log.size
    finally:
        stop_process(process)
    assert process.returncode == 0
