"""Proof of correct decryption of contest data, spec 2.0.0 section 3.6.4, eq. 77-81 (tag 0x31).

The record stores (c, v) proving beta = C0^s with K = g^s; verification 11 (tallies) and 14
(challenged ballots). The challenge c = H(H_E; 0x31, K, C0, C1, C2, a, b, beta) of eq. 81 exists in
three byte layouts of C1 and C2 (docs/PROTOCOL.md deviations 3 and 5):

- EGK, what egk's records hold and what we write: C1 as the ASCII bytes of its upper-case hexadecimal
  text, C2 as its 32 bytes, neither with a length prefix;
- SPEC, section 5.5.4: b(C1, 512) and b(C2, 512), each left-padded to the length of p;
- PLAIN, the encoding of section 5.1 read literally: C1 and C2 as their bytes.
"""

from __future__ import annotations

from engine import domains
from engine.group import ElementModP, ElementModQ
from engine.hash import UInt256, hash_bytes
from engine.hashed_elgamal import HashedCiphertext
from engine.proofs.chaum_pedersen import DecryptionProof, decryption_commitments

EGK = "egk"
SPEC = "spec"
PLAIN = "plain"
CONTEST_DATA_FORMS = (EGK, SPEC, PLAIN)


def contest_data_challenge(
    h_e: UInt256,
    public_key: ElementModP,
    encrypted: HashedCiphertext,
    a: ElementModP,
    b: ElementModP,
    beta: ElementModP,
    form: str = EGK,
) -> ElementModQ:
    """c = H(H_E; 0x31, K, C0, C1, C2, a, b, beta), eq. 81, reduced mod q, with C1 and C2 in the given form."""
    c1, c2 = encrypted.c1, encrypted.c2.data
    if form == EGK:
        c1_part, c2_part = c1.hex().upper().encode("ascii"), c2
    elif form == SPEC:
        p_bytes = public_key.group.p_bytes
        c1_part = c1.rjust(p_bytes, b"\x00") if len(c1) <= p_bytes else c1
        c2_part = c2.rjust(p_bytes, b"\x00")
    elif form == PLAIN:
        c1_part, c2_part = c1, c2
    else:
        raise ValueError(f"no contest-data challenge form {form!r}")
    data = (
        bytes([domains.CONTEST_DATA_DECRYPTION_PROOF])
        + public_key.to_bytes()
        + encrypted.c0.to_bytes()
        + c1_part
        + c2_part
        + a.to_bytes()
        + b.to_bytes()
        + beta.to_bytes()
    )
    return hash_bytes(h_e, data).to_q(public_key.group)


def contest_data_proof_form(
    h_e: UInt256,
    public_key: ElementModP,
    encrypted: HashedCiphertext,
    beta: ElementModP,
    proof: DecryptionProof,
    forms: tuple[str, ...] = CONTEST_DATA_FORMS,
) -> str | None:
    """The first of ``forms`` in which the proof's challenge recomputes, or None: verification 11 / 14.

    (a, b) = (g^v K^c, C0^v beta^c) (11.1, 11.2); then c must equal the challenge of eq. 81 (11.B).
    """
    a, b = decryption_commitments(public_key, encrypted.c0, beta, proof)
    for form in forms:
        if contest_data_challenge(h_e, public_key, encrypted, a, b, beta, form) == proof.challenge:
            return form
    return None


def verify_contest_data_decryption(
    h_e: UInt256, public_key: ElementModP, encrypted: HashedCiphertext, beta: ElementModP, proof: DecryptionProof
) -> bool:
    """Verification 11 in the form we write (EGK): a = g^v K^c, b = C0^v beta^c, c recomputes."""
    return contest_data_proof_form(h_e, public_key, encrypted, beta, proof, (EGK,)) is not None
