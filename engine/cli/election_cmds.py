"""`ballotchain election init`: the election configuration, spec 2.0.0 sections 3.1.2-3.1.5."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import CommandFailed, console, fresh_directory, group_option, one_line_errors
from engine.election import ElectionConfig, make_election_config
from engine.group import group_by_name
from engine.record import ElectionConstants, ElectionRecordWriter
from engine.record.codec import decode_manifest
from engine.record.jsonio import loads
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
    """Write constants.json, manifest.json (its exact bytes: H_M covers them) and election_config.json."""
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
        metadata=(("Created by", "ballotchain election init"),),
    )
    fresh_directory(out, "the record folder")
    writer = ElectionRecordWriter(out)
    writer.write_constants(ElectionConstants.for_group(group))
    writer.write_manifest(manifest_bytes=manifest_bytes)
    writer.write_config(config)
    return config


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
    config = init_election(manifest_file, guardians, quorum, out, group_name=group_name, chain=chain, baux0=baux0)
    console.print(f"election configured in {out}: n = {guardians}, k = {quorum}, group {group_name}")
    console.print(f"H_B = {config.election_base_hash.hex()}")
