"""Proof equations of ElectionGuard 1.0 checked one by one (strict) or in randomized batches.

Every 1.0 proof publishes its commitments, so each of its verification equations can be written
commitment = prod base_i^e_i mod p (e.g. a0 = g^v0 alpha^-c0, spec 1.0 "Ballot correctness"). A
batch of such equations, each raised to its own random 64-bit weight w from ``secrets``, holds as

    prod commitment^w = prod base^(sum w e mod q)

with equal bases merged, one multi-exponentiation on each side (the backend's). It is sound once every
base and commitment is known to be in the order-q subgroup (the membership checks V1.x.a come first).
A failing batch is halved, with fresh weights, down to single claims, which are then checked strictly:
every finding is the strict mode's. Subgroup membership is batched the same way (Jacobi symbols and
one random-exponent power, the backend's batch_in_subgroup) when the cofactor allows it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import lru_cache

import gmpy2

from engine.backend import get_backend
from engine.verify.batch_proofs import BATCH, STRICT, WEIGHT_BITS
from engine.verify.report import Finding, Recorder

SMALL_FACTOR_BOUND = 1 << 16


@dataclass(frozen=True, slots=True)
class Equation:
    """commitment = prod bases[i]^exponents[i] mod p (exponents already reduced mod q)."""

    commitment: int
    bases: tuple[int, ...]
    exponents: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Claim:
    """The equations of one proof: they all hold, or the finding (check id, message, where) is recorded."""

    check_id: str
    equations: tuple[Equation, ...]
    message: str
    where: tuple[tuple[str, str], ...]

    def finding(self) -> Finding:
        return Finding(self.check_id, self.message, **dict(self.where))


@dataclass(frozen=True, slots=True)
class Membership:
    """Values that must all be in Z_p^r (0 < x < p, x^q = 1 mod p) for one item of a check."""

    check_id: str
    values: tuple[int, ...]
    message: str
    where: tuple[tuple[str, str], ...]

    def finding(self) -> Finding:
        return Finding(self.check_id, self.message, **dict(self.where))


@lru_cache(maxsize=8)
def batch_membership_is_sound(p: int, q: int) -> bool:
    """Jacobi symbols and one random power decide membership when (p - 1) / (2q) is odd and has no small
    prime factor (as for spec 1.0's group, where it is prime; not for electionguard's test group)."""
    r = (p - 1) // q
    if r % 4 != 2:  # (p - 1) / (2q) even: -1 or another element of order 2^i would pass the Jacobi symbol
        return False
    half = r // 2
    return not any(half % f == 0 for f in range(3, SMALL_FACTOR_BOUND, 2) if gmpy2.is_prime(f))


def claim_holds(claim: Claim, p: int) -> bool:
    backend = get_backend()
    return all(backend.multi_powmod(e.bases, e.exponents, p) == e.commitment for e in claim.equations)


def batch_holds(claims: Sequence[Claim], p: int, q: int) -> bool:
    """The randomized equation of the module docstring over all the claims' equations."""
    lhs: dict[int, int] = {}
    rhs: dict[int, int] = {}
    for claim in claims:
        for e in claim.equations:
            w = secrets.randbits(WEIGHT_BITS) | 1
            lhs[e.commitment] = lhs.get(e.commitment, 0) + w
            for base, exponent in zip(e.bases, e.exponents):
                rhs[base] = (rhs.get(base, 0) + w * exponent) % q
    backend = get_backend()
    return bool(
        backend.multi_powmod(list(lhs), list(lhs.values()), p) == backend.multi_powmod(list(rhs), list(rhs.values()), p)
    )


def is_member(x: int, p: int, q: int) -> bool:
    return 0 < x < p and get_backend().powmod(x, q, p) == 1


def members_batch(items: Sequence[Membership], p: int, q: int) -> bool:
    values = [x for item in items for x in item.values]
    return all(0 < x < p for x in values) and bool(get_backend().batch_in_subgroup(values, p, q))


def _failing(items: list, holds: Callable[[list], bool]) -> list:  # type: ignore[type-arg]
    if holds(items):
        return []
    if len(items) == 1:
        return items
    half = len(items) // 2
    return _failing(items[:half], holds) + _failing(items[half:], holds)


Where = tuple[tuple[str, str], ...]


def settle_memberships(items: Sequence[Membership], p: int, q: int, rec: Recorder, *, strict: bool) -> set[Where]:
    """Record each item's membership check: batched (bisecting a failure) unless strict or unsound.

    Returns where the items that failed are: their proofs must not join a batch."""
    outside: set[Where] = set()
    if not items:
        return outside
    started = time.process_time()
    batched = not strict and batch_membership_is_sound(p, q)
    suspects = _failing(list(items), lambda xs: members_batch(xs, p, q)) if batched else list(items)
    suspect_ids = {id(x) for x in suspects}
    for item in items:
        if id(item) in suspect_ids and not all(is_member(x, p, q) for x in item.values):
            rec.failed(item.finding())
            outside.add(item.where)
        else:
            rec.passed(item.check_id)
    _spread_seconds(items, time.process_time() - started, rec)
    return outside


def _spread_seconds(items: Sequence[Membership | Claim], seconds: float, rec: Recorder) -> None:
    """Charge the time of a settlement to the items' check ids, evenly per item."""
    for item in items:
        rec.add_seconds(item.check_id, seconds / len(items))


def settle_claims(
    claims: Sequence[Claim], p: int, q: int, rec: Recorder, *, strict: bool, outside: AbstractSet[Where] = frozenset()
) -> None:
    """Record each claim's check: in randomized batches (bisecting a failure), or one by one if strict
    (or if one of its values is outside Z_p^r: ``outside`` holds where those are)."""
    if not claims:
        return
    started = time.process_time()
    alone = [c for c in claims if strict or c.where in outside]
    pooled = [c for c in claims if not (strict or c.where in outside)]
    suspects = alone + (_failing(pooled, lambda xs: batch_holds(xs, p, q)) if pooled else [])
    suspect_ids = {id(x) for x in suspects}
    for claim in claims:
        if id(claim) in suspect_ids:
            if claim_holds(claim, p):
                rec.passed(claim.check_id)
                rec.form(claim.check_id, STRICT)
            else:
                rec.failed(claim.finding())
        else:
            rec.passed(claim.check_id)
            rec.form(claim.check_id, BATCH)
    _spread_seconds(claims, time.process_time() - started, rec)
