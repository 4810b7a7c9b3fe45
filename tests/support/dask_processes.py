"""A real Dask cluster on loopback for the distributed verify and tally tests: one `dask scheduler` and
`dask worker` processes (one single-threaded worker each, no dashboard), on free ports, all stopped on exit
even when the test fails; and a partition task that kills its worker once (a worker lost mid-run)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.verify.ballots import BallotContext
from engine.verify.distributed import PartitionTask, verify_partition_task
from engine.verify.partition import PartitionResult

ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).parent / "dask"
START_TIMEOUT_S = 60.0
KILLED_MARKER = ".a-task-killed-its-worker"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@contextmanager
def dask_processes(logs: Path, workers: int = 2) -> Iterator[str]:
    """The address of a scheduler with ``workers`` connected workers; every process stopped on exit."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    started: list[subprocess.Popen[bytes]] = []
    try:
        port = address.rsplit(":", 1)[1]
        started.append(
            _start([str(DASK), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"], logs / "s.log")
        )
        for n in range(workers):
            started.append(
                _start(
                    [str(DASK), "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                    logs / f"w{n}.log",
                )
            )
        with Client(address, timeout=START_TIMEOUT_S) as client:
            client.wait_for_workers(workers, timeout=START_TIMEOUT_S)
        yield address
    finally:
        for process in reversed(started):
            _stop(process)


def verify_partition_killing_its_worker_once(ctx: BallotContext, task: PartitionTask) -> PartitionResult:
    """The partition task, except that the first task to run (over the whole cluster) kills its worker process."""
    marker = Path(task[0]).parent / KILLED_MARKER
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return verify_partition_task(ctx, task)
    os._exit(1)
