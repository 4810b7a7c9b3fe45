"""`ballotchain board serve` in a child process, for tests that signal or kill the server: the process, its URL
and the file its stderr goes to."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.cli.demo_cmd import wait_for_url
from tests.adversarial.online_board import OnlineElection


@dataclass
class ServedBoard:
    process: subprocess.Popen[bytes]
    url: str
    log: Path


def start_board(e: OnlineElection, db: Path, *options: object) -> ServedBoard:
    """Serve election ``e`` on database ``db`` on a free loopback port (``options`` added to the command)."""
    command = [
        sys.executable, "-m", "engine.cli.main", "board", "serve", "--election", e.election_dir,
        "--roster", e.root / "roster.json", "--db", db, "--board-key", e.board_key_file, "--port", 0, *options,
    ]  # fmt: skip
    log = db.parent / f"{db.name}.server.log"
    with log.open("ab") as errors:
        process = subprocess.Popen([str(c) for c in command], stdout=subprocess.PIPE, stderr=errors)
    return ServedBoard(process, wait_for_url(process, 120, log), log)
