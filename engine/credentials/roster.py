"""The registrar's signed roster of eligible voters' DIDs.

A roster is the sorted list of distinct did:key identifiers eligible in one election, their Merkle
root (RFC 9162 MTH over leaf_hash(UTF-8 DID) in sorted order, ``engine.board.merkle``), the
election it is bound to, and the registrar's Ed25519 signature over

    b"ballotchain-roster-v1" || binding || election_hash || b(count, 8) || root

where ``binding`` is the 3 ASCII bytes ``H_E`` (the extended base hash, spec 2.0.0 eq. 23) or
``H_M`` (the manifest hash, eq. 6: for a roster published before the key ceremony) and
``election_hash`` is that value's 32 bytes. The list itself is covered through the root, so adding,
removing or reordering a DID breaks the signature's check. Anyone can give a voter a membership
proof (an RFC 9162 inclusion proof of the DID's leaf under the root).

The file form is JSON {"kind": "ballotchain-roster-v1", "binding", "election_hash", "dids", "root",
"registrar_public_key", "signature"} with upper-case hex byte strings, written canonically
(sorted keys, compact); any JSON layout of the same object is read.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from engine.board.entries import canonical_json, shown
from engine.board.merkle import inclusion_proof, leaf_hash, root_of
from engine.credentials.did import CredentialError, Ed25519KeyHolder, is_did_key, public_key_from_did
from engine.credentials.keys import ed25519_verify
from engine.hash import UInt256
from engine.record.jsonio import MAX_JSON_DEPTH, json_depth_exceeds

ROSTER_KIND = "ballotchain-roster-v1"
ROSTER_DOMAIN = b"ballotchain-roster-v1"
BINDINGS = ("H_E", "H_M")
_FIELDS = frozenset({"kind", "binding", "election_hash", "dids", "root", "registrar_public_key", "signature"})


class RosterError(CredentialError):
    """A malformed roster (structure); a roster that is well formed but forged fails verify_roster."""


def roster_leaf(did: str) -> bytes:
    return leaf_hash(did.encode())


def roster_root(dids: Iterable[str]) -> bytes:
    """MTH over the leaf hashes of the DIDs in the order given (sorted in a valid roster)."""
    return root_of([roster_leaf(d) for d in dids])


def roster_message(binding: str, election_hash: UInt256, count: int, root: bytes) -> bytes:
    """The bytes the registrar signs (see the module docstring)."""
    return ROSTER_DOMAIN + binding.encode() + election_hash.data + count.to_bytes(8, "big") + root


@dataclass(frozen=True)
class SignedRoster:
    """The eligible DIDs of one election, with their Merkle root and the registrar's signature."""

    binding: str
    election_hash: UInt256
    dids: tuple[str, ...]
    root: bytes
    registrar_public_key: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if self.binding not in BINDINGS:
            raise RosterError(f"a roster is bound to H_E or H_M, not {shown(self.binding)}")
        if not isinstance(self.election_hash, UInt256):
            raise RosterError("the election hash is a UInt256")
        if not isinstance(self.dids, tuple) or not all(isinstance(d, str) for d in self.dids):
            raise RosterError("the DIDs are a tuple of strings")
        for value, size, what in (
            (self.root, 32, "root"),
            (self.registrar_public_key, 32, "registrar public key"),
            (self.signature, 64, "signature"),
        ):
            if not isinstance(value, bytes) or len(value) != size:
                raise RosterError(f"the roster's {what} is {size} bytes")

    def contains(self, did: str) -> bool:
        """Is ``did`` on the roster? (binary search: the DIDs of a valid roster are sorted)"""
        i = bisect.bisect_left(self.dids, did)
        return i < len(self.dids) and self.dids[i] == did

    def __contains__(self, did: object) -> bool:
        return isinstance(did, str) and self.contains(did)

    def __len__(self) -> int:
        return len(self.dids)

    def membership_proof(self, did: str) -> tuple[int, list[bytes]]:
        """(leaf index, RFC 9162 inclusion proof) of ``did`` under ``root``; RosterError if absent."""
        i = bisect.bisect_left(self.dids, did)
        if i >= len(self.dids) or self.dids[i] != did:
            raise RosterError("the DID is not on the roster")
        return i, inclusion_proof([roster_leaf(d) for d in self.dids], i, len(self.dids))

    def is_bound_to(self, h_e: UInt256, manifest_hash: UInt256) -> bool:
        """Is the roster for the election with this H_E (or, bound early, this H_M)?"""
        return self.election_hash == (h_e if self.binding == "H_E" else manifest_hash)


class RegistrarKey(Ed25519KeyHolder):
    """The registrar's Ed25519 key, which signs rosters."""

    KIND = "ballotchain-registrar-key-v1"
    ROLE = "registrar key"

    def __repr__(self) -> str:
        return f"RegistrarKey(public_key={self.public_key.hex()})"


def make_roster(
    registrar_key: RegistrarKey, dids: Iterable[str], election_hash: UInt256, *, binding: str = "H_E"
) -> SignedRoster:
    """Sign the roster of these DIDs (each a valid did:key, no repeats) for one election."""
    if binding not in BINDINGS:
        raise RosterError(f"a roster is bound to H_E or H_M, not {shown(binding)}")
    if not isinstance(election_hash, UInt256):
        raise RosterError("the election hash is a UInt256")
    listed = list(dids)
    for did in listed:
        public_key_from_did(did)
    ordered = tuple(sorted(listed))
    for a, b in zip(ordered, ordered[1:]):
        if a == b:
            raise RosterError(f"the DID {a} is listed twice")
    root = roster_root(ordered)
    signature = registrar_key.sign(roster_message(binding, election_hash, len(ordered), root))
    return SignedRoster(binding, election_hash, ordered, root, registrar_key.public_key, signature)


def roster_problems(roster: SignedRoster, registrar_public_key: bytes | None = None) -> list[str]:
    """Why the roster does not verify (empty list: it verifies)."""
    problems = []
    if registrar_public_key is not None and roster.registrar_public_key != registrar_public_key:
        problems.append("the roster is signed by another registrar key")
    bad = [d for d in roster.dids if not is_did_key(d)]
    if bad:
        problems.append(f"{len(bad)} entries are not did:key identifiers (first: {bad[0][:60]!r})")
    if any(a >= b for a, b in zip(roster.dids, roster.dids[1:])):
        problems.append("the DIDs are not sorted and distinct")
    if roster_root(roster.dids) != roster.root:
        problems.append("the root is not the Merkle root of the DIDs")
    message = roster_message(roster.binding, roster.election_hash, len(roster.dids), roster.root)
    if not ed25519_verify(roster.registrar_public_key, message, roster.signature):
        problems.append("the registrar's signature does not verify")
    return problems


def verify_roster(roster: SignedRoster, registrar_public_key: bytes | None = None) -> bool:
    """Is the roster well formed (sorted distinct did:keys, their root) and signed by the registrar?

    With ``registrar_public_key`` it must also be that registrar's key (otherwise the caller must
    trust ``roster.registrar_public_key`` some other way).
    """
    return isinstance(roster, SignedRoster) and not roster_problems(roster, registrar_public_key)


# ---------------------------------------------------------------- file form


def roster_to_json(roster: SignedRoster) -> dict[str, Any]:
    return {
        "kind": ROSTER_KIND,
        "binding": roster.binding,
        "election_hash": roster.election_hash.hex(),
        "dids": list(roster.dids),
        "root": roster.root.hex().upper(),
        "registrar_public_key": roster.registrar_public_key.hex().upper(),
        "signature": roster.signature.hex().upper(),
    }


def encode_roster(roster: SignedRoster) -> bytes:
    """The roster as canonical JSON bytes."""
    return canonical_json(roster_to_json(roster))


def roster_from_json(obj: Any) -> SignedRoster:
    """A roster from its JSON object; RosterError for a malformed one (forgery: verify_roster)."""
    if not isinstance(obj, dict):
        raise RosterError("a roster is a JSON object")
    missing, extra = sorted(_FIELDS - obj.keys()), sorted(obj.keys() - _FIELDS)
    if missing or extra:
        raise RosterError(f"roster fields: missing {missing or 'none'}, unknown {extra or 'none'}")
    if obj["kind"] != ROSTER_KIND:
        raise RosterError(f"not a roster (kind {shown(obj['kind'])})")
    dids = obj["dids"]
    if not isinstance(dids, list) or not all(isinstance(d, str) for d in dids):
        raise RosterError("dids: a list of strings is required")
    return SignedRoster(
        binding=obj["binding"],
        election_hash=UInt256(_hex(obj, "election_hash", 32)),
        dids=tuple(dids),
        root=_hex(obj, "root", 32),
        registrar_public_key=_hex(obj, "registrar_public_key", 32),
        signature=_hex(obj, "signature", 64),
    )


def decode_roster(data: bytes) -> SignedRoster:
    """A roster from its file bytes (any JSON layout; nested no deeper than MAX_JSON_DEPTH)."""
    if json_depth_exceeds(bytes(data)):
        raise RosterError(f"the roster is not JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        obj = json.loads(bytes(data).decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RosterError(f"the roster is not JSON: {exc}") from exc
    return roster_from_json(obj)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _hex(obj: dict[str, Any], key: str, size: int) -> bytes:
    value = obj[key]
    try:
        raw = bytes.fromhex(value)
    except (TypeError, ValueError) as exc:
        raise RosterError(f"{key}: not a hex string") from exc
    if len(raw) != size:
        raise RosterError(f"{key}: {size} bytes are required, not {len(raw)}")
    return raw
