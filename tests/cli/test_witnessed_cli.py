"""Witnesses from the command line, as processes (issue 12, item 3): three `witness serve` processes and a
`board serve --witness` process on loopback, the election's keys fixed with `election keys --witness`; a
vote's receipt checks with 2 of 3 cosignatures; with one witness killed (SIGKILL) `board close --witness`
still gets the final checkpoint cosigned by 2; the export carries it and the verifier's B.9 passes and
names the witnesses.
"""

from __future__ import annotations

import json
import random
import re
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from engine.cli.demo_cmd import run_ceremony, stop_process, wait_for_url
from engine.cli.main import cli
from engine.cli.sample_election import random_ballots
from engine.record.codecs.plaintext_ballot import encode_plaintext_ballot
from engine.server.service import Election
from engine.verify import Status, verify_record


def invoke(*args: object, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == expect, result.output
    return " ".join(result.output.split())


def start(tmp_path: Path, name: str, *args: object) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "engine.cli.main", *(str(a) for a in args)]
    with (tmp_path / f"{name}.log").open("ab") as errors:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)


def test_board_and_three_witness_processes(tmp_path: Path) -> None:
    record = tmp_path / "record"
    run_ceremony(record, tmp_path / "private", tmp_path / "exchange", 1, 1, "test", chain=False, step=lambda _s: None)
    roster = tmp_path / "roster.json"
    invoke("registrar", "roster", "--record", record, "--voters", 2, "--out-credentials", tmp_path / "creds",
           "--roster", roster)  # fmt: skip
    vkeys = [invoke("witness", "keygen", "--key", tmp_path / f"w{i}.key", "--name", f"witness.example/w{i}")
             for i in range(3)]  # fmt: skip
    fixed = invoke("election", "keys", "--record", record, "--board-key", tmp_path / "board.key", "--roster", roster,
                   *(a for v in vkeys for a in ("--witness", v)))  # fmt: skip
    assert "checkpoints need 2 of 3 witnesses" in fixed
    found = re.search(r"--origin (\S+) --log-key (\S+)", fixed)
    assert found is not None
    origin, log_key = found.groups()

    processes: list[subprocess.Popen[bytes]] = []
    try:
        urls = []
        for i in range(3):
            witness = start(tmp_path, f"w{i}", "witness", "serve", "--key", tmp_path / f"w{i}.key", "--name",
                            f"witness.example/w{i}", "--state", tmp_path / f"w{i}.db", "--origin", origin,
                            "--log-key", log_key, "--port", 0)  # fmt: skip
            processes.append(witness)
            urls.append(wait_for_url(witness, 60, tmp_path / f"w{i}.log"))
        witness_args = [a for u in urls for a in ("--witness", u)]
        db, key = tmp_path / "board.db", tmp_path / "board.key"
        unwitnessed = ("board", "serve", "--election", record, "--roster", roster, "--db", db, "--board-key", key)
        assert "give at least 2 of their URLs with --witness URL" in invoke(
            *unwitnessed, "--witness", urls[0], expect=2
        )
        board = start(tmp_path, "board", "board", "serve", "--election", record, "--roster", roster, "--db", db,
                      "--board-key", key, "--port", 0, "--check-workers", 0, *witness_args)  # fmt: skip
        processes.append(board)
        board_url = wait_for_url(board, 60, tmp_path / "board.log")

        manifest = Election.from_record(record).manifest
        ballot = random_ballots(manifest, 1, random.Random(1))[0]
        (tmp_path / "ballot.json").write_text(json.dumps(encode_plaintext_ballot(ballot)))
        voted = invoke("vote", "--board", board_url, "--credential", tmp_path / "creds" / "voter-00001.json",
                       "--ballot", tmp_path / "ballot.json", "--receipt", tmp_path / "receipt.json",
                       "--allow-test-group", *(a for v in vkeys for a in ("--witness-key", v)))  # fmt: skip
        assert "cosigned by witness.example/w0, witness.example/w1, witness.example/w2" in voted
        assert "checkpoint" in json.loads((tmp_path / "receipt.json").read_text())
        checked = invoke("receipt", "check", tmp_path / "receipt.json", "--witness-key", vkeys[0], expect=1)
        assert "witnesses differ" in checked
        assert "is cosigned by" in invoke("receipt", "check", tmp_path / "receipt.json")
        stop_process(board)

        processes[2].send_signal(signal.SIGKILL)
        processes[2].wait(30)
        closed = invoke("board", "close", "--db", db, "--board-key", key, *witness_args)
        assert "final checkpoint cosigned by witness.example/w0, witness.example/w1" in closed
        invoke("board", "export", "--db", db, "--election", record, "--out", tmp_path / "published")
    finally:
        for process in processes:
            stop_process(process)

    report = verify_record(tmp_path / "published", accept_test_group=True)
    assert report.check("B.9").status is Status.PASSED, [str(f) for f in report.findings]
    assert any("witness.example/w0, witness.example/w1" in note for note in report.check("B.9").notes)
