"""Each guardian's own steps of the key ceremony (spec 2.0.0 section 3.2), on its own machine.

keygen  -> a secret state file (0600, optionally sealed) and a public record for the others;
shares  -> one encrypted share file per other guardian (eq. 14-19), once all n public records are in;
receive -> decrypt and check the shares sent to this guardian (eq. 20-21), then P(i) (eq. 22) and a
           published statement (received-<id>.json) that all its shares verified;
           a bad share produces a complaint file naming its sender and stops the ceremony;
           shares still missing: exit 1, nothing stored ("waiting" is not success);
finalize -> K and H_E, once every guardian's statement is in and no complaint was written.

Every step can be run again: with the same inputs it succeeds and writes nothing new; a file it
would write that already holds something else is never replaced (exit 2, saying why).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import click

from engine.ceremony import (
    GuardianSecrets,
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
    warn,
)
from engine.election import ElectionConfig, GuardianRecord
from engine.group import ElementModQ
from engine.ids import check_identifier
from engine.record import ElectionRecord
from engine.record.exchange import (
    GuardianState,
    ShareMessage,
    SharesReceipt,
    SignedGuardianRecord,
    election_id_of,
    encode_complaint,
    encode_guardian_public,
    encode_share,
    encode_shares_receipt,
    encoded,
    read_guardian_public,
    read_guardian_state_for,
    read_share,
    read_shares_receipt,
    share_file_digest,
    write_guardian_state,
    write_public,
)
from engine.record.layout import INITIALIZED
from engine.record.reader import read_bytes

PUBLIC_PREFIX = "guardian-"
SHARE_PREFIX = "share-"
RECEIPT_PREFIX = "received-"
COMPLAINT_PREFIX = "complaint-"


def public_record_file(folder: Path, guardian_id: str) -> Path:
    """<folder>/guardian-<id>.json, without repeating the prefix of an id such as "guardian-3"."""
    name = guardian_id if guardian_id.startswith(PUBLIC_PREFIX) else PUBLIC_PREFIX + guardian_id
    return folder / f"{name}.json"


def _config(record_dir: Path) -> ElectionConfig:
    return ElectionRecord(record_dir).config


def load_state(config: ElectionConfig, secret: Path, passphrase: str | None) -> GuardianState:
    """The secret state file, refused unless it belongs to this election (H_B and its identifier)."""
    return read_guardian_state_for(secret, config, passphrase)


def _require_folder(folder: Path, option: str, what: str) -> None:
    if not folder.is_dir():
        raise CommandFailed(f"{folder}: no such folder ({option}: {what})")


def load_public_records(config: ElectionConfig, folder: Path) -> list[GuardianRecord]:
    """Every guardian-*.json in the folder, each with valid proofs (verification 2) for this election."""
    _require_folder(folder, "--publics", "the folder of every guardian's guardian-<id>.json")
    records = []
    for path in sorted(folder.glob(f"{PUBLIC_PREFIX}*.json")):
        signed = read_guardian_public(path, config.group, config.election_base_hash, election_id_of(config))
        problems = verify_guardian_record(signed.record, config.parameter_base_hash, config.quorum)
        if problems:
            raise CommandFailed(f"{path}: guardian {signed.record.guardian_id!r}: {problems[0]}")
        records.append(signed.record)
    ids = [r.guardian_id for r in records]
    if len(set(ids)) != len(ids) or len({r.x_coordinate for r in records}) != len(records):
        raise CommandFailed(f"{folder}: two public records share a guardian id or an x coordinate")
    return records


def require_all_publics(config: ElectionConfig, records: list[GuardianRecord], folder: Path, step: str) -> None:
    """Refuse (exit 2) unless the n public records, x = 1..n, are all present: name the missing ones."""
    n = config.number_of_guardians
    missing = sorted(set(range(1, n + 1)) - {r.x_coordinate for r in records})
    outside = sorted(r.guardian_id for r in records if not 1 <= r.x_coordinate <= n)
    if outside:
        raise CommandFailed(f"{folder}: the public records of {', '.join(outside)} have x coordinates outside 1..{n}")
    if missing:
        have = ", ".join(f"{r.guardian_id} (x = {r.x_coordinate})" for r in records) or "none"
        raise CommandFailed(
            f"{folder}: {len(records)} of the n = {n} public records ({have}); missing those of the guardians "
            f"with x = {', '.join(map(str, missing))}: `{step}` needs all n in --publics; "
            "run it again once they are there"
        )


def _same_key(a: GuardianRecord, b: GuardianRecord) -> bool:
    return (a.guardian_id, a.x_coordinate, a.commitments) == (b.guardian_id, b.x_coordinate, b.commitments)


@dataclass(frozen=True)
class KeygenOutcome:
    """The guardian's public record, and whether this run wrote the secret and public files."""

    record: GuardianRecord
    wrote_secret: bool
    wrote_public: bool


def warn_if_unsealed(secret: Path, passphrase: str | None) -> None:
    """The guardian's secret file was just written: without a passphrase it is not sealed, say so on stderr."""
    if passphrase is None:
        warn(
            f"{secret}: the guardian's secret is written unsealed (no passphrase): anyone who can read the file "
            "holds it; give a passphrase with --passphrase-env VAR or --ask-passphrase"
        )


def keygen(
    record_dir: Path, guardian_id: str, x: int, secret: Path, public_out: Path, passphrase: str | None
) -> KeygenOutcome:
    """New keys, or (the secret file exists) the same guardian's keys again: nothing is ever replaced."""
    check_identifier(guardian_id, "guardian id")
    config = _config(record_dir)
    if not 1 <= x <= config.number_of_guardians:
        raise CommandFailed(f"the x coordinate {x} is not in 1..n = {config.number_of_guardians}")
    if secret.exists():
        return _keygen_again(config, guardian_id, x, secret, public_out, passphrase)
    if public_out.exists():
        raise CommandFailed(
            f"{public_out}: exists, but the secret file {secret} does not: a public record is never replaced; "
            "give the --secret it was made with, or another --public-out"
        )
    election_id = election_id_of(config)
    secrets = generate_guardian(config.group, guardian_id, x, config.quorum)
    record = public_record(secrets, config.parameter_base_hash)
    state = GuardianState(config.election_base_hash, secrets, election_id=election_id)
    write_guardian_state(secret, state, passphrase=passphrase)
    write_public(
        public_out, encode_guardian_public(SignedGuardianRecord(config.election_base_hash, record, election_id))
    )
    return KeygenOutcome(record, True, True)


def _keygen_again(
    config: ElectionConfig, guardian_id: str, x: int, secret: Path, public_out: Path, passphrase: str | None
) -> KeygenOutcome:
    me = load_state(config, secret, passphrase).secrets
    if (me.guardian_id, me.x_coordinate) != (guardian_id, x):
        raise CommandFailed(
            f"{secret}: holds the keys of guardian {me.guardian_id} (x = {me.x_coordinate}), not {guardian_id} "
            f"(x = {x}); a secret file is never replaced: give another --secret"
        )
    record = public_record(me, config.parameter_base_hash)
    if public_out.exists():
        held = read_guardian_public(public_out, config.group, config.election_base_hash, election_id_of(config))
        if not _same_key(held.record, record):
            raise CommandFailed(f"{public_out}: the public record of other keys than {secret}'s; it is not replaced")
        return KeygenOutcome(held.record, False, False)
    signed = SignedGuardianRecord(config.election_base_hash, record, election_id_of(config))
    write_public(public_out, encode_guardian_public(signed))
    return KeygenOutcome(record, False, True)


def send_shares(record_dir: Path, secret: Path, publics: Path, out: Path, passphrase: str | None) -> list[Path]:
    """The share files written by this run; one already there from this guardian to the same one is kept."""
    config = _config(record_dir)
    state = load_state(config, secret, passphrase)
    me = state.secrets
    records = load_public_records(config, publics)
    require_all_publics(config, records, publics, "ballotchain guardian shares")
    _require_own_record(config, me, records, secret, publics)
    others = [r for r in records if r.guardian_id != me.guardian_id]
    written = []
    out.mkdir(parents=True, exist_ok=True)
    for other in others:
        path = out / f"{SHARE_PREFIX}{me.guardian_id}-to-{other.guardian_id}.json"
        if path.exists():
            _check_sent_share(config, path, me.guardian_id, me.x_coordinate, other)
            continue
        share = encrypt_share(me, other, config.parameter_base_hash)
        message = ShareMessage(
            config.election_base_hash, me.guardian_id, other.guardian_id, share, election_id_of(config)
        )
        write_public(path, encode_share(message))
        written.append(path)
    return written


def _require_own_record(
    config: ElectionConfig, me: GuardianSecrets, records: list[GuardianRecord], secret: Path, publics: Path
) -> None:
    """The publics folder must hold this guardian's own record, with the commitments of its secret file."""
    mine = public_record(me, config.parameter_base_hash)
    if not any(_same_key(r, mine) for r in records):
        raise CommandFailed(f"{publics}: holds no public record of the keys in {secret} (guardian {me.guardian_id})")


def _check_sent_share(config: ElectionConfig, path: Path, sender: str, x: int, other: GuardianRecord) -> None:
    """A share file already there must be this guardian's share for that one, in this election."""
    held = read_share(path, config.group, config.election_base_hash, election_id_of(config))
    expected = (sender, x, other.guardian_id, other.x_coordinate)
    if (held.sender_id, held.share.sender_index, held.recipient_id, held.share.recipient_index) != expected:
        raise CommandFailed(
            f"{path}: a share from {held.sender_id} to {held.recipient_id}, not from {sender} to "
            f"{other.guardian_id}; it is not replaced"
        )


@dataclass(frozen=True)
class ReceiveOutcome:
    """The state with the key share, the published statement, and whether this run wrote anything."""

    state: GuardianState
    statement: Path
    wrote: bool


def receive_shares(
    record_dir: Path,
    secret: Path,
    publics: Path,
    shares: Path,
    complaints: Path,
    passphrase: str | None,
    statements: Path | None = None,
) -> ReceiveOutcome:
    """Check every share addressed to this guardian; all n - 1 verified gives P(i) in the state file and
    the statement received-<id>.json (in `statements`, by default the publics folder) that `finalize` needs."""
    _require_folder(shares, "--shares", "the folder the guardians wrote their share files to")
    config = _config(record_dir)
    state = load_state(config, secret, passphrase)
    me = state.secrets
    records = load_public_records(config, publics)
    require_all_publics(config, records, publics, "ballotchain guardian receive")
    _require_own_record(config, me, records, secret, publics)
    senders = {r.guardian_id: r for r in records if r.guardian_id != me.guardian_id}
    received, digests = _verify_received(config, me, senders, shares, complaints)
    missing = sorted(set(senders) - set(received))
    if missing:
        raise CommandFailed(
            f"waiting for the shares of {', '.join(missing)} in {shares}: {len(received)} of "
            f"{len(senders)} verified, nothing stored; run `ballotchain guardian receive` again once they are there",
            EXIT_FAILED,
        )
    new_state = replace(state, received=tuple(sorted(received.items())), key_share=key_share(me, received))
    receipt = SharesReceipt(
        config.election_base_hash,
        election_id_of(config),
        me.guardian_id,
        me.x_coordinate,
        tuple(sorted(digests.items())),
    )
    target = (publics if statements is None else statements) / f"{RECEIPT_PREFIX}{me.guardian_id}.json"
    write_receipt = _receipt_to_write(target, receipt)
    if state.key_share is not None and state != new_state:
        raise CommandFailed(f"{secret}: holds a key share made from other shares; it is not replaced")
    if state.key_share is None:
        write_guardian_state(secret, new_state, passphrase=passphrase, overwrite=True)
    if write_receipt:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_public(target, encode_shares_receipt(receipt))
    return ReceiveOutcome(new_state, target, state.key_share is None or write_receipt)


def _receipt_to_write(target: Path, receipt: SharesReceipt) -> bool:
    """Whether the statement must be written: False if the same one is there, refused if another is."""
    if not target.exists():
        return True
    if read_bytes(target, str(target)) == encoded(encode_shares_receipt(receipt)):
        return False
    raise CommandFailed(f"{target}: a statement about other share files is already published; it is not replaced")


def _verify_received(
    config: ElectionConfig, me: GuardianSecrets, senders: dict[str, GuardianRecord], shares: Path, complaints: Path
) -> tuple[dict[str, ElementModQ], dict[str, str]]:
    """The verified P_l(i) by sender and the SHA-256 of each share file; a bad share: complaint and exit 1."""
    received: dict[str, ElementModQ] = {}
    digests: dict[str, str] = {}
    failures = []
    for sender_id, sender in sorted(senders.items()):
        path = shares / f"{SHARE_PREFIX}{sender_id}-to-{me.guardian_id}.json"
        if not path.exists():
            continue
        message = read_share(path, config.group, config.election_base_hash, election_id_of(config))
        if (message.sender_id, message.recipient_id) != (sender_id, me.guardian_id):
            raise CommandFailed(
                f"{path}: a share from {message.sender_id} to {message.recipient_id}, "
                f"not from {sender_id} to {me.guardian_id}"
            )
        try:
            received[sender_id] = decrypt_share(me, sender, message.share, config.parameter_base_hash)
            digests[sender_id] = share_file_digest(path)
        except ShareVerificationError as error:
            complaints.mkdir(parents=True, exist_ok=True)
            target = complaints / f"{COMPLAINT_PREFIX}{me.guardian_id}-against-{sender_id}.json"
            complaint = encode_complaint(config.election_base_hash, error.complaint(), election_id_of(config))
            write_public(target, complaint, overwrite=True)
            failures.append(error)
    if failures:
        names = ", ".join(repr(f.sender_id) for f in failures)
        raise CommandFailed(
            f"the ceremony stops: bad share from guardian {names} ({failures[0].reason}); complaint in {complaints}",
            EXIT_FAILED,
        )
    return received, digests


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
    passphrase = resolve_passphrase(passphrase_env, ask_passphrase, confirm=not secret.exists())
    outcome = keygen(record_dir, guardian_id, x, secret, public_out, passphrase)
    record = outcome.record
    if outcome.wrote_secret:
        warn_if_unsealed(secret, passphrase)
        done = f"secret in {secret}, public record in {public_out}"
    elif outcome.wrote_public:
        done = f"keys already in {secret}; public record written again to {public_out}"
    else:
        done = f"keys already in {secret}, public record already in {public_out}: nothing written"
    console.print(f"guardian {record.guardian_id} (x = {record.x_coordinate}): {done}")


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
    """Encrypt P_i(l) for every other guardian l (eq. 14-19), once all n public records are in --publics."""
    written = send_shares(record_dir, secret, publics, out, resolve_passphrase(passphrase_env, ask_passphrase))
    if written:
        console.print(f"{len(written)} encrypted shares written to {out}")
    else:
        console.print(f"every share of this guardian is already in {out}: nothing written")


@guardian.command("receive")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--secret", type=click.Path(path_type=Path), required=True)
@click.option("--publics", type=click.Path(path_type=Path), required=True)
@click.option("--shares", type=click.Path(path_type=Path), required=True, help="Folder of share files.")
@click.option("--complaints", type=click.Path(path_type=Path), default=Path("complaints"), show_default=True)
@click.option(
    "--statements",
    type=click.Path(path_type=Path),
    help="Folder for this guardian's statement received-<id>.json (default: the --publics folder).",
)
@passphrase_option
@one_line_errors
def receive_command(
    record_dir: Path,
    secret: Path,
    publics: Path,
    shares: Path,
    complaints: Path,
    statements: Path | None,
    passphrase_env: str,
    ask_passphrase: bool,
) -> None:
    """Check the shares sent to this guardian (eq. 20-21) and publish that they verified; exit 1 while some are
    missing, or on a bad share (complaint written)."""
    passphrase = resolve_passphrase(passphrase_env, ask_passphrase)
    outcome = receive_shares(record_dir, secret, publics, shares, complaints, passphrase, statements)
    state = outcome.state
    if outcome.wrote:
        warn_if_unsealed(secret, passphrase)
        console.print(
            f"all {len(state.received)} shares verified; key share P({state.secrets.x_coordinate}) stored; "
            f"statement published in {outcome.statement}"
        )
    else:
        console.print(f"all {len(state.received)} shares already verified, statement in {outcome.statement}")


def finalize(
    record_dir: Path,
    publics: Path,
    statements: Path | None = None,
    complaints: Path | None = None,
    shares: Path | None = None,
) -> bool:
    """election_initialized.json: K (eq. 8) and H_E (eq. 23), once every guardian's record checks, every
    guardian published its statement that all its shares verified, and no complaint was written.
    With `shares`, each statement must name exactly the share files in that folder (their SHA-256).

    True if written; False if the same K is already published (another one is never replaced)."""
    from engine.ceremony import finalize_ceremony
    from engine.record import ElectionRecordWriter

    config = _config(record_dir)
    records = load_public_records(config, publics)
    require_all_publics(config, records, publics, "ballotchain ceremony finalize")
    if complaints is not None:
        refuse_after_complaints(complaints)
    require_statements(config, records, publics if statements is None else statements, shares)
    init = finalize_ceremony(config, records)
    record = ElectionRecord(record_dir)
    if record.has(INITIALIZED):
        held = record.initialized
        if (held.joint_public_key, held.extended_base_hash) == (init.joint_public_key, init.extended_base_hash):
            return False
        raise CommandFailed(
            f"{record.root / INITIALIZED}: publishes another joint key; a published key is never replaced"
        )
    ElectionRecordWriter(record_dir).write_initialized(init)
    return True


def refuse_after_complaints(complaints: Path) -> None:
    """Any complaint file stops the ceremony: no joint key may be published."""
    found = sorted(complaints.glob(f"{COMPLAINT_PREFIX}*.json")) if complaints.is_dir() else []
    if found:
        names = ", ".join(p.stem.removeprefix(COMPLAINT_PREFIX).replace("-against-", " against ") for p in found)
        raise CommandFailed(
            f"{complaints}: {len(found)} complaints ({names}): the ceremony stopped; no joint key is published"
        )


def require_statements(
    config: ElectionConfig, records: list[GuardianRecord], folder: Path, shares: Path | None = None
) -> None:
    """Every guardian's received-<id>.json, for this election, naming a verified share from every other guardian
    (with `shares`: the very share files of that folder)."""
    missing, problems = [], []
    for r in records:
        path = folder / f"{RECEIPT_PREFIX}{r.guardian_id}.json"
        if not path.exists():
            missing.append(r.guardian_id)
            continue
        receipt = read_shares_receipt(path, config.election_base_hash, election_id_of(config))
        senders = sorted(o.guardian_id for o in records if o.guardian_id != r.guardian_id)
        if (receipt.guardian_id, receipt.x_coordinate) != (r.guardian_id, r.x_coordinate):
            problems.append(f"{path}: the statement of guardian {receipt.guardian_id}, not {r.guardian_id}")
        elif sorted(sender for sender, _ in receipt.shares) != senders:
            problems.append(f"{path}: does not name a verified share from each of {', '.join(senders)}")
        elif shares is not None:
            problems.extend(_unlike_share_files(path, receipt, shares))
    if missing:
        raise CommandFailed(
            f"{folder}: no statement that all shares verified from guardian {', '.join(missing)} "
            f"({RECEIPT_PREFIX}<id>.json): each must run `ballotchain guardian receive` first"
        )
    if problems:
        raise CommandFailed(problems[0])


def _unlike_share_files(path: Path, receipt: SharesReceipt, shares: Path) -> list[str]:
    """The share files of the folder that are not the ones the statement says were verified."""
    _require_folder(shares, "--shares", "the folder of the share files the guardians exchanged")
    problems = []
    for sender, digest in receipt.shares:
        share_file = shares / f"{SHARE_PREFIX}{sender}-to-{receipt.guardian_id}.json"
        if not share_file.exists() or share_file_digest(share_file) != digest:
            problems.append(f"{path}: names a share from {sender} other than {share_file}")
    return problems


@click.group()
def ceremony() -> None:
    """Close the key ceremony."""


@ceremony.command("finalize")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--publics", type=click.Path(path_type=Path), required=True, help="Folder of all guardian-*.json.")
@click.option(
    "--statements",
    type=click.Path(path_type=Path),
    help="Folder of the guardians' received-<id>.json statements (default: the --publics folder).",
)
@click.option(
    "--complaints",
    type=click.Path(path_type=Path),
    default=Path("complaints"),
    show_default=True,
    help="Folder of complaint files: any complaint stops the ceremony.",
)
@click.option(
    "--shares",
    type=click.Path(path_type=Path),
    help="Folder of the exchanged share files: each statement must name exactly these (optional).",
)
@one_line_errors
def finalize_command(
    record_dir: Path, publics: Path, statements: Path | None, complaints: Path, shares: Path | None
) -> None:
    """Publish the joint key K and H_E once all n guardians' proofs verify and every guardian published that its
    shares verified; refused after any complaint."""
    written = finalize(record_dir, publics, statements, complaints, shares)
    init = ElectionRecord(record_dir).initialized
    done = "joint key published" if written else "the same joint key is already published: nothing written"
    console.print(f"{done}; H_E = {init.extended_base_hash.hex()}")
