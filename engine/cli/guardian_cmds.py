"""Each guardian's own steps of the key ceremony (spec 2.0.0 section 3.2), on its own machine.

keygen  -> a secret state file (0600, optionally sealed) and a public record for the others;
shares  -> one encrypted share file per other guardian (eq. 14-19);
receive -> decrypt and check the shares sent to this guardian (eq. 20-21), then P(i) (eq. 22);
           a bad share produces a complaint file naming its sender and stops the ceremony.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from engine.ceremony import (
    ShareVerificationError,
    decrypt_share,
    encrypt_share,
    generate_guardian,
    key_share,
    public_record,
    verify_guardian_record,
)
from engine.cli.common import (
    EXIT_FAILED,
    CommandFailed,
    console,
    one_line_errors,
    passphrase_option,
    resolve_passphrase,
)
from engine.election import ElectionConfig, GuardianRecord
from engine.ids import check_identifier
from engine.record import ElectionRecord
from engine.record.exchange import (
    GuardianState,
    ShareMessage,
    SignedGuardianRecord,
    encode_complaint,
    encode_guardian_public,
    encode_share,
    read_guardian_public,
    read_guardian_state,
    read_share,
    write_guardian_state,
    write_public,
)

PUBLIC_PREFIX = "guardian-"
SHARE_PREFIX = "share-"


def _config(record_dir: Path) -> ElectionConfig:
    return ElectionRecord(record_dir).config


def load_state(config: ElectionConfig, secret: Path, passphrase: str | None) -> GuardianState:
    return read_guardian_state(secret, passphrase=passphrase, expected_election=config.election_base_hash)


def load_public_records(config: ElectionConfig, folder: Path) -> list[GuardianRecord]:
    """Every guardian-*.json in the folder, each with valid proofs (verification 2) for this election."""
    records = []
    for path in sorted(folder.glob(f"{PUBLIC_PREFIX}*.json")):
        signed = read_guardian_public(path, config.group, config.election_base_hash)
        problems = verify_guardian_record(signed.record, config.parameter_base_hash, config.quorum)
        if problems:
            raise CommandFailed(f"{path}: guardian {signed.record.guardian_id!r}: {problems[0]}")
        records.append(signed.record)
    ids = [r.guardian_id for r in records]
    if len(set(ids)) != len(ids) or len({r.x_coordinate for r in records}) != len(records):
        raise CommandFailed(f"{folder}: two public records share a guardian id or an x coordinate")
    return records


def keygen(
    record_dir: Path, guardian_id: str, x: int, secret: Path, public_out: Path, passphrase: str | None
) -> GuardianRecord:
    check_identifier(guardian_id, "guardian id")
    config = _config(record_dir)
    if not 1 <= x <= config.number_of_guardians:
        raise CommandFailed(f"the x coordinate {x} is not in 1..n = {config.number_of_guardians}")
    secrets = generate_guardian(config.group, guardian_id, x, config.quorum)
    record = public_record(secrets, config.parameter_base_hash)
    write_guardian_state(secret, GuardianState(config.election_base_hash, secrets), passphrase=passphrase)
    write_public(public_out, encode_guardian_public(SignedGuardianRecord(config.election_base_hash, record)))
    return record


def send_shares(record_dir: Path, secret: Path, publics: Path, out: Path, passphrase: str | None) -> list[Path]:
    config = _config(record_dir)
    state = load_state(config, secret, passphrase)
    me = state.secrets
    others = [r for r in load_public_records(config, publics) if r.guardian_id != me.guardian_id]
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for other in others:
        share = encrypt_share(me, other, config.parameter_base_hash)
        path = out / f"{SHARE_PREFIX}{me.guardian_id}-to-{other.guardian_id}.json"
        message = ShareMessage(config.election_base_hash, me.guardian_id, other.guardian_id, share)
        write_public(path, encode_share(message))
        written.append(path)
    return written


def receive_shares(
    record_dir: Path, secret: Path, publics: Path, shares: Path, complaints: Path, passphrase: str | None
) -> GuardianState:
    """Check every share addressed to this guardian; all n - 1 verified gives P(i) in the state file."""
    config = _config(record_dir)
    state = load_state(config, secret, passphrase)
    me = state.secrets
    senders = {r.guardian_id: r for r in load_public_records(config, publics) if r.guardian_id != me.guardian_id}
    received = dict(state.received)
    failures = []
    for path in sorted(shares.glob(f"{SHARE_PREFIX}*-to-{me.guardian_id}.json")):
        message = read_share(path, config.group, config.election_base_hash)
        if message.recipient_id != me.guardian_id:
            continue
        sender = senders.get(message.sender_id)
        if sender is None:
            raise CommandFailed(f"{path}: share from {message.sender_id!r}, who has no public record")
        try:
            received[sender.guardian_id] = decrypt_share(me, sender, message.share, config.parameter_base_hash)
        except ShareVerificationError as error:
            complaints.mkdir(parents=True, exist_ok=True)
            target = complaints / f"complaint-{me.guardian_id}-against-{sender.guardian_id}.json"
            write_public(target, encode_complaint(config.election_base_hash, error.complaint()), overwrite=True)
            failures.append(error)
    if failures:
        names = ", ".join(repr(f.sender_id) for f in failures)
        raise CommandFailed(
            f"the ceremony stops: bad share from guardian {names} ({failures[0].reason}); complaint in {complaints}",
            EXIT_FAILED,
        )
    missing = sorted(set(senders) - set(received))
    share = None
    if not missing and len(senders) == config.number_of_guardians - 1:
        share = key_share(me, received)
    new_state = replace(state, received=tuple(sorted(received.items())), key_share=share)
    write_guardian_state(secret, new_state, passphrase=passphrase, overwrite=True)
    return new_state


@click.group()
def guardian() -> None:
    """A guardian's own steps: keygen, shares, receive, decrypt, respond."""


@guardian.command("keygen")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--id", "guardian_id", required=True, help="This guardian's name.")
@click.option("--x", "x", type=click.IntRange(1, 2**31 - 1), required=True, help="This guardian's index i, 1..n.")
@click.option("--secret", type=click.Path(path_type=Path), required=True, help="New secret state file (0600).")
@click.option("--public-out", type=click.Path(path_type=Path), required=True, help="Public record to send to all.")
@passphrase_option
@one_line_errors
def keygen_command(
    record_dir: Path,
    guardian_id: str,
    x: int,
    secret: Path,
    public_out: Path,
    passphrase_env: str,
    ask_passphrase: bool,
) -> None:
    """Make this guardian's polynomial, commitments and Schnorr proofs (eq. 9-12)."""
    passphrase = resolve_passphrase(passphrase_env, ask_passphrase, confirm=True)
    record = keygen(record_dir, guardian_id, x, secret, public_out, passphrase)
    console.print(
        f"guardian {record.guardian_id} (x = {record.x_coordinate}): secret in {secret}, public record in {public_out}"
    )


@guardian.command("shares")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--secret", type=click.Path(path_type=Path), required=True)
@click.option("--publics", type=click.Path(path_type=Path), required=True, help="Folder of all guardian-*.json.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the share files.")
@passphrase_option
@one_line_errors
def shares_command(
    record_dir: Path, secret: Path, publics: Path, out: Path, passphrase_env: str, ask_passphrase: bool
) -> None:
    """Encrypt P_i(l) for every other guardian l (eq. 14-19)."""
    written = send_shares(record_dir, secret, publics, out, resolve_passphrase(passphrase_env, ask_passphrase))
    console.print(f"{len(written)} encrypted shares written to {out}")


@guardian.command("receive")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--secret", type=click.Path(path_type=Path), required=True)
@click.option("--publics", type=click.Path(path_type=Path), required=True)
@click.option("--shares", type=click.Path(path_type=Path), required=True, help="Folder of share files.")
@click.option("--complaints", type=click.Path(path_type=Path), default=Path("complaints"), show_default=True)
@passphrase_option
@one_line_errors
def receive_command(
    record_dir: Path,
    secret: Path,
    publics: Path,
    shares: Path,
    complaints: Path,
    passphrase_env: str,
    ask_passphrase: bool,
) -> None:
    """Decrypt and check the shares sent to this guardian (eq. 20-21); complain about bad ones."""
    state = receive_shares(
        record_dir, secret, publics, shares, complaints, resolve_passphrase(passphrase_env, ask_passphrase)
    )
    if state.key_share is None:
        console.print(f"{len(state.received)} shares verified so far; waiting for the others")
    else:
        console.print(f"all {len(state.received)} shares verified; key share P({state.secrets.x_coordinate}) stored")


def finalize(record_dir: Path, publics: Path) -> None:
    """election_initialized.json: K (eq. 8) and H_E (eq. 23), once every guardian's record checks."""
    from engine.ceremony import finalize_ceremony
    from engine.record import ElectionRecordWriter

    config = _config(record_dir)
    init = finalize_ceremony(config, load_public_records(config, publics))
    ElectionRecordWriter(record_dir).write_initialized(init)


@click.group()
def ceremony() -> None:
    """Close the key ceremony."""


@ceremony.command("finalize")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--publics", type=click.Path(path_type=Path), required=True, help="Folder of all guardian-*.json.")
@one_line_errors
def finalize_command(record_dir: Path, publics: Path) -> None:
    """Publish the joint key K and H_E once all n guardians' proofs verify."""
    finalize(record_dir, publics)
    init = ElectionRecord(record_dir).initialized
    console.print(f"joint key published; H_E = {init.extended_base_hash.hex()}")
