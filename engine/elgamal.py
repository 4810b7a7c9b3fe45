"""Exponential ElGamal with the vote in the exponent of K, spec 2.0.0 section 3.3.1."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import gmpy2

from engine.errors import DecryptionError, GroupError
from engine.group import ElementModP, ElementModQ, Group


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """(alpha, beta) = (g^xi, K^(sigma + xi)), eq. 24; egk calls them pad and data."""

    pad: ElementModP
    data: ElementModP

    def __add__(self, other: Ciphertext) -> Ciphertext:
        """Component-wise product: an encryption of the sum of the plaintexts."""
        return Ciphertext(self.pad * other.pad, self.data * other.data)


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A secret s in Z_q and its public key K = g^s mod p."""

    secret: ElementModQ
    public: ElementModP

    @classmethod
    def from_secret(cls, secret: ElementModQ) -> KeyPair:
        if secret.value == 0:
            raise GroupError("an ElGamal secret key must be non-zero")
        return cls(secret, secret.group.g_pow_secret(secret))

    @classmethod
    def generate(cls, group: Group) -> KeyPair:
        return cls.from_secret(group.random_nonzero_q())


def encrypt(vote: int, nonce: ElementModQ, public_key: ElementModP) -> Ciphertext:
    """Enc(sigma, xi) = (g^xi, K^(sigma + xi)), eq. 24, from the constant-time fixed-base tables.

    xi is secret (it reveals sigma), and so is sigma + xi.
    """
    group = nonce.group
    if isinstance(vote, bool) or not isinstance(vote, int) or vote < 0:
        raise GroupError(f"a plaintext must be a non-negative integer, not {vote!r}")
    return Ciphertext(group.g_pow_secret(nonce), group.k_pow_secret(public_key, nonce + vote))


def add_all(ciphertexts: Iterable[Ciphertext], group: Group) -> Ciphertext:
    """The homomorphic sum of many ciphertexts (the encryption of 0 with nonce 0 if none).

    A few (a contest's selections) are multiplied one by one: the backend's product costs a setup
    (the native one, ~30-50 us on the production group) that only pays off for longer lists.
    """
    pads, datas = [], []
    for c in ciphertexts:
        pads.append(c.pad)
        datas.append(c.data)
    if 0 < len(pads) <= _FOLD_LIMIT:
        pad, data = pads[0], datas[0]
        for x, y in zip(pads[1:], datas[1:]):
            pad, data = pad * x, data * y
        return Ciphertext(pad, data)
    return Ciphertext(group.product(pads), group.product(datas))


_FOLD_LIMIT = 12


def partial_decrypt(ciphertext: Ciphertext, share: ElementModQ) -> ElementModP:
    """M_i = A^P(i) mod p, eq. 66 (with the full secret s this is M = A^s, eq. 63)."""
    return ciphertext.pad.pow_secret(share)


def exponent_of(value: ElementModP, base: ElementModP, bound: int) -> int:
    """The t with base^t = value and 0 <= t <= bound, by baby-step giant-step.

    Memory and time grow with sqrt(bound); bound = 10^8 needs 10^4 stored residues.
    """
    group = value.group
    p = group.p
    m = max(1, gmpy2.isqrt(bound) + 1)
    baby: dict[int, int] = {}
    x = gmpy2.mpz(1)
    b = base.value
    for j in range(m):
        baby.setdefault(int(x & 0xFFFFFFFFFFFFFFFF), j)
        x = x * b % p
    giant = gmpy2.invert(x, p) if x else None  # base^-m
    if giant is None:
        raise DecryptionError("the base of the discrete log is not invertible")
    y = value.value
    for i in range(m + 1):
        hit = baby.get(int(y & 0xFFFFFFFFFFFFFFFF))
        if hit is not None:
            t = i * m + hit
            if t <= bound and gmpy2.powmod(b, t, p) == value.value:
                return int(t)
        y = y * giant % p
    raise DecryptionError(f"the plaintext is not in 0..{bound}")


def decrypt_with_secret(ciphertext: Ciphertext, secret: ElementModQ, public_key: ElementModP, bound: int) -> int:
    """sigma from (alpha, beta) with the full secret: T = beta / alpha^s = K^sigma, eq. 63-64."""
    t = ciphertext.data / partial_decrypt(ciphertext, secret)
    return exponent_of(t, public_key, bound)


def decrypt_with_nonce(ciphertext: Ciphertext, nonce: ElementModQ, public_key: ElementModP, bound: int) -> int:
    """sigma from beta with the encryption nonce: beta / K^xi = K^sigma.

    For challenged ballots, whose nonces are published: public exponents, fast tables.
    """
    group = nonce.group
    k_xi = group.k_pow(public_key, nonce)
    if group.g_pow(nonce) != ciphertext.pad:
        raise DecryptionError("the nonce does not match the ciphertext")
    return exponent_of(ciphertext.data / k_xi, public_key, bound)
