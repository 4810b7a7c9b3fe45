"""`verify` of a record given as an fsspec URL (issue 11, item 4): file:///abs/record gives the report of
/abs/record, in this process, in local worker processes, and on a real `dask scheduler` with two `dask worker`
processes (which read the record from the URL themselves), for a valid record, tampered ones and an online
election's board; a URL that cannot be opened is one line and exit 2, and a command that writes into a record
refuses a URL."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.dask_cluster import open_cluster
from engine.verify import Report, verify_record
from tests.support.dask_processes import dask_processes
from tests.support.demo_records import two_device_record
from tests.support.online_record import make_online_record
from tests.verify.test_distributed import TAMPERS, without_timings

pytest.importorskip("fsspec")
pytest.importorskip("distributed")
pytestmark = pytest.mark.once  # where the files are read from, not the arithmetic


def comparable(report: Report) -> dict[str, Any]:
    """The report's JSON without its timings and the record's name (a path or a URL)."""
    doc = without_timings(report.to_json_dict())
    doc.pop("record")
    return doc


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete test-group election of 24 voters on two chained devices, with proof commitments."""
    return two_device_record(tmp_path_factory, "url-demo", seed=12)


@pytest.fixture()
def record(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(pristine, copy)
    return copy


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dask_processes(tmp_path_factory.mktemp("dask-logs")) as address:
        yield address


@pytest.mark.parametrize("tamper", ["valid", "bad-proof", "repeated-id", "broken-chain"])
def test_a_file_url_gives_the_folders_report(record: Path, scheduler: str, tamper: str) -> None:
    TAMPERS[tamper](record)
    by_path = verify_record(record, jobs=1, accept_test_group=True)
    assert (record / "proof_commitments").is_dir() and by_path.ok is (tamper == "valid")
    url = record.as_uri()
    in_processes = verify_record(url, jobs=2, accept_test_group=True)
    with open_cluster(scheduler=scheduler) as client:
        on_workers = verify_record(url, accept_test_group=True, cluster=client)
    assert in_processes.record == url
    expected = comparable(by_path)
    expected["jobs"] = 2
    assert comparable(in_processes) == expected
    assert comparable(on_workers) == expected


def test_the_command_reads_a_url_on_a_local_cluster_and_exits_alike(record: Path) -> None:
    TAMPERS["bad-proof"](record)
    args = ["--allow-test-group", "--json", "--jobs", "2"]
    by_path = CliRunner().invoke(cli, ["verify", str(record), *args])
    by_url = CliRunner().invoke(cli, ["verify", record.as_uri(), *args, "--cluster", "local"])
    assert (by_path.exit_code, by_url.exit_code) == (1, 1), by_url.output
    docs = [without_timings(json.loads(result.stdout)) for result in (by_path, by_url)]
    assert docs[1].pop("record") == record.as_uri() and docs[0].pop("record") == str(record)
    assert docs[0] == docs[1] and docs[1]["failed"] == ["5.D"]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("nosuchscheme://bucket/record", "cannot open the URL"),
        ("file:///nonexistent/ballotchain/record", "not a directory"),
    ],
)
def test_a_url_that_cannot_be_opened_is_one_line_and_exit_2(url: str, said: str) -> None:
    result = CliRunner().invoke(cli, ["verify", url, "--allow-test-group"])
    assert result.exit_code == 2, result.output
    assert said in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.output


def test_a_scheme_whose_package_is_missing_is_one_line_and_exit_2() -> None:
    try:
        import s3fs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("s3fs is installed")
    result = CliRunner().invoke(cli, ["verify", "s3://bucket/record", "--allow-test-group"])
    assert result.exit_code == 2 and "not installed" in result.stderr and result.stderr.count("\n") == 1


def test_a_command_that_writes_a_record_refuses_a_url(
    record: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (record / "encrypted_tally.json").unlink()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["tally", "--record", record.as_uri()])
    assert not (tmp_path / "file:").exists()
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1 and not (record / "encrypted_tally.json").exists()


def test_an_online_elections_board_is_checked_from_a_url(tmp_path: Path) -> None:
    """The board's log, keys and checkpoint (B.0-B.9) are read through the URL too."""
    online = make_online_record(tmp_path / "online")
    by_path = verify_record(online.record, jobs=1, accept_test_group=True)
    by_url = verify_record(online.record.as_uri(), jobs=1, accept_test_group=True)
    assert by_path.ok and by_path.check("B.2").passed > 0
    assert comparable(by_url) == comparable(by_path)
