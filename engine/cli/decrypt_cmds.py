"""Verifiable decryption across machines, spec 2.0.0 section 3.6, in four steps:

1. each available guardian: `ballotchain guardian decrypt` -> partial-<id>.json (M_i, a_i, b_i),
   keeping its nonces u_i in a 0600 file;
2. the tallyer: `ballotchain decrypt challenge` -> challenges-<id>.json (c_i = c w_i, eq. 72);
3. each guardian: `ballotchain guardian respond` -> response-<id>.json (v_i, eq. 73), and the
   nonce file is destroyed (answering twice would reveal P(i));
4. the tallyer: `ballotchain decrypt combine` checks every response (eq. 74-75) and writes
   tally.json and challenged_ballots/.
"""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli.common import CommandFailed, console, one_line_errors, passphrase_option, resolve_passphrase
from engine.decrypt import (
    DecryptionContext,
    DecryptionJob,
    GuardianResponses,
    GuardianSecretState,
    GuardianShares,
    combine_decryptions,
    compute_challenges,
    guardian_partial_decrypt,
    guardian_respond,
)
from engine.election import BallotState, DecryptedTallyOrBallot, ElectionInitialized
from engine.group import Group
from engine.hash import UInt256
from engine.record import ElectionRecord, ElectionRecordWriter
from engine.record.exchange import (
    CHALLENGES_KIND,
    NONCES_KIND,
    PARTIAL_KIND,
    RESPONSES_KIND,
    DecryptionMessage,
    read_decryption_message,
    read_guardian_state,
    write_decryption_message,
)


class Session:
    """The public inputs of one decryption session, read from the record."""

    def __init__(self, record_dir: Path) -> None:
        self.record = ElectionRecord(record_dir)
        self.init: ElectionInitialized = self.record.initialized
        self.group: Group = self.record.group
        challenged = sorted(self.record.encrypted_ballots(state=BallotState.SPOILED), key=lambda b: b.ballot_id)
        self.job = DecryptionJob(self.record.encrypted_tally, tuple(challenged))
        self.items = self.job.items(self.init)
        self.fingerprint: UInt256 = self.job.fingerprint(self.init)
        self.context = DecryptionContext.from_init(self.init)

    def read(self, path: Path, kind: str, passphrase: str | None = None) -> DecryptionMessage:
        return read_decryption_message(
            path,
            kind,
            self.group,
            expected_election=self.init.extended_base_hash,
            expected_job=self.fingerprint,
            passphrase=passphrase,
        )

    def message(self, kind: str, guardian_id: str, x: int, values: tuple[object, ...]) -> DecryptionMessage:
        return DecryptionMessage(kind, self.init.extended_base_hash, self.fingerprint, guardian_id, x, values)

    def partials(self, folder: Path) -> list[GuardianShares]:
        files = sorted(folder.glob("partial-*.json"))
        if not files:
            raise CommandFailed(f"{folder}: no partial-*.json files")
        out = []
        for path in files:
            m = self.read(path, PARTIAL_KIND)
            out.append(GuardianShares(m.guardian_id, m.x_coordinate, tuple(m.values)))
        return out


def guardian_decrypt(
    record_dir: Path, secret: Path, out: Path, nonces_file: Path, passphrase: str | None
) -> DecryptionMessage:
    session = Session(record_dir)
    state = read_guardian_state(secret, passphrase=passphrase, expected_election=session.init.config.election_base_hash)
    shares, secret_state = guardian_partial_decrypt(state.trustee(), session.items)
    me = state.secrets
    write_decryption_message(
        nonces_file,
        session.message(NONCES_KIND, me.guardian_id, me.x_coordinate, secret_state.nonces_to_store()),
        passphrase=passphrase,
    )
    message = session.message(PARTIAL_KIND, me.guardian_id, me.x_coordinate, shares.shares)
    out.mkdir(parents=True, exist_ok=True)
    write_decryption_message(out / f"partial-{me.guardian_id}.json", message)
    return message


def decrypt_challenge(record_dir: Path, partials: Path, out: Path) -> list[str]:
    session = Session(record_dir)
    combination = compute_challenges(session.context, session.items, session.partials(partials))
    out.mkdir(parents=True, exist_ok=True)
    ids = []
    for shares in combination.guardian_shares:
        c = combination.challenges_for(shares.guardian_id)
        message = session.message(CHALLENGES_KIND, shares.guardian_id, shares.x_coordinate, c.challenges)
        write_decryption_message(out / f"challenges-{shares.guardian_id}.json", message, overwrite=True)
        ids.append(shares.guardian_id)
    return ids


def guardian_answer(
    record_dir: Path, secret: Path, nonces_file: Path, challenges: Path, out: Path, passphrase: str | None
) -> None:
    from engine.decrypt import GuardianChallenges

    session = Session(record_dir)
    state = read_guardian_state(secret, passphrase=passphrase, expected_election=session.init.config.election_base_hash)
    me = state.secrets
    nonces = session.read(nonces_file, NONCES_KIND, passphrase)
    if nonces.guardian_id != me.guardian_id:
        raise CommandFailed(f"{nonces_file}: the nonces of guardian {nonces.guardian_id!r}, not {me.guardian_id!r}")
    asked = session.read(challenges / f"challenges-{me.guardian_id}.json", CHALLENGES_KIND)
    trustee = state.trustee()
    secret_state = GuardianSecretState(me.guardian_id, me.x_coordinate, trustee.key_share, tuple(nonces.values))
    responses = guardian_respond(secret_state, GuardianChallenges(me.guardian_id, tuple(asked.values)))
    # u_i must never answer a second challenge: destroy the nonces before publishing v_i.
    nonces_file.unlink()
    out.mkdir(parents=True, exist_ok=True)
    message = session.message(RESPONSES_KIND, me.guardian_id, me.x_coordinate, responses.responses)
    write_decryption_message(out / f"response-{me.guardian_id}.json", message)


def decrypt_combine(
    record_dir: Path, partials: Path, responses_dir: Path
) -> tuple[DecryptedTallyOrBallot, tuple[DecryptedTallyOrBallot, ...]]:
    session = Session(record_dir)
    if session.record.has("tally.json"):
        raise CommandFailed(f"{record_dir}: tally.json exists already")
    combination = compute_challenges(session.context, session.items, session.partials(partials))
    responses = []
    for shares in combination.guardian_shares:
        path = responses_dir / f"response-{shares.guardian_id}.json"
        m = session.read(path, RESPONSES_KIND)
        responses.append(GuardianResponses(m.guardian_id, tuple(m.values)))
    decryptions = combine_decryptions(session.context, combination, responses)
    tally, ballots = session.job.assemble(session.init, decryptions)
    writer = ElectionRecordWriter(record_dir)
    for ballot in ballots:
        writer.write_challenged_ballot(ballot)
    writer.write_tally(tally)
    return tally, ballots


@click.command("decrypt")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--secret", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for partial-<id>.json.")
@click.option("--nonces", "nonces_file", type=click.Path(path_type=Path), required=True, help="New secret nonce file.")
@passphrase_option
@one_line_errors
def guardian_decrypt_command(
    record_dir: Path, secret: Path, out: Path, nonces_file: Path, passphrase_env: str, ask_passphrase: bool
) -> None:
    """Step 1: partial decryptions M_i = A^P(i) with commitments (eq. 66, 69)."""
    m = guardian_decrypt(record_dir, secret, out, nonces_file, resolve_passphrase(passphrase_env, ask_passphrase))
    console.print(f"guardian {m.guardian_id}: {len(m.values)} partial decryptions written to {out}")


@click.command("respond")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--secret", type=click.Path(path_type=Path), required=True)
@click.option("--nonces", "nonces_file", type=click.Path(path_type=Path), required=True)
@click.option("--challenges", type=click.Path(path_type=Path), required=True, help="Folder of challenges-<id>.json.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for response-<id>.json.")
@passphrase_option
@one_line_errors
def guardian_respond_command(
    record_dir: Path,
    secret: Path,
    nonces_file: Path,
    challenges: Path,
    out: Path,
    passphrase_env: str,
    ask_passphrase: bool,
) -> None:
    """Step 3: responses v_i = u_i - c_i P(i) (eq. 73); the nonce file is destroyed."""
    guardian_answer(
        record_dir, secret, nonces_file, challenges, out, resolve_passphrase(passphrase_env, ask_passphrase)
    )
    console.print(f"responses written to {out}; {nonces_file} destroyed")


@click.group("decrypt")
def decrypt_group() -> None:
    """The tallyer's decryption steps: challenge, combine."""


@decrypt_group.command("challenge")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--partials", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@one_line_errors
def challenge_command(record_dir: Path, partials: Path, out: Path) -> None:
    """Step 2: combine the commitments and issue each guardian's challenges (eq. 67-72)."""
    ids = decrypt_challenge(record_dir, partials, out)
    console.print(f"challenges for {', '.join(ids)} written to {out}")


@decrypt_group.command("combine")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--partials", type=click.Path(path_type=Path), required=True)
@click.option("--responses", "responses_dir", type=click.Path(path_type=Path), required=True)
@one_line_errors
def combine_command(record_dir: Path, partials: Path, responses_dir: Path) -> None:
    """Step 4: check every response (eq. 74-75) and publish tally.json and challenged ballots."""
    tally, ballots = decrypt_combine(record_dir, partials, responses_dir)
    console.print(f"tally.json and {len(ballots)} challenged ballots written to {record_dir}")
