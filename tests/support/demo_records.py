"""Small test-group demo elections for the tests of how work is spread (Dask, processes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.demo_cmd import run_demo


def two_device_record(tmp_path_factory: pytest.TempPathFactory, name: str, seed: int) -> Path:
    """The record of a complete test-group election: 24 voters on two chained devices, some ballots
    challenged, 2 guardians."""
    out = tmp_path_factory.mktemp(name) / "demo"
    code = run_demo(
        out,
        voters=24,
        guardians=2,
        quorum=2,
        absent=0,
        challenge_rate=0.1,
        seed=seed,
        group_name="test",
        devices=2,
        jobs=1,
        preencrypted=False,
    )
    assert code == 0
    return out / "record"
