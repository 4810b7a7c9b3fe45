"""`ballotchain encrypt` (a voting device) and `ballotchain tally` (the tallyer), spec 3.3-3.5."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from engine.ballot import BallotChainer, chain_closing_hash, encrypt_ballot, validate_plaintext_ballot
from engine.cli.cluster_opts import chosen_cluster, cluster_options
from engine.cli.common import CommandFailed, console, one_line_errors
from engine.cli.progress import progress_bar
from engine.cli.tally_cluster import tally_on_cluster
from engine.election import BallotState, EncryptedBallot, EncryptedTally, PlaintextBallot
from engine.ids import check_identifier
from engine.record import ElectionRecord, ElectionRecordWriter, load_encrypted_ballots
from engine.record.codecs.proof_commitments import write_ballot_commitments
from engine.record.exchange import read_plaintext_ballot_inputs
from engine.record.layout import (
    BALLOT_CHAIN,
    EBALLOT_PREFIX,
    ENCRYPTED_BALLOTS,
    ENCRYPTED_TALLY,
    TALLY,
    ballot_chain_label,
    id_from_name,
)
from engine.tally import tally_ballots_parallel


def encrypt_ballots(
    record_dir: Path,
    ballots: Sequence[PlaintextBallot],
    device: str,
    challenge_ids: Iterable[str] = (),
    *,
    on_ballot: Callable[[EncryptedBallot], None] | None = None,
) -> list[EncryptedBallot]:
    """Encrypt, write encrypted_ballots/<device>/eballot-<id>.json with its range proofs' commitments in
    proof_commitments/<device>/commitments-<id>.json (outside egk's layout), and chain them if configured."""
    check_identifier(device, "device")
    challenged = {check_identifier(c, "--challenge id") for c in challenge_ids}
    record = ElectionRecord(record_dir)
    config, init, manifest = record.config, record.initialized, record.manifest
    refuse_after_tally(record)
    refuse_used_ballot_ids(record, [b.ballot_id for b in ballots])
    unknown = challenged - {b.ballot_id for b in ballots}
    if unknown:
        raise CommandFailed(f"--challenge names ballots that are not in the input: {', '.join(sorted(unknown))}")
    for plaintext in ballots:
        validate_plaintext_ballot(manifest, plaintext)
    writer = ElectionRecordWriter(record_dir)
    chain_writer = ElectionRecordWriter(record_dir, overwrite=True)
    chain = device_chain(record, device) if config.chain_confirmation_codes else None
    out = []
    for plaintext in ballots:
        state = BallotState.SPOILED if plaintext.ballot_id in challenged else BallotState.CAST
        code_baux = chain.next_code_baux() if chain is not None else config.baux0
        result = encrypt_ballot(manifest, init, plaintext, device=device, code_baux=code_baux, state=state)
        writer.write_encrypted_ballot(result.ballot)
        if result.proof_commitments is not None:
            write_ballot_commitments(record_dir, device, result.proof_commitments, overwrite=True)
        if chain is not None:
            chain = chain.append(result.ballot)
            chain_writer.write_ballot_chain(chain.close())
        out.append(result.ballot)
        if on_ballot is not None:
            on_ballot(result.ballot)
    return out


def device_chain(record: ElectionRecord, device: str) -> BallotChainer:
    """The device's chain of confirmation codes, new or continued from its ballot_chain.json (spec 3.4.3).

    A later batch continues the chain: its first ballot's B_aux is the previous batch's last code
    followed by B_aux,0 (eq. 60), and the chain file is rewritten with the new last code and the
    closing hash of eq. 61 over it. The chain file is checked before it is continued: it must start
    from this election's H_0, name exactly the device's ballot files, end with the last ballot's code
    and carry the closing hash over it; otherwise nothing is written.
    """
    config, h_e = record.config, record.initialized.extended_base_hash
    fresh = BallotChainer.start(h_e, device, config.baux0)
    stored = record.ballot_chain(device)
    on_disk = set(ballot_ids_of_device(record, device))
    where = f"{record.root}/{ballot_chain_label(device)}"
    if stored is None:
        if on_disk:
            raise CommandFailed(
                f"device {device!r} has ballots but no {BALLOT_CHAIN} in {record.root}/{ENCRYPTED_BALLOTS}/{device}/; "
                "its chain cannot be continued: use a new device name"
            )
        return fresh
    if not stored.chaining or stored.baux0 != fresh.initial_hash.data or not stored.ballot_ids:
        raise CommandFailed(f"{where}: not a chain of this election's B_aux,0 that can be continued")
    unchained = sorted(on_disk - set(stored.ballot_ids))
    missing = sorted(set(stored.ballot_ids) - on_disk)
    if unchained or missing:
        named = ", ".join(unchained) if unchained else ", ".join(missing)
        what = "ballots of the device that the chain does not list" if unchained else "ballots the chain lists, missing"
        raise CommandFailed(f"{where}: {what}: {named}; the chain cannot be continued, use a new device name")
    last = record.encrypted_ballot(stored.ballot_ids[-1], device)
    if last.confirmation_code != stored.last_confirmation_code or stored.closing_hash != chain_closing_hash(
        h_e, last.confirmation_code, config.baux0
    ):
        raise CommandFailed(
            f"{where}: its last confirmation code or closing hash does not match ballot {last.ballot_id!r}; "
            "the chain cannot be continued"
        )
    return replace(fresh, ballot_ids=stored.ballot_ids, last_confirmation_code=stored.last_confirmation_code)


def refuse_after_tally(record: ElectionRecord) -> None:
    """Voting ends with the tally: a ballot encrypted after it would get a confirmation code but never
    be counted (its id would not be in the tally's cast set, spec 3.5 eq. 62; verification 8.B)."""
    for name in (ENCRYPTED_TALLY, TALLY):
        if record.has(name):
            raise CommandFailed(
                f"{record.root}: the election is tallied ({name} exists); voting is closed and no ballot can be added"
            )


def ballot_ids_of_device(record: ElectionRecord, device: str) -> list[str]:
    """The ids of the device's ballots, from its eballot-<id>.json names."""
    if device not in record.devices():
        return []
    names = (id_from_name(path.name, EBALLOT_PREFIX) for path in record.encrypted_ballot_paths(device))
    return [ballot_id for ballot_id in names if ballot_id is not None]


def ballot_ids_in_record(record: ElectionRecord) -> dict[str, str]:
    """Every ballot id of the record (from the eballot-<id>.json names) and the device folder that holds it."""
    owners: dict[str, str] = {}
    for device in record.devices():
        for ballot_id in ballot_ids_of_device(record, device):
            owners.setdefault(ballot_id, device)
    return owners


def refuse_used_ballot_ids(record: ElectionRecord, ballot_ids: Sequence[str]) -> None:
    """Ballot ids are unique in the whole election (the tally refuses a repeated id, spec 3.5), so a batch
    that repeats an id, or uses one that any device folder already holds, is refused before anything is written."""
    seen: set[str] = set()
    for ballot_id in ballot_ids:
        if ballot_id in seen:
            raise CommandFailed(f"ballot id {ballot_id!r} appears more than once in --ballots")
        seen.add(ballot_id)
    owners = ballot_ids_in_record(record)
    for ballot_id in ballot_ids:
        if ballot_id in owners:
            raise CommandFailed(
                f"ballot id {ballot_id!r} is already used in the record by device {owners[ballot_id]!r} "
                f"({ENCRYPTED_BALLOTS}/{owners[ballot_id]}/); give the ballot a new id"
            )


def tally_record(
    record_dir: Path, processes: int = 1, tally_id: str | None = None, cluster: Any = None
) -> EncryptedTally:
    """encrypted_tally.json: the products of every CAST ballot's ciphertexts (eq. 62); on the Dask cluster of
    the client ``cluster`` when given, in ``processes`` local processes otherwise."""
    record = ElectionRecord(record_dir)
    init, manifest = record.initialized, record.manifest
    if record.has(ENCRYPTED_TALLY):
        raise CommandFailed(f"{record_dir}: {ENCRYPTED_TALLY} exists already")
    sources: list[str] = [str(record_dir / ENCRYPTED_BALLOTS / d) for d in record.devices()]
    if not sources:
        raise CommandFailed(f"{record_dir}: no encrypted ballots to tally")
    if cluster is not None:
        tally = tally_on_cluster(record_dir, cluster, tally_id or record_dir.name)
    else:
        tally = tally_ballots_parallel(
            manifest,
            init.extended_base_hash,
            sources,
            tally_id or record_dir.name,
            processes=max(1, processes),
            loader=load_encrypted_ballots,
            group=record.group,
        )
    ElectionRecordWriter(record_dir).write_encrypted_tally(tally)
    return tally


@click.command("encrypt")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--ballots", type=click.Path(path_type=Path), required=True, help="JSON-lines file or folder of ballots.")
@click.option("--device", required=True, help="Name of the encrypting device.")
@click.option("--challenge", "challenge_ids", multiple=True, help="Ballot id to challenge instead of cast.")
@one_line_errors
def encrypt_command(record_dir: Path, ballots: Path, device: str, challenge_ids: tuple[str, ...]) -> None:
    """Encrypt plaintext ballots and print their confirmation codes."""
    plaintexts = read_plaintext_ballot_inputs(ballots)
    with progress_bar("encrypting ballots", len(plaintexts)) as advance:
        encrypted = encrypt_ballots(record_dir, plaintexts, device, challenge_ids, on_ballot=lambda _b: advance())
    for b in encrypted:
        click.echo(f"{b.ballot_id}\t{b.state.value}\t{b.confirmation_code.hex()}")


@click.command("tally")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--jobs", type=click.IntRange(1, 256), default=1, show_default=True, help="Worker processes.")
@cluster_options
@one_line_errors
def tally_command(record_dir: Path, jobs: int, scheduler: str | None, cluster: str | None) -> None:
    """Add the cast ballots homomorphically into encrypted_tally.json."""
    with chosen_cluster(scheduler, cluster, jobs) as client:
        tally = tally_record(record_dir, jobs, cluster=client)
    console.print(f"encrypted tally of {len(tally.cast_ballot_ids)} cast ballots written to {record_dir}")
