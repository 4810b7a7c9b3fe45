"""Hashed ElGamal: one construction for key shares and contest data, spec 2.0.0 sections 3.3.2 and 3.3.6.

A sender picks a nonce xi, publishes C0 = alpha = g^xi and keeps beta = K^xi; a secret key k is a hash of
both (eq. 15 for a share, with tag 0x11; eq. 51 for contest data, with tag 0x22). An HMAC-SHA-256 KDF in
counter mode derives from k the MAC key k_0 and the encryption keys k_1, k_2, ... (eq. 16-17; eq. 52),
C1 = D xor (k_1 || k_2 || ...) (eq. 18; eq. 54) and C2 = HMAC(k_0, C0 || C1) (eq. 19; eq. 55). The
recipient recomputes beta = C0^s, checks C2 and only then removes the key stream (eq. 20; eq. 86-89).

What differs between the two uses is the input of each hash, given by the callers: the hash that makes k,
the KDF's counters (one byte 0x01, 0x02 for shares; b(i, 4) from 0 for contest data) and the rest of the
KDF input (Label, Context and the length field, where egk departs from the spec text: engine.ceremony and
engine.contest_data say how).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.group import ElementModP
from engine.hash import UInt256

BLOCK_BYTES = 32  # one HMAC-SHA-256 output: the length of each k_i


@dataclass(frozen=True)
class HashedCiphertext:
    """(C0, C1, C2) and the length of the data D: a share (eq. 18-19) or contest data (eq. 53-55).

    egk's c0, c1, c2 and numBytes. C1 holds whole 32-byte blocks, D is its first num_bytes bytes.
    """

    c0: ElementModP
    c1: bytes
    c2: UInt256
    num_bytes: int


def block_count(num_bytes: int) -> int:
    """How many 32-byte encryption keys a plaintext of num_bytes bytes needs: ceil(num_bytes / 32)."""
    return (num_bytes + BLOCK_BYTES - 1) // BLOCK_BYTES


def kdf_keys(key: UInt256, counters: Iterable[bytes], fixed_input: bytes) -> tuple[bytes, ...]:
    """k_i = HMAC(k, counter_i || fixed_input) for each counter, the KDF of eq. 16-17 and eq. 52."""
    return tuple(hmac.new(key.data, counter + fixed_input, hashlib.sha256).digest() for counter in counters)


def mac(mac_key: bytes, c0: ElementModP, c1: bytes) -> UInt256:
    """C2 = HMAC(k_0, b(C0, l_p) || C1), eq. 19 and eq. 55."""
    return UInt256(hmac.new(mac_key, c0.to_bytes() + c1, hashlib.sha256).digest())


def mac_matches(mac_key: bytes, ciphertext: HashedCiphertext) -> bool:
    """Whether C2 is the MAC of (C0, C1) under k_0 (eq. 20, eq. 86), compared in constant time."""
    return hmac.compare_digest(mac(mac_key, ciphertext.c0, ciphertext.c1).data, ciphertext.c2.data)


def xor_blocks(data: bytes, keys: Sequence[bytes]) -> bytes:
    """data xor (k_1 || k_2 || ...), cut to the length of data (eq. 18, eq. 54)."""
    stream = b"".join(keys)[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


def seal(c0: ElementModP, plaintext: bytes, mac_key: bytes, encryption_keys: Sequence[bytes]) -> HashedCiphertext:
    """(C0, C1, C2): D padded with 0x00 to whole blocks, xored with the key stream, then its MAC."""
    padded = plaintext.ljust(len(encryption_keys) * BLOCK_BYTES, b"\x00")
    c1 = xor_blocks(padded, encryption_keys)
    return HashedCiphertext(c0, c1, mac(mac_key, c0, c1), len(plaintext))


def unseal(ciphertext: HashedCiphertext, encryption_keys: Sequence[bytes]) -> bytes:
    """D = (C1 xor key stream) cut to num_bytes; the caller has checked the MAC (mac_matches) first."""
    return xor_blocks(ciphertext.c1, encryption_keys)[: ciphertext.num_bytes]
