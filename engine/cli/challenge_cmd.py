"""`ballotchain ballot check-challenge CHALLENGE.json`: a voter's second device checks a challenged ballot.

The challenge file is what the voting page gives a voter who challenges (docs/FORMATS.md, "Challenged
ballot"): the ballot nonce, the choices the page claims to have encrypted and the encrypted ballot. The
election comes from a record folder (--record) or from the board (--board, checked as `vote` checks it).
The command decrypts the ballot with the nonce, encrypts the claimed choices again and compares, and prints
the choices (engine.client.challenge_check). Exit 0: the page encrypted these choices; 1: it did not, every
difference on stderr; 2: bad input, one line.

The command joins the `ballot` group (engine.cli.format_cmds) when this module is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.cli.common import EXIT_FAILED, CommandFailed, console, err_console, one_line_errors
from engine.cli.format_cmds import ballot_group

if TYPE_CHECKING:
    from engine.election import ElectionInitialized, PlaintextBallot
    from engine.manifest import Manifest

__all__ = ["ballot_group", "check_challenge_command"]


def _election(
    record_dir: Path | None,
    board_url: str | None,
    board_pin: str | None,
    registrar_pin: str | None,
    allow_test_group: bool,
) -> tuple[Manifest, ElectionInitialized]:
    from engine.cli.board_cmds import parse_key_pins
    from engine.client.board_client import BoardCheckFailed, BoardClient, BoardClientError, fetch_election
    from engine.record import ElectionRecord

    if (record_dir is None) == (board_url is None):
        raise CommandFailed("give the election as exactly one of --record DIR and --board URL")
    if record_dir is not None:
        record = ElectionRecord(record_dir)
        return record.manifest, record.initialized
    assert board_url is not None
    board_key, registrar_key = parse_key_pins(board_pin, registrar_pin)
    try:
        with BoardClient(board_url) as client:
            online = fetch_election(
                client,
                board_public_key=board_key,
                registrar_public_key=registrar_key,
                allow_test_group=allow_test_group,
            )
    except BoardCheckFailed as exc:
        raise CommandFailed(str(exc), EXIT_FAILED) from None
    except BoardClientError as exc:
        raise CommandFailed(str(exc)) from None
    return online.election.manifest, online.election.initialized


def _print_choices(manifest: Manifest, ballot: PlaintextBallot) -> None:
    from engine.cli.results_cmd import contest_names, selection_names

    contests, options = contest_names(manifest), selection_names(manifest)
    for contest in ballot.contests:
        chosen = [
            options.get((contest.contest_id, s.selection_id), s.selection_id) + ("" if s.vote == 1 else f" ({s.vote})")
            for s in contest.selections
            if s.vote > 0
        ]
        chosen += [f"write-in {w!r}" for w in contest.write_ins]
        name = contests.get(contest.contest_id, contest.contest_id)
        console.print(f"  {name}: {', '.join(chosen) or 'no vote'}", markup=False)


@ballot_group.command("check-challenge")
@click.argument("challenge_file", type=click.Path(path_type=Path))
@click.option("--record", "record_dir", type=click.Path(path_type=Path), help="The election record folder.")
@click.option("--board", "board_url", help="The board's URL (the election as it serves it).")
@click.option("--board-key", "board_key_pin", metavar="HEX", help="Pin the board's public key (64 hex digits).")
@click.option("--registrar-key", "registrar_key_pin", metavar="HEX", help="Pin the registrar's public key.")
@click.option("--allow-test-group", is_flag=True, help="Accept the engine's small test group (tests, demos).")
@one_line_errors
def check_challenge_command(
    challenge_file: Path,
    record_dir: Path | None,
    board_url: str | None,
    board_key_pin: str | None,
    registrar_key_pin: str | None,
    allow_test_group: bool,
) -> None:
    """Check a challenged ballot from its nonce: decrypt it, encrypt the claimed choices again, compare.

    Give the election with --record DIR or --board URL. Exit 0 when the ballot encrypts exactly the
    claimed choices, 1 when it does not (each difference is printed), 2 for bad input.
    """
    from engine.client.challenge_check import check_challenged_ballot
    from engine.record.codecs.challenged_ballot import read_challenged_ballot

    manifest, initialized = _election(record_dir, board_url, board_key_pin, registrar_key_pin, allow_test_group)
    challenged = read_challenged_ballot(challenge_file, initialized.joint_public_key.group)
    check = check_challenged_ballot(manifest, initialized, challenged)
    ballot = challenged.ballot
    console.print(
        f"challenged ballot {ballot.ballot_id}, confirmation code {ballot.confirmation_code.hex()}", markup=False
    )
    if check.decrypted is not None:
        console.print("decrypted with its nonce:")
        _print_choices(manifest, check.decrypted)
    if not check.passed:
        for problem in check.problems:
            err_console.print(f"ballotchain: {problem}", highlight=False, markup=False)
        raise CommandFailed(
            f"the challenged ballot does not check ({len(check.problems)} problem(s)): do not trust the device",
            EXIT_FAILED,
        )
    console.print("the ballot encrypts exactly these choices: the voting device encrypted honestly")
