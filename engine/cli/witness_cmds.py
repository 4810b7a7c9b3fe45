"""A witness for boards, from the command line (c2sp.org/tlog-witness).

    ballotchain witness keygen --key FILE --name NAME
    ballotchain witness serve --key FILE --name NAME --state FILE --log-key VKEY --origin ORIGIN [--port N]

``keygen`` writes a new Ed25519 witness key (mode 0600) and prints its cosignature verifier key
(type 0x04), the string an election pins. ``serve`` cosigns the checkpoints of one board (its origin
and its pinned note key) over HTTP, keeping its state in an SQLite file. Bad input: one line on
stderr, exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.checkpoint import check_origin
from engine.board.note import ED25519_NOTE, CosignatureSigner, VerifierKey
from engine.board.sth import load_key, save_key
from engine.board.witness import Witness, WitnessState
from engine.cli.common import CommandFailed, one_line_errors
from engine.server.witness_app import serve_witness

WITNESS_KEY_KIND = "ballotchain-witness-key-v1"


@click.group("witness")
def witness_group() -> None:
    """A witness: cosigns a board's checkpoints only if its log only grew (tlog-witness)."""


@witness_group.command("keygen")
@click.option("--key", "key_file", type=click.Path(path_type=Path), required=True, help="New witness key file.")
@click.option("--name", required=True, help="The witness's key name (e.g. witness.example/w1).")
@one_line_errors
def witness_keygen_command(key_file: Path, name: str) -> None:
    """Make a witness key; print its verifier key (to pin in the election)."""
    key = Ed25519PrivateKey.generate()
    signer = CosignatureSigner(name, key)
    save_key(key_file, WITNESS_KEY_KIND, key)
    click.echo(signer.verifier_key.vkey())


@witness_group.command("serve")
@click.option("--key", "key_file", type=click.Path(path_type=Path), required=True, help="The witness key file.")
@click.option("--name", required=True, help="The witness's key name, as given to keygen.")
@click.option("--state", "state_file", type=click.Path(path_type=Path), required=True, help="SQLite state file.")
@click.option("--log-key", "log_vkey", required=True, help="The board's verifier key (name+hash+base64).")
@click.option("--origin", required=True, help="The board's checkpoint origin.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8081, show_default=True, help="0: any free port.")
@one_line_errors
def witness_serve_command(
    key_file: Path, name: str, state_file: Path, log_vkey: str, origin: str, host: str, port: int
) -> None:
    """Serve the witness's add-checkpoint endpoint until interrupted."""
    signer = CosignatureSigner(name, load_key(key_file, WITNESS_KEY_KIND))
    log_key = VerifierKey.parse(log_vkey)
    if log_key.signature_type != ED25519_NOTE:
        raise CommandFailed("--log-key: a board's key is an Ed25519 note key (type 0x01)")
    check_origin(origin)
    with WitnessState(state_file) as state:
        witness = Witness(signer, state, {origin: [log_key]})

        def ready(url: str) -> None:
            click.echo(f"ballotchain witness: serving {url} (witness key {signer.verifier_key.vkey()})")
            sys.stdout.flush()

        serve_witness(witness, host=host, port=port, on_ready=ready)
