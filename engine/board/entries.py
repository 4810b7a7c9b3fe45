"""The entries of the bulletin board's log and their canonical byte encoding.

Every leaf of the log (``engine.board.merkle``) is the UTF-8 bytes of one JSON object:
compact (no whitespace), keys sorted, non-ASCII characters written as themselves, integers only
(no floats, no NaN), with a ``"type"`` field naming the entry. Byte strings and hash values are
upper-case hexadecimal; the joint key is b(K, l_p) in upper-case hex (2 l_p digits); timestamps
are integer milliseconds since the Unix epoch. The encrypted ballot inside a submission is egk's
JSON object for an encrypted ballot (``engine.record.codecs.encrypted_ballot.encode_encrypted_ballot``), keys
sorted like the rest.

``decode_entry`` is strict: the bytes must be exactly the canonical encoding of the entry they
decode to (so an entry has one encoding and one leaf hash), every field must be present with the
right type and nothing else may be. The four entry types:

- ``election_published`` (the first leaf): H_E, the joint key K, the manifest hash H_M, the Merkle
  root of the voter roster, and the name of the group (``production`` or ``test``) the election uses;
- ``ballot_submitted``: the ballot id, the voter's DID, the ballot's confirmation code H(B) (spec
  eq. 58), the encrypted ballot (CAST or SPOILED), the voter's proofs of knowledge of each contest data's
  nonce (``contest_data_proofs``: one {"challenge", "response"} object per contest, in the ballot's contest
  order, engine.proofs.pad_knowledge), and the voter's Ed25519 signature over H_E, the ballot and the proofs;
- ``ballot_superseded``: a DID's earlier CAST ballot is replaced by a later one (which follows it);
- ``voting_closed``: the number of counted ballots and the Merkle root over the leaf hashes of their
  ids (UTF-8) in sorted order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from engine.board.merkle import leaf_hash, root_of
from engine.election import EncryptedBallot
from engine.errors import BallotchainError, GroupError
from engine.group import PRODUCTION_GROUP, ElementModP, ElementModQ, Group, group_by_name
from engine.hash import UInt256
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot, encode_encrypted_ballot
from engine.record.codecs.values import hex_p, hex_q
from engine.record.jsonio import MAX_JSON_DEPTH, json_depth_exceeds

MAX_TIMESTAMP = (1 << 63) - 1
SIGNATURE_SIZE = 64
PROOF_FIELDS = frozenset({"challenge", "response"})
_UPPER_HEX = re.compile(r"[0-9A-F]+")


class EntryError(BallotchainError, ValueError):
    """Bytes that are not the canonical encoding of a log entry, or an entry with bad fields."""


# ---------------------------------------------------------------- canonical JSON


def canonical_json(value: Any) -> bytes:
    """Sorted-key, compact, UTF-8 JSON: the one byte form of a value for hashing and signing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def parse_canonical_json(data: bytes, what: str, error: type[Exception] = EntryError) -> Any:
    """Parse bytes that must be canonical_json of what they hold; raise ``error`` naming ``what``.

    Text nested deeper than MAX_JSON_DEPTH is refused before it is parsed (no parser recursion).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise error(f"{what}: expected bytes, not {type(data).__name__}")
    raw = bytes(data)
    if json_depth_exceeds(raw):
        raise error(f"{what}: not JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_float=_no_float, parse_constant=_no_float)
    except UnicodeDecodeError as exc:
        raise error(f"{what}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise error(f"{what}: not JSON ({exc.msg} at character {exc.pos})") from exc
    except ValueError as exc:
        raise error(f"{what}: {exc}") from exc
    try:
        canonical = canonical_json(value)
    except UnicodeEncodeError as exc:
        raise error(f"{what}: a string holds a lone surrogate ({exc.reason}), which UTF-8 cannot encode") from exc
    if canonical != raw:
        raise error(f"{what}: not in canonical form (sorted keys, no whitespace, UTF-8)")
    return value


def shown(value: object, limit: int = 40) -> str:
    """A short, safe description of an outside value for an error message (no deep repr, no huge int)."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return repr(value) if value.bit_length() <= 64 else f"an integer of {value.bit_length()} bits"
    if isinstance(value, str):
        return repr(value[:limit]) + ("..." if len(value) > limit else "")
    return f"a {type(value).__name__}"


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _no_float(text: str) -> NoReturn:
    raise ValueError(f"non-integer number {text}")


# ---------------------------------------------------------------- entries


def _check_timestamp(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIMESTAMP:
        raise EntryError(f"a timestamp is a non-negative integer (milliseconds), not {shown(value)}")


def _check_text(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise EntryError(f"{what} must be a non-empty string, not {shown(value)}")


def _check_uint256(value: object, what: str) -> None:
    if not isinstance(value, UInt256):
        raise EntryError(f"{what} must be a UInt256, not {type(value).__name__}")


def _check_signed_submission(ballot_id: object, did: object, code: object, signature: object) -> None:
    """The fields every logged submission has, whichever form its ballot takes."""
    _check_text(ballot_id, "the ballot id")
    _check_text(did, "the DID")
    _check_uint256(code, "the confirmation code")
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
        raise EntryError(f"a signature is {SIGNATURE_SIZE} bytes")


def _check_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != 32:
        raise EntryError(f"{what} must be 32 bytes")


@dataclass(frozen=True)
class ElectionPublished:
    """The first leaf: the election the board collects ballots for (H_E eq. 23, K eq. 21, H_M eq. 6)."""

    h_e: UInt256
    joint_key: ElementModP
    manifest_hash: UInt256
    roster_root: bytes
    timestamp: int

    def __post_init__(self) -> None:
        _check_uint256(self.h_e, "H_E")
        _check_uint256(self.manifest_hash, "H_M")
        if not isinstance(self.joint_key, ElementModP):
            raise EntryError("the joint key K must be an ElementModP")
        _check_hash(self.roster_root, "the roster root")
        _check_timestamp(self.timestamp)

    @property
    def group(self) -> Group:
        return self.joint_key.group


@dataclass(frozen=True)
class BallotSubmitted:
    """An accepted submission: the encrypted ballot (spec 3.3) and the proofs of knowledge of its contest
    data nonces (one per contest, in order; whether they verify is the board's and B.8's check), signed by
    the voter's DID. ``ballot_json``, if given, is canonical_json of the ballot's egk JSON, made beforehand
    (the server's checking processes make it): ``encode_entry`` then uses it rather than encoding again."""

    ballot_id: str
    did: str
    confirmation_code: UInt256
    signature: bytes
    ballot: EncryptedBallot
    timestamp: int
    contest_data_proofs: tuple[PadKnowledgeProof, ...]
    ballot_json: bytes | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_signed_submission(self.ballot_id, self.did, self.confirmation_code, self.signature)
        if not isinstance(self.ballot, EncryptedBallot):
            raise EntryError("the ballot must be an EncryptedBallot")
        if self.ballot.ballot_id != self.ballot_id:
            raise EntryError(f"the ballot's id {self.ballot.ballot_id!r} is not the entry's {self.ballot_id!r}")
        if self.ballot.confirmation_code != self.confirmation_code:
            raise EntryError("the entry's confirmation code is not the ballot's")
        _check_timestamp(self.timestamp)
        check_contest_data_proofs(self.contest_data_proofs)


@dataclass(frozen=True)
class BallotSuperseded:
    """A DID's earlier CAST ballot no longer counts; ``new_ballot_id`` (the next leaf) replaces it."""

    did: str
    old_ballot_id: str
    new_ballot_id: str
    timestamp: int

    def __post_init__(self) -> None:
        _check_text(self.did, "the DID")
        _check_text(self.old_ballot_id, "the superseded ballot id")
        _check_text(self.new_ballot_id, "the new ballot id")
        if self.old_ballot_id == self.new_ballot_id:
            raise EntryError("a ballot cannot supersede itself")
        _check_timestamp(self.timestamp)


@dataclass(frozen=True)
class VotingClosed:
    """The last leaf: voting is over; ``counted_root`` = counted_ids_root(the counted ballot ids)."""

    timestamp: int
    counted_count: int
    counted_root: bytes

    def __post_init__(self) -> None:
        _check_timestamp(self.timestamp)
        if isinstance(self.counted_count, bool) or not isinstance(self.counted_count, int) or self.counted_count < 0:
            raise EntryError(
                f"the number of counted ballots must be a non-negative integer, not {shown(self.counted_count)}"
            )
        _check_hash(self.counted_root, "the counted-ballots root")


Entry = ElectionPublished | BallotSubmitted | BallotSuperseded | VotingClosed


def check_contest_data_proofs(proofs: object) -> None:
    """A tuple of PadKnowledgeProof, each of elements mod q; EntryError otherwise (the form, not validity)."""
    if not isinstance(proofs, tuple):
        raise EntryError("the contest data proofs must be a tuple")
    for i, proof in enumerate(proofs):
        if not isinstance(proof, PadKnowledgeProof):
            raise EntryError(f"contest data proof {i} is not a proof of knowledge of a nonce")
        if not isinstance(proof.challenge, ElementModQ) or not isinstance(proof.response, ElementModQ):
            raise EntryError(f"contest data proof {i}: its challenge and response are elements mod q")


def encode_contest_data_proofs(proofs: tuple[PadKnowledgeProof, ...]) -> list[dict[str, str]]:
    """The proofs as the log and the signed message hold them: [{"challenge", "response"}] in hex (b(x, l_q))."""
    check_contest_data_proofs(proofs)
    return [{"challenge": hex_q(p.challenge), "response": hex_q(p.response)} for p in proofs]


def decode_contest_data_proofs(
    value: object, group: Group, what: str = "contest_data_proofs"
) -> tuple[PadKnowledgeProof, ...]:
    """Strictly: a list of objects with exactly challenge and response, each 2 l_q upper-case hex digits of an
    integer mod q. EntryError names the position and the field."""
    if not isinstance(value, list):
        raise EntryError(f"{what}: a list of proofs is required, not {shown(value)}")
    return tuple(_decode_proof(item, group, f"{what}[{i}]") for i, item in enumerate(value))


def _decode_proof(item: object, group: Group, where: str) -> PadKnowledgeProof:
    if not isinstance(item, dict) or set(item) != PROOF_FIELDS:
        raise EntryError(f"{where}: an object with exactly challenge and response is required")
    challenge, response = (_element_q(item[key], group, f"{where}.{key}") for key in ("challenge", "response"))
    return PadKnowledgeProof(challenge, response)


def _element_q(value: object, group: Group, where: str) -> ElementModQ:
    digits = 2 * group.q_bytes
    if not isinstance(value, str) or len(value) != digits or not _UPPER_HEX.fullmatch(value):
        raise EntryError(f"{where}: {digits} upper-case hex digits are required")
    try:
        return group.element_q(int(value, 16))
    except (GroupError, ValueError) as exc:
        raise EntryError(f"{where}: not an integer mod q of group {group.name}") from exc


def counted_ids_root(ballot_ids: list[str] | tuple[str, ...] | set[str] | frozenset[str]) -> bytes:
    """MTH over leaf_hash(UTF-8 id) of the counted ballot ids in sorted order (RFC 9162 2.1.1)."""
    return root_of([leaf_hash(i.encode()) for i in sorted(ballot_ids)])


# ---------------------------------------------------------------- encoding


def entry_to_json(entry: Entry) -> dict[str, Any]:
    """The JSON object of an entry (before canonical serialization)."""
    if isinstance(entry, ElectionPublished):
        return {
            "type": "election_published",
            "h_e": entry.h_e.hex(),
            "joint_key": hex_p(entry.joint_key),
            "group": entry.joint_key.group.name,
            "manifest_hash": entry.manifest_hash.hex(),
            "roster_root": entry.roster_root.hex().upper(),
            "timestamp": entry.timestamp,
        }
    if isinstance(entry, BallotSubmitted):
        return _submitted_json(entry, encode_encrypted_ballot(entry.ballot))
    if isinstance(entry, BallotSuperseded):
        return {
            "type": "ballot_superseded",
            "did": entry.did,
            "old_ballot_id": entry.old_ballot_id,
            "new_ballot_id": entry.new_ballot_id,
            "timestamp": entry.timestamp,
        }
    if isinstance(entry, VotingClosed):
        return {
            "type": "voting_closed",
            "counted_count": entry.counted_count,
            "counted_root": entry.counted_root.hex().upper(),
            "timestamp": entry.timestamp,
        }
    raise EntryError(f"not a log entry: {type(entry).__name__}")


def _submitted_json(entry: BallotSubmitted | PreparedSubmitted, ballot: Any) -> dict[str, Any]:
    return {
        "type": "ballot_submitted",
        "ballot_id": entry.ballot_id,
        "did": entry.did,
        "confirmation_code": entry.confirmation_code.hex(),
        "signature": entry.signature.hex().upper(),
        "ballot": ballot,
        "contest_data_proofs": encode_contest_data_proofs(entry.contest_data_proofs),
        "timestamp": entry.timestamp,
    }


_BALLOT_FIRST = b'{"ballot":null,'


def encode_entry(entry: Entry) -> bytes:
    """The canonical bytes of an entry: the leaf data whose hash goes into the log. A ballot_submitted entry with
    its ``ballot_json`` gets it spliced in ("ballot" is the first of its sorted keys), the same bytes."""
    if isinstance(entry, BallotSubmitted) and entry.ballot_json is not None:
        return _splice_ballot(_submitted_json(entry, None), entry.ballot_json)
    return canonical_json(entry_to_json(entry))


@dataclass(frozen=True)
class PreparedSubmitted:
    """A ballot_submitted entry whose ballot is held only as ``ballot_json``, canonical_json of its egk JSON
    (spec 2.0.0 section 3.3): the fields are checked as BallotSubmitted checks them, the ballot is not decoded.
    ``encode`` gives the bytes ``encode_entry`` gives for the BallotSubmitted of the same ballot."""

    ballot_id: str
    did: str
    confirmation_code: UInt256
    signature: bytes
    ballot_json: bytes
    timestamp: int
    contest_data_proofs: tuple[PadKnowledgeProof, ...]

    def __post_init__(self) -> None:
        _check_signed_submission(self.ballot_id, self.did, self.confirmation_code, self.signature)
        if not isinstance(self.ballot_json, bytes) or not self.ballot_json.startswith(b"{"):
            raise EntryError("the ballot must be the canonical JSON of an encrypted ballot")
        _check_timestamp(self.timestamp)
        check_contest_data_proofs(self.contest_data_proofs)

    def encode(self) -> bytes:
        return _splice_ballot(_submitted_json(self, None), self.ballot_json)


def _splice_ballot(fields: dict[str, Any], ballot_json: bytes) -> bytes:
    rest = canonical_json(fields)
    if not rest.startswith(_BALLOT_FIRST):
        raise EntryError("ballot_submitted: the ballot is not the first key of its canonical form")
    return b'{"ballot":' + ballot_json + b"," + rest[len(_BALLOT_FIRST) :]


_FIELDS: dict[str, frozenset[str]] = {
    "election_published": frozenset({"type", "h_e", "joint_key", "group", "manifest_hash", "roster_root", "timestamp"}),
    "ballot_submitted": frozenset(
        {"type", "ballot_id", "did", "confirmation_code", "signature", "ballot", "contest_data_proofs", "timestamp"}
    ),
    "ballot_superseded": frozenset({"type", "did", "old_ballot_id", "new_ballot_id", "timestamp"}),
    "voting_closed": frozenset({"type", "counted_count", "counted_root", "timestamp"}),
}


def decode_entry(data: bytes, group: Group = PRODUCTION_GROUP) -> Entry:
    """The entry whose canonical encoding is ``data``; raise EntryError saying what is wrong.

    A submission's ballot is read in ``group`` (the group named by the log's election_published
    entry: pass ``election_published_group`` of it); an election_published entry names its own.
    """
    obj = parse_canonical_json(data, "log entry")
    if not isinstance(obj, dict):
        raise EntryError("log entry: not a JSON object")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise EntryError(f"log entry: unknown type {shown(kind)}")
    fields = _FIELDS[kind]
    missing, extra = sorted(fields - obj.keys()), sorted(obj.keys() - fields)
    if missing:
        raise EntryError(f"{kind} entry: missing field(s) {', '.join(missing)}")
    if extra:
        raise EntryError(f"{kind} entry: unknown field(s) {', '.join(extra)}")
    try:
        entry = _DECODERS[kind](obj, group)
    except BallotchainError as exc:
        raise EntryError(f"{kind} entry: {exc}") from exc
    if encode_entry(entry) != bytes(data):
        raise EntryError(
            f"{kind} entry: not in canonical form (hex case, or element widths of a group other than {group.name})"
        )
    return entry


def election_published_group(data: bytes) -> Group:
    """The group named by an election_published entry (to decode the rest of its log)."""
    entry = decode_entry(data)
    if not isinstance(entry, ElectionPublished):
        raise EntryError("the first entry of a log must be election_published")
    return entry.group


def _text(obj: dict[str, Any], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str) or not value:
        raise EntryError(f"{key}: a non-empty string is required")
    return value


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise EntryError(f"{key}: an integer is required")
    return value


def _hex(obj: dict[str, Any], key: str, size: int) -> bytes:
    value = _text(obj, key)
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise EntryError(f"{key}: not a hex string") from exc
    if len(raw) != size:
        raise EntryError(f"{key}: {size} bytes are required, not {len(raw)}")
    return raw


def _decode_published(obj: dict[str, Any], _group: Group) -> ElectionPublished:
    try:
        group = group_by_name(_text(obj, "group"))
    except (KeyError, ValueError) as exc:
        raise EntryError(f"group: unknown group {shown(obj['group'])}") from exc
    key_hex = _text(obj, "joint_key")
    if len(key_hex) != 2 * group.p_bytes:
        raise EntryError(f"joint_key: {2 * group.p_bytes} hex digits are required")
    try:
        joint_key = group.element_p(int(key_hex, 16))
    except ValueError as exc:
        raise EntryError(f"joint_key: not an integer mod p of group {group.name}") from exc
    return ElectionPublished(
        h_e=UInt256(_hex(obj, "h_e", 32)),
        joint_key=joint_key,
        manifest_hash=UInt256(_hex(obj, "manifest_hash", 32)),
        roster_root=_hex(obj, "roster_root", 32),
        timestamp=_int(obj, "timestamp"),
    )


def _decode_submitted(obj: dict[str, Any], group: Group) -> BallotSubmitted:
    return BallotSubmitted(
        ballot_id=_text(obj, "ballot_id"),
        did=_text(obj, "did"),
        confirmation_code=UInt256(_hex(obj, "confirmation_code", 32)),
        signature=_hex(obj, "signature", SIGNATURE_SIZE),
        ballot=decode_encrypted_ballot(obj["ballot"], group, file="ballot"),
        timestamp=_int(obj, "timestamp"),
        contest_data_proofs=decode_contest_data_proofs(obj["contest_data_proofs"], group),
    )


def _decode_superseded(obj: dict[str, Any], _group: Group) -> BallotSuperseded:
    return BallotSuperseded(
        did=_text(obj, "did"),
        old_ballot_id=_text(obj, "old_ballot_id"),
        new_ballot_id=_text(obj, "new_ballot_id"),
        timestamp=_int(obj, "timestamp"),
    )


def _decode_closed(obj: dict[str, Any], _group: Group) -> VotingClosed:
    return VotingClosed(
        timestamp=_int(obj, "timestamp"),
        counted_count=_int(obj, "counted_count"),
        counted_root=_hex(obj, "counted_root", 32),
    )


_DECODERS: dict[str, Callable[[dict[str, Any], Group], Entry]] = {
    "election_published": _decode_published,
    "ballot_submitted": _decode_submitted,
    "ballot_superseded": _decode_superseded,
    "voting_closed": _decode_closed,
}
