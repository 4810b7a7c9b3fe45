"""The hash formulas of ballot confirmation and contest-data decryption, written again for the verifier.

The verifier does not import the code that made the record (engine.ballot, engine.decrypt ...):
a bug there must not hide itself here. Where egk's records differ from the spec text (docs/PROTOCOL.md,
"Where egk's records differ from the specification text"), each function computes the form asked
for, and the callers accept either and report which one they found.

Forms (spec = the byte layouts of spec 2.0.0 section 5.5; egk = what egk's records hold):
- eq. 58 (deviation 1): spec B_aux enters as b(len(B_aux), 4) || B_aux; egk B_aux alone.
- eq. 59-61 (deviation 2): spec H_0 = H(H_E; 0x24, b(len, 4) || B_aux,0), B_aux,1 = H_0 || B_aux,0,
  closing input H_l || b(len, 4) || B_aux,0 || b(5, 4) || "CLOSE"; egk no length prefixes anywhere,
  B_aux,1 = H_0 alone, closing input H_l || B_aux,0 || "CLOSE".
- eq. 81 (deviation 3): spec C1 and C2 as b(C1, 512) and b(C2, 512) (section 5.5.4); egk C1 as the
  UTF-8 bytes of its upper-case hexadecimal text and C2 as its 32 bytes; "plain" C1 and C2 as their
  bytes (the encoding of section 5.1 read literally) is accepted too.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.elgamal import Ciphertext
from engine.group import ElementModP, ElementModQ
from engine.hash import Blob, UInt256, hash_bytes, hash_elems

TAG_CONTEST_HASH = 0x23
TAG_CONFIRMATION = 0x24
TAG_CONTEST_DATA_DECRYPTION = 0x31

SPEC = "spec"
EGK = "egk"
PLAIN = "plain"

CLOSE = b"CLOSE"


def contest_hash(h_e: UInt256, contest_index: int, k: ElementModP, ciphertexts: Sequence[Ciphertext]) -> UInt256:
    """chi_l = H(H_E; 0x23, ind_c(Lambda_l), K, alpha_1, beta_1, ..., alpha_m, beta_m), eq. 57.

    egk uses the contest's manifest sequence_order as ind_c (checked on its records).
    """
    parts: list[ElementModP] = [k]
    for ct in ciphertexts:
        parts.append(ct.pad)
        parts.append(ct.data)
    return hash_elems(h_e, TAG_CONTEST_HASH, contest_index, *parts)


def confirmation_code(h_e: UInt256, contest_hashes: Sequence[UInt256], b_aux: bytes, form: str) -> UInt256:
    """H(B) = H(H_E; 0x24, chi_1, ..., chi_mB, B_aux), eq. 58, in the spec's or egk's form (deviation 1)."""
    aux: Blob | bytes = Blob(b_aux) if form == SPEC else b_aux
    return hash_elems(h_e, TAG_CONFIRMATION, *contest_hashes, aux)


def chain_initial_hash(h_e: UInt256, b_aux_0: bytes, form: str) -> UInt256:
    """H_0 = H(H_E; 0x24, B_aux,0), eq. 59 (egk: B_aux,0 without its length, deviation 2)."""
    aux: Blob | bytes = Blob(b_aux_0) if form == SPEC else b_aux_0
    return hash_elems(h_e, TAG_CONFIRMATION, aux)


def chain_aux(previous: UInt256, b_aux_0: bytes, position: int, form: str) -> bytes:
    """B_aux,j = H(B_j-1) || B_aux,0 for the j-th ballot (j = 1, 2, ...), eq. 60.

    egk's first ballot has B_aux,1 = H_0 alone (deviation 2).
    """
    if form == EGK and position == 1:
        return previous.data
    return previous.data + b_aux_0


def chain_closing_hash(h_e: UInt256, last_code: UInt256, b_aux_0: bytes, form: str) -> UInt256:
    """H = H(H_E; 0x24, H(B_l) || B_aux,0 || "CLOSE"), eq. 61, in the spec's or egk's layout."""
    if form == SPEC:
        body = last_code.data + len(b_aux_0).to_bytes(4, "big") + b_aux_0 + len(CLOSE).to_bytes(4, "big") + CLOSE
    else:
        body = last_code.data + b_aux_0 + CLOSE
    return hash_bytes(h_e, bytes([TAG_CONFIRMATION]) + body)


def contest_data_challenge(
    h_e: UInt256,
    k: ElementModP,
    c0: ElementModP,
    c1: bytes,
    c2: UInt256,
    a: ElementModP,
    b: ElementModP,
    beta: ElementModP,
    form: str,
) -> ElementModQ:
    """c = H(H_E; 0x31, K, C0, C1, C2, a, b, beta), eq. 81, reduced mod q (deviations 3 and 5)."""
    p_bytes = k.group.p_bytes
    if form == EGK:
        c1_part, c2_part = c1.hex().upper().encode("ascii"), c2.data
    elif form == SPEC:
        c1_part = c1.rjust(p_bytes, b"\x00") if len(c1) <= p_bytes else c1
        c2_part = c2.data.rjust(p_bytes, b"\x00")
    else:
        c1_part, c2_part = c1, c2.data
    data = (
        bytes([TAG_CONTEST_DATA_DECRYPTION])
        + k.to_bytes()
        + c0.to_bytes()
        + c1_part
        + c2_part
        + a.to_bytes()
        + b.to_bytes()
        + beta.to_bytes()
    )
    return hash_bytes(h_e, data).to_q(k.group)


CONTEST_DATA_FORMS = (EGK, SPEC, PLAIN)
CODE_FORMS = (EGK, SPEC)
