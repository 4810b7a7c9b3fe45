"""A record read from an fsspec URL (engine.record.files) reads as the same record from its folder: the same
values, the same listings, the same checks of names; a URL is refused where a record is written, and what
fsspec cannot open is one RecordError."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.record import ElectionRecord, RecordError
from engine.record.files import FsspecFiles, LocalFiles, RemotePath, file_names, folder_names, is_url, remote_root
from tests.support.egk_data import workflow

fsspec = pytest.importorskip("fsspec")


def test_a_url_is_a_scheme_and_two_slashes() -> None:
    assert is_url("s3://bucket/record") and is_url("file:///tmp/record") and is_url("gcs+x.y://b")
    assert not is_url("record") and not is_url("/abs/record") and not is_url("c:/record") and not is_url(Path("a"))


@pytest.fixture()
def in_memory() -> Iterator[str]:
    """chainedJson's public record copied into fsspec's memory file system (this process only)."""
    root = workflow("chainedJson")
    fs = fsspec.filesystem("memory")
    base = f"/record-{uuid.uuid4().hex}"
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not relative.startswith("private_data"):
            fs.pipe_file(f"{base}/{relative}", path.read_bytes())
    yield f"memory://{base}"
    fs.rm(base, recursive=True)


def everything(record: ElectionRecord) -> dict[str, object]:
    return {
        "constants": record.constants,
        "config": record.config,
        "initialized": record.initialized,
        "encrypted_tally": record.encrypted_tally,
        "tally": record.tally,
        "devices": record.devices(),
        "ballots": list(record.encrypted_ballots()),
        "chains": list(record.ballot_chains()),
        "challenged": list(record.challenged_ballots()),
        "labels": [p.relative_to(record.root).as_posix() for p in record.encrypted_ballot_paths()],
        "has_tally": record.has("tally.json"),
    }


def test_a_record_at_a_url_reads_as_its_folder(in_memory: str) -> None:
    remote = ElectionRecord(in_memory, allow_url=True)
    assert isinstance(remote.root, RemotePath) and remote.location == in_memory
    assert everything(remote) == everything(ElectionRecord(workflow("chainedJson")))


def test_the_file_systems_list_alike(in_memory: str) -> None:
    local_root = workflow("chainedJson")
    remote_root_ = ElectionRecord(in_memory, allow_url=True).root
    for folder in ["encrypted_ballots", "challenged_ballots"]:
        assert sorted(file_names(remote_root_ / folder)) == sorted(file_names(local_root / folder))
        assert sorted(folder_names(remote_root_ / folder)) == sorted(folder_names(local_root / folder))
    with pytest.raises(FileNotFoundError):
        file_names(remote_root_ / "nothing-here")
    local = LocalFiles()
    assert local.is_file(str(local_root / "manifest.json")) and local.is_dir(str(local_root))
    assert local.read_bytes(str(local_root / "manifest.json")) == (remote_root_ / "manifest.json").read_bytes()


def test_names_are_checked_as_in_a_folder(in_memory: str) -> None:
    record = ElectionRecord(in_memory, allow_url=True)
    path = next(record.encrypted_ballot_paths())
    doc = json.loads(path.read_bytes())
    doc["ballot_id"] = "another-ballot"
    fsspec.filesystem("memory").pipe_file(str(path), json.dumps(doc).encode())
    with pytest.raises(RecordError, match="does not match the file name"):
        record.read_encrypted_ballot(path)
    with pytest.raises(RecordError, match="ballot id"):
        record.encrypted_ballot("../../constants")


def test_an_object_stores_dot_names_are_not_folders() -> None:
    class DotListing:
        def ls(self, folder: str, detail: bool) -> list[dict[str, str]]:
            return [{"name": f"{folder}/..", "type": "directory"}, {"name": f"{folder}/d/", "type": "directory"}]

    assert FsspecFiles(DotListing()).folder_names("b/encrypted_ballots") == ["d"]


def test_a_storage_error_is_an_os_error_of_one_line() -> None:
    class Refusing:
        def cat_file(self, path: str) -> bytes:
            raise RuntimeError("AccessDenied: no permission")

    with pytest.raises(OSError, match="^b/x: AccessDenied: no permission$"):
        FsspecFiles(Refusing()).read_bytes("b/x")


def test_a_url_record_is_not_written(in_memory: str) -> None:
    with pytest.raises(RecordError, match="a URL; this command needs a local folder"):
        ElectionRecord(in_memory)
    root = ElectionRecord(in_memory, allow_url=True).root
    with pytest.raises(PermissionError):
        (root / "tally.json").write_bytes(b"{}")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nosuchscheme://bucket/record", "cannot open the URL"),
        ("file:///nonexistent/ballotchain/record", "not a directory"),
    ],
)
def test_what_cannot_be_opened_is_a_record_error(url: str, message: str) -> None:
    with pytest.raises(RecordError, match=message) as caught:
        ElectionRecord(url, allow_url=True)
    assert "\n" not in str(caught.value)


def test_a_file_url_is_the_local_folder(tmp_path: Path) -> None:
    copy = tmp_path / "record"
    shutil.copytree(workflow("chainedJson"), copy)
    root = remote_root(copy.as_uri())
    assert str(root) == str(copy) and root.is_dir() and (root / "manifest.json").is_file()
