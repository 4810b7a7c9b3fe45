"""The witness over HTTP (c2sp.org/tlog-witness): POST /add-checkpoint with the spec's statuses and
bodies, in process (Starlette's test client) and as a `ballotchain witness serve` process that is
killed (SIGKILL) and restarted on its state file."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.note import CosignatureSigner, SignedNote, VerifierKey, open_note
from engine.board.witness import Witness, WitnessState
from engine.server.witness_app import create_witness_app
from tests.support.tlog import FakeLog

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ORIGIN = "ballotchain.example/" + "cd" * 16
ENTRIES = [b"ballot %d" % i for i in range(30)]


@pytest.fixture
def log() -> FakeLog:
    return FakeLog(ORIGIN, ENTRIES)


@pytest.fixture
def signer() -> CosignatureSigner:
    return CosignatureSigner("witness.example/w2", Ed25519PrivateKey.generate())


@pytest.fixture
def client(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> Iterator[TestClient]:
    with WitnessState(tmp_path / "witness.db") as state:
        witness = Witness(signer, state, {ORIGIN: [log.signer.verifier_key]})
        with TestClient(create_witness_app(witness)) as test_client:
            yield test_client


def post(client: TestClient | httpx.Client, body: bytes) -> httpx.Response:
    return client.post("/add-checkpoint", content=body)


def test_cosignature_and_every_refusal(
    client: TestClient, log: FakeLog, signer: CosignatureSigner, tmp_path: Path
) -> None:
    answer = post(client, log.request(0, 10))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    cosigned = SignedNote.parse(log.signed(10) + answer.content)
    assert open_note(cosigned, [signer.verifier_key]) == (signer.verifier_key,)

    stale = post(client, log.request(3, 12))
    assert (stale.status_code, stale.text, stale.headers["content-type"]) == (409, "10\n", "text/x.tlog.size")

    forked = FakeLog(ORIGIN, [b"evil", *ENTRIES[1:]])
    forked.signer = log.signer
    fork = post(client, forked.request(10, 10))
    assert fork.status_code == 409 and "fork" in fork.text and fork.text.endswith("\n")

    bad_proof = post(client, forked.request(10, 20))
    assert bad_proof.status_code == 422 and "consistency proof" in bad_proof.text

    impostor = FakeLog(ORIGIN, ENTRIES)
    assert post(client, impostor.request(10, 20)).status_code == 403
    assert post(client, FakeLog("elsewhere.example/x", ENTRIES).request(0, 3)).status_code == 404
    assert post(client, b"old 10\n\n" + log.signed(5)).status_code == 400
    assert post(client, b"garbage").status_code == 400
    assert post(client, b"old 0\n\n" + b"x" * (1 << 17)).status_code == 413
    assert client.get("/add-checkpoint").status_code == 405
    assert client.post("/elsewhere", content=b"").status_code == 404

    grown = post(client, log.request(10, 30))
    assert grown.status_code == 200
    assert open_note(SignedNote.parse(log.signed(30) + grown.content), [signer.verifier_key])


def wait_for_url(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The URL in the 'serving http://...' line the witness prints once it listens."""
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            text = line.decode()
            if "serving http" in text:
                found.append(text.split("serving ", 1)[1].split()[0])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        process.kill()
        process.wait()
        raise AssertionError("the witness did not start")
    return found[0]


def start_witness(tmp_path: Path, key: Path, state: Path, log: FakeLog) -> tuple[subprocess.Popen[bytes], str]:
    command = [
        sys.executable, "-m", "engine.cli.main", "witness", "serve", "--key", str(key), "--name", "witness.example/w3",
        "--state", str(state), "--log-key", log.signer.verifier_key.vkey(), "--origin", ORIGIN,
        "--host", "127.0.0.1", "--port", "0",
    ]  # fmt: skip
    errors_log = tmp_path / "witness.log"
    with errors_log.open("ab") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
    return process, wait_for_url(process, 60)


def test_witness_process_killed_and_restarted_refuses_a_rollback(tmp_path: Path, log: FakeLog) -> None:
    key = tmp_path / "witness.key"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "engine.cli.main",
            "witness",
            "keygen",
            "--key",
            str(key),
            "--name",
            "witness.example/w3",
        ],
        capture_output=True,
        check=True,
    )
    vkey = VerifierKey.parse(made.stdout.decode().strip())
    assert key.stat().st_mode & 0o077 == 0
    state = tmp_path / "witness.db"
    process, url = start_witness(tmp_path, key, state, log)
    try:
        with httpx.Client(base_url=url) as http:
            assert post(http, log.request(0, 8)).status_code == 200
            cosigned = post(http, log.request(8, 20))
            assert cosigned.status_code == 200
            assert open_note(SignedNote.parse(log.signed(20) + cosigned.content), [vkey]) == (vkey,)
    finally:
        process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()
    process, url = start_witness(tmp_path, key, state, log)
    try:
        with httpx.Client(base_url=url) as http:
            rollback = post(http, log.request(8, 12))
            assert (rollback.status_code, rollback.text) == (409, "20\n")
            assert post(http, b"old 20\n\n" + log.signed(12)).status_code == 400
            assert post(http, log.request(20, 25)).status_code == 200
    finally:
        process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()


def test_witness_serve_bad_input_is_one_line(tmp_path: Path, log: FakeLog) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    key = tmp_path / "witness.key"
    base = [sys.executable, "-m", "engine.cli.main", "witness"]
    subprocess.run([*base, "keygen", "--key", str(key), "--name", "w.example/1"], capture_output=True, check=True)
    again = subprocess.run([*base, "keygen", "--key", str(key), "--name", "w.example/1"], capture_output=True)
    assert again.returncode == 2 and len(again.stderr.decode().strip().splitlines()) == 1
    for log_key in ("not a vkey", VerifierKey(ORIGIN, 0x04, bytes(32)).vkey()):
        run = subprocess.run(
            [
                *base,
                "serve",
                "--key",
                str(key),
                "--name",
                "w.example/1",
                "--state",
                str(tmp_path / "s.db"),
                "--log-key",
                log_key,
                "--origin",
                ORIGIN,
                "--port",
                "0",
            ],  # fmt: skip
            capture_output=True,
        )
        assert run.returncode == 2
        lines = run.stderr.decode().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ballotchain: "), lines
