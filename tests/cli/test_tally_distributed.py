"""`ballotchain tally --scheduler` (issue 11, item 4): partial products of slices of the ballot files, computed
by a real `dask scheduler` and two `dask worker` processes on loopback and reduced in a tree, give the
encrypted tally of local processes byte for byte; a ballot id twice is refused alike (exit 2, one line)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from tests.support.dask_processes import dask_processes
from tests.support.demo_records import two_device_record

pytest.importorskip("distributed")
pytestmark = pytest.mark.once  # how the work is spread and combined, not the arithmetic

ENCRYPTED_TALLY = "encrypted_tally.json"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tallied test-group election of 24 voters on two devices, some ballots challenged."""
    return two_device_record(tmp_path_factory, "tally-demo", seed=5)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dask_processes(tmp_path_factory.mktemp("dask-logs")) as address:
        yield address


def untallied(pristine: Path, where: Path) -> Path:
    root = where / "record"
    shutil.copytree(pristine, root)
    (root / ENCRYPTED_TALLY).unlink()
    return root


def test_the_cluster_tally_is_the_local_tally_byte_for_byte(pristine: Path, scheduler: str, tmp_path: Path) -> None:
    local, remote = untallied(pristine, tmp_path / "local"), untallied(pristine, tmp_path / "remote")
    assert CliRunner().invoke(cli, ["tally", "--record", str(local), "--jobs", "2"]).exit_code == 0
    result = CliRunner().invoke(cli, ["tally", "--record", str(remote), "--scheduler", scheduler])
    assert result.exit_code == 0, result.output
    assert (remote / ENCRYPTED_TALLY).read_bytes() == (local / ENCRYPTED_TALLY).read_bytes()
    assert (remote / ENCRYPTED_TALLY).read_bytes() == (pristine / ENCRYPTED_TALLY).read_bytes()


def test_a_ballot_id_twice_is_refused_on_the_cluster_as_locally(pristine: Path, scheduler: str, tmp_path: Path) -> None:
    root = untallied(pristine, tmp_path)
    first = sorted((root / "encrypted_ballots" / "device-1").glob("eballot-*.json"))[0]
    doc = json.loads(first.read_text())
    doc["encrypting_device"] = "device-2"
    (root / "encrypted_ballots" / "device-2" / first.name).write_text(json.dumps(doc))
    for where in (["--jobs", "2"], ["--scheduler", scheduler]):
        result = CliRunner().invoke(cli, ["tally", "--record", str(root), *where])
        assert result.exit_code == 2, result.output
        assert "appears more than once" in result.stderr and result.stderr.count("\n") == 1
        assert not (root / ENCRYPTED_TALLY).exists()
