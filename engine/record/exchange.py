"""Files the trustees exchange during the key ceremony, and each guardian's secret state file.

None of these is part of egk's election record; they carry the steps of spec 2.0.0 section 3.2
between machines. Every file names the election it belongs to twice: by H_B (eq. 7), and by the
random election identifier `ballotchain election init` puts in election_config.json's metadata map
(ELECTION_ID_KEY), since two elections with the same manifest, n and k share H_B. A file of another
election is refused on reading, before anything is computed. Records made before the identifier
existed have none; their files are bound by H_B alone, as before. Decryption files are bound to
H_E = H(H_B; 0x12, K), which differs between elections because K comes from each ceremony's random
polynomials (and a guardian's secret file only opens in its own election).

Secret state files are 0600 and may be sealed with a passphrase (engine.record.secret_box:
scrypt + AES-GCM).
"""

from __future__ import annotations

import hashlib
import secrets as random_source
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.ceremony import Complaint, EncryptedShare, GuardianSecrets
from engine.election import DecryptingTrustee, ElectionConfig, GuardianRecord, PlaintextBallot
from engine.group import ElementModQ, Group, group_by_name
from engine.hash import UInt256
from engine.hashed_elgamal import HashedCiphertext
from engine.record import secret_box
from engine.record.codecs.election_initialized import GUARDIAN_KEYS, decode_guardian, encode_guardian
from engine.record.codecs.plaintext_ballot import decode_plaintext_ballot, encode_plaintext_ballot
from engine.record.codecs.values import hex_p, hex_q
from engine.record.cursor import JsonCursor
from engine.record.errors import RecordError
from engine.record.jsonio import dumps, loads
from engine.record.reader import read_bytes
from engine.record.writer import atomic_write

__all__ = [
    "ELECTION_ID_KEY",
    "GuardianState",
    "SharesReceipt",
    "ShareMessage",
    "SignedGuardianRecord",
    "decode_guardian_state",
    "encode_complaint",
    "encode_guardian_public",
    "encode_guardian_state",
    "election_id_of",
    "encode_share",
    "encode_shares_receipt",
    "encoded",
    "new_election_id",
    "read_guardian_public",
    "read_guardian_state",
    "read_guardian_state_for",
    "read_share",
    "read_shares_receipt",
    "share_file_digest",
    "write_guardian_state",
    "write_public",
]

GUARDIAN_STATE_KIND = "ballotchain/guardian-secret-state"
GUARDIAN_PUBLIC_KIND = "ballotchain/guardian-public-record"
SHARE_KIND = "ballotchain/encrypted-share"
COMPLAINT_KIND = "ballotchain/complaint"
RECEIPT_KIND = "ballotchain/shares-received"

# The key of election_config.json's metadata map (egk's config has one; egk and the verifier ignore it)
# that holds the election's random identifier.
ELECTION_ID_KEY = "ballotchain_election_id"


def new_election_id() -> str:
    """128 random bits, hex: unique to one `election init`, independent of the manifest."""
    return random_source.token_hex(16)


def election_id_of(config: ElectionConfig) -> str | None:
    """The election's identifier from its configuration's metadata, or None for a record made before it existed."""
    return dict(config.metadata).get(ELECTION_ID_KEY)


@dataclass(frozen=True)
class GuardianState:
    """What one guardian keeps between ceremony steps: its polynomial, the shares it accepted,
    and (once every share arrived and verified) its key share P(i) (eq. 22)."""

    election_base_hash: UInt256
    secrets: GuardianSecrets
    received: tuple[tuple[str, ElementModQ], ...] = ()
    key_share: ElementModQ | None = None
    election_id: str | None = None

    def trustee(self) -> DecryptingTrustee:
        if self.key_share is None:
            raise RecordError("guardian state", "key_share", "the key ceremony is not complete for this guardian")
        return DecryptingTrustee(
            self.secrets.guardian_id, self.secrets.x_coordinate, self.secrets.coefficients, self.key_share
        )


@dataclass(frozen=True)
class SignedGuardianRecord:
    """A guardian's public record as published for the others, bound to the election's H_B."""

    election_base_hash: UInt256
    record: GuardianRecord
    election_id: str | None = None


@dataclass(frozen=True)
class ShareMessage:
    """E_l(P_i(l)) from guardian sender_id to recipient_id, eq. 18-19, for election H_B."""

    election_base_hash: UInt256
    sender_id: str
    recipient_id: str
    share: EncryptedShare
    election_id: str | None = None


@dataclass(frozen=True)
class SharesReceipt:
    """A guardian's published statement that it received and verified (eq. 21) the shares of every other
    guardian: bound to the election (H_B and its identifier) and to the share files, by their SHA-256.

    Not signed: like the public records, it reaches the others over the ceremony's authenticated channel.
    `ceremony finalize` requires one from every guardian.
    """

    election_base_hash: UInt256
    election_id: str | None
    guardian_id: str
    x_coordinate: int
    shares: tuple[tuple[str, str], ...]  # (sender id, SHA-256 hex of the share file), sorted by sender


# ---------------------------------------------------------------- generic helpers


def _check_kind(o: JsonCursor, kind: str) -> None:
    if o.get("kind").text() != kind:
        o.get("kind").fail(f"expected a file of kind {kind!r}")


def _election(o: JsonCursor, expected: UInt256 | None) -> UInt256:
    h_b = o.get("election_base_hash").uint256()
    if expected is not None and h_b != expected:
        o.get("election_base_hash").fail("the file belongs to another election (H_B differs)")
    return h_b


def _election_id(o: JsonCursor, expected: str | None) -> str | None:
    """The file's election identifier; when the record has one (expected), the file must carry the same."""
    node = o.opt("election_id")
    held = None if node is None else node.text()
    if expected is not None and held != expected:
        if held is None:
            o.fail(
                "the file names no election identifier (made before elections had one, or for another election); "
                f"this election's is {expected}"
            )
        o.get("election_id").fail(
            f"the file belongs to another election (identifier {held}, this election's is {expected}), "
            "even though H_B is the same"
        )
    return held


def _with_id(out: dict[str, Any], election_id: str | None) -> dict[str, Any]:
    if election_id is not None:
        out["election_id"] = election_id
    return out


def _read_document(path: Path, passphrase: str | None = None) -> tuple[Any, str]:
    label = str(path)
    blob = read_bytes(path, label)
    if secret_box.is_protected(blob):
        try:
            blob = secret_box.unseal(blob, passphrase, associated=GUARDIAN_STATE_KIND.encode())
        except secret_box.SecretFileError as exc:
            raise RecordError(label, "", str(exc)) from None
    return loads(blob, label), label


# ---------------------------------------------------------------- guardian secret state


def encode_guardian_state(state: GuardianState) -> dict[str, Any]:
    s = state.secrets
    out: dict[str, Any] = {
        "kind": GUARDIAN_STATE_KIND,
        "election_base_hash": state.election_base_hash.hex(),
        "group": s.group.name,
        "guardian_id": s.guardian_id,
        "x_coordinate": s.x_coordinate,
        "polynomial_coefficients": [hex_q(a) for a in s.coefficients],
        "received_shares": [{"sender_id": sender, "value": hex_q(v)} for sender, v in state.received],
    }
    if state.key_share is not None:
        out["key_share"] = hex_q(state.key_share)
    return _with_id(out, state.election_id)


def decode_guardian_state(
    obj: Any, file: str, expected_election: UInt256 | None = None, expected_id: str | None = None
) -> GuardianState:
    o = JsonCursor.root(
        obj,
        file,
        None,
        (
            "kind",
            "election_base_hash",
            "group",
            "guardian_id",
            "x_coordinate",
            "polynomial_coefficients",
            "received_shares",
            "key_share",
            "election_id",
        ),
    )
    _check_kind(o, GUARDIAN_STATE_KIND)
    h_b = _election(o, expected_election)
    election_id = _election_id(o, expected_id)
    try:
        group = group_by_name(o.get("group").text())
    except ValueError:
        o.get("group").fail("unknown group")
    coefficients = tuple(n.element_q(group) for n in o.get("polynomial_coefficients").items(nonempty=True))
    received = []
    for n in o.get("received_shares").items():
        n.obj(("sender_id", "value"))
        received.append((n.get("sender_id").ident(), n.get("value").element_q(group)))
    key = o.opt("key_share")
    try:
        secrets = GuardianSecrets(o.get("guardian_id").ident(), o.get("x_coordinate").integer(1), group, coefficients)
    except ValueError as exc:
        o.fail(str(exc))
    return GuardianState(h_b, secrets, tuple(received), None if key is None else key.element_q(group), election_id)


def write_guardian_state(
    path: Path, state: GuardianState, *, passphrase: str | None = None, overwrite: bool = False
) -> None:
    """Atomically, 0600; sealed with scrypt + AES-GCM when a passphrase is given."""
    data = dumps(encode_guardian_state(state))
    if passphrase:
        data = secret_box.seal(data, passphrase, associated=GUARDIAN_STATE_KIND.encode())
    atomic_write(path, data, label=str(path), overwrite=overwrite, secret=True)


def read_guardian_state(
    path: Path,
    *,
    passphrase: str | None = None,
    expected_election: UInt256 | None = None,
    expected_id: str | None = None,
) -> GuardianState:
    obj, label = _read_document(path, passphrase)
    return decode_guardian_state(obj, label, expected_election, expected_id)


def read_guardian_state_for(path: Path, config: ElectionConfig, passphrase: str | None) -> GuardianState:
    """A guardian's secret state file, refused unless it belongs to this election (H_B and identifier)."""
    return read_guardian_state(
        path, passphrase=passphrase, expected_election=config.election_base_hash, expected_id=election_id_of(config)
    )


# ---------------------------------------------------------------- public records, shares, complaints


def encode_guardian_public(signed: SignedGuardianRecord) -> dict[str, Any]:
    out = {
        "kind": GUARDIAN_PUBLIC_KIND,
        "election_base_hash": signed.election_base_hash.hex(),
        **encode_guardian(signed.record),
    }
    return _with_id(out, signed.election_id)


def read_guardian_public(
    path: Path, group: Group, expected_election: UInt256 | None, expected_id: str | None = None
) -> SignedGuardianRecord:
    obj, label = _read_document(path)
    o = JsonCursor.root(obj, label, None, ("kind", "election_base_hash", "election_id", *GUARDIAN_KEYS))
    _check_kind(o, GUARDIAN_PUBLIC_KIND)
    h_b, election_id = _election(o, expected_election), _election_id(o, expected_id)
    return SignedGuardianRecord(h_b, decode_guardian(o, group), election_id)


def encode_share(message: ShareMessage) -> dict[str, Any]:
    s = message.share
    out = {
        "kind": SHARE_KIND,
        "election_base_hash": message.election_base_hash.hex(),
        "sender_id": message.sender_id,
        "sender_index": s.sender_index,
        "recipient_id": message.recipient_id,
        "recipient_index": s.recipient_index,
        "c0": hex_p(s.c0),
        "c1": s.c1.hex().upper(),
        "c2": s.c2.hex(),
    }
    return _with_id(out, message.election_id)


def read_share(
    path: Path, group: Group, expected_election: UInt256 | None, expected_id: str | None = None
) -> ShareMessage:
    obj, label = _read_document(path)
    o = JsonCursor.root(
        obj,
        label,
        None,
        (
            "kind",
            "election_base_hash",
            "sender_id",
            "sender_index",
            "recipient_id",
            "recipient_index",
            "c0",
            "c1",
            "c2",
            "election_id",
        ),
    )
    _check_kind(o, SHARE_KIND)
    h_b, election_id = _election(o, expected_election), _election_id(o, expected_id)
    sender_id, recipient_id = o.get("sender_id").ident(), o.get("recipient_id").ident()
    try:
        c1 = o.get("c1").hex_bytes()
        share = EncryptedShare(
            o.get("sender_index").integer(1),
            o.get("recipient_index").integer(1),
            HashedCiphertext(o.get("c0").element_p(group), c1, o.get("c2").uint256(), len(c1)),
        )
    except ValueError as exc:
        o.fail(str(exc))
    return ShareMessage(h_b, sender_id, recipient_id, share, election_id)


def encode_complaint(h_b: UInt256, complaint: Complaint, election_id: str | None = None) -> dict[str, Any]:
    out = {
        "kind": COMPLAINT_KIND,
        "election_base_hash": h_b.hex(),
        "accuser": complaint.accuser,
        "accused": complaint.accused,
        "reason": complaint.reason,
    }
    return _with_id(out, election_id)


def share_file_digest(path: Path) -> str:
    """SHA-256 (hex) of a share file's bytes, as a receipt names it."""
    return hashlib.sha256(read_bytes(path, str(path))).hexdigest()


def encode_shares_receipt(receipt: SharesReceipt) -> dict[str, Any]:
    out = {
        "kind": RECEIPT_KIND,
        "election_base_hash": receipt.election_base_hash.hex(),
        "guardian_id": receipt.guardian_id,
        "x_coordinate": receipt.x_coordinate,
        "shares": [{"sender_id": sender, "sha256": digest} for sender, digest in receipt.shares],
    }
    return _with_id(out, receipt.election_id)


def read_shares_receipt(path: Path, expected_election: UInt256, expected_id: str | None) -> SharesReceipt:
    obj, label = _read_document(path)
    o = JsonCursor.root(
        obj, label, None, ("kind", "election_base_hash", "election_id", "guardian_id", "x_coordinate", "shares")
    )
    _check_kind(o, RECEIPT_KIND)
    h_b, election_id = _election(o, expected_election), _election_id(o, expected_id)
    shares = []
    for n in o.get("shares").items():
        n.obj(("sender_id", "sha256"))
        shares.append((n.get("sender_id").ident(), n.get("sha256").text()))
    return SharesReceipt(
        h_b, election_id, o.get("guardian_id").ident(), o.get("x_coordinate").integer(1), tuple(sorted(shares))
    )


def encoded(document: dict[str, Any]) -> bytes:
    """The exact bytes write_public writes for a document (to tell a rerun from a different input)."""
    return dumps(document)


def write_public(path: Path, document: dict[str, Any], *, overwrite: bool = False) -> None:
    atomic_write(path, dumps(document), label=str(path), overwrite=overwrite)


# ---------------------------------------------------------------- plaintext ballots as input


def read_plaintext_ballot_inputs(path: Path) -> list[PlaintextBallot]:
    """Plaintext ballots from a file of JSON lines (one pballot object a line) or a folder of
    pballot-<id>.json files, as egk's PlaintextBallot values."""
    ballots = []
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise RecordError(str(path), "", "no ballot files (*.json) in the folder")
        for f in files:
            ballots.append(decode_plaintext_ballot(loads(read_bytes(f, str(f)), str(f)), str(f)))
        return ballots
    text = read_bytes(path, str(path))
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label = f"{path}:{number}"
        ballots.append(decode_plaintext_ballot(loads(line, label), label))
    if not ballots:
        raise RecordError(str(path), "", "no ballots in the file")
    return ballots


def encode_plaintext_ballot_line(ballot: PlaintextBallot) -> bytes:
    """One JSON line for a file of plaintext ballots."""
    import json

    return json.dumps(encode_plaintext_ballot(ballot), separators=(",", ":")).encode() + b"\n"


# ---------------------------------------------------------------- decryption sessions (spec 3.6)

PARTIAL_KIND = "ballotchain/partial-decryption"
NONCES_KIND = "ballotchain/decryption-nonces"
CHALLENGES_KIND = "ballotchain/decryption-challenges"
RESPONSES_KIND = "ballotchain/decryption-responses"


@dataclass(frozen=True)
class DecryptionMessage:
    """A file of one guardian's decryption step: job fingerprint, guardian, and one value list.

    kind PARTIAL: values are (M_i, a_i, b_i) triples; NONCES (secret): u_i; CHALLENGES: c_i;
    RESPONSES: v_i.
    """

    kind: str
    extended_base_hash: UInt256
    job: UInt256
    guardian_id: str
    x_coordinate: int
    values: tuple[Any, ...]


def encode_decryption_message(m: DecryptionMessage) -> dict[str, Any]:
    if m.kind == PARTIAL_KIND:
        values: list[Any] = [{"m": hex_p(v.value), "a": hex_p(v.a), "b": hex_p(v.b)} for v in m.values]
    else:
        values = [hex_q(v) for v in m.values]
    return {
        "kind": m.kind,
        "extended_base_hash": m.extended_base_hash.hex(),
        "job": m.job.hex(),
        "guardian_id": m.guardian_id,
        "x_coordinate": m.x_coordinate,
        "values": values,
    }


def write_decryption_message(
    path: Path, message: DecryptionMessage, *, passphrase: str | None = None, overwrite: bool = False
) -> None:
    data = dumps(encode_decryption_message(message))
    secret = message.kind == NONCES_KIND
    if secret and passphrase:
        data = secret_box.seal(data, passphrase, associated=GUARDIAN_STATE_KIND.encode())
    atomic_write(path, data, label=str(path), overwrite=overwrite, secret=secret)


def read_decryption_message(
    path: Path,
    kind: str,
    group: Group,
    *,
    expected_election: UInt256,
    expected_job: UInt256,
    passphrase: str | None = None,
) -> DecryptionMessage:
    from engine.decrypt import PartialDecryption

    obj, label = _read_document(path, passphrase)
    o = JsonCursor.root(
        obj, label, None, ("kind", "extended_base_hash", "job", "guardian_id", "x_coordinate", "values")
    )
    _check_kind(o, kind)
    if o.get("extended_base_hash").uint256() != expected_election:
        o.get("extended_base_hash").fail("the file belongs to another election (H_E differs)")
    if o.get("job").uint256() != expected_job:
        o.get("job").fail("the file belongs to another decryption session (different ciphertexts)")
    values: list[Any] = []
    for n in o.get("values").items():
        if kind == PARTIAL_KIND:
            n.obj(("m", "a", "b"))
            values.append(
                PartialDecryption(n.get("m").element_p(group), n.get("a").element_p(group), n.get("b").element_p(group))
            )
        else:
            values.append(n.element_q(group))
    return DecryptionMessage(
        kind,
        expected_election,
        expected_job,
        o.get("guardian_id").ident(),
        o.get("x_coordinate").integer(1),
        tuple(values),
    )
