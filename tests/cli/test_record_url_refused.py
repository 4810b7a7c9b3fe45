"""Commands that take a local record (--record: tally, encrypt, decrypt ..., the guardians' and the board's) refuse
a record URL in one line, exit 2, before click.Path turns 'file:///x' into the path 'file:/x' (issue 11, item 4:
only `verify` reads a record from a URL)."""

from __future__ import annotations

from collections.abc import Iterator

import click
from click.testing import CliRunner

from engine.cli.main import cli

URL = "file:///nonexistent/ballotchain/record"


def record_commands(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from record_commands(command, ctx, (*path, name))
        elif any(isinstance(p, click.Option) and "--record" in p.opts for p in command.params):
            yield (*path, name)


def test_every_command_with_a_record_option_refuses_a_url_in_one_line() -> None:
    with click.Context(cli) as ctx:
        commands = list(record_commands(cli, ctx))
    assert {("tally",), ("encrypt",), ("decrypt", "challenge"), ("decrypt", "combine")} <= set(commands)
    for command in commands:
        result = CliRunner().invoke(cli, [*command, "--record", URL])
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr == (
            f"ballotchain: --record {URL}: a record URL can only be read (by `ballotchain verify`); "
            "this command needs a local folder\n"
        ), command


def test_a_local_record_folder_is_still_a_path() -> None:
    result = CliRunner().invoke(cli, ["tally", "--record", "/nonexistent/ballotchain/record"])
    assert result.exit_code == 2 and "a record URL" not in result.stderr
