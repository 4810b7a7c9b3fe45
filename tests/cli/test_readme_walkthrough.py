"""The README's walk-throughs run as written (issue 15, item 6): every shell block the README marks
with ``<!-- walkthrough -->`` (or ``<!-- walkthrough: KIND -->``) is run command by command, in order,
in an empty folder, each command in its own bash (with pipefail), and must exit 0.

Kinds: none (the offline election only), ``manifest`` and ``ceremony`` (both elections), ``plot``
(offline; exits 0 with the plot extra, else 2 naming the README's install line), ``online-init``,
``online`` and ``online-server`` (the online election: the manifest, its ``election init``, the
ceremony, then the rest; the server runs in the background until `board close`).

What the test changes, as the README says one may: the small test group (`election init` gets
`--group test`, `verify` and `vote` get `--allow-test-group`); the server's `--port 0` and the URL it prints;
BOARD_HEX and REGISTRAR_HEX, the keys `election keys` prints.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.once  # the README's commands; their arithmetic is tested on both backends elsewhere

README = Path(__file__).resolve().parents[2] / "README.md"
MARK = re.compile(r"^<!-- walkthrough(?:: (?P<kind>[a-z-]+))? -->$")
KINDS = (None, "manifest", "ceremony", "plot", "online-init", "online", "online-server")
PLOT_INSTALL = "pip install -e '.[plot]'"
README_URL = "http://127.0.0.1:8080"
# the steps a reader must be able to follow, in the README's order
OFFLINE_STEPS = (
    "manifest new", "election init", "guardian keygen", "guardian shares", "guardian receive", "ceremony finalize",
    "ballot template", "encrypt", "tally", "guardian decrypt", "decrypt challenge", "guardian respond",
    "decrypt combine", "results", "lookup", "verify",
)  # fmt: skip
ONLINE_STEPS = (
    "manifest new", "election init", "guardian keygen", "ceremony finalize", "registrar roster", "election keys",
    "board serve", "ballot template", "vote", "receipt check", "board monitor", "board close", "board export",
    "verify",
)  # fmt: skip


@dataclass(frozen=True)
class Command:
    line: int
    text: str
    kind: str | None


def walkthrough(readme: str) -> list[Command]:
    """The commands of every marked block: the indented lines right after a marker line."""
    commands: list[Command] = []
    lines = readme.splitlines()
    for number, line in enumerate(lines):
        marker = MARK.match(line.strip())
        if marker is None:
            continue
        assert marker.group("kind") in KINDS, f"README.md line {number + 1}: unknown walkthrough kind"
        for offset, text in enumerate(lines[number + 1 :], start=number + 2):
            if not text.startswith("    "):
                break
            commands.append(Command(offset, text.strip(), marker.group("kind")))
    return commands


def offline(commands: list[Command]) -> list[Command]:
    return [c for c in commands if c.kind in (None, "manifest", "ceremony", "plot")]


def online(commands: list[Command]) -> list[Command]:
    def of(*kinds: str) -> list[Command]:
        return [c for c in commands if c.kind in kinds]

    return of("manifest") + of("online-init") + of("ceremony") + of("online", "online-server")


def with_test_group(command: str) -> str:
    """The documented way to try a walk-through quickly: the small test group."""
    command = command.replace("ballotchain election init ", "ballotchain election init --group test ")
    for command_name in ("verify", "vote"):
        command = command.replace(f"ballotchain {command_name} ", f"ballotchain {command_name} --allow-test-group ")
    return command


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("BALLOTCHAIN_PASSPHRASE", None)
    return env


def run_line(command: Command, text: str, folder: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", text],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "Traceback" not in result.stderr, said(command, result)
    return result


def said(command: Command, result: subprocess.CompletedProcess[str]) -> str:
    return f"README.md line {command.line}: {command.text}\nexit {result.returncode}\n{result.stdout}{result.stderr}"


@contextmanager
def server(command: Command, folder: Path) -> Iterator[str]:
    """The README's `board serve` in the background on a free port; the URL it prints."""
    text = with_test_group(command.text).replace("--port 8080", "--port 0")
    assert "--port 0" in text, command
    with (folder / "server.log").open("w") as log:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {text}"], cwd=folder, env=environment(), stdout=subprocess.PIPE, stderr=log, text=True
        )
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline() if process.stdout else ""))
    reader.start()
    reader.join(120)
    try:
        assert first and "serving http" in first[0], (folder / "server.log").read_text()
        yield first[0].split("serving ", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(60)


def test_the_walkthroughs_have_every_step_in_order() -> None:
    commands = walkthrough(README.read_text())
    for steps, chosen in ((OFFLINE_STEPS, offline(commands)), (ONLINE_STEPS, online(commands))):
        texts = [c.text for c in chosen]
        positions = []
        for step in steps:
            found = [i for i, t in enumerate(texts) if t.startswith(f"ballotchain {step} ")]
            assert found, f"the README's walk-through has no `ballotchain {step}`"
            positions.append(found[0])
        assert positions == sorted(positions), "the walk-through's steps are out of order"
        assert not any(t.startswith("...") for t in texts), "a walk-through line that cannot run"


def test_the_offline_walkthrough_runs_as_written(tmp_path: Path) -> None:
    has_plot = importlib.util.find_spec("matplotlib") is not None
    for command in offline(walkthrough(README.read_text())):
        result = run_line(command, with_test_group(command.text), tmp_path)
        if command.kind == "plot" and not has_plot:
            assert result.returncode == 2 and PLOT_INSTALL in result.stderr, said(command, result)
        else:
            assert result.returncode == 0, said(command, result)
    codes = (tmp_path / "codes.txt").read_text().splitlines()
    assert len(codes) == 4 and any("voter-17\tSPOILED" in c for c in codes), codes


def test_the_online_walkthrough_runs_as_written(tmp_path: Path) -> None:
    keys: dict[str, str] = {}
    commands = online(walkthrough(README.read_text()))
    with ExitStack() as stack:
        url = ""
        for command in commands:
            text = with_test_group(command.text)
            if command.kind == "online-server":
                url = stack.enter_context(server(command, tmp_path))
                continue
            if text.startswith("ballotchain board close"):
                stack.close()  # the README: stop the server before `board close`
            for placeholder, value in (("BOARD_HEX", "board"), ("REGISTRAR_HEX", "registrar")):
                text = text.replace(placeholder, keys.get(value, placeholder))
            result = run_line(command, text.replace(README_URL, url or README_URL), tmp_path)
            assert result.returncode == 0, said(command, result)
            found = re.search(r"board key ([0-9a-f]{64}), registrar key ([0-9a-f]{64})", result.stdout)
            if text.startswith("ballotchain election keys") and found:
                keys = {"board": found.group(1), "registrar": found.group(2)}
    assert keys, "election keys printed no keys"
    assert (tmp_path / "published" / "board").is_dir()


@pytest.mark.parametrize(
    ("readme", "expected"),
    [
        ("text\n<!-- walkthrough -->\n    a 1\n    b 2\n\n    c 3\n", [("a 1", None), ("b 2", None)]),
        ("<!-- walkthrough: plot -->\n    p\nx\n    q\n", [("p", "plot")]),
        ("    not marked\n", []),
    ],
)
def test_marked_blocks_are_found(readme: str, expected: list[tuple[str, str | None]]) -> None:
    assert [(c.text, c.kind) for c in walkthrough(readme)] == expected
