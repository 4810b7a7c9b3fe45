"""The board operator against the trust anchors (issue 9, defect 9): the board's and the registrar's
keys are fixed in the election record (board_keys.json, bound to H_E) by `ballotchain election keys`
before voting opens; `board serve` refuses another board key or a roster of another registrar, and
voters' `vote` and `receipt check` refuse a board whose keys file, signed heads or roster differ from
the file or from the keys they pin (--board-key, --registrar-key). A dishonest board is the real
server code run with a doctored election or key, over HTTP on loopback. The honest election runs
through the CLI (serve, vote with and without pins, receipt check, close, export, verify).
"""

from __future__ import annotations

import dataclasses
import json
import random
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.board.election_keys import ELECTION_KEYS_FILE, ElectionKeys, encode_election_keys
from engine.board.sth import BoardKey
from engine.cli.board_cmds import credential_path, read_roster
from engine.cli.demo_cmd import random_ballots, run_ceremony, stop_process, wait_for_url
from engine.cli.main import cli
from engine.credentials.did import VoterCredential
from engine.credentials.roster import RegistrarKey, SignedRoster, encode_roster, make_roster
from engine.hash import UInt256
from engine.record import ElectionRecord
from engine.record.codecs.plaintext_ballot import encode_plaintext_ballot
from engine.server.app import create_app
from engine.server.run import serving_in_thread
from engine.server.service import BoardService, Election
from engine.verify import Status, verify_record
from engine.verify.catalog import BOARD_CHECKS

VOTERS = 4


def run(*args: object, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    if result.exit_code != expect:
        raise AssertionError(f"exit {result.exit_code} (wanted {expect}) for {args}:\n{result.output}")
    if expect in (1, 2):
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), result.output
        assert result.output.strip().count("\n") == 0, result.output
    return result.output


@dataclass(frozen=True)
class Online:
    """An unchained test-group election whose keys are fixed in the record, its voters and their ballots."""

    root: Path
    record: Path
    roster_file: Path
    credentials: Path
    ballots: Path
    board_key_file: Path
    guardian_secrets: dict[str, Path]

    @property
    def election(self) -> Election:
        return Election.from_record(self.record)

    @property
    def roster(self) -> SignedRoster:
        return read_roster(self.roster_file)

    @property
    def board_key(self) -> BoardKey:
        return BoardKey.load(self.board_key_file)

    @property
    def registrar_pub(self) -> str:
        return self.roster.registrar_public_key.hex()

    @property
    def board_pub(self) -> str:
        return self.board_key.public_key.hex()

    def voter(self, n: int) -> VoterCredential:
        return VoterCredential.load(credential_path(self.credentials, n))

    def copy_record(self, name: str, *, keys: bytes | None) -> Path:
        """A copy of the election record with another board_keys.json (or none)."""
        copy = self.root / f"{name}-{secrets.token_hex(4)}"
        shutil.copytree(self.record, copy)
        (copy / ELECTION_KEYS_FILE).unlink()
        if keys is not None:
            (copy / ELECTION_KEYS_FILE).write_bytes(keys)
        return copy


@pytest.fixture(scope="module")
def online(tmp_path_factory: pytest.TempPathFactory) -> Online:
    root = tmp_path_factory.mktemp("board-keys")
    record, roster, key = root / "election", root / "roster.json", root / "board" / "board-key.json"
    guardians = run_ceremony(record, root / "private", root / "exchange", 2, 2, "test", chain=False, step=str)
    run(
        "registrar", "roster", "--record", record, "--voters", VOTERS, "--out-credentials", root / "credentials",
        "--roster", roster, "--registrar-key", root / "registrar-key.json",
    )  # fmt: skip
    fixed = run("election", "keys", "--record", record, "--board-key", key, "--roster", roster)
    assert "keys fixed in" in fixed
    ballots = root / "ballots"
    ballots.mkdir()
    for n, ballot in enumerate(random_ballots(ElectionRecord(record).manifest, VOTERS, random.Random(5)), start=1):
        (ballots / f"ballot-{n}.json").write_text(json.dumps(encode_plaintext_ballot(ballot)))
    return Online(root, record, roster, root / "credentials", ballots, key, guardians)


def vote(o: Online, url: str, n: int, receipt: Path, *pins: object, expect: int = 0) -> str:
    return run(
        "vote", "--board", url, "--credential", credential_path(o.credentials, n),
        "--ballot", o.ballots / f"ballot-{n}.json", "--receipt", receipt, "--allow-test-group", *pins, expect=expect,
    )  # fmt: skip


def serve_cli(o: Online, db: Path, *, record: Path | None = None, roster: Path | None = None, key: Path | None = None):
    """`board serve` as the CLI runs it, expected to refuse before it listens: its one-line reason."""
    return run(
        "board", "serve", "--election", record or o.record, "--roster", roster or o.roster_file, "--db", db,
        "--board-key", key or o.board_key_file, "--port", 0, "--check-workers", 0, expect=2,
    )  # fmt: skip


@contextmanager
def rogue_board(
    election: Election, roster: SignedRoster, db: Path, key: BoardKey
) -> Iterator[tuple[str, BoardService]]:
    """The board's own server code, run by an operator over a doctored election, roster or key."""
    service = BoardService(election, roster, db, key)
    try:
        with serving_in_thread(create_app(service)) as url:
            yield url, service
    finally:
        service.close()


def other_registrar_roster(o: Online) -> SignedRoster:
    """The roster with one more DID (the operator's own), signed by a registrar key the operator holds."""
    dids = [*o.roster.dids, VoterCredential.generate().did]
    return make_roster(RegistrarKey.generate(), dids, o.election.initialized.extended_base_hash)


def keys_file(o: Online, *, board: bytes | None = None, registrar: bytes | None = None, h_e: UInt256 | None = None):
    e = o.election
    return encode_election_keys(
        ElectionKeys(
            h_e or e.initialized.extended_base_hash,
            board or e.keys.board_public_key,
            registrar or e.keys.registrar_public_key,
        )
    )


# ---------------------------------------------------------------- fixing the keys


def test_keys_are_fixed_once_and_never_replaced(online: Online, tmp_path: Path) -> None:
    o = online
    fixed = (o.record / ELECTION_KEYS_FILE).read_bytes()
    keys = o.election.keys
    assert keys.board_public_key == o.board_key.public_key and keys.registrar_public_key.hex() == o.registrar_pub
    assert "already fixed" in run("election", "keys", "--record", o.record, "--board-key", o.board_key_file,
                                  "--roster", o.roster_file)  # fmt: skip
    assert "already fixed" in run(
        "election", "keys", "--record", o.record, "--board-key-pub", o.board_pub, "--registrar-key-pub", o.registrar_pub
    )
    other = tmp_path / "other-board-key.json"
    BoardKey.generate().save(other)
    out = run("election", "keys", "--record", o.record, "--board-key", other, "--roster", o.roster_file, expect=2)
    assert "never replaced" in out
    out = run(
        "election", "keys", "--record", o.record, "--board-key-pub", o.board_pub,
        "--registrar-key-pub", "ab" * 32, expect=2,
    )  # fmt: skip
    assert "never replaced" in out
    assert (o.record / ELECTION_KEYS_FILE).read_bytes() == fixed
    # bad input: one line, exit 2, nothing written
    run("election", "keys", "--record", o.record, "--board-key-pub", "xyz", "--roster", o.roster_file, expect=2)
    run("election", "keys", "--record", o.record, "--board-key", other, expect=2)
    bare = tmp_path / "bare"
    run_ceremony(bare, tmp_path / "p", tmp_path / "x", 1, 1, "test", chain=False, step=str)
    run("election", "keys", "--record", bare, "--board-key", other, "--roster", o.roster_file, expect=2)  # another H_E
    assert not (bare / ELECTION_KEYS_FILE).exists()
    assert (o.record / ELECTION_KEYS_FILE).read_bytes() == fixed


# ---------------------------------------------------------------- the operator's own server


def test_board_serve_refuses_keys_other_than_the_fixed_ones(online: Online, tmp_path: Path) -> None:
    o = online
    db = tmp_path / "board.sqlite"
    swapped = tmp_path / "swapped-key.json"
    BoardKey.generate().save(swapped)
    assert "is not the board key" in serve_cli(o, db, key=swapped)
    forged = tmp_path / "forged-roster.json"
    forged.write_bytes(encode_roster(other_registrar_roster(o)))
    assert "registrar key" in serve_cli(o, db, roster=forged)
    assert f"no {ELECTION_KEYS_FILE}" in serve_cli(o, db, record=o.copy_record("no-keys", keys=None))
    foreign = o.copy_record("foreign-keys", keys=keys_file(o, h_e=UInt256(secrets.token_bytes(32))))
    assert "another election" in serve_cli(o, db, record=foreign)
    assert "no board key" in serve_cli(o, db, key=tmp_path / "missing-key.json")
    assert not db.exists()  # refused before the board opened its database


# ---------------------------------------------------------------- voters against a dishonest board


def test_vote_refuses_a_board_signing_with_another_key(online: Online, tmp_path: Path) -> None:
    o = online
    rogue_key = BoardKey.generate()
    # the official board_keys.json is served, but the heads are signed with the operator's key
    doctored = dataclasses.replace(
        o.election, keys=dataclasses.replace(o.election.keys, board_public_key=rogue_key.public_key)
    )
    with rogue_board(doctored, o.roster, tmp_path / "rogue.sqlite", rogue_key) as (url, service):
        out = vote(o, url, 1, tmp_path / "r1.json", expect=1)
        assert "board key differs" in out and rogue_key.public_key.hex() in out
        out = vote(o, url, 1, tmp_path / "r1.json", "--board-key", o.board_pub, expect=1)
        assert "board key differs" in out
        assert service.log.size == 1  # no ballot ever left the voter's machine
    # a board serving a keys file of its own (consistent with its key): only a pin tells
    swapped = Election.from_record(o.copy_record("swapped", keys=keys_file(o, board=rogue_key.public_key)))
    with rogue_board(swapped, o.roster, tmp_path / "swapped.sqlite", rogue_key) as (url, service):
        out = vote(o, url, 2, tmp_path / "r2.json", "--board-key", o.board_pub, expect=1)
        assert "board key differs" in out and f"pinned {o.board_pub}" in out
        out = vote(o, url, 2, tmp_path / "r2.json", "--board-key-pub", o.board_pub, expect=1)  # the old name
        assert "board key differs" in out
        assert service.log.size == 1


def test_vote_refuses_a_roster_of_another_registrar(online: Online, tmp_path: Path) -> None:
    o = online
    forged = other_registrar_roster(o)
    # the official board_keys.json is served, with a roster the operator signed
    doctored = dataclasses.replace(
        o.election, keys=dataclasses.replace(o.election.keys, registrar_public_key=forged.registrar_public_key)
    )
    with rogue_board(doctored, forged, tmp_path / "rogue.sqlite", o.board_key) as (url, service):
        out = vote(o, url, 1, tmp_path / "r1.json", expect=1)
        assert "registrar key differs" in out and forged.registrar_public_key.hex() in out
        out = vote(o, url, 1, tmp_path / "r1.json", "--registrar-key", o.registrar_pub, expect=1)
        assert "registrar key differs" in out
        assert service.log.size == 1
    # a keys file naming the operator's registrar: the voter's pin refuses it
    swapped = Election.from_record(
        o.copy_record("swapped-registrar", keys=keys_file(o, registrar=forged.registrar_public_key))
    )
    with rogue_board(swapped, forged, tmp_path / "swapped.sqlite", o.board_key) as (url, service):
        out = vote(o, url, 2, tmp_path / "r2.json", "--registrar-key", o.registrar_pub, expect=1)
        assert "registrar key differs" in out and f"pinned {o.registrar_pub}" in out
        assert service.log.size == 1


# ---------------------------------------------------------------- the honest election, and receipts


def tally_and_decrypt(o: Online, record: Path) -> None:
    """The tallyer's and the guardians' steps through the CLI, every guardian present."""
    run("tally", "--record", record)
    work = record.parent / "decryption"
    partials, challenges, responses = work / "partials", work / "challenges", work / "responses"
    nonces = {g: work / f"nonces-{g}.json" for g in o.guardian_secrets}
    for g, secret in o.guardian_secrets.items():
        run("guardian", "decrypt", "--record", record, "--secret", secret, "--out", partials, "--nonces", nonces[g])
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    for g, secret in o.guardian_secrets.items():
        run(
            "guardian", "respond", "--record", record, "--secret", secret, "--nonces", nonces[g],
            "--challenges", challenges, "--out", responses,
        )  # fmt: skip
    run("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)


@contextmanager
def honest_board(o: Online, db: Path) -> Iterator[str]:
    command = [
        "board", "serve", "--election", o.record, "--roster", o.roster_file, "--db", db,
        "--board-key", o.board_key_file, "--port", 0, "--check-workers", 0,
    ]  # fmt: skip
    log = db.with_suffix(".log")
    with log.open("ab") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "engine.cli.main", *map(str, command)], stdout=subprocess.PIPE, stderr=errors
        )
    try:
        yield wait_for_url(process, 120, log)
    finally:
        stop_process(process)


def test_the_honest_election_runs_and_receipts_refuse_a_swapped_board(online: Online, tmp_path: Path) -> None:
    o = online
    db = tmp_path / "board.sqlite"
    pins = ("--board-key", o.board_pub, "--registrar-key", o.registrar_pub)
    receipts = [tmp_path / f"receipt-{n}.json" for n in range(1, VOTERS + 1)]
    with honest_board(o, db) as url:
        vote(o, url, 1, receipts[0], *pins)
        vote(o, url, 2, receipts[1])
        vote(o, url, 3, receipts[2], "--board-key-pub", o.board_pub)
        vote(o, url, 4, receipts[3], "--registrar-key", o.registrar_pub)
        for receipt in receipts:
            assert "is in the board's latest tree" in run("receipt", "check", receipt, *pins)
        assert "is in the board's latest tree" in run("receipt", "check", receipts[0])
        out = run("receipt", "check", receipts[0], "--board-key", "cd" * 32, expect=1)
        assert "board key differs" in out
        out = run("receipt", "check", receipts[0], "--registrar-key", "cd" * 32, expect=1)
        assert "registrar key differs" in out
    # the same receipts against boards that swap the keys: refused, with and without pins
    rogue_key = BoardKey.generate()
    doctored = dataclasses.replace(
        o.election, keys=dataclasses.replace(o.election.keys, board_public_key=rogue_key.public_key)
    )
    with rogue_board(doctored, o.roster, tmp_path / "rogue.sqlite", rogue_key) as (url, _):
        out = run("receipt", "check", receipts[0], "--board", url, expect=1)
        assert "board key differs" in out
        out = run("receipt", "check", receipts[0], "--board", url, *pins, expect=1)
        assert "board key differs" in out
    swapped = Election.from_record(o.copy_record("swapped", keys=keys_file(o, board=rogue_key.public_key)))
    with rogue_board(swapped, o.roster, tmp_path / "swapped.sqlite", rogue_key) as (url, _):
        out = run("receipt", "check", receipts[0], "--board", url, expect=1)
        assert "board key differs" in out and o.board_pub in out
    forged = other_registrar_roster(o)
    doctored = dataclasses.replace(
        o.election, keys=dataclasses.replace(o.election.keys, registrar_public_key=forged.registrar_public_key)
    )
    with rogue_board(doctored, forged, tmp_path / "forged.sqlite", o.board_key) as (url, _):
        out = run("receipt", "check", receipts[0], "--board", url, expect=1)
        assert "registrar key differs" in out
    # the honest board closes and exports: the record carries the fixed keys and verifies
    run("board", "close", "--db", db, "--board-key", o.board_key_file)
    record = tmp_path / "record"
    assert "exported 4 counted" in run("board", "export", "--db", db, "--election", o.record, "--out", record)
    assert (record / ELECTION_KEYS_FILE).read_bytes() == (o.record / ELECTION_KEYS_FILE).read_bytes()
    tally_and_decrypt(o, record)
    report = verify_record(record, accept_test_group=True)
    assert report.ok, [str(f) for f in report.findings]
    assert all(report.check(c).status is not Status.FAILED for c, _ in BOARD_CHECKS)
    assert report.check("B.1").status is Status.PASSED and report.check("B.5").status is Status.PASSED
