"""Limits of the board's HTTP server against one unauthenticated client (issue 9, defect 10), over real
HTTP on loopback: an /entries page is bounded in bytes as well as in entries (fewer entries than asked,
with the count, and clients page on), a deeply nested JSON body is a 400 (never a 500), and a board
that answers deeply nested JSON is refused by the voter's client with one line, not a traceback.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.ballot import encrypt_ballot, prove_contest_data_knowledge
from engine.board.entries import encode_contest_data_proofs
from engine.board.merkle import leaf_hash, root_of
from engine.board.sth import BoardKey
from engine.cli.demo_cmd import random_ballots, run_ceremony
from engine.cli.election_cmds import fix_election_keys
from engine.cli.main import cli
from engine.client import BoardClient
from engine.credentials.did import VoterCredential, sign_submission
from engine.credentials.roster import RegistrarKey, SignedRoster, make_roster
from engine.record import ElectionRecord
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from engine.record.codecs.plaintext_ballot import encode_plaintext_ballot
from engine.record.jsonio import MAX_JSON_DEPTH
from engine.server.app import MAX_PAGE_BYTES, Limits, create_app
from engine.server.run import serving_in_thread
from engine.server.service import BoardService, Election

VOTERS = 8
PAGE_BYTES = 6000


@dataclass(frozen=True)
class Online:
    election: Election
    roster: SignedRoster
    voters: tuple[VoterCredential, ...]
    db: Path
    board_key: BoardKey

    def body(self, i: int) -> bytes:
        init = self.election.initialized
        plaintext = random_ballots(self.election.manifest, VOTERS, random.Random(i))[i]
        result = encrypt_ballot(self.election.manifest, init, plaintext, device="online", code_baux=init.config.baux0)
        ballot, proofs = result.ballot, prove_contest_data_knowledge(result)
        signature = sign_submission(self.voters[i], init.extended_base_hash, ballot, proofs)
        document = {
            "ballot": encode_encrypted_ballot(ballot),
            "did": self.voters[i].did,
            "signature": signature.hex(),
            "contest_data_proofs": encode_contest_data_proofs(proofs),
        }
        return json.dumps(document).encode()


@pytest.fixture()
def online(tmp_path: Path) -> Online:
    record = tmp_path / "election"
    run_ceremony(record, tmp_path / "private", tmp_path / "exchange", 1, 1, "test", chain=False, step=str)
    h_e = ElectionRecord(record).initialized.extended_base_hash
    voters = tuple(VoterCredential.generate() for _ in range(VOTERS))
    registrar, board_key = RegistrarKey.generate(), BoardKey.generate()
    roster = make_roster(registrar, [v.did for v in voters], h_e)
    fix_election_keys(record, board_key.public_key, registrar.public_key)
    election = Election.from_record(record)
    return Online(election, roster, voters, tmp_path / "board.sqlite", board_key)


@pytest.fixture()
def served(online: Online) -> Iterator[tuple[Online, BoardService, str]]:
    o = online
    service = BoardService(o.election, o.roster, o.db, o.board_key)
    try:
        with serving_in_thread(create_app(service, Limits(page_bytes=PAGE_BYTES))) as url:
            yield o, service, url
    finally:
        service.close()


def post(url: str, body: bytes) -> httpx.Response:
    return httpx.post(f"{url}/ballots", content=body, headers={"content-type": "application/json"}, timeout=60)


def test_an_entries_page_is_bounded_in_bytes_and_clients_page_on(served: tuple[Online, BoardService, str]) -> None:
    o, service, url = served
    for i in range(VOTERS):
        assert post(url, o.body(i)).status_code == 200
    size = service.log.size
    assert size == VOTERS + 1
    sizes = [len(base64.b64encode(e)) for e in service.log.entries(0, size)]
    assert sum(sizes) > 2 * PAGE_BYTES  # the whole log does not fit in two pages
    answer = httpx.get(f"{url}/entries", params={"start": 0, "end": 10**6}, timeout=60)
    page = answer.json()
    assert answer.status_code == 200 and page["start"] == 0
    assert 1 <= page["count"] == len(page["entries"]) == page["end"] < size  # fewer than asked, with the count
    assert sum(len(e) for e in page["entries"]) <= PAGE_BYTES
    assert sum(sizes[: page["count"] + 1]) > PAGE_BYTES  # as many as fit
    # one entry larger than a page still comes, alone, so a client always moves on
    with serving_in_thread(create_app(service, Limits(page_bytes=10))) as tight:
        single = httpx.get(f"{tight}/entries", params={"start": 1, "end": 5}, timeout=60).json()
        assert single["count"] == 1 and single["end"] == 2
    with BoardClient(url) as client:
        entries = client.entries(0, size)  # page after page
        sth, _ = client.sth()
    assert entries == service.log.entries(0, size)
    assert root_of([leaf_hash(e) for e in entries]) == sth.root
    assert Limits().page_bytes == MAX_PAGE_BYTES == 1 << 20


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_a_deeply_nested_submission_is_a_400_and_the_log_unchanged(served: tuple[Online, BoardService, str]) -> None:
    o, service, url = served
    honest = json.loads(o.body(0))
    before = service.log.size
    for body in (
        nested(100_000),
        json.dumps({**honest, "ballot": "X"}).encode().replace(b'"X"', nested(MAX_JSON_DEPTH + 1)),
        json.dumps({**honest, "signature": "X"}).encode().replace(b'"X"', b'{"a":' * 5000 + b"1" + b"}" * 5000),
    ):
        answer = post(url, body)
        assert answer.status_code == 400, answer.text
        assert "nested deeper" in answer.json()["error"]
        assert service.log.size == before
    assert post(url, json.dumps(honest).encode()).status_code == 200  # the honest voter still gets in


def test_a_board_answering_deeply_nested_json_is_refused_in_one_line(tmp_path: Path) -> None:
    async def deep(request: Request) -> Response:
        status = 200 if request.url.path == "/election" else 400
        return Response(nested(200_000), status_code=status, media_type="application/json")

    app = Starlette(routes=[Route("/election", deep), Route("/sth", deep)])
    credential = tmp_path / "voter.json"
    VoterCredential.generate().save(credential)
    record = tmp_path / "election"
    run_ceremony(record, tmp_path / "private", tmp_path / "exchange", 1, 1, "test", chain=False, step=str)
    plaintext = random_ballots(ElectionRecord(record).manifest, 1, random.Random(1))[0]
    ballot = tmp_path / "ballot.json"
    ballot.write_text(json.dumps(encode_plaintext_ballot(plaintext)))
    with serving_in_thread(app) as url:
        result = CliRunner().invoke(
            cli,
            ["vote", "--board", url, "--credential", str(credential), "--ballot", str(ballot),
             "--receipt", str(tmp_path / "r.json"), "--allow-test-group"],
        )  # fmt: skip
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
        assert "not a JSON object" in result.output and result.output.strip().count("\n") == 0
        result = CliRunner().invoke(cli, ["board", "monitor", "--board", url])
        assert result.exit_code in (1, 2) and isinstance(result.exception, SystemExit), result.exception
        assert "Traceback" not in result.output and result.output.strip().count("\n") == 0
