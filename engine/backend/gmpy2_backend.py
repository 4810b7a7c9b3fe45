"""The reference backend: gmpy2 calls only."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from functools import lru_cache

import gmpy2
from gmpy2 import mpz

from engine.backend.base import Backend, FixedBaseTable
from engine.errors import BackendError


class Gmpy2FixedBaseTable(FixedBaseTable):
    """Windowed table: row i holds base**(d * 2**(window*i)) for every digit d.

    An exponentiation is one multiplication per window and no squaring. The rows are built on the
    first pow(): a table used only for pow_secret never needs them.

    pow_secret cannot be constant time in Python: it is GMP's constant-time exponentiation
    gmpy2.powmod_sec at a fixed exponent width (see powmod_sec_fixed_width), not a table method
    at all, and costs a full exponentiation (~1.5-2 ms on the production group instead of
    ~0.12 ms). The correction factor base^(-2^N) is computed once per table.
    """

    def __init__(self, base: int, modulus: int, exp_bits: int, window: int) -> None:
        if not 1 <= window <= 16 or exp_bits < 1:
            raise BackendError(f"bad table shape: window={window}, exp_bits={exp_bits}")
        self.base = mpz(base) % modulus
        self.modulus = mpz(modulus)
        self.exp_bits = exp_bits
        self.window = window
        self._mask = (1 << window) - 1
        self._rows: list[list[mpz]] | None = None
        self._unpad: mpz | None = None

    def _build_rows(self) -> list[list[mpz]]:
        rows = []
        row_base = self.base
        for _ in range(-(-self.exp_bits // self.window)):
            row = [mpz(1)]
            for _d in range(1, 1 << self.window):
                row.append(row[-1] * row_base % self.modulus)
            rows.append(row)
            row_base = row[-1] * row_base % self.modulus
        return rows

    def _check_exponent(self, exponent: int) -> None:
        if not 0 <= exponent < (1 << self.exp_bits):
            raise BackendError("exponent out of the table's range")

    def pow(self, exponent: int) -> mpz:
        self._check_exponent(exponent)
        rows = self._rows
        if rows is None:  # two threads may both build them: the same rows, one is kept
            rows = self._rows = self._build_rows()
        e = int(exponent)
        acc = mpz(1) % self.modulus
        p = self.modulus
        mask, w = self._mask, self.window
        for row in rows:
            d = e & mask
            if d:
                acc = acc * row[d] % p
            e >>= w
        return acc

    def pow_secret(self, exponent: int) -> mpz:
        self._check_exponent(exponent)
        if self.modulus % 2 == 0:
            raise BackendError("pow_secret needs an odd modulus")
        unpad = self._unpad
        if unpad is None:  # two threads may both compute it: the same value, one is kept
            unpad = self._unpad = unpad_factor(self.base, self.modulus, self.exp_bits)
        return powmod_sec_fixed_width(self.base, exponent, self.modulus, self.exp_bits, unpad)


class Gmpy2Backend(Backend):
    name = "gmpy2"
    gmp_source = f"{gmpy2.mp_version()} (linked into gmpy2)"

    def powmod(self, base: int, exponent: int, modulus: int) -> mpz:
        if exponent < 0 or modulus < 1:
            raise BackendError("powmod needs exponent >= 0 and modulus >= 1")
        return gmpy2.powmod(base, exponent, modulus)

    def powmod_sec(self, base: int, exponent: int, modulus: int, exp_bits: int) -> mpz:
        if isinstance(exp_bits, bool) or not isinstance(exp_bits, int) or exp_bits < 1:
            raise BackendError(f"exp_bits must be a positive integer, not {exp_bits!r}")
        if base < 0 or modulus < 3 or modulus % 2 == 0:
            raise BackendError("powmod_sec needs base >= 0 and an odd modulus >= 3")
        if not 0 <= exponent < mpz(1) << exp_bits:
            raise BackendError(f"powmod_sec needs 0 <= exponent < 2**{exp_bits}")
        b, m = mpz(base) % modulus, mpz(modulus)
        return powmod_sec_fixed_width(b, exponent, m, exp_bits, unpad_factor(b, m, exp_bits))

    def fixed_base_table(self, base: int, modulus: int, exp_bits: int, window: int) -> FixedBaseTable:
        return Gmpy2FixedBaseTable(base, modulus, exp_bits, window)

    def multi_powmod(self, bases: Sequence[int], exponents: Sequence[int], modulus: int) -> mpz:
        if len(bases) != len(exponents):
            raise BackendError("multi_powmod needs as many exponents as bases")
        if any(e < 0 for e in exponents):
            raise BackendError("multi_powmod needs non-negative exponents")
        acc = mpz(1) % modulus
        for b, e in zip(bases, exponents):
            acc = acc * gmpy2.powmod(b, e, modulus) % modulus
        return acc

    def prod_mod(self, values: Sequence[int], modulus: int) -> mpz:
        m = mpz(modulus)
        acc = mpz(1) % m
        for v in values:
            acc = acc * v % m
        return acc

    def powmod_many(self, bases: Sequence[int], exponents: Sequence[int], modulus: int) -> list[mpz]:
        if len(bases) != len(exponents):
            raise BackendError("powmod_many needs as many exponents as bases")
        if any(e < 0 for e in exponents):
            raise BackendError("powmod_many needs non-negative exponents")
        return [gmpy2.powmod(b, e, modulus) for b, e in zip(bases, exponents)]

    def batch_in_subgroup(self, values: Sequence[int], p: int, q: int) -> bool:
        pz = mpz(p)
        for x in values:
            if not 0 < x < pz or gmpy2.jacobi(x, pz) != 1:
                return False
        if not values:
            return True
        exponents = [secrets.randbits(_BATCH_EXPONENT_BITS) for _ in values]
        return gmpy2.powmod(_bucket_product(values, exponents, pz), q, pz) == 1


def _padding_bits(exp_bits: int) -> int:
    return 64 * -(-exp_bits // 64)


@lru_cache(maxsize=64)
def unpad_factor(base: mpz, modulus: mpz, exp_bits: int) -> mpz | None:
    """base^(-2^N) mod modulus, N = exp_bits rounded up to 64-bit words; None if base is not invertible.

    It depends on the (public) base only, and is kept for the last bases seen (a partial
    decryption raises each ciphertext's pad to the key share and to a nonce).
    """
    try:
        return gmpy2.powmod(base, -(mpz(1) << _padding_bits(exp_bits)), modulus)
    except (ValueError, ZeroDivisionError):
        return None


def powmod_sec_fixed_width(base: mpz, exponent: int, modulus: mpz, exp_bits: int, unpad: mpz | None) -> mpz:
    """base^exponent mod modulus for a secret 0 <= exponent < 2**exp_bits with gmpy2.powmod_sec.

    mpz_powm_sec's time depends on the exponent's size in 64-bit words, and gmpy2 refuses
    exponent 0. So the exponent goes in as exponent + 2^N, N = exp_bits rounded up to words,
    which has N/64 + 1 words for every exponent, and the result is multiplied by
    unpad = base^(-2^N). A base that shares a factor with the modulus (0, for a prime modulus:
    never a group element) has no such factor; it takes the plain path, with no timing promise.
    """
    if unpad is None:
        return gmpy2.powmod_sec(base, exponent, modulus) if exponent else mpz(1) % modulus
    padded = mpz(exponent) + (mpz(1) << _padding_bits(exp_bits))
    return gmpy2.powmod_sec(base, padded, modulus) * unpad % modulus


_BATCH_EXPONENT_BITS = 64


def _bucket_product(values: Sequence[int], exponents: Sequence[int], p: mpz) -> mpz:
    """prod(x_i^e_i) mod p for short exponents by the bucket method (Pippenger).

    Per c-bit window: each x_i goes into the bucket of its digit (one multiplication), then the
    buckets are combined as prod_d bucket_d^d with two running products; the windows are joined by
    c squarings. The window minimises the multiplication count for this batch size.
    """
    bits = _BATCH_EXPONENT_BITS
    n = len(values)
    c = min(range(1, 13), key=lambda w: -(-bits // w) * (n + 2 ** (w + 1)) + bits)
    mask = (1 << c) - 1
    acc = mpz(1)
    for shift in range((-(-bits // c) - 1) * c, -1, -c):
        for _ in range(c):
            acc = acc * acc % p
        buckets: dict[int, mpz] = {}
        for x, e in zip(values, exponents):
            d = (e >> shift) & mask
            if d:
                b = buckets.get(d)
                buckets[d] = x if b is None else b * x % p
        running, window = mpz(1), mpz(1)
        for d in range(mask, 0, -1):
            b = buckets.get(d)
            if b is not None:
                running = running * b % p
            if running != 1:
                window = window * running % p
        acc = acc * window % p
    return acc
