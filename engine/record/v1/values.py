"""ElectionGuard 1.0 values as electionguard-python 1.4 writes them: the group's constants, and
integers mod p and mod q as upper-case hex of an even number of digits (its ``BigInteger``).

Values stay Python integers: the 1.0 group is not one of the engine's 2.0 groups.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.record.cursor import JsonCursor
from engine.record.errors import ValueKind

CIPHERTEXT_KEYS = ("pad", "data")


@dataclass(frozen=True, slots=True)
class V1Constants:
    """constants.json: p, q, the cofactor r and the generator g (spec 1.0, "Parameter requirements")."""

    p: int
    q: int
    r: int
    g: int


@dataclass(frozen=True, slots=True)
class V1Ciphertext:
    """An ElGamal ciphertext (alpha, beta) = (g^R, g^m K^R) mod p: electionguard's ``pad`` and ``data``."""

    pad: int
    data: int


def hex_int(n: JsonCursor) -> int:
    """A non-negative integer written as hex digits (either case, any width)."""
    return int(n.hex_digits(4096), 16)


def mod_p(n: JsonCursor, c: V1Constants) -> int:
    """An integer in 0..p-1 (membership of the order-q subgroup is the verifier's check)."""
    value = hex_int(n)
    if value >= c.p:
        n.out_of_range(ValueKind.ELEMENT_MOD_P, "not an integer mod p (0..p-1)")
    return value


def mod_q(n: JsonCursor, c: V1Constants) -> int:
    """An integer in 0..q-1."""
    value = hex_int(n)
    if value >= c.q:
        n.out_of_range(ValueKind.INTEGER_MOD_Q, "not an integer mod q (0..q-1)")
    return value


def ciphertext(n: JsonCursor, c: V1Constants) -> V1Ciphertext:
    o = n.obj(CIPHERTEXT_KEYS)
    return V1Ciphertext(mod_p(o.get("pad"), c), mod_p(o.get("data"), c))


def decode_constants(obj: object, file: str) -> V1Constants:
    """constants.json: the four integers; whether they are a known group is the verifier's check (V1.1.a)."""
    o = JsonCursor.root(obj, file, None, ("large_prime", "small_prime", "cofactor", "generator"))
    p, q, r, g = (hex_int(o.get(k)) for k in ("large_prime", "small_prime", "cofactor", "generator"))
    if p < 3 or q < 2:
        o.fail("p and q must be primes")
    if not 1 < g < p:
        o.get("generator").fail("not in 2..p-1")
    return V1Constants(p, q, r, g)
