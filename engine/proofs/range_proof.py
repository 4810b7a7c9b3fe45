"""Disjunctive Chaum-Pedersen range proof that (alpha, beta) encrypts an integer in 0..R.

Spec 2.0.0 section 3.3.5, eq. 44-48 (selections, R = 1) and section 3.3.8, eq. 56 (contest
selection limits, R = L). Verification 5 (and 6 for the limit proof).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gmpy2 import mpz

from engine import domains
from engine.elgamal import Ciphertext
from engine.errors import ProofError
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import UInt256, hash_elems


@dataclass(frozen=True, slots=True)
class RangeProof:
    """The challenges c_0..c_R and responses v_0..v_R."""

    challenges: tuple[ElementModQ, ...]
    responses: tuple[ElementModQ, ...]

    @property
    def limit(self) -> int:
        return len(self.challenges) - 1


def range_challenge(
    h_e: UInt256, public_key: ElementModP, ciphertext: Ciphertext, commitments: Sequence[ElementModP]
) -> ElementModQ:
    """c = H(H_E; 0x21, K, alpha, beta, a_0, b_0, ..., a_R, b_R), eq. 46 / 56."""
    return hash_elems(h_e, domains.RANGE_PROOF, public_key, ciphertext.pad, ciphertext.data, *commitments).to_q(
        public_key.group
    )


def prove_range(
    h_e: UInt256,
    public_key: ElementModP,
    ciphertext: Ciphertext,
    nonce: ElementModQ,
    value: int,
    limit: int,
    *,
    u: Sequence[ElementModQ] | None = None,
    c: Sequence[ElementModQ] | None = None,
) -> RangeProof:
    """Prove that ciphertext = Enc(value, nonce) with 0 <= value <= limit, eq. 44-48 (prove_range_committed)."""
    return prove_range_committed(h_e, public_key, ciphertext, nonce, value, limit, u=u, c=c)[0]


def prove_range_committed(
    h_e: UInt256,
    public_key: ElementModP,
    ciphertext: Ciphertext,
    nonce: ElementModQ,
    value: int,
    limit: int,
    *,
    u: Sequence[ElementModQ] | None = None,
    c: Sequence[ElementModQ] | None = None,
) -> tuple[RangeProof, tuple[ElementModP, ...]]:
    """Prove that ciphertext = Enc(value, nonce) with 0 <= value <= limit, eq. 44-48; with the proof,
    the commitments (a_0, b_0, ..., a_R, b_R) it hashed (eq. 46), which a verifier may batch-check.

    u and c fix the random u_j and the simulated c_j (j != value) for known-answer tests;
    c[value] is ignored. Every exponentiation is to base g or K with a secret exponent (u_j, and
    t_j, which is u_j shifted), so all of them use the constant-time tables; the arithmetic mod q
    that involves the vote works on operands whose sizes do not depend on it
    (range_commitment_exponents, range_responses). The steps are range_randomness, the
    exponentiations, finish_range_proof; encrypt_ballot runs them with one batch of
    exponentiations per contest.
    """
    group = nonce.group
    if not 0 <= value <= limit:
        raise ProofError(f"cannot prove that {value} is in 0..{limit}")
    us, cs = range_randomness(group, limit, u, c)
    a = group.g_secret_table.pow_secret_many([x.value for x in us])
    b = group.secret_table_for(public_key).pow_secret_many(range_commitment_exponents(us, cs, value))
    return finish_range_proof(h_e, public_key, ciphertext, nonce, value, us, cs, a, b)


def range_randomness(
    group: Group, limit: int, u: Sequence[ElementModQ] | None = None, c: Sequence[ElementModQ] | None = None
) -> tuple[list[ElementModQ], list[ElementModQ]]:
    """The u_j and the simulated c_j, j = 0..R, of eq. 44-45: the given ones (known-answer tests) after
    checks, else fresh from the `secrets` generator."""
    us = list(u) if u is not None else [group.random_q() for _ in range(limit + 1)]
    cs = list(c) if c is not None else [group.random_q() for _ in range(limit + 1)]
    if len(us) != limit + 1 or len(cs) != limit + 1:
        raise ProofError("need limit + 1 values of u and of c")
    if any(x.group is not group for x in (*us, *cs)):
        raise ProofError("u and c must be elements mod q of the nonce's group")
    return us, cs


def finish_range_proof(
    h_e: UInt256,
    public_key: ElementModP,
    ciphertext: Ciphertext,
    nonce: ElementModQ,
    value: int,
    us: Sequence[ElementModQ],
    cs: Sequence[ElementModQ],
    a: Sequence[mpz],
    b: Sequence[mpz],
) -> tuple[RangeProof, tuple[ElementModP, ...]]:
    """The proof from its commitments a_j = g^u_j and b_j = K^t_j (eq. 44-45, computed by the caller):
    the challenge c (eq. 46) and the responses (eq. 47-48); with the commitments as elements."""
    group = nonce.group
    if not 0 <= value < len(us) or not len(us) == len(cs) == len(a) == len(b):
        raise ProofError("a range proof needs one u_j, c_j, a_j and b_j for each j = 0..R, with the value in 0..R")
    commitments: list[ElementModP] = []
    for a_j, b_j in zip(a, b):
        commitments.append(ElementModP(a_j, group))
        commitments.append(ElementModP(b_j, group))
    challenge = range_challenge(h_e, public_key, ciphertext, commitments)
    challenges, responses = range_responses(us, cs, value, challenge, nonce)
    return RangeProof(challenges, responses), tuple(commitments)


def encryption_commitment_exponents(
    nonce: ElementModQ, value: int, us: Sequence[ElementModQ], cs: Sequence[ElementModQ]
) -> list[mpz]:
    """[sigma + xi, t_0, ..., t_R]: the exponent of beta = K^(sigma + xi) (eq. 24) and those of the
    range proof's b_j = K^t_j (eq. 44-45), by one call of the backend's range_exponents.

    The vote sigma is secret, so sigma + xi is computed like the t_j: as entry 0 of a list whose
    entries j + 1 are the proof's, with the vote shifted to sigma + 1, u = xi - 1 and c = 1, entry 0
    is xi - 1 + (sigma + 1) = xi + sigma and entry j + 1 is u_j + (sigma - j) c_j.
    """
    group = nonce.group
    shifted = [group.reduce_q(nonce.value - 1), *us]
    return group.backend.range_exponents(
        [x.value for x in shifted], [mpz(1), *(x.value for x in cs)], value + 1, group.q
    )


def range_commitment_exponents(us: Sequence[ElementModQ], cs: Sequence[ElementModQ], value: int) -> list[mpz]:
    """t_j = u_j + (l - j) c_j mod q for j = 0..R, the exponents of b_j = K^t_j, eq. 44-45.

    The vote l is secret: (l - j) mod q is 0 for j = l, small below it and close to q above it,
    and plain arithmetic on it would take a time that depends on l. The backend's
    range_exponents does the same work for every l (in C with fixed-width limbs for native).
    """
    group = us[0].group
    return group.backend.range_exponents([u.value for u in us], [c.value for c in cs], value, group.q)


def range_responses(
    us: Sequence[ElementModQ], cs: Sequence[ElementModQ], value: int, challenge: ElementModQ, nonce: ElementModQ
) -> tuple[tuple[ElementModQ, ...], tuple[ElementModQ, ...]]:
    """The challenges with c_l = c - sum of the other c_j (eq. 47) and v_j = u_j - c_j xi (eq. 48),
    by the backend's range_responses: the same work for every vote l and nonce xi."""
    group = nonce.group
    challenges, responses = group.backend.range_responses(
        [u.value for u in us], [c.value for c in cs], value, challenge.value, nonce.value, group.q
    )
    return tuple(ElementModQ(c, group) for c in challenges), tuple(ElementModQ(v, group) for v in responses)


def range_commitments(public_key: ElementModP, ciphertext: Ciphertext, proof: RangeProof) -> list[ElementModP]:
    """a_j = g^v_j alpha^c_j (5.1), b_j = K^w_j beta^c_j with w_j = v_j - j c_j (5.2).

    alpha and beta are each raised to every c_j by one call of the backend's powmod_same_base,
    which shares the squarings; g and K come from their fixed-base tables.
    """
    group: Group = public_key.group
    p, q = group.p, group.q
    cs = [c.value for c in proof.challenges]
    alpha_c = group.backend.powmod_same_base(ciphertext.pad.value, cs, p)
    beta_c = group.backend.powmod_same_base(ciphertext.data.value, cs, p)
    out: list[ElementModP] = []
    for j, (c, v) in enumerate(zip(proof.challenges, proof.responses)):
        w = (v.value - j * c.value) % q
        out.append(ElementModP(group.g_pow(v).value * alpha_c[j] % p, group))
        out.append(ElementModP(group.k_pow(public_key, w).value * beta_c[j] % p, group))
    return out


def verify_range(h_e: UInt256, public_key: ElementModP, ciphertext: Ciphertext, proof: RangeProof, limit: int) -> bool:
    """Verification 5 / 6: the recomputed challenge equals c_0 + ... + c_R mod q (5.D).

    Ranges of c_j and v_j (5.B, 5.C) hold by construction of ElementModQ; subgroup membership
    of alpha and beta (5.A) is the caller's batched check.
    """
    if len(proof.challenges) != limit + 1 or len(proof.responses) != limit + 1:
        return False
    group = public_key.group
    c = range_challenge(h_e, public_key, ciphertext, range_commitments(public_key, ciphertext, proof))
    return c.value == sum(x.value for x in proof.challenges) % group.q
