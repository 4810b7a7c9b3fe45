"""GET /checkpoint: the board's latest tree head as a c2sp.org/tlog-checkpoint note, signed by the board's
key under the election's origin; the same size and root as GET /sth, and a witness cosigns it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.checkpoint import election_origin, open_checkpoint
from engine.board.note import ED25519_NOTE, CosignatureSigner, VerifierKey, open_note
from engine.board.sth import BoardKey, SignedTreeHead
from engine.board.witness import Witness, WitnessState
from engine.cli.demo_cmd import run_ceremony
from engine.cli.election_cmds import fix_election_keys
from engine.credentials.did import VoterCredential
from engine.credentials.roster import RegistrarKey, make_roster
from engine.record import ElectionRecord
from engine.server.app import create_app
from engine.server.service import BoardService, Election

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


@dataclass(frozen=True)
class Served:
    client: TestClient
    board_key: BoardKey
    extended_base_hash: bytes


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("checkpoint")
    record = root / "election"
    run_ceremony(record, root / "private", root / "exchange", 1, 1, "test", chain=False, step=str)
    h_e = ElectionRecord(record).initialized.extended_base_hash
    registrar, board_key = RegistrarKey.generate(), BoardKey.generate()
    roster = make_roster(registrar, [VoterCredential.generate().did for _ in range(3)], h_e)
    fix_election_keys(record, board_key.public_key, registrar.public_key)
    service = BoardService(Election.from_record(record), roster, root / "board.sqlite", board_key)
    try:
        with TestClient(create_app(service)) as client:
            yield Served(client, board_key, h_e.data)
    finally:
        service.close()


def test_checkpoint_is_the_signed_head(served: Served, tmp_path: Path) -> None:
    answer = served.client.get("/checkpoint")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    origin = election_origin(served.extended_base_hash)
    board_vkey = VerifierKey(origin, ED25519_NOTE, served.board_key.public_key)
    opened = open_checkpoint(answer.content, [board_vkey])
    sth = SignedTreeHead.from_json(served.client.get("/sth").json()["sth"])
    assert opened.checkpoint.origin == origin
    assert (opened.checkpoint.size, opened.checkpoint.root) == (sth.tree_size, sth.root) and sth.tree_size >= 1
    assert served.client.get("/checkpoint").content == answer.content

    witness_key = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.generate())
    with WitnessState(tmp_path / "witness.db") as state:
        cosignature = Witness(witness_key, state, {origin: [board_vkey]}).add_checkpoint(0, [], answer.content)
    cosigned = opened.note.with_signatures([cosignature])
    assert open_note(cosigned, [board_vkey, witness_key.verifier_key]) == (board_vkey, witness_key.verifier_key)


def test_checkpoint_takes_no_parameters(served: Served) -> None:
    answer = served.client.get("/checkpoint?size=3")
    assert answer.status_code == 400 and "unknown query parameter" in answer.json()["error"]
    assert "GET /checkpoint" in served.client.get("/").json()["endpoints"]
