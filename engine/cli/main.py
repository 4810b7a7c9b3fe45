"""The `ballotchain` command: commands grouped by role, thin over the library.

Each command's module is imported when the command runs (or when --help lists it), not at start-up:
`ballotchain ballot template` does not load the board's server, nor `guardian keygen` the verifier.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import click

from engine.cli.help_text import give_summaries
from engine.cli.record_option import refuse_record_urls


def _attribute(module: str, name: str) -> Callable[[], click.Command]:
    def load() -> click.Command:
        command = getattr(importlib.import_module(f"engine.cli.{module}"), name)
        assert isinstance(command, click.Command)
        return command

    return load


def _guardian() -> click.Command:
    """The guardian's steps: the ceremony's (guardian_cmds) and the decryption's (decrypt_cmds)."""
    from engine.cli.decrypt_cmds import guardian_decrypt_command, guardian_respond_command
    from engine.cli.guardian_cmds import guardian

    guardian.add_command(guardian_decrypt_command)
    guardian.add_command(guardian_respond_command)
    return guardian


# every top-level command: its name and how to load it
COMMANDS: dict[str, Callable[[], click.Command]] = {
    "election": _attribute("election_cmds", "election"),
    "guardian": _guardian,
    "ceremony": _attribute("guardian_cmds", "ceremony"),
    "encrypt": _attribute("ballot_cmds", "encrypt_command"),
    "tally": _attribute("ballot_cmds", "tally_command"),
    "decrypt": _attribute("decrypt_cmds", "decrypt_group"),
    "verify": _attribute("verify_cmd", "verify_command"),
    "results": _attribute("results_cmd", "results_command"),
    "lookup": _attribute("lookup_cmd", "lookup_command"),
    "demo": _attribute("demo_cmd", "demo_command"),
    "bench": _attribute("bench_cmd", "bench_command"),
    "registrar": _attribute("board_cmds", "registrar_group"),
    "board": _attribute("board_cmds", "board_group"),
    "vote": _attribute("board_cmds", "vote_command"),
    "receipt": _attribute("board_cmds", "receipt_group"),
    "manifest": _attribute("format_cmds", "manifest_group"),
    "ballot": _attribute("challenge_cmd", "ballot_group"),
    "witness": _attribute("witness_cmds", "witness_group"),
    "preencrypt": _attribute("preencrypt_cmds", "preencrypt_group"),
}


class LazyGroup(click.Group):
    """A group whose commands are loaded by name, on first use."""

    def __init__(self, *args: object, loaders: dict[str, Callable[[], click.Command]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.loaders = loaders

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.loaders))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.loaders:
            command = self.loaders[cmd_name]()
            if command.name != cmd_name:
                raise RuntimeError(f"the command loaded for {cmd_name!r} is named {command.name!r}")
            give_summaries(command)
            refuse_record_urls(command)
            self.add_command(command)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, loaders=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ballotchain")
def cli() -> None:
    """Ballotchain: an end-to-end verifiable election engine (ElectionGuard 2.0.0)."""


def main() -> None:
    cli(prog_name="ballotchain")


if __name__ == "__main__":
    main()
