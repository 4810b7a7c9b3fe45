"""The hash formulas of ballot confirmation and chaining (eq. 58-61), written again for the verifier.

The verifier does not import the code that made the record (engine.ballot): where egk's records differ
from the spec text (docs/PROTOCOL.md, "Where egk's records differ from the specification text"), each
function here computes the form asked for, and the callers accept either and report which one they found,
where engine.ballot writes egk's form only (docs/ARCHITECTURE.md, "The verifier's independence").
The contest hash (eq. 57) has one form and is engine.election's; the challenge of eq. 81 in its three
forms is engine.proofs'.

Forms (spec = the byte layouts of spec 2.0.0 section 5.5; egk = what egk's records hold):
- eq. 58 (deviation 1): spec B_aux enters as b(len(B_aux), 4) || B_aux; egk B_aux alone.
- eq. 59-61 (deviation 2): spec H_0 = H(H_E; 0x24, b(len, 4) || B_aux,0), B_aux,1 = H_0 || B_aux,0,
  closing input H_l || b(len, 4) || B_aux,0 || b(5, 4) || "CLOSE"; egk no length prefixes anywhere,
  B_aux,1 = H_0 alone, closing input H_l || B_aux,0 || "CLOSE".
"""

from __future__ import annotations

from collections.abc import Sequence

from engine import domains
from engine.hash import Blob, UInt256, hash_bytes, hash_elems

SPEC = "spec"
EGK = "egk"

CLOSE = b"CLOSE"


def confirmation_code(h_e: UInt256, contest_hashes: Sequence[UInt256], b_aux: bytes, form: str) -> UInt256:
    """H(B) = H(H_E; 0x24, chi_1, ..., chi_mB, B_aux), eq. 58, in the spec's or egk's form (deviation 1)."""
    aux: Blob | bytes = Blob(b_aux) if form == SPEC else b_aux
    return hash_elems(h_e, domains.CONFIRMATION, *contest_hashes, aux)


def chain_initial_hash(h_e: UInt256, b_aux_0: bytes, form: str) -> UInt256:
    """H_0 = H(H_E; 0x24, B_aux,0), eq. 59 (egk: B_aux,0 without its length, deviation 2)."""
    aux: Blob | bytes = Blob(b_aux_0) if form == SPEC else b_aux_0
    return hash_elems(h_e, domains.CONFIRMATION, aux)


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
    return hash_bytes(h_e, bytes([domains.CONFIRMATION]) + body)


CODE_FORMS = (EGK, SPEC)
