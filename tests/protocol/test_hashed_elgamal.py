"""engine.hashed_elgamal, the one hashed ElGamal construction of shares (eq. 14-20) and contest data (eq. 50-55)."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

import pytest

from engine.group import TEST_GROUP as G
from engine.hash import UInt256
from engine.hashed_elgamal import BLOCK_BYTES, block_count, kdf_keys, mac_matches, seal, unseal

KEY = UInt256(bytes(range(32)))


@pytest.mark.parametrize("length", [0, 1, 31, 32, 33, 64, 100])
def test_seal_then_unseal_gives_the_plaintext_back(length: int) -> None:
    plaintext = bytes((7 * i + 1) % 256 for i in range(length))
    mac_key, *keys = kdf_keys(KEY, (i.to_bytes(4, "big") for i in range(block_count(length) + 1)), b"ctx")
    ct = seal(G.g_pow(5), plaintext, mac_key, keys)
    assert len(ct.c1) == block_count(length) * BLOCK_BYTES and ct.num_bytes == length
    assert mac_matches(mac_key, ct)
    assert unseal(ct, keys) == plaintext


def test_the_mac_covers_c0_and_every_byte_of_c1() -> None:
    mac_key, key = kdf_keys(KEY, (b"\x01", b"\x02"), b"share")
    ct = seal(G.g_pow(5), bytes(32), mac_key, (key,))
    assert not mac_matches(mac_key, dataclasses.replace(ct, c0=G.g_pow(6)))
    for i in range(32):
        c1 = bytearray(ct.c1)
        c1[i] ^= 1
        assert not mac_matches(mac_key, dataclasses.replace(ct, c1=bytes(c1)))


def test_the_kdf_is_hmac_of_counter_then_fixed_input() -> None:
    (k,) = kdf_keys(KEY, (b"\x00\x00\x00\x03",), b"label\x00context")
    assert k == hmac.new(KEY.data, b"\x00\x00\x00\x03label\x00context", hashlib.sha256).digest()
