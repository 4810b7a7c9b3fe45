"""Options that pin the keys of an online election on the command line (the voter's, the monitor's
and the verifier's side alike)."""

from __future__ import annotations

from collections.abc import Callable

import click

from engine.board.note import NoteError, VerifierKey
from engine.cli.common import CommandFailed


def witness_key_pins(func: Callable[..., None]) -> Callable[..., None]:
    """--witness-key VKEY, repeatable: the election's witnesses as the officials published them."""
    return click.option(
        "--witness-key",
        "witness_key_pins",
        multiple=True,
        metavar="VKEY",
        help="Pin a witness's verifier key; repeat for each: board_keys.json must fix exactly these witnesses.",
    )(func)


def parse_witness_pins(vkeys: tuple[str, ...]) -> tuple[VerifierKey, ...] | None:
    """The pinned witness keys, or None if none are given; CommandFailed naming a malformed one."""
    if not vkeys:
        return None
    try:
        return tuple(VerifierKey.parse(v) for v in vkeys)
    except NoteError as exc:
        raise CommandFailed(f"--witness-key: {exc}") from None
