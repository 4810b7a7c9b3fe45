"""The README's walk-through runs as written (issue 15, item 6): every shell block the README marks with
``<!-- walkthrough -->`` is run command by command, in order, in an empty folder, each in its own bash
(with pipefail), and must exit 0. The one documented change: the small test group (`election init`
gets `--group test`, `verify` gets `--allow-test-group`), as the README says to try it quickly.
A block marked ``<!-- walkthrough: needs matplotlib -->`` must exit 0 with the plot extra installed,
and without it exit 2 naming the README's install line.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = re.compile(r"^<!-- walkthrough(?:: needs (?P<needs>[a-z]+))? -->$")
PLOT_INSTALL = "pip install -e '.[plot]'"
# the steps a reader must be able to follow, in the README's order
STEPS = (
    "manifest new", "election init", "guardian keygen", "guardian shares", "guardian receive", "ceremony finalize",
    "ballot template", "encrypt", "tally", "guardian decrypt", "decrypt challenge", "guardian respond",
    "decrypt combine", "results", "lookup", "verify",
)  # fmt: skip


@dataclass(frozen=True)
class Command:
    line: int
    text: str
    needs: str | None


def walkthrough(readme: str) -> list[Command]:
    """The commands of every marked block: the indented lines right after a marker line."""
    commands: list[Command] = []
    lines = readme.splitlines()
    for number, line in enumerate(lines):
        marker = MARK.match(line.strip())
        if marker is None:
            continue
        for offset, text in enumerate(lines[number + 1 :], start=number + 2):
            if not text.startswith("    "):
                break
            commands.append(Command(offset, text.strip(), marker.group("needs")))
    return commands


def with_test_group(command: str) -> str:
    """The documented way to try the walk-through quickly: the small test group."""
    command = command.replace("ballotchain election init ", "ballotchain election init --group test ")
    return command.replace("ballotchain verify ", "ballotchain verify --allow-test-group ")


def test_the_walkthrough_has_every_step_in_order() -> None:
    texts = [c.text for c in walkthrough(README.read_text())]
    positions = []
    for step in STEPS:
        found = [i for i, t in enumerate(texts) if t.startswith(f"ballotchain {step} ")]
        assert found, f"the README's walk-through has no `ballotchain {step}`"
        positions.append(found[0])
    assert positions == sorted(positions), "the walk-through's steps are out of order"
    assert not any(t.startswith("...") for t in texts), "a walk-through line that cannot run"


def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    commands = walkthrough(README.read_text())
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("BALLOTCHAIN_PASSPHRASE", None)
    has_plot = importlib.util.find_spec("matplotlib") is not None
    for command in commands:
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", with_test_group(command.text)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        where = f"README.md line {command.line}: {command.text}"
        said = f"{where}\nexit {result.returncode}\n{result.stdout}{result.stderr}"
        assert "Traceback" not in result.stderr, said
        if command.needs == "matplotlib" and not has_plot:
            assert result.returncode == 2 and PLOT_INSTALL in result.stderr, said
            continue
        assert command.needs in (None, "matplotlib"), f"unknown walkthrough mark {command.needs!r}"
        assert result.returncode == 0, said
    codes = (tmp_path / "codes.txt").read_text().splitlines()
    assert len(codes) == 4 and any("voter-17\tSPOILED" in c for c in codes), codes


@pytest.mark.parametrize(
    ("readme", "expected"),
    [
        ("text\n<!-- walkthrough -->\n    a 1\n    b 2\n\n    c 3\n", ["a 1", "b 2"]),
        ("<!-- walkthrough: needs matplotlib -->\n    p\nx\n    q\n", ["p"]),
        ("    not marked\n", []),
    ],
)
def test_marked_blocks_are_found(readme: str, expected: list[str]) -> None:
    assert [c.text for c in walkthrough(readme)] == expected
