"""`ballotchain election init`: the election configuration, spec 2.0.0 sections 3.1.2-3.1.5;
`ballotchain election keys`: the board's and the registrar's keys of an online election, and its witnesses'
keys and quorum, fixed in the record (board_keys.json, engine.board.election_keys) before voting opens.
"""

from __future__ import annotations

from pathlib import Path

import click

from engine.board.cosigning import board_verifier_key
from engine.board.election_keys import ELECTION_KEYS_FILE, ElectionKeys, decode_election_keys, encode_election_keys
from engine.board.note import VerifierKey
from engine.cli.board_cmds import load_or_make_board_key, read_roster
from engine.cli.common import CommandFailed, console, fresh_directory, group_option, one_line_errors
from engine.credentials.keys import parse_public_key
from engine.credentials.roster import roster_problems
from engine.election import ElectionConfig, make_election_config
from engine.errors import BallotchainError
from engine.group import group_by_name
from engine.record import ElectionConstants, ElectionRecord, ElectionRecordWriter, atomic_write
from engine.record.codecs.manifest import decode_manifest
from engine.record.exchange import ELECTION_ID_KEY, new_election_id
from engine.record.jsonio import loads
from engine.record.layout import CONFIG, INITIALIZED
from engine.record.reader import read_bytes


def init_election(
    manifest_file: Path,
    guardians: int,
    quorum: int,
    out: Path,
    *,
    group_name: str = "production",
    chain: bool = False,
    baux0: str = "ballotchain",
) -> ElectionConfig:
    """Write constants.json, manifest.json (its exact bytes: H_M covers them) and election_config.json.

    The configuration's metadata carries a new random election identifier (ELECTION_ID_KEY): two elections
    with the same manifest, n and k share H_B, and every guardian file is bound to this identifier too.
    """
    if not 1 <= quorum <= guardians:
        raise CommandFailed(f"the quorum k = {quorum} must be between 1 and the number of guardians n = {guardians}")
    group = group_by_name(group_name)
    manifest_bytes = read_bytes(manifest_file, str(manifest_file))
    decode_manifest(loads(manifest_bytes, str(manifest_file)), str(manifest_file))
    config = make_election_config(
        group,
        manifest_bytes,
        guardians,
        quorum,
        chain_confirmation_codes=chain,
        baux0=baux0.encode("utf-8"),
        metadata=(("Created by", "ballotchain election init"), (ELECTION_ID_KEY, new_election_id())),
    )
    if (out / CONFIG).exists():
        return same_configuration(out, config)
    fresh_directory(out, "the record folder")
    writer = ElectionRecordWriter(out)
    writer.write_constants(ElectionConstants.for_group(group))
    writer.write_manifest(manifest_bytes=manifest_bytes)
    writer.write_config(config)
    return config


def same_configuration(out: Path, wanted: ElectionConfig) -> ElectionConfig:
    """`election init` run again: the configuration already in `out` if it is the same election (manifest bytes,
    group, n, k, chaining, B_aux,0), its random identifier kept; another one is never replaced."""
    held = ElectionRecord(out).config
    differences = [
        name
        for name, a, b in (
            ("manifest", held.manifest_bytes, wanted.manifest_bytes),
            ("group", held.group.name, wanted.group.name),
            ("n", held.number_of_guardians, wanted.number_of_guardians),
            ("k", held.quorum, wanted.quorum),
            ("--chain", held.chain_confirmation_codes, wanted.chain_confirmation_codes),
            ("--baux0", held.baux0, wanted.baux0),
        )
        if a != b
    ]
    if differences:
        raise CommandFailed(
            f"{out / CONFIG}: configures another election (its {', '.join(differences)} differ); "
            "it is not replaced: choose a new --out folder"
        )
    return held


@click.group()
def election() -> None:
    """Define an election: manifest, guardians, quorum."""


@election.command("init")
@click.option("--manifest", "manifest_file", type=click.Path(path_type=Path), required=True)
@click.option("--guardians", "-n", type=click.IntRange(1, 1000), required=True, help="Number of guardians n.")
@click.option("--quorum", "-k", type=click.IntRange(1, 1000), required=True, help="Guardians needed to decrypt.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="New folder for the public record.")
@group_option
@click.option("--chain/--no-chain", default=False, help="Chain confirmation codes per device (spec 3.4.3).")
@click.option("--baux0", default="ballotchain", show_default=True, help="B_aux,0: the chain's device identifier.")
@one_line_errors
def init_command(
    manifest_file: Path, guardians: int, quorum: int, out: Path, group_name: str, chain: bool, baux0: str
) -> None:
    """Write the election configuration into a new record folder."""
    already = (out / CONFIG).exists()
    config = init_election(manifest_file, guardians, quorum, out, group_name=group_name, chain=chain, baux0=baux0)
    if already:
        console.print(f"the same election is already configured in {out}: nothing written")
    else:
        console.print(f"election configured in {out}: n = {guardians}, k = {quorum}, group {group_name}")
    console.print(f"H_B = {config.election_base_hash.hex()}")
    console.print(f"election identifier {dict(config.metadata)[ELECTION_ID_KEY]}")


def fix_election_keys(
    record_dir: Path,
    board_public_key: bytes,
    registrar_public_key: bytes,
    witnesses: tuple[VerifierKey, ...] = (),
    witness_quorum: int = 0,
) -> tuple[ElectionKeys, bool]:
    """Write board_keys.json into the record, bound to its H_E (atomic); (the keys, whether it was written).

    Writing the same keys again changes nothing; a file with other keys is never replaced.
    """
    record = ElectionRecord(record_dir)
    if not record.has(INITIALIZED):
        raise CommandFailed(
            f"{record_dir}: no {INITIALIZED}: the keys are bound to H_E, so run `ballotchain ceremony finalize` first"
        )
    keys = ElectionKeys(
        record.initialized.extended_base_hash, board_public_key, registrar_public_key, witnesses, witness_quorum
    )
    data = encode_election_keys(keys)
    path = record.root / ELECTION_KEYS_FILE
    if path.exists():
        held = read_bytes(path, str(path))
        if held == data:
            return keys, False
        try:
            other = decode_election_keys(held)
        except BallotchainError:
            raise CommandFailed(f"{path}: exists and is not a keys file; it is not replaced") from None
        raise CommandFailed(
            f"{path}: fixes other keys (board {other.board_public_key.hex()}, registrar "
            f"{other.registrar_public_key.hex()}); keys fixed for an election are never replaced"
        )
    atomic_write(path, data, label=str(path), overwrite=False)
    return keys, True


def registrar_key_of_roster(roster_file: Path, record_dir: Path) -> bytes:
    """The registrar key that signed this roster, which must verify and be bound to this election."""
    roster = read_roster(roster_file)
    problems = roster_problems(roster)
    if problems:
        raise CommandFailed(f"{roster_file}: the roster does not verify: {problems[0]}")
    init = ElectionRecord(record_dir).initialized
    if not roster.is_bound_to(init.extended_base_hash, init.config.manifest_hash):
        raise CommandFailed(f"{roster_file}: the roster is for another election (its {roster.binding} differs)")
    return roster.registrar_public_key


@election.command("keys")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True, help="The election record.")
@click.option(
    "--board-key", "board_key_file", type=click.Path(path_type=Path), help="The board's key file (created if missing)."
)
@click.option("--board-key-pub", help="Or the board's public key (64 hex digits).")
@click.option("--roster", "roster_file", type=click.Path(path_type=Path), help="The registrar's signed roster.")
@click.option("--registrar-key-pub", help="Or the registrar's public key (64 hex digits).")
@click.option(
    "--witness",
    "witness_vkeys",
    multiple=True,
    metavar="VKEY",
    help="A witness's verifier key (as `witness keygen` prints it); repeat for each witness.",
)
@click.option(
    "--witness-quorum",
    type=click.IntRange(1, 32),
    help="Cosignatures of distinct witnesses a checkpoint needs (default: a majority of the witnesses).",
)
@one_line_errors
def keys_command(
    record_dir: Path,
    board_key_file: Path | None,
    board_key_pub: str | None,
    roster_file: Path | None,
    registrar_key_pub: str | None,
    witness_vkeys: tuple[str, ...],
    witness_quorum: int | None,
) -> None:
    """Fix the board's and the registrar's keys, and the witnesses' keys and quorum, in the record
    (board_keys.json) before voting opens."""
    if (board_key_file is None) == (board_key_pub is None):
        raise CommandFailed("give the board's key once: --board-key FILE or --board-key-pub HEX")
    if (roster_file is None) == (registrar_key_pub is None):
        raise CommandFailed("give the registrar's key once: --roster FILE or --registrar-key-pub HEX")
    if not ElectionRecord(record_dir).has(INITIALIZED):
        raise CommandFailed(
            f"{record_dir}: no {INITIALIZED}: the keys are bound to H_E, so run `ballotchain ceremony finalize` first"
        )
    witnesses, quorum = parse_witnesses(witness_vkeys, witness_quorum)
    if roster_file is not None:
        registrar = registrar_key_of_roster(roster_file, record_dir)
    else:
        registrar = parse_public_key(registrar_key_pub or "", "--registrar-key-pub")
    if board_key_file is not None:
        if not board_key_file.exists() and (Path(record_dir) / ELECTION_KEYS_FILE).exists():
            raise CommandFailed(
                f"{record_dir}: its {ELECTION_KEYS_FILE} fixes a board key already; {board_key_file} is not it"
            )
        board_key, made = load_or_make_board_key(board_key_file)
        if made:
            click.echo(f"ballotchain election keys: new board key written to {board_key_file}", err=True)
        board = board_key.public_key
    else:
        board = parse_public_key(board_key_pub or "", "--board-key-pub")
    keys, written = fix_election_keys(record_dir, board, registrar, witnesses, quorum)
    path = Path(record_dir) / ELECTION_KEYS_FILE
    console.print(f"{'keys fixed in' if written else 'the same keys are already fixed in'} {path}")
    console.print(f"board key {keys.board_public_key.hex()}, registrar key {keys.registrar_public_key.hex()}")
    if keys.witnesses:
        names = ", ".join(w.name for w in keys.witnesses)
        console.print(f"checkpoints need {keys.witness_quorum} of {len(keys.witnesses)} witnesses: {names}")
        note_key = board_verifier_key(keys)
        console.print(f"each witness serves with --origin {note_key.name} --log-key {note_key.vkey()}")


def parse_witnesses(vkeys: tuple[str, ...], quorum: int | None) -> tuple[tuple[VerifierKey, ...], int]:
    """The --witness keys and the quorum (default: a majority); CommandFailed naming a bad key."""
    if not vkeys:
        if quorum is not None:
            raise CommandFailed("--witness-quorum needs witnesses: give each one's key with --witness VKEY")
        return (), 0
    witnesses = []
    for vkey in vkeys:
        try:
            witnesses.append(VerifierKey.parse(vkey))
        except BallotchainError as exc:
            raise CommandFailed(f"--witness {vkey[:60]!r}: {exc}") from None
    return tuple(witnesses), quorum if quorum is not None else len(witnesses) // 2 + 1
