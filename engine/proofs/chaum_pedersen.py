"""Chaum-Pedersen proof of correct decryption, spec 2.0.0 section 3.6.3, eq. 69-76.

The record stores the combined proof (c, v) of M = A^s with K = g^s; verification 9.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import domains
from engine.elgamal import Ciphertext
from engine.group import ElementModP, ElementModQ
from engine.hash import UInt256, hash_elems


@dataclass(frozen=True, slots=True)
class DecryptionProof:
    challenge: ElementModQ
    response: ElementModQ


def decryption_challenge(
    h_e: UInt256,
    public_key: ElementModP,
    ciphertext: Ciphertext,
    a: ElementModP,
    b: ElementModP,
    m: ElementModP,
) -> ElementModQ:
    """c = H(H_E; 0x30, K, A, B, a, b, M), eq. 71."""
    return hash_elems(h_e, domains.DECRYPTION_PROOF, public_key, ciphertext.pad, ciphertext.data, a, b, m).to_q(
        public_key.group
    )


def prove_decryption(
    h_e: UInt256,
    public_key: ElementModP,
    ciphertext: Ciphertext,
    secret: ElementModQ,
    m: ElementModP,
    u: ElementModQ | None = None,
) -> DecryptionProof:
    """The proof for one holder of the whole secret s: (a, b) = (g^u, A^u), v = u - c s.

    u is secret: g^u from the constant-time table, A^u by constant-time powmod (A varies).
    """
    group = secret.group
    u = group.random_q() if u is None else u
    a = group.g_pow_secret(u)
    b = ciphertext.pad.pow_secret(u)
    c = decryption_challenge(h_e, public_key, ciphertext, a, b, m)
    return DecryptionProof(c, u - c * secret)


def verify_decryption(
    h_e: UInt256, public_key: ElementModP, ciphertext: Ciphertext, m: ElementModP, proof: DecryptionProof
) -> bool:
    """Verification 9: a = g^v K^c (9.2), b = A^v M^c (9.3), c recomputes (9.B)."""
    a, b = decryption_commitments(public_key, ciphertext.pad, m, proof)
    return decryption_challenge(h_e, public_key, ciphertext, a, b, m) == proof.challenge


def decryption_commitments(
    public_key: ElementModP,
    base: ElementModP,
    value: ElementModP,
    proof: DecryptionProof,
    *,
    key_table: bool = True,
) -> tuple[ElementModP, ElementModP]:
    """(a, b) = (g^v K^c, base^v value^c): the commitments a proof (c, v) of value = base^s, K = g^s, stands for.

    Selections: base A, value M (verification 9.2-9.3); contest data: base C0, value beta (11.1-11.2);
    one guardian's share, K = g^P(i) and value M_i (eq. 74-75). Public exponents. K^c comes from K's
    cached fixed-base table (the joint key, used for every proof) unless ``key_table`` is False: a
    guardian's key g^P(i) serves too few proofs to pay for a table (~30 exponentiations to build).
    """
    group = public_key.group
    c, v = proof.challenge, proof.response
    k_c = group.k_pow(public_key, c) if key_table else public_key**c
    return group.g_pow(v) * k_c, group.multi_pow([base, value], [v, c])
