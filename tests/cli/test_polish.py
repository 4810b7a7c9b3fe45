"""Answers for people (issue 15, polish): each item of the issue's polish list that the command line
answers, with the words a person needs. Test group, through the command line.
"""

from __future__ import annotations

import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from engine.cli.demo_cmd import run_ceremony
from engine.cli.main import cli
from engine.cli.results_cmd import vote_ticks
from tests.support.elections import ballot_line, run
from tests.support.online_cli import served

README = Path(__file__).resolve().parents[2] / "README.md"
GUARDIANS = ("guardian-1", "guardian-2", "guardian-3")


@pytest.fixture(scope="module")
def decrypted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """n = 3, k = 2 (the demo's ceremony), four ballots, tallied and decrypted by guardian-1 and guardian-3."""
    root = tmp_path_factory.mktemp("polish")
    record, private, exchange = root / "record", root / "private", root / "exchange"
    private.mkdir()
    run_ceremony(record, private, exchange, 3, 2, "test", chain=False, step=lambda _t: None)
    ballots = root / "ballots.jsonl"
    ballots.write_text("\n".join(ballot_line(f"v{i}", i % 2, (0, 1), True) for i in range(4)))
    run("encrypt", "--record", record, "--ballots", ballots, "--device", "booth-1")
    run("tally", "--record", record)
    work = root / "work"
    for g in ("guardian-1", "guardian-3"):
        run("guardian", "decrypt", "--record", record, "--secret", secret(root, g),
            "--out", work / "partials", "--nonces", work / f"nonces-{g}.json")  # fmt: skip
    run("decrypt", "challenge", "--record", record, "--partials", work / "partials", "--out", work / "challenges")
    for g in ("guardian-1", "guardian-3"):
        run(*respond(root, g))
    run("decrypt", "combine", "--record", record, "--partials", work / "partials", "--responses", work / "responses")
    return {"root": root, "record": record, "exchange": exchange}


def secret(root: Path, guardian: str) -> Path:
    return root / "private" / guardian / "guardian-secret.json"


def respond(root: Path, guardian: str) -> tuple[object, ...]:
    work = root / "work"
    return ("guardian", "respond", "--record", root / "record", "--secret", secret(root, guardian),
            "--nonces", work / f"nonces-{guardian}.json", "--challenges", work / "challenges",
            "--out", work / "responses")  # fmt: skip


def refused(*args: object) -> str:
    """The one line of a command that must exit 2."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.output.strip().count("\n") == 0, result.output
    return result.output


def test_public_records_do_not_repeat_the_prefix(decrypted: dict[str, Path]) -> None:
    names = sorted(p.name for p in (decrypted["exchange"] / "publics").glob("guardian-*.json"))
    assert names == ["guardian-1.json", "guardian-2.json", "guardian-3.json"]


def test_a_rerun_that_would_replace_a_file_names_no_python_argument(decrypted: dict[str, Path]) -> None:
    root, record = decrypted["root"], decrypted["record"]
    out = refused("guardian", "keygen", "--record", record, "--id", "guardian-1", "--x", 2,
                  "--secret", secret(root, "guardian-1"),
                  "--public-out", decrypted["exchange"] / "publics" / "guardian-1.json")  # fmt: skip
    assert "overwrite" not in out and "guardian-secret.json" in out


def test_a_repeated_respond_says_the_nonces_were_used_and_where_the_responses_are(
    decrypted: dict[str, Path],
) -> None:
    root = decrypted["root"]
    out = refused(*respond(root, "guardian-1"))
    assert "nonces were used" in out
    assert str(root / "work" / "responses" / "response-guardian-1.json") in out


def test_one_partial_decryption_is_counted_in_the_singular(decrypted: dict[str, Path]) -> None:
    root = decrypted["root"]
    one = root / "one-partial"
    one.mkdir()
    shutil.copy(root / "work" / "partials" / "partial-guardian-1.json", one)
    result = CliRunner().invoke(cli, ["decrypt", "challenge", "--record", str(decrypted["record"]),
                                      "--partials", str(one), "--out", str(root / "one-challenges")])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "1 usable partial decryption (guardian-1)" in result.output


def test_plot_without_the_extra_names_the_readmes_install_line(
    decrypted: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the plot extra were not installed
    chart = decrypted["root"] / "chart.png"
    result = CliRunner().invoke(cli, ["results", str(decrypted["record"]), "--plot", str(chart)])
    assert result.exit_code == 2, result.output
    install = "pip install -e '.[plot]'"
    assert install in result.output and install in README.read_text()
    assert not chart.exists()


@pytest.mark.parametrize("most", [0, 1, 2, 3, 7, 8, 13, 40, 99, 1234])
def test_the_charts_axis_counts_whole_votes(most: int) -> None:
    ticks = vote_ticks(most)
    assert all(isinstance(t, int) for t in ticks) and ticks[0] == 0 and ticks[-1] >= most
    assert len(ticks) <= 8 and len({b - a for a, b in zip(ticks, ticks[1:])}) == 1


def test_the_drawn_chart_has_whole_number_ticks(decrypted: dict[str, Path]) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from engine.cli import results_cmd
    from engine.record import ElectionRecord

    record = ElectionRecord(decrypted["record"])
    results_cmd.plot_results(record.manifest, record.tally, decrypted["root"] / "ticks.png")
    for ax in plt.gcf().axes:
        assert all(float(t).is_integer() for t in ax.get_xticks())
    plt.close("all")


def test_help_summaries_are_whole_sentences() -> None:
    def walk(group: click.Group) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            summary = command.get_short_help_str(limit=45)
            assert not summary.endswith(("(eq.", "...", "(")), f"{name}: {summary!r}"
            assert summary.count("(") == summary.count(")"), f"{name}: {summary!r}"
            if isinstance(command, click.Group):
                walk(command)

    walk(cli)
    listing = CliRunner().invoke(cli, ["guardian", "--help"], terminal_width=80).output
    commands = listing.split("Commands:", 1)[1]
    assert "..." not in commands and "(eq. 20-21)" in " ".join(commands.split())


# ---------------------------------------------------------------- the board's commands


@pytest.fixture()
def online(tmp_path: Path) -> dict[str, Path]:
    """An online election (n = k = 2) with its roster (the registrar key left to its default) and board key."""
    record = tmp_path / "election"
    run_ceremony(record, tmp_path / "private", tmp_path / "exchange", 2, 2, "test", chain=False, step=lambda _s: None)
    roster = tmp_path / "registrar" / "roster.json"
    roster.parent.mkdir()
    out = run("registrar", "roster", "--record", record, "--voters", 2, "--out-credentials", tmp_path / "creds",
              "--roster", roster)  # fmt: skip
    key = tmp_path / "board" / "board.key"
    run("election", "keys", "--record", record, "--board-key", key, "--roster", roster)
    return {"root": tmp_path, "record": record, "roster": roster, "key": key, "db": tmp_path / "board" / "board.db",
            "registrar_out": Path(out)}  # fmt: skip


def test_the_registrars_key_is_saved_by_default(online: dict[str, Path]) -> None:
    key = online["roster"].parent / "registrar.key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert f"registrar's private key in {key}" in str(online["registrar_out"])


def test_a_busy_port_is_named_before_anything_is_written(online: dict[str, Path]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        out = refused("board", "serve", "--election", online["record"], "--roster", online["roster"],
                      "--db", online["db"], "--board-key", online["key"], "--port", port,
                      "--check-workers", 0)  # fmt: skip
    assert f"127.0.0.1:{port}" in out and "--port" in out
    assert not online["db"].exists() and not online["db"].parent.joinpath(f"{online['db'].name}.lock").exists()


def first_line_of_serve(online: dict[str, Path]) -> str:
    command = [sys.executable, "-m", "engine.cli.main", "board", "serve", "--election", online["record"],
               "--roster", online["roster"], "--db", online["db"], "--board-key", online["key"], "--port", 0,
               "--check-workers", 0]  # fmt: skip
    process = subprocess.Popen([str(c) for c in command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        return process.stdout.readline()
    finally:
        process.terminate()
        process.communicate(timeout=60)


def test_monitor_says_when_nothing_changed_and_a_closed_board_serves_read_only(online: dict[str, Path]) -> None:
    state = online["root"] / "monitor.json"
    with served(online["record"], online["roster"], online["db"], online["key"]) as url:
        first = run("board", "monitor", "--board", url, "--state", state)
        again = run("board", "monitor", "--board", url, "--state", state)
    assert "first head seen" in first
    assert "unchanged" in again and "grew" not in again
    run("board", "close", "--db", online["db"], "--board-key", online["key"])
    line = first_line_of_serve(online)
    assert "serving http" in line and "READ-ONLY" in line and "voting on this board is closed" in line


def test_the_readme_says_to_stop_the_server_before_closing_the_board() -> None:
    text = " ".join(README.read_text().split())
    assert "stop the server" in text.lower() and "board close" in text
