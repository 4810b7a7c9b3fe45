"""The encodings shared by several record files: group elements, byte strings, ciphertexts and proofs.

Elements mod p and mod q are upper-case hex of fixed width (spec 2.0.0 section 5.1: b(x, l_p),
b(x, l_q)); hash values are 64 hex digits; byte strings are the hex of their bytes.
"""

from __future__ import annotations

from typing import Any

from gmpy2 import mpz

from engine.election import HashedCiphertext
from engine.elgamal import Ciphertext
from engine.group import ElementModP, ElementModQ, Group
from engine.proofs import DecryptionProof, RangeProof
from engine.record.cursor import JsonCursor, plain_element_p, plain_element_q, plain_object

CIPHERTEXT_KEYS = ("pad", "data")
CHAUM_PEDERSEN_KEYS = ("challenge", "response")
HASHED_CIPHERTEXT_KEYS = ("c0", "c1", "c2", "numBytes")
_CIPHERTEXT = frozenset(CIPHERTEXT_KEYS)
_CHAUM_PEDERSEN = frozenset(CHAUM_PEDERSEN_KEYS)
_RANGE_PROOF = frozenset(("proofs",))


def hex_p(x: ElementModP) -> str:
    """b(x, l_p) as upper-case hex: 2 l_p digits, leading zeros kept."""
    return _fixed_hex(x.value, x.group.p_bytes)


def hex_q(x: ElementModQ) -> str:
    """b(x, l_q) as upper-case hex: 2 l_q digits, leading zeros kept."""
    return _fixed_hex(x.value, x.group.q_bytes)


if hasattr(mpz(0), "to_bytes"):

    def _fixed_hex(value: mpz, width: int) -> str:
        """b(value, width) in upper-case hex (the bytes' hex: a few times quicker than formatting the integer)."""
        return value.to_bytes(width, "big").hex().upper()

else:  # gmpy2 < 2.2

    def _fixed_hex(value: mpz, width: int) -> str:
        return int(value).to_bytes(width, "big").hex().upper()


def hex_bytes(data: bytes) -> str:
    return data.hex().upper()


def encode_ciphertext(c: Ciphertext) -> dict[str, Any]:
    """An ElGamal ciphertext (alpha, beta), spec 3.3.2 eq. 24: egk's ``pad`` and ``data``."""
    return {"pad": hex_p(c.pad), "data": hex_p(c.data)}


def plain_ciphertext(value: Any, group: Group) -> Ciphertext | None:
    """The lean path of decode_ciphertext: the ciphertext when it is plainly well formed, else None."""
    if plain_object(value, _CIPHERTEXT):
        pad, data = plain_element_p(value["pad"], group), plain_element_p(value["data"], group)
        if pad is not None and data is not None:
            return Ciphertext(pad, data)
    return None


def decode_ciphertext(n: JsonCursor, group: Group) -> Ciphertext:
    plain = plain_ciphertext(n.value, group)
    if plain is not None:
        return plain
    o = n.obj(CIPHERTEXT_KEYS)
    return Ciphertext(o.get("pad").element_p(group), o.get("data").element_p(group))


def encode_decryption_proof(p: DecryptionProof) -> dict[str, Any]:
    """A Chaum-Pedersen proof (c, v), spec 3.6.3 eq. 71-76."""
    return {"challenge": hex_q(p.challenge), "response": hex_q(p.response)}


def decode_decryption_proof(n: JsonCursor, group: Group) -> DecryptionProof:
    v = n.value
    if plain_object(v, _CHAUM_PEDERSEN):
        c, r = plain_element_q(v["challenge"], group), plain_element_q(v["response"], group)
        if c is not None and r is not None:
            return DecryptionProof(c, r)
    o = n.obj(CHAUM_PEDERSEN_KEYS)
    return DecryptionProof(o.get("challenge").element_q(group), o.get("response").element_q(group))


def encode_range_proof(p: RangeProof) -> dict[str, Any]:
    """A range proof (c_0, v_0, ..., c_L, v_L), spec 3.3.5 eq. 46: egk's list of (challenge, response)."""
    if len(p.challenges) != len(p.responses):
        raise ValueError("a range proof has as many challenges as responses")
    return {"proofs": [{"challenge": hex_q(c), "response": hex_q(v)} for c, v in zip(p.challenges, p.responses)]}


def decode_range_proof(n: JsonCursor, group: Group) -> RangeProof:
    plain = plain_range_proof(n.value, group)
    if plain is not None:
        return plain
    steps = [decode_decryption_proof(s, group) for s in n.obj(("proofs",)).get("proofs").items(nonempty=True)]
    return RangeProof(tuple(s.challenge for s in steps), tuple(s.response for s in steps))


def plain_range_proof(value: Any, group: Group) -> RangeProof | None:
    """The lean path of decode_range_proof: the proof when every part of it is plainly well formed, else None."""
    if not plain_object(value, _RANGE_PROOF) or type(value["proofs"]) is not list or not value["proofs"]:
        return None
    challenges, responses = [], []
    for step in value["proofs"]:
        if not plain_object(step, _CHAUM_PEDERSEN):
            return None
        c, r = plain_element_q(step["challenge"], group), plain_element_q(step["response"], group)
        if c is None or r is None:
            return None
        challenges.append(c)
        responses.append(r)
    return RangeProof(tuple(challenges), tuple(responses))


def encode_hashed_ciphertext(h: HashedCiphertext) -> dict[str, Any]:
    """Hashed ElGamal contest data (C_0, C_1, C_2), spec 3.3.3 eq. 50-55."""
    return {"c0": hex_p(h.c0), "c1": hex_bytes(h.c1), "c2": h.c2.hex(), "numBytes": h.num_bytes}


def decode_hashed_ciphertext(n: JsonCursor, group: Group) -> HashedCiphertext:
    o = n.obj(HASHED_CIPHERTEXT_KEYS)
    return HashedCiphertext(
        o.get("c0").element_p(group),
        o.get("c1").hex_bytes(),
        o.get("c2").uint256(),
        o.get("numBytes").integer(),
    )


def set_metadata(out: dict[str, Any], metadata: tuple[tuple[str, str], ...]) -> None:
    """egk's ``metadata`` map, left out when empty."""
    if metadata:
        out["metadata"] = dict(metadata)
