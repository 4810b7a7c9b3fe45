"""The witness's state file (engine.board.witness_state): two alternating slots, so a write torn by a crash
leaves the state before it; damage is refused rather than read as an empty state; a state too large for
its slots moves to a grown file that every holder of the old one follows; files of other kinds are refused."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from engine.board.witness_state import (
    DEFAULT_SLOT_SIZE,
    HEADER_SIZE,
    CosignedState,
    WitnessError,
    WitnessState,
)

ORIGIN = "ballotchain.example/" + "ab" * 16


def advance(state: WitnessState, size: int, checkpoint: bytes = b"note", origin: str = ORIGIN) -> None:
    state.advance(origin, lambda _current: CosignedState(size, bytes([size % 256]) * 32), checkpoint)


def slot_offset(number: int) -> int:
    return HEADER_SIZE + (number % 2) * DEFAULT_SLOT_SIZE


def damage(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


def test_a_torn_write_leaves_the_state_before_it(tmp_path: Path) -> None:
    path = tmp_path / "w.state"
    with WitnessState(path) as state:
        for size in (3, 7, 12):  # writes 1, 2, 3: the last one in slot 1
            advance(state, size, b"note %d" % size)
    assert path.stat().st_size == HEADER_SIZE + 2 * DEFAULT_SLOT_SIZE
    assert path.stat().st_mode & 0o077 == 0
    damage(path, slot_offset(3) + 60)
    with WitnessState(path) as state:
        assert state.latest(ORIGIN) == CosignedState(7, bytes([7]) * 32)
        assert state.latest_checkpoint(ORIGIN) == b"note 7"
        advance(state, 9)  # write 3 again, over the torn slot
        assert state.latest(ORIGIN) == CosignedState(9, bytes([9]) * 32)
    with WitnessState(path) as state:
        assert state.latest(ORIGIN) == CosignedState(9, bytes([9]) * 32)


def test_a_torn_first_write_leaves_no_state(tmp_path: Path) -> None:
    path = tmp_path / "w.state"
    with WitnessState(path) as state:
        advance(state, 3)
    damage(path, slot_offset(1) + 50)
    with WitnessState(path) as state:
        assert state.latest(ORIGIN) is None


def test_both_copies_damaged_is_refused_not_read_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "w.state"
    with WitnessState(path) as state:
        advance(state, 3)
        advance(state, 5)
    damage(path, slot_offset(1) + 50)
    damage(path, slot_offset(2) + 50)
    with WitnessState(path) as state, pytest.raises(WitnessError, match="damaged"):
        state.latest(ORIGIN)
    with WitnessState(path) as state, pytest.raises(WitnessError, match="damaged"):
        advance(state, 9)


def test_a_state_too_large_for_its_slots_moves_to_a_grown_file(tmp_path: Path) -> None:
    path = tmp_path / "w.state"
    first, other = WitnessState(path), WitnessState(path)
    try:
        advance(first, 3)
        large = b"x" * (DEFAULT_SLOT_SIZE + 10)
        advance(other, 4, large, origin="ballotchain.example/other")
        assert path.stat().st_size > HEADER_SIZE + 2 * DEFAULT_SLOT_SIZE
        assert first.latest_checkpoint("ballotchain.example/other") == large
        advance(first, 5)
        assert other.latest(ORIGIN) == CosignedState(5, bytes([5]) * 32)
    finally:
        first.close()
        other.close()
    assert [p.name for p in tmp_path.iterdir()] == ["w.state"]
    with WitnessState(path) as state:
        assert state.latest(ORIGIN) == CosignedState(5, bytes([5]) * 32)
        assert state.latest_checkpoint("ballotchain.example/other") == large


def test_evidence_survives_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "w.state"
    with WitnessState(path) as state:
        state.record_evidence(ORIGIN, 10, "a fork", b"signed 1")
        state.record_evidence("elsewhere.example/x", 11, "a bad proof", b"signed 2")
    with state.evidence_path.open("ab") as f:
        f.write(b'{"checkpoint": "c2ln')
    with WitnessState(path) as state:
        assert state.evidence(ORIGIN) == [("a fork", b"signed 1")]
        state.record_evidence(ORIGIN, 12, "another fork", b"signed 3")
        assert state.evidence(ORIGIN)[-1] == ("another fork", b"signed 3")


def test_files_of_other_kinds_are_refused(tmp_path: Path) -> None:
    legacy = tmp_path / "legacy.db"
    sqlite3.connect(legacy).execute("CREATE TABLE logs (origin TEXT)").connection.commit()
    with pytest.raises(WitnessError, match="SQLite state of an earlier"):
        WitnessState(legacy)
    other = tmp_path / "other"
    other.write_bytes(b"hello\n")
    with pytest.raises(WitnessError, match="not a ballotchain witness state"):
        WitnessState(other)
    with WitnessState(tmp_path / "w.state") as state:
        pass
    with pytest.raises(WitnessError, match="closed"):
        state.latest(ORIGIN)


def test_a_state_file_removed_while_open_is_not_made_again(tmp_path: Path) -> None:
    path = tmp_path / "w.state"
    with WitnessState(path) as state:
        advance(state, 3)
        os.unlink(path)
        with pytest.raises(WitnessError, match="cannot use"):
            advance(state, 4)
    assert not path.exists()
