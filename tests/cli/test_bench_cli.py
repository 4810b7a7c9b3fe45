"""`ballotchain bench --json`, on the test group: the figures, and the clock they were measured with."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from engine.cli.main import cli


@pytest.mark.parametrize(("flag", "clock"), [([], "wall"), (["--cpu-time"], "cpu")])
def test_bench_json_names_its_clock_and_gives_positive_figures(flag, clock):
    result = CliRunner().invoke(cli, ["bench", "--quick", "--json", "--group", "test", *flag])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["clock"] == clock
    assert figures["group"] == "test"
    assert figures["encrypt_ms_per_selection"] > 0
    assert set(figures["ratios_to_powmod"]) == {
        "encrypt_per_selection",
        "verify_per_selection",
        "decrypt_per_selection_3_of_5",
    }
