"""Running a board (issue 12, item 6): stopping it leaves no process behind, /metrics, JSON logs.

The server runs as `ballotchain board serve` in a child process with two proof-checking processes;
its children are found by pid in /proc. SIGTERM stops it cleanly (exit 0, children shut down);
after SIGKILL the children notice their parent is gone and exit on their own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from engine.cli.demo_cmd import stop_process
from tests.adversarial.online_board import board_over_http, make_online_election, submission_body
from tests.support.served_board import ServedBoard, start_board

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds child processes in /proc")
GONE_WITHIN = 20.0


def children(pid: int) -> set[int]:
    """The pids of the process's children (every thread's)."""
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text()
        out.update(int(p) for p in text.split())
    return out


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_gone(pids: set[int]) -> set[int]:
    """The pids still alive after at most GONE_WITHIN seconds."""
    deadline = time.monotonic() + GONE_WITHIN
    left = {p for p in pids if alive(p)}
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = {p for p in left if alive(p)}
    return left


def start(tmp_path: Path, *options: str) -> tuple[ServedBoard, bytes]:
    """A served board with two checking processes, and a voter's submission for it."""
    e = make_online_election(tmp_path, voters=1)
    ballot = e.encrypt(0)
    return start_board(e, e.db, "--check-workers", 2, *options), submission_body(
        ballot, e.credentials[0].did, e.sign(0, ballot)
    )


def checking_processes(server: subprocess.Popen[bytes]) -> set[int]:
    found = children(server.pid)
    assert len(found) >= 2, f"expected the two checking processes (and a helper), found {sorted(found)}"
    return found


def test_sigterm_stops_cleanly_leaves_no_child_and_logs_json(tmp_path: Path) -> None:
    served, body = start(tmp_path, "--log-format", "json")
    server, log = served.process, served.log
    try:
        pids = checking_processes(server)
        with httpx.Client(base_url=served.url, timeout=60) as client:
            accepted = client.post("/ballots", content=body, headers={"content-type": "application/json"})
            assert accepted.status_code == 200, accepted.text
            refused = client.post("/ballots", content=b"{}", headers={"content-type": "application/json"})
            assert refused.status_code == 400
        server.send_signal(signal.SIGTERM)
        assert server.wait(60) == 0
    finally:
        stop_process(server)
    assert wait_until_gone(pids) == set()
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines() if line.strip()]
    events = [line.get("event") for line in lines]
    assert {"serving", "refused", "stopping", "stopped"} <= set(events), lines
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    serving = next(line for line in lines if line.get("event") == "serving")
    assert set(serving["worker_pids"]) <= pids and len(serving["worker_pids"]) == 2
    refusal = next(line for line in lines if line.get("event") == "refused")
    assert refusal["status"] == 400 and refusal["reason"] == "malformed"


def test_sigkill_leaves_no_child_behind(tmp_path: Path) -> None:
    server = start(tmp_path)[0].process
    try:
        pids = checking_processes(server)
        os.kill(server.pid, signal.SIGKILL)
        assert server.wait(60) == -signal.SIGKILL
    finally:
        stop_process(server)
    assert wait_until_gone(pids) == set()


def metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_parse_and_count_acceptances_refusals_and_batches(tmp_path: Path) -> None:
    e = make_online_election(tmp_path, voters=2)
    with board_over_http(e) as board:
        assert board.vote(e, 0, e.encrypt(0)).status_code == 200
        copy = board.vote(e, 1, e.encrypt(0))
        assert copy.status_code == 409
        assert (
            board.http.post("/ballots", content=b"[]", headers={"content-type": "application/json"}).status_code == 400
        )
        answer = board.http.get("/metrics")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
        values = metric_values(answer.text)
        assert board.http.get("/metrics?x=1").status_code == 400
    assert values[("ballotchain_submissions_accepted_total", ())] == 1
    assert values[("ballotchain_submissions_refused_total", (("reason", "conflict"), ("status", "409")))] == 1
    assert values[("ballotchain_submissions_refused_total", (("reason", "malformed"), ("status", "400")))] == 1
    assert values[("ballotchain_batch_size_count", ())] == 1
    assert values[("ballotchain_batch_size_sum", ())] == 1
    assert values[("ballotchain_append_seconds_count", ())] == 1
    assert values[("ballotchain_log_entries", ())] == 2
