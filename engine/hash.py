"""The ElectionGuard hash H and its input encodings, spec 2.0.0 section 5.

H(B0; B1) = HMAC-SHA-256(B0, B1) (eq. 105). B1 is the concatenation of the encoded inputs
(section 5.3): the domain-separation byte first, then elements mod p as b(x, l_p), elements
mod q as b(x, l_q), small integers as b(n, 4), strings and files as b(len, 4) || bytes, and
earlier hash outputs (32 bytes) as they are.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Union

from engine import domains
from engine.errors import EncodingError
from engine.group import ElementModP, ElementModQ, Group

HASH_BYTES = 32

# ver = b("v2.0.0") padded with 0x00 to 32 bytes (eq. 4; see docs/PROTOCOL.md deviation 7).
SPEC_VERSION = "v2.0.0"
VERSION_BYTES = SPEC_VERSION.encode("ascii").ljust(HASH_BYTES, b"\x00")


@dataclass(frozen=True, slots=True)
class UInt256:
    """A 32-byte hash output, spec 5.4: used as an HMAC key or as input to H unchanged."""

    data: bytes

    def __post_init__(self) -> None:
        if len(self.data) != HASH_BYTES:
            raise EncodingError(f"a hash value has {HASH_BYTES} bytes, not {len(self.data)}")

    @classmethod
    def from_hex(cls, text: str) -> UInt256:
        try:
            data = bytes.fromhex(text)
        except (ValueError, TypeError) as exc:
            raise EncodingError(f"not a hexadecimal hash value: {str(text)[:20]!r}") from exc
        return cls(data)

    def hex(self) -> str:
        return self.data.hex().upper()

    def to_int(self) -> int:
        return int.from_bytes(self.data, "big")

    def to_q(self, group: Group) -> ElementModQ:
        """The hash read as an integer and reduced mod q (challenges, nonces)."""
        return group.reduce_q(self.to_int())


@dataclass(frozen=True, slots=True)
class Text:
    """A string input to H: b(len, 4) || UTF-8 bytes, spec 5.1.4."""

    value: str


@dataclass(frozen=True, slots=True)
class Blob:
    """A file input to H: b(len, 4) || bytes, spec 5.1.5."""

    value: bytes


HashInput = Union[ElementModP, ElementModQ, UInt256, int, Text, Blob, bytes]


def small_int_bytes(n: int) -> bytes:
    """b(n, 4) for 0 <= n < 2^31, spec 5.1.3."""
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < (1 << 31):
        raise EncodingError(f"a small integer must be in 0..2^31-1, not {n!r}")
    return n.to_bytes(4, "big")


def length_prefixed(data: bytes) -> bytes:
    if len(data) >= 1 << 32:
        raise EncodingError("an input to H is limited to 2^32 bytes")
    return len(data).to_bytes(4, "big") + data


def encode(item: HashInput) -> bytes:
    """The byte encoding of one input to H (section 5.1)."""
    if isinstance(item, (ElementModP, ElementModQ)):
        return item.to_bytes()
    if isinstance(item, UInt256):
        return item.data
    if isinstance(item, bytes):
        return item
    if isinstance(item, Text):
        return length_prefixed(item.value.encode("utf-8"))
    if isinstance(item, Blob):
        return length_prefixed(item.value)
    if isinstance(item, int):
        return small_int_bytes(item)
    raise EncodingError(f"cannot hash a value of type {type(item).__name__}")


def hash_bytes(key: UInt256 | bytes, data: bytes) -> UInt256:
    """H(B0; B1) = HMAC-SHA-256(B0, B1), eq. 105."""
    k = key.data if isinstance(key, UInt256) else key
    if len(k) != HASH_BYTES:
        raise EncodingError("the key of H is 32 bytes")
    return UInt256(hmac.new(k, data, hashlib.sha256).digest())


def hash_elems(key: UInt256 | bytes, tag: int, *items: HashInput) -> UInt256:
    """H(key; tag, items...) with the one-byte domain separator first (section 5.5)."""
    return hash_bytes(key, bytes([tag]) + b"".join(encode(x) for x in items))


def parameter_base_hash(group: Group, version: str = SPEC_VERSION) -> UInt256:
    """H_P = H(ver; 0x00, p, q, g), eq. 4; ver is the version string padded with 0x00 to 32 bytes."""
    return hash_bytes(
        version.encode("utf-8").ljust(HASH_BYTES, b"\x00"),
        bytes([domains.PARAMETER_BASE])
        + int(group.p).to_bytes(group.p_bytes, "big")
        + int(group.q).to_bytes(group.q_bytes, "big")
        + int(group.g).to_bytes(group.p_bytes, "big"),
    )


def manifest_hash(h_p: UInt256, manifest_file: bytes) -> UInt256:
    """H_M = H(H_P; 0x01, manifest), eq. 6; the file enters with its 4-byte length (5.1.5)."""
    return hash_elems(h_p, domains.MANIFEST, Blob(manifest_file))


def election_base_hash(h_p: UInt256, h_m: UInt256, n: int, k: int) -> UInt256:
    """H_B = H(H_P; 0x02, H_M, n, k), eq. 7."""
    return hash_elems(h_p, domains.ELECTION_BASE, h_m, n, k)


def extended_base_hash(h_b: UInt256, joint_key: ElementModP) -> UInt256:
    """H_E = H(H_B; 0x12, K), eq. 23."""
    return hash_elems(h_b, domains.EXTENDED_BASE, joint_key)
