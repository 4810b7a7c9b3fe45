"""The `ballotchain` command: commands grouped by role, thin over the library."""

from __future__ import annotations

import click

from engine.cli.ballot_cmds import encrypt_command, tally_command
from engine.cli.bench_cmd import bench_command
from engine.cli.board_cmds import COMMANDS as BOARD_COMMANDS
from engine.cli.decrypt_cmds import decrypt_group, guardian_decrypt_command, guardian_respond_command
from engine.cli.demo_cmd import demo_command
from engine.cli.election_cmds import election
from engine.cli.format_cmds import COMMANDS as FORMAT_COMMANDS
from engine.cli.guardian_cmds import ceremony, guardian
from engine.cli.help_text import give_summaries
from engine.cli.lookup_cmd import lookup_command
from engine.cli.results_cmd import results_command
from engine.cli.verify_cmd import verify_command
from engine.cli.witness_cmds import witness_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ballotchain")
def cli() -> None:
    """Ballotchain: an end-to-end verifiable election engine (ElectionGuard 2.0.0)."""


guardian.add_command(guardian_decrypt_command)
guardian.add_command(guardian_respond_command)
for command in (
    election,
    guardian,
    ceremony,
    encrypt_command,
    tally_command,
    decrypt_group,
    verify_command,
    results_command,
    lookup_command,
    demo_command,
    bench_command,
    *BOARD_COMMANDS,
    *FORMAT_COMMANDS,
    witness_group,
):
    cli.add_command(command)
give_summaries(cli)


def main() -> None:
    cli(prog_name="ballotchain")


if __name__ == "__main__":
    main()
