"""The published record a closed board serves (issue 13, item 2): GET /published/results.json and
/published/record.zip, made once from a decrypted record whose tally verifies, never from a folder holding a
secret file; `board serve --record` and the URLs it prints."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from engine.board.sth import BoardKey
from engine.cli.board_cmds import print_serving
from engine.cli.main import cli
from engine.credentials.roster import encode_roster
from engine.hash import UInt256
from engine.record import ElectionRecord
from engine.server.app import create_app
from engine.server.published_record import PublishedRecord, PublishedRecordError, published_record
from engine.server.run import serving_in_thread
from engine.server.service import BoardService
from engine.verify.results import results_rows
from tests.support.online_record import OnlineRecord, make_online_record

TIMEOUT = 60


@pytest.fixture(scope="module")
def decrypted(tmp_path_factory: pytest.TempPathFactory) -> OnlineRecord:
    return make_online_record(tmp_path_factory.mktemp("published"))


@contextlib.contextmanager
def served(decrypted: OnlineRecord, published: PublishedRecord | None) -> Iterator[str]:
    e = decrypted.election
    service = BoardService(e.election, e.roster, e.db, BoardKey.load(e.board_key_file), check_workers=0)
    try:
        with serving_in_thread(create_app(service, published=published)) as url:
            yield url
    finally:
        service.close()


def record_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_the_results_and_the_record_are_served_once_decrypted(decrypted: OnlineRecord) -> None:
    with published_record(decrypted.record, decrypted.election.h_e) as published, served(decrypted, published) as url:
        results = httpx.get(f"{url}/published/results.json", timeout=TIMEOUT)
        download = httpx.get(f"{url}/published/record.zip", timeout=TIMEOUT)
        zip_path = published.zip_path
    assert not zip_path.exists()  # removed with the server
    assert results.status_code == 200 and download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"].startswith('attachment; filename="election-record-')
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == record_files(decrypted.record)
    body = results.json()
    assert body["record_sha256"] == hashlib.sha256(download.content).hexdigest()
    assert body["election"] == decrypted.election.h_e.data.hex()
    assert (body["cast"], body["challenged"]) == (3, 2)
    assert "ballotchain verify" in body["verify"]
    record = ElectionRecord(decrypted.record)
    served_rows = [(c["name"], s["name"], s["votes"]) for c in body["contests"] for s in c["selections"]]
    assert served_rows == [row[:3] for row in results_rows(record.manifest, record.tally)]


def test_a_board_without_a_record_says_why_there_is_nothing_to_download(decrypted: OnlineRecord) -> None:
    with served(decrypted, None) as url:
        for name in ("results.json", "record.zip"):
            answer = httpx.get(f"{url}/published/{name}", timeout=TIMEOUT)
            assert answer.status_code == 404
            assert "no published record yet" in answer.json()["error"]


def refused(folder: Path, h_e: UInt256, words: str) -> None:
    with pytest.raises(PublishedRecordError, match=words), published_record(folder, h_e):
        pytest.fail("served")


SECRETS = {
    "egk's private data": ("private_data/trustees/decryptingTrustee-guardian1.json", b"{}"),
    "a guardian's secret state": ("alice/secret.json", b"{}"),
    "a voter's credential": ("creds/voter-00001.json", b"{}"),
    "a board key": ("board.key", b"{}"),
    "a renamed key file": ("notes.json", b'{"kind":"x","private_key":"00","public_key":"00"}'),
    "a renamed guardian state": ("notes.json", b'{"kind":"ballotchain/guardian-secret-state"}'),
    "a sealed file": ("notes.bin", b"BALLOTCHAIN-SECRET-v2\n..."),
}


@pytest.mark.parametrize("what", SECRETS)
def test_a_folder_holding_a_secret_file_is_refused_whole(decrypted: OnlineRecord, tmp_path: Path, what: str) -> None:
    record = tmp_path / "record"
    shutil.copytree(decrypted.record, record)
    name, content = SECRETS[what]
    (record / name).parent.mkdir(parents=True, exist_ok=True)
    (record / name).write_bytes(content)
    refused(record, decrypted.election.h_e, "secret")


def test_a_symbolic_link_a_record_without_its_tally_or_a_wrong_tally_is_refused(
    decrypted: OnlineRecord, tmp_path: Path
) -> None:
    election = decrypted.election.h_e
    linked = tmp_path / "linked"
    shutil.copytree(decrypted.record, linked)
    (linked / "notes.json").symlink_to(decrypted.election.root / "anything.json")
    refused(linked, election, "symbolic link")
    untallied = tmp_path / "untallied"
    shutil.copytree(decrypted.record, untallied)
    (untallied / "tally.json").unlink()
    refused(untallied, election, "no tally.json")
    wrong = tmp_path / "wrong"
    shutil.copytree(decrypted.record, wrong)
    tally = json.loads((wrong / "tally.json").read_text())
    tally["contests"][0]["selections"][0]["tally"] += 1
    (wrong / "tally.json").write_text(json.dumps(tally))
    refused(wrong, election, "does not verify")


def serve_command(decrypted: OnlineRecord, *extra: object) -> list[str]:
    e = decrypted.election
    return [str(c) for c in ("board", "serve", "--election", e.election_dir, "--roster", roster_file(decrypted),
                             "--db", e.db, "--board-key", e.board_key_file, "--port", 0, "--check-workers", 0,
                             *extra)]  # fmt: skip


def roster_file(decrypted: OnlineRecord) -> Path:
    path = decrypted.election.root / "roster-for-serve.json"
    if not path.exists():
        path.write_bytes(encode_roster(decrypted.election.roster))
    return path


def test_serve_prints_the_pages_and_serves_the_record_it_is_given(decrypted: OnlineRecord) -> None:
    command = [sys.executable, "-m", "engine.cli.main", *serve_command(decrypted, "--record", decrypted.record)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        url = lines[0].split("serving ", 1)[1].split()[0]
        results = httpx.get(f"{url}/published/results.json", timeout=TIMEOUT)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=TIMEOUT)
    assert "READ-ONLY" in lines[0], err
    assert f"board explorer {url}/web/explorer.html" in lines[1]
    assert f"{url}/published/record.zip" in lines[2] and str(decrypted.record) in lines[2]
    assert results.status_code == 200 and results.json()["cast"] == 3


def test_serve_refuses_a_secret_in_the_record_in_one_line(decrypted: OnlineRecord, tmp_path: Path) -> None:
    record = tmp_path / "record"
    shutil.copytree(decrypted.record, record)
    (record / "guardian-secret.json").write_bytes(b"{}")
    result = CliRunner().invoke(cli, serve_command(decrypted, "--record", record))
    assert result.exit_code == 2, result.output
    assert "guardian-secret.json is named like a secret file" in result.output
    assert "Traceback" not in result.output


def test_an_open_board_prints_the_voting_page_and_refuses_a_record(
    decrypted: OnlineRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    print_serving(
        "http://127.0.0.1:8080", key=BoardKey.load(decrypted.election.board_key_file), closed=False, published=None
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "ballotchain board: voting page http://127.0.0.1:8080/web/vote.html",
        "ballotchain board: board explorer http://127.0.0.1:8080/web/explorer.html",
    ]
    command = serve_command(decrypted, "--record", decrypted.record)
    command[command.index("--db") + 1] = str(tmp_path / "open.db")
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2 and "voting on this board is not closed" in result.output, result.output
    assert not (tmp_path / "open.db").exists()
