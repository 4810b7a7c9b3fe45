"""The trust anchors of an online election, fixed in the election record before voting opens.

An online election has two keys besides the guardians': the board's Ed25519 key, which signs the
log's tree heads, and the registrar's, which signs the roster of eligible DIDs; and it may name
witnesses (c2sp.org/tlog-witness, engine.board.witness) by their cosignature verifier keys, with the
number k of them whose cosignatures make a checkpoint trusted (engine.board.cosigning). Whoever holds the
record must be able to tell the keys the election was set up with from keys a board operator
presents later, so the officials write them into the record, beside egk's files, before the board
takes its first ballot:

    board_keys.json   {"board_public_key": hex, "h_e": hex, "registrar_public_key": hex}
                      and, with witnesses, "witness_quorum": k and "witnesses": [vkey, ...] (sorted)

canonical JSON (``engine.board.entries.canonical_json``), upper-case hex, bound to H_E (spec 2.0.0
eq. 23) so that the file of one election is refused for another. The board refuses to serve with
another key or a roster signed by another registrar; voters' clients, receipt checks and the
verifier compare with it and with the keys a user pins on the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.board.entries import canonical_json, parse_canonical_json
from engine.board.note import ED25519_COSIGNATURE_V1, NoteError, VerifierKey
from engine.errors import BallotchainError
from engine.hash import UInt256

ELECTION_KEYS_FILE = "board_keys.json"
_KEY_SIZE = 32
_FIELDS = frozenset({"board_public_key", "h_e", "registrar_public_key"})
_WITNESS_FIELDS = _FIELDS | {"witness_quorum", "witnesses"}
MAX_WITNESSES = 32


class ElectionKeysError(BallotchainError, ValueError):
    """A malformed keys file, or one of another election."""


@dataclass(frozen=True)
class ElectionKeys:
    """The board's and the registrar's Ed25519 public keys (32 raw bytes each) for the election H_E."""

    h_e: UInt256
    board_public_key: bytes
    registrar_public_key: bytes
    witnesses: tuple[VerifierKey, ...] = ()
    witness_quorum: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.h_e, UInt256):
            raise ElectionKeysError("H_E must be a UInt256")
        for name in ("board_public_key", "registrar_public_key"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != _KEY_SIZE:
                raise ElectionKeysError(f"{name} must be {_KEY_SIZE} bytes")
        check_witnesses(self.witnesses, self.witness_quorum)
        object.__setattr__(self, "witnesses", tuple(sorted(self.witnesses, key=VerifierKey.vkey)))


def check_witnesses(witnesses: tuple[VerifierKey, ...], quorum: int) -> None:
    """Witnesses are distinct cosignature/v1 keys (type 0x04) with distinct names, and 1 <= k <= their
    number; no witnesses, k = 0."""
    if not isinstance(witnesses, tuple) or not all(isinstance(w, VerifierKey) for w in witnesses):
        raise ElectionKeysError("the witnesses are a tuple of verifier keys")
    if len(witnesses) > MAX_WITNESSES:
        raise ElectionKeysError(f"at most {MAX_WITNESSES} witnesses")
    for witness in witnesses:
        if witness.signature_type != ED25519_COSIGNATURE_V1:
            raise ElectionKeysError(f"the witness key {witness.name!r} is not a cosignature/v1 key (type 0x04)")
    if len({w.name for w in witnesses}) != len(witnesses):
        raise ElectionKeysError("two witnesses have the same key name")
    if isinstance(quorum, bool) or not isinstance(quorum, int):
        raise ElectionKeysError("the witness quorum is an integer")
    low = 1 if witnesses else 0
    if not low <= quorum <= len(witnesses):
        raise ElectionKeysError(f"the witness quorum k = {quorum} must be between {low} and {len(witnesses)}")


def election_keys_to_json(keys: ElectionKeys) -> dict[str, Any]:
    """The file's object; without witnesses, exactly the three fields of an election without them."""
    obj: dict[str, Any] = {
        "board_public_key": keys.board_public_key.hex().upper(),
        "h_e": keys.h_e.hex(),
        "registrar_public_key": keys.registrar_public_key.hex().upper(),
    }
    if keys.witnesses:
        obj["witness_quorum"] = keys.witness_quorum
        obj["witnesses"] = sorted(w.vkey() for w in keys.witnesses)
    return obj


def encode_election_keys(keys: ElectionKeys) -> bytes:
    """The file's bytes: canonical JSON and a final newline."""
    return canonical_json(election_keys_to_json(keys)) + b"\n"


def decode_election_keys(data: bytes, expected_h_e: UInt256 | None = None) -> ElectionKeys:
    """The keys in a board_keys.json; ElectionKeysError if malformed or bound to another election."""
    raw = bytes(data)
    if raw.endswith(b"\n"):
        raw = raw[:-1]
    obj = parse_canonical_json(raw, ELECTION_KEYS_FILE, ElectionKeysError)
    if not isinstance(obj, dict) or set(obj) not in (_FIELDS, _WITNESS_FIELDS):
        raise ElectionKeysError(
            f"{ELECTION_KEYS_FILE}: an object with exactly {', '.join(sorted(_FIELDS))} "
            "(and witness_quorum and witnesses, if the election has witnesses)"
        )
    values: dict[str, bytes] = {}
    for name, size in (("board_public_key", _KEY_SIZE), ("h_e", 32), ("registrar_public_key", _KEY_SIZE)):
        text = obj[name]
        if not isinstance(text, str) or len(text) != 2 * size or text != text.upper():
            raise ElectionKeysError(f"{ELECTION_KEYS_FILE}: {name} is {2 * size} upper-case hex digits")
        try:
            values[name] = bytes.fromhex(text)
        except ValueError as exc:
            raise ElectionKeysError(f"{ELECTION_KEYS_FILE}: {name} is not hex") from exc
    witnesses, quorum = _decode_witnesses(obj)
    keys = ElectionKeys(
        UInt256(values["h_e"]), values["board_public_key"], values["registrar_public_key"], witnesses, quorum
    )
    if expected_h_e is not None and keys.h_e != expected_h_e:
        raise ElectionKeysError(f"{ELECTION_KEYS_FILE}: the keys of another election (its H_E differs)")
    return keys


def _decode_witnesses(obj: dict[str, Any]) -> tuple[tuple[VerifierKey, ...], int]:
    if "witnesses" not in obj:
        return (), 0
    vkeys, quorum = obj["witnesses"], obj["witness_quorum"]
    if not isinstance(vkeys, list) or not vkeys or not all(isinstance(v, str) for v in vkeys):
        raise ElectionKeysError(f"{ELECTION_KEYS_FILE}: witnesses is a non-empty list of verifier keys")
    if vkeys != sorted(vkeys):
        raise ElectionKeysError(f"{ELECTION_KEYS_FILE}: the witnesses are sorted")
    try:
        witnesses = tuple(VerifierKey.parse(v) for v in vkeys)
    except NoteError as exc:
        raise ElectionKeysError(f"{ELECTION_KEYS_FILE}: a witness key: {exc}") from None
    if isinstance(quorum, bool) or not isinstance(quorum, int):
        raise ElectionKeysError(f"{ELECTION_KEYS_FILE}: witness_quorum is an integer")
    return witnesses, quorum
