"""The verifier's trust anchors: the board's and the registrar's keys (issue 9, defect 9, verifier side).

An online election's record fixes the board's and the registrar's public keys before voting opens
(board_keys.json, bound to H_E). `ballotchain verify` checks the final tree head against the fixed
board key (B.1), the roster against the fixed registrar key (B.5), the file itself (B.0), and
compares both with the keys a user pins (--board-key, --registrar-key): a mismatch is a failed
check (exit 1) that names the key. The report says which keys it used and whether they were pinned.

A board operator who controls the whole published record can re-key it consistently (a new board
key in board_keys.json and board.json, the head re-signed): the record then verifies on its own,
and only a pinned key shows the substitution. That is what pins are for; the tests show both.
Each test copies the honest record of tests/adversarial/test_verifier_board.py.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from engine.board.election_keys import ELECTION_KEYS_FILE, decode_election_keys, encode_election_keys
from engine.board.entries import canonical_json
from engine.board.merkle import leaf_hash, root_of
from engine.board.sth import BoardKey, SignedTreeHead
from engine.credentials.roster import RegistrarKey, decode_roster, encode_roster, make_roster
from engine.hash import UInt256
from tests.support.online_record import OnlineRecord, findings_of, verify_cli, verify_json

BOARD_FILE = "board/board.json"
ENTRIES_FILE = "board/entries.jsonl"
ROSTER_FILE = "board/roster.json"


@pytest.fixture()
def online(online_record: OnlineRecord) -> OnlineRecord:
    return online_record


def board_key(online: OnlineRecord) -> str:
    return BoardKey.load(online.election.board_key_file).public_key.hex().upper()


def registrar_key(online: OnlineRecord) -> str:
    return online.election.roster.registrar_public_key.hex().upper()


def pins(online: OnlineRecord, *, board: str | None = None, registrar: str | None = None) -> list[str]:
    return ["--board-key", board or board_key(online), "--registrar-key", registrar or registrar_key(online)]


def rewrite_keys(root: Path, **changes: Any) -> None:
    keys = decode_election_keys((root / ELECTION_KEYS_FILE).read_bytes())
    (root / ELECTION_KEYS_FILE).write_bytes(encode_election_keys(dataclasses.replace(keys, **changes)))


def resign_head(root: Path, key: BoardKey) -> None:
    """What a board operator with its own key can do: sign a head over the log as it is, name the key."""
    leaves = [leaf_hash(line) for line in (root / ENTRIES_FILE).read_bytes().splitlines()]
    board = json.loads((root / BOARD_FILE).read_bytes())
    old = SignedTreeHead.from_json(board["tree_head"])
    board["tree_head"] = key.sign_tree_head(len(leaves), root_of(leaves), old.timestamp).to_json()
    board["board_public_key"] = key.public_key.hex().upper()
    (root / BOARD_FILE).write_bytes(canonical_json(board))


def messages(report: dict[str, Any], check: str) -> str:
    return " | ".join(f["message"] for f in findings_of(report, check))


# ---------------------------------------------------------------- the honest record, with and without pins


def test_the_honest_record_verifies_with_its_pinned_keys(online: OnlineRecord) -> None:
    unpinned = verify_json(online.record, expect=0)
    assert unpinned["keys"] == {
        "board": {"key": board_key(online), "source": ELECTION_KEYS_FILE, "pinned": False},
        "registrar": {"key": registrar_key(online), "source": ELECTION_KEYS_FILE, "pinned": False},
    }
    pinned = verify_json(online.record, *pins(online, board=board_key(online).lower()), expect=0)
    assert pinned["ok"]
    assert pinned["keys"] == {
        "board": {"key": board_key(online), "source": "pinned", "pinned": True},
        "registrar": {"key": registrar_key(online), "source": "pinned", "pinned": True},
    }
    text = verify_cli(online.record, *pins(online), as_json=False)
    text_output = " ".join(text.output.split())  # rich wraps long lines
    assert text.exit_code == 0
    assert f"board key {board_key(online)} (pinned)" in text_output
    assert f"registrar key {registrar_key(online)} (pinned)" in text_output


# ---------------------------------------------------------------- pins the record does not match


def test_a_pinned_board_key_the_record_does_not_fix_fails(online: OnlineRecord) -> None:
    other = BoardKey.generate().public_key.hex()
    report = verify_json(online.record, *pins(online, board=other), expect=1)
    # the head is checked against the pinned key too, and is not signed by it
    assert set(report["failed"]) == {"B.0", "B.1"}
    assert "board key" in messages(report, "B.0") and other.upper() in messages(report, "B.0")
    assert "registrar" not in messages(report, "B.0")
    assert report["keys"]["board"] == {"key": other.upper(), "source": "pinned", "pinned": True}


def test_a_pinned_registrar_key_the_record_does_not_fix_fails(online: OnlineRecord) -> None:
    other = RegistrarKey.generate().public_key.hex()
    report = verify_json(online.record, *pins(online, registrar=other), expect=1)
    assert set(report["failed"]) == {"B.0", "B.5"}  # the roster is not signed by the pinned key either
    assert "registrar key" in messages(report, "B.0") and "board key" not in messages(report, "B.0")


def test_pins_on_a_record_that_hides_its_board_fail(online: OnlineRecord, tmp_path: Path) -> None:
    """Attack (tallyer): drop board/ and board_keys.json, so that the record looks like an offline one."""
    root = online.copy(tmp_path)
    for path in sorted((root / "board").iterdir()):
        path.unlink()
    (root / "board").rmdir()
    (root / ELECTION_KEYS_FILE).unlink()
    assert verify_json(root, expect=0)["ok"]  # on its own, an offline-looking record
    report = verify_json(root, *pins(online), expect=1)
    assert report["failed"] == ["B.0"] and "pinned" in messages(report, "B.0")


def test_malformed_pins_are_bad_input(online: OnlineRecord) -> None:
    for bad in ("12", "zz" * 32, board_key(online) + "00"):
        result = verify_cli(online.record, "--board-key", bad)
        assert result.exit_code == 2 and result.output.strip().count("\n") == 0, result.output
        assert "--board-key: an Ed25519 public key is 64 hex digits" in result.output
    result = verify_cli(online.record, "--registrar-key", "not hex")
    assert result.exit_code == 2 and "--registrar-key" in result.output and "not 7 characters" in result.output


# ---------------------------------------------------------------- a tampered or replaced keys file


def test_a_keys_file_with_another_board_key_fails_b1(online: OnlineRecord, tmp_path: Path) -> None:
    root = online.copy(tmp_path)
    rewrite_keys(root, board_public_key=BoardKey.generate().public_key)
    report = verify_json(root, expect=1)
    assert report["failed"] == ["B.1"]
    assert "board/board.json names the board key" in messages(report, "B.1")


def test_a_keys_file_with_another_registrar_key_fails_b5(online: OnlineRecord, tmp_path: Path) -> None:
    root = online.copy(tmp_path)
    rewrite_keys(root, registrar_public_key=RegistrarKey.generate().public_key)
    report = verify_json(root, expect=1)
    assert report["failed"] == ["B.5"] and "registrar key" in messages(report, "B.5")


@pytest.mark.parametrize("damage", ["missing", "another election", "not canonical"])
def test_a_missing_or_foreign_keys_file_fails_b0(online: OnlineRecord, tmp_path: Path, damage: str) -> None:
    root = online.copy(tmp_path)
    path = root / ELECTION_KEYS_FILE
    if damage == "missing":
        path.unlink()
    elif damage == "another election":
        rewrite_keys(root, h_e=UInt256(bytes(32)))
    else:
        path.write_text(json.dumps(json.loads(path.read_bytes()), indent=2))
    report = verify_json(root, expect=1)
    assert report["failed"] == ["B.0"], report["findings"]
    assert all(f["file"] == ELECTION_KEYS_FILE for f in findings_of(report, "B.0"))


def test_a_record_rekeyed_by_its_board_is_caught_only_by_a_pinned_key(online: OnlineRecord, tmp_path: Path) -> None:
    """Attack (board operator): a new board key everywhere in the record, the final head re-signed."""
    root = online.copy(tmp_path)
    rogue = BoardKey.generate()
    rewrite_keys(root, board_public_key=rogue.public_key)
    resign_head(root, rogue)
    alone = verify_json(root, expect=0)
    assert alone["keys"]["board"] == {
        "key": rogue.public_key.hex().upper(),
        "source": ELECTION_KEYS_FILE,
        "pinned": False,
    }
    report = verify_json(root, *pins(online), expect=1)
    assert set(report["failed"]) == {"B.0", "B.1"}
    assert board_key(online) in messages(report, "B.0")


def test_a_record_with_a_rogue_registrar_is_caught_only_by_a_pinned_key(online: OnlineRecord, tmp_path: Path) -> None:
    """Attack (registrar or board operator): the roster re-signed by another registrar key, fixed in the file."""
    root = online.copy(tmp_path)
    roster = decode_roster((root / ROSTER_FILE).read_bytes())
    rogue = RegistrarKey.generate()
    (root / ROSTER_FILE).write_bytes(encode_roster(make_roster(rogue, roster.dids, roster.election_hash)))
    rewrite_keys(root, registrar_public_key=rogue.public_key)
    assert verify_json(root, expect=0)["ok"]
    report = verify_json(root, *pins(online), expect=1)
    assert set(report["failed"]) == {"B.0", "B.5"}
    assert "registrar key" in messages(report, "B.0")
