"""The codecs' lean paths (issue 12): a plainly well-formed ciphertext, proof or commitment list is read without
a cursor per field, and anything else goes through the cursor, so every value decodes to the same object, and
every malformed one fails with the same error (type, field path, words), noting the same unknown fields."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.elgamal import Ciphertext
from engine.group import Group, group_by_name
from engine.proofs import DecryptionProof, RangeProof
from engine.record.codecs.proof_commitments import _decode_pairs
from engine.record.codecs.values import (
    CHAUM_PEDERSEN_KEYS,
    CIPHERTEXT_KEYS,
    decode_ciphertext,
    decode_decryption_proof,
    decode_range_proof,
)
from engine.record.cursor import JsonCursor
from engine.record.errors import RecordError

G: Group = group_by_name("test")


def cursor_ciphertext(n: JsonCursor, group: Group) -> Ciphertext:
    o = n.obj(CIPHERTEXT_KEYS)
    return Ciphertext(o.get("pad").element_p(group), o.get("data").element_p(group))


def cursor_decryption_proof(n: JsonCursor, group: Group) -> DecryptionProof:
    o = n.obj(CHAUM_PEDERSEN_KEYS)
    return DecryptionProof(o.get("challenge").element_q(group), o.get("response").element_q(group))


def cursor_range_proof(n: JsonCursor, group: Group) -> RangeProof:
    steps = [cursor_decryption_proof(s, group) for s in n.obj(("proofs",)).get("proofs").items(nonempty=True)]
    return RangeProof(tuple(s.challenge for s in steps), tuple(s.response for s in steps))


def cursor_pairs(n: JsonCursor, group: Group) -> tuple[Any, ...]:
    out = []
    for pair in n.items(nonempty=True):
        po = pair.obj(("a", "b"))
        out += [po.get("a").element_p(group), po.get("b").element_p(group)]
    return tuple(out)


def outcome(decode: Any, value: Any) -> tuple[str, Any, list[str]]:
    notes: list[str] = []
    try:
        result = decode(JsonCursor(value, ("x",), "f.json", notes), G)
    except RecordError as exc:
        return type(exc).__name__, (exc.file, exc.field, exc.problem), notes
    return "ok", result, notes


def hex_text(bound: int, digits: int) -> st.SearchStrategy[Any]:
    """Mostly element-like hex (either case, short or full width, in range or just over), sometimes not."""
    number = st.one_of(st.integers(0, bound - 1), st.integers(bound, 16**digits - 1), st.just(0))
    plain = st.builds(lambda x, upper, width: format(x, f"0{width}{'X' if upper else 'x'}"), number, st.booleans(),
                      st.sampled_from([0, digits]))  # fmt: skip
    odd = st.sampled_from(["", "0x1F", " 1F", "1_F", "G1", "+1", "1" * (digits + 1), "٣"])
    return st.one_of(plain, plain, odd, st.integers(0, 9), st.none(), st.lists(st.just("1"), max_size=1))


P_TEXT = hex_text(G.p, 2 * G.p_bytes)
Q_TEXT = hex_text(G.q, 2 * G.q_bytes)


def obj(keys: tuple[str, ...], text: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """An object with those keys (sometimes one missing or one more), or sometimes not an object."""
    full = st.fixed_dictionaries({k: text for k in keys})
    missing = full.map(lambda d: dict(list(d.items())[1:]))
    extra = full.map(lambda d: {**d, "extra": "1"})
    return st.one_of(full, full, full, missing, extra, st.just([]), st.just("x"))


@settings(max_examples=300, deadline=None)
@given(obj(CIPHERTEXT_KEYS, P_TEXT))
def test_ciphertexts_decode_as_through_the_cursor(value: Any) -> None:
    assert outcome(decode_ciphertext, value) == outcome(cursor_ciphertext, value)


@settings(max_examples=300, deadline=None)
@given(obj(CHAUM_PEDERSEN_KEYS, Q_TEXT))
def test_chaum_pedersen_proofs_decode_as_through_the_cursor(value: Any) -> None:
    assert outcome(decode_decryption_proof, value) == outcome(cursor_decryption_proof, value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(obj(CHAUM_PEDERSEN_KEYS, Q_TEXT), max_size=3).map(lambda s: {"proofs": s}),
                 st.just({}), st.just({"proofs": "x"}), st.just({"proofs": [], "more": 1})))  # fmt: skip
def test_range_proofs_decode_as_through_the_cursor(value: Any) -> None:
    assert outcome(decode_range_proof, value) == outcome(cursor_range_proof, value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.lists(obj(("a", "b"), P_TEXT), max_size=3), st.just({}), st.just("x")))
def test_commitment_pairs_decode_as_through_the_cursor(value: Any) -> None:
    assert outcome(_decode_pairs, value) == outcome(cursor_pairs, value)
