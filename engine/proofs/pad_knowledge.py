"""Schnorr proof of knowledge of the nonce of a contest data ciphertext (Ballotchain's addition).

Spec 2.0.0 encrypts a contest's data as hashed ElGamal (C0, C1, C2) with C0 = g^xi (section 3.3.6,
eq. 50-55) and gives it no proof. Decrypting a challenged ballot publishes beta = C0^s (eq. 81), so a
voter who submits C0 = alpha_A * g^t (alpha_A the pad of another voter's selection, t known) learns
K^xi_A = beta / K^t, and with it that voter's vote. A voter who proves knowledge of xi with C0 = g^xi
cannot do that: xi would be xi_A + t.

The proof is Schnorr's (as eq. 10-12 for a guardian's coefficient), bound to the ballot and the whole
ciphertext: h = g^u, c = H(H_E; 0xB0, H(B), b(ind_c, 4), C0, b(len C1, 4) || C1, C2, b(numBytes, 4), h),
v = u - c xi mod q; stored as (c, v) and verified by h = g^v C0^c. The tag 0xB0 is outside the range of
every tag the spec uses (0x00-0x4F: 0x00-0x02, 0x10-0x12, 0x20-0x24, 0x30-0x31 and 0x40-0x43 in 2.0.0,
more up to 0x45 in 2.1.0), so no hash of the spec can be read as this challenge or the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import domains
from engine.errors import EncodingError, ProofError
from engine.group import ElementModP, ElementModQ
from engine.hash import Blob, UInt256, hash_elems
from engine.hashed_elgamal import HashedCiphertext


@dataclass(frozen=True, slots=True)
class PadKnowledgeProof:
    """(c, v) with g^v C0^c = h and c the challenge over h: the prover knows xi with C0 = g^xi."""

    challenge: ElementModQ
    response: ElementModQ


def pad_knowledge_challenge(
    h_e: UInt256,
    confirmation_code: UInt256,
    contest_index: int,
    ciphertext: HashedCiphertext,
    commitment: ElementModP,
) -> ElementModQ:
    """c = H(H_E; 0xB0, H(B), b(ind_c, 4), C0, b(len C1, 4) || C1, C2, b(numBytes, 4), h), reduced mod q.

    ind_c is the contest's sequence order (as in eq. 50 and 57); C1 has a variable length and enters
    with its 4-byte length, like a file input (spec 5.1.5).
    """
    return hash_elems(
        h_e,
        domains.PAD_KNOWLEDGE_PROOF,
        confirmation_code,
        contest_index,
        ciphertext.c0,
        Blob(ciphertext.c1),
        ciphertext.c2,
        ciphertext.num_bytes,
        commitment,
    ).to_q(commitment.group)


def prove_pad_knowledge(
    h_e: UInt256,
    confirmation_code: UInt256,
    contest_index: int,
    ciphertext: HashedCiphertext,
    nonce: ElementModQ,
    u: ElementModQ | None = None,
) -> PadKnowledgeProof:
    """Prove knowledge of xi = ``nonce`` with C0 = g^xi: h = g^u, c (pad_knowledge_challenge), v = u - c xi.

    xi and u are secret: g^xi (the check that the nonce is C0's) and g^u come from the constant-time
    table. ``u`` is fixed only by tests; otherwise it is drawn from ``secrets``.
    """
    group = nonce.group
    if ciphertext.c0.group is not group or group.g_pow_secret(nonce) != ciphertext.c0:
        raise ProofError(f"the nonce is not the one of the contest data of contest {contest_index} (C0 != g^xi)")
    u = group.random_q() if u is None else u
    commitment = group.g_pow_secret(u)
    c = pad_knowledge_challenge(h_e, confirmation_code, contest_index, ciphertext, commitment)
    return PadKnowledgeProof(c, u - c * nonce)


def verify_pad_knowledge(
    h_e: UInt256,
    confirmation_code: UInt256,
    contest_index: int,
    ciphertext: HashedCiphertext,
    proof: PadKnowledgeProof,
) -> bool:
    """h = g^v C0^c, then c recomputes; False for anything malformed (another group, an index out of range).

    Public exponents: the fast tables. Membership of C0 in the order-q subgroup is the caller's check
    (the board's and the verifier's batched subgroup checks, R.subgroup), as for the spec's proofs.
    """
    c0 = ciphertext.c0
    if not isinstance(proof, PadKnowledgeProof) or not isinstance(c0, ElementModP):
        return False
    group = c0.group
    c, v = proof.challenge, proof.response
    if not isinstance(c, ElementModQ) or not isinstance(v, ElementModQ) or c.group is not group or v.group is not group:
        return False
    commitment = group.g_pow(v) * c0**c
    try:
        return pad_knowledge_challenge(h_e, confirmation_code, contest_index, ciphertext, commitment) == c
    except EncodingError:
        return False
