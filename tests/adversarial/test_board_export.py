"""Part of defect 10 (issue 9): `board export` is all or nothing.

An export that fails half way (here the disk fills up while the ballots are written) used to leave
a half-written output folder, which the retry then refused as not empty: the election could not be
published without someone deleting files by hand. Now the record is built in a hidden sibling
folder and renamed into place at the end; a failure leaves no output folder and nothing beside it,
so running the same command again succeeds, and the record verifies.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from engine.election import BallotState, EncryptedBallot
from engine.record.writer import ElectionRecordWriter
from tests.adversarial.online_board import (
    board_over_http,
    make_online_election,
    run,
    tally_decrypt_verify,
)


def test_a_failed_export_leaves_nothing_and_the_retry_succeeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    e = make_online_election(tmp_path, voters=3)
    with board_over_http(e) as board:
        for i in range(2):
            assert board.vote(e, i, e.encrypt(i)).status_code == 200
        challenged = e.encrypt(2, state=BallotState.SPOILED, ballot_id="challenged-2")
        assert board.vote(e, 2, challenged).status_code == 200
    run("board", "close", "--db", e.db, "--board-key", e.board_key_file)
    export = ("board", "export", "--db", e.db, "--election", e.election_dir, "--out")
    out = tmp_path / "published" / "record"

    written: list[str] = []
    write = ElectionRecordWriter.write_encrypted_ballot

    def disk_full_after_one(self: ElectionRecordWriter, ballot: EncryptedBallot) -> Path:
        if written:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.root / ballot.ballot_id))
        written.append(ballot.ballot_id)
        return write(self, ballot)

    monkeypatch.setattr(ElectionRecordWriter, "write_encrypted_ballot", disk_full_after_one)
    run(*export, out, expect=2)
    assert written, "the export failed before it wrote anything: the test simulates nothing"
    assert not out.exists()
    assert list(out.parent.iterdir()) == []  # no staging folder left behind either
    monkeypatch.undo()

    # an output folder that holds something is refused and left as it was
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    run(*export, taken, expect=2)
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]

    assert "exported 2 counted and 1 challenged ballots" in run(*export, out)
    report = tally_decrypt_verify(e, out)
    assert report.ok, [str(f) for f in report.findings]
