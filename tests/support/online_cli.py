"""An online election driven through the command line, and the helpers its tests share: ``run`` (a
refusal, exit 1 or 2, is one line without a traceback), ``served`` (``board serve`` in a child process)
and ``make_online_election`` (the folder the fixture ``online_election`` in tests/cli/conftest.py copies).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

from engine.cli.demo_cmd import random_ballots, run_ceremony, stop_process, wait_for_url
from engine.cli.main import cli
from engine.record import ElectionRecord
from engine.record.codecs.plaintext_ballot import encode_plaintext_ballot

VOTERS = 6


def run(*args: object, expect: int = 0) -> str:
    """``ballotchain ARGS`` in-process; fail unless it exits ``expect`` (exit 1 or 2: one line, no traceback)."""
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    if result.exit_code != expect:
        raise AssertionError(f"exit {result.exit_code} (wanted {expect}) for {args}:\n{result.output}")
    if expect in (1, 2):
        assert "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert result.output.strip().count("\n") == 0, result.output
    return result.output


@contextmanager
def served(election: Path, roster: Path, db: Path, key: Path) -> Iterator[str]:
    """``board serve`` on a free loopback port in a child process; yields its URL, stops it on exit."""
    command = [
        sys.executable, "-m", "engine.cli.main", "board", "serve", "--election", election, "--roster", roster,
        "--db", db, "--board-key", key, "--port", 0, "--check-workers", 0,
    ]  # fmt: skip
    log = db.parent.parent / f"{db.name}.log"
    with log.open("ab") as errors:
        process = subprocess.Popen([str(c) for c in command], stdout=subprocess.PIPE, stderr=errors)
    try:
        yield wait_for_url(process, 120, log)
    finally:
        stop_process(process)


def make_online_election(root: Path) -> None:
    """An unchained test-group election in ``root``: the record (election/), the registrar's credentials
    and signed roster, the board's key and the election's keys, and VOTERS + 2 plaintext ballots."""
    record = root / "election"
    run_ceremony(record, root / "private", root / "exchange", 2, 2, "test", chain=False, step=lambda _s: None)
    credentials, roster = root / "credentials", root / "roster.json"
    out = run(
        "registrar", "roster", "--record", record, "--voters", VOTERS, "--out-credentials", credentials,
        "--roster", roster, "--registrar-key", root / "registrar-key.json",
    )  # fmt: skip
    assert f"{VOTERS} voter credentials" in out
    key = root / "board" / "board-key.json"
    out = run("election", "keys", "--record", record, "--board-key", key, "--roster", roster)
    assert "keys fixed in" in out
    ballots = root / "ballots"
    ballots.mkdir()
    manifest = ElectionRecord(record).manifest
    for n, ballot in enumerate(random_ballots(manifest, VOTERS + 2, random.Random(3)), start=1):
        (ballots / f"ballot-{n}.json").write_text(json.dumps(encode_plaintext_ballot(ballot)))


def online_election_paths(root: Path) -> dict[str, Path]:
    """The parts of a make_online_election folder at ``root`` (or at a copy of it)."""
    return {
        "root": root,
        "record": root / "election",
        "credentials": root / "credentials",
        "roster": root / "roster.json",
        "ballots": root / "ballots",
        "db": root / "board" / "board.sqlite",
        "key": root / "board" / "board-key.json",
    }
