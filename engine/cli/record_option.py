"""--record: a local record folder; a record URL (which click.Path would turn into a path such as 'file:/...') is
refused in one line, exit 2, before click.Path converts it: only `ballotchain verify` reads a record from a URL."""

from __future__ import annotations

from typing import Any

import click

RECORD_OPTION = "--record"


class LocalRecordPath(click.ParamType):
    """The option's own click.Path, after a check of the raw value: not a URL."""

    def __init__(self, path: click.Path) -> None:
        self.path = path
        self.name = path.name

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from engine.cli.common import CommandFailed
        from engine.record.files import is_url

        if isinstance(value, str) and is_url(value):
            raise CommandFailed(
                f"{RECORD_OPTION} {value}: a record URL can only be read (by `ballotchain verify`); "
                "this command needs a local folder"
            )
        return self.path.convert(value, param, ctx)

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        return self.path.shell_complete(ctx, param, incomplete)


def refuse_record_urls(command: click.Command) -> None:
    """Give each --record path option of ``command`` and of its subcommands the LocalRecordPath check."""
    for param in command.params:
        if isinstance(param, click.Option) and RECORD_OPTION in param.opts and isinstance(param.type, click.Path):
            param.type = LocalRecordPath(param.type)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            refuse_record_urls(sub)
