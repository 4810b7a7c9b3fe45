"""Phases the record enforces while voting (issue 15): no ballot after the tally, one ballot id per election."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.demo_cmd import run_ceremony
from engine.cli.main import cli
from tests.test_cli import ballot_line, run


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """n = 3, k = 2, without chaining (a device may encrypt several batches); copied by each test."""
    root = tmp_path_factory.mktemp("election")
    (root / "private").mkdir()
    run_ceremony(root / "record", root / "private", root / "exchange", 3, 2, "test", chain=False, step=lambda _t: None)
    return root


@pytest.fixture()
def election(template: Path, tmp_path: Path) -> dict[str, Path]:
    root = tmp_path / "e"
    shutil.copytree(template, root)
    return {"root": root, "record": root / "record"}


def refused(*args: object) -> str:
    """The one-line refusal of a command that must exit 2."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def write_ballots(path: Path, *ids: str) -> Path:
    path.write_text("\n".join(ballot_line(i, 0, (0, 1), True) for i in ids))
    return path


def test_encrypt_after_the_tally_is_refused(election: dict[str, Path]) -> None:
    root, record = election["root"], election["record"]
    run("encrypt", "--record", record, "--ballots", write_ballots(root / "a.jsonl", "a1", "a2"), "--device", "booth-1")
    run("tally", "--record", record)
    late = write_ballots(root / "late.jsonl", "late-1")
    out = refused("encrypt", "--record", record, "--ballots", late, "--device", "booth-2")
    assert "tallied" in out and "encrypted_tally.json" in out
    assert not (record / "encrypted_ballots" / "booth-2").exists()


def test_a_ballot_id_used_on_one_device_is_refused_on_every_device(election: dict[str, Path]) -> None:
    root, record = election["root"], election["record"]
    run("encrypt", "--record", record, "--ballots", write_ballots(root / "a.jsonl", "a1", "a2"), "--device", "booth-1")
    batch = write_ballots(root / "b.jsonl", "b1", "a2", "b3")
    for device in ("booth-2", "booth-1"):
        out = refused("encrypt", "--record", record, "--ballots", batch, "--device", device)
        assert "'a2'" in out and "'booth-1'" in out
    # nothing of the refused batch was written, on either device
    assert not (record / "encrypted_ballots" / "booth-2").exists()
    assert sorted(p.name for p in (record / "encrypted_ballots" / "booth-1").glob("eballot-*")) == [
        "eballot-a1.json",
        "eballot-a2.json",
    ]
    twice = write_ballots(root / "twice.jsonl", "c1", "c1")
    assert "more than once" in refused("encrypt", "--record", record, "--ballots", twice, "--device", "booth-3")
    assert not (record / "encrypted_ballots" / "booth-3").exists()
    run("tally", "--record", record)  # the record stays tallyable
