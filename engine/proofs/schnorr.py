"""Schnorr proof of knowledge of a polynomial coefficient, spec 2.0.0 section 3.2.2, eq. 10-12."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine import domains
from engine.group import ElementModP, ElementModQ
from engine.hash import UInt256, hash_elems


@dataclass(frozen=True, slots=True)
class SchnorrProof:
    """K_i,j = g^a_i,j with (c_i,j, v_i,j), v = u - c a mod q."""

    public_key: ElementModP
    challenge: ElementModQ
    response: ElementModQ


def coefficient_challenge(
    h_p: UInt256, guardian_index: int, j: int, commitment: ElementModP, h: ElementModP
) -> ElementModQ:
    """c_i,j = H(H_P; 0x10, i, j, K_i,j, h_i,j), eq. 12 (stored reduced mod q)."""
    return hash_elems(h_p, domains.COEFFICIENT_PROOF, guardian_index, j, commitment, h).to_q(commitment.group)


def prove_coefficient(
    h_p: UInt256, guardian_index: int, j: int, coefficient: ElementModQ, u: ElementModQ | None = None
) -> SchnorrProof:
    """Prove knowledge of a_i,j: K_i,j = g^a_i,j (eq. 10), h = g^u (eq. 11), c (eq. 12), v = u - c a_i,j mod q.

    a_i,j and u are secret: both powers come from the constant-time table.
    """
    group = coefficient.group
    u = group.random_q() if u is None else u
    commitment = group.g_pow_secret(coefficient)
    c = coefficient_challenge(h_p, guardian_index, j, commitment, group.g_pow_secret(u))
    return SchnorrProof(commitment, c, u - c * coefficient)


def verify_coefficient(h_p: UInt256, guardian_index: int, j: int, proof: SchnorrProof) -> bool:
    """Verification 2: h = g^v K^c (2.1); K in Z_p^r (2.A); v in Z_q (2.B); c recomputes (2.C).

    Range checks of v and c hold by construction of ElementModQ; the subgroup check of K is
    the caller's (it batches them).
    """
    group = proof.public_key.group
    h = group.g_pow(proof.response) * proof.public_key**proof.challenge
    return coefficient_challenge(h_p, guardian_index, j, proof.public_key, h) == proof.challenge


@dataclass(frozen=True, slots=True)
class CommitmentCheck:
    """The checks of verifications 2 and 3.A on one commitment K_i,j of a guardian's public record."""

    j: int
    in_subgroup: bool  # 2.A: K_i,j in Z_p^r
    response_in_range: bool  # 2.B: v_i,j in Z_q
    proof_verifies: bool  # 2.C: c_i,j recomputes from h_i,j = g^v K^c
    is_one: bool  # K_i,j = 1 (3.A when j = 0: K_i is not 1)


def check_commitments(
    h_p: UInt256, guardian_index: int, proofs: Sequence[SchnorrProof], in_subgroup: Sequence[bool]
) -> list[CommitmentCheck]:
    """Verification 2 (2.A-2.C) and 3.A for one guardian's commitments and Schnorr proofs, spec 6.2.2.

    ``in_subgroup`` holds the caller's membership test of each K_i,j (batched over many guardians by
    the verifier, over one record by the ceremony). The key ceremony and the verifier both judge a
    guardian's public record with this function; each words and reports the result its own way.
    """
    checks = []
    for j, (proof, member) in enumerate(zip(proofs, in_subgroup, strict=True)):
        key = proof.public_key
        checks.append(
            CommitmentCheck(
                j,
                member,
                0 <= proof.response.value < key.group.q,
                verify_coefficient(h_p, guardian_index, j, proof),
                key.value == 1,
            )
        )
    return checks
