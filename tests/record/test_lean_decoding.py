"""The codecs' lean paths (issue 12): a plainly well-formed ciphertext, proof or commitment list is read without
a cursor per field, and anything else goes through the cursor, so every value decodes to the same object, and
every malformed one fails with the same error (type, field path, words), noting the same unknown fields."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.election import EncryptedSelection
from engine.elgamal import Ciphertext
from engine.group import Group, group_by_name
from engine.proofs import DecryptionProof, RangeProof
from engine.record.codecs.encrypted_ballot import BALLOT_SELECTION_KEYS, _ballot_selection
from engine.record.codecs.proof_commitments import _decode_pairs, decode_ballot_commitments
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
    odd = st.sampled_from(
        [
            "",
            "0x1F",
            "0X1f",
            "x1",
            "1x",
            "ff_",
            "g",
            "Z",
            "0b1",
            "0o7",
            " 1F",
            "1_F",
            "G1",
            "+1",
            "-1",
            "1" * (digits + 1),
            "٣",
            "ｆ",
            "1\n",
        ]
    )
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


def cursor_selection(n: JsonCursor, group: Group) -> EncryptedSelection:
    n.obj(BALLOT_SELECTION_KEYS)
    return EncryptedSelection(
        selection_id=n.get("selection_id").ident(),
        sequence_order=n.get("sequence_order").integer(),
        ciphertext=cursor_ciphertext(n.get("encrypted_vote"), group),
        proof=cursor_range_proof(n.get("proof"), group),
    )


RANGE_PROOF = st.lists(obj(CHAUM_PEDERSEN_KEYS, Q_TEXT), min_size=1, max_size=2).map(lambda s: {"proofs": s})
SELECTION = st.fixed_dictionaries(
    {
        "selection_id": st.sampled_from(["kim", "option-2", "", "a b", 7, "x" * 300, None]),
        "sequence_order": st.sampled_from([0, 3, -1, 2**31 - 1, 2**31, True, "1", 1.0]),
        "encrypted_vote": obj(CIPHERTEXT_KEYS, P_TEXT),
        "proof": st.one_of(RANGE_PROOF, st.just({"proofs": []})),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(SELECTION, SELECTION.map(lambda d: {**d, "extra": 1}), SELECTION.map(lambda d: dict(list(d.items())[1:])))
)
def test_selections_decode_as_through_the_cursor(value: Any) -> None:
    assert outcome(_ballot_selection, value) == outcome(cursor_selection, value)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["kim", 5, None]),
    st.lists(obj(("a", "b"), P_TEXT), max_size=2),
    st.sampled_from([{}, {"extra": 1}]),
)
def test_commitment_selections_decode_as_through_the_cursor(selection_id: Any, pairs: Any, more: Any) -> None:
    document = {
        "ballot_id": "b",
        "contests": [{"contest_id": "c", "selections": [{"selection_id": selection_id, "commitments": pairs, **more}],
                      "limit_commitments": [{"a": "1", "b": "2"}]}],
    }  # fmt: skip

    def cursor_read(value: Any) -> tuple[str, Any, list[str]]:
        notes: list[str] = []
        try:
            o = JsonCursor(value, (), "f.json", notes).obj(("ballot_id", "contests"))
            c = o.get("contests").items()[0].obj(("contest_id", "selections", "limit_commitments"))
            so = c.get("selections").items()[0].obj(("selection_id", "commitments"))
            result: Any = (so.get("selection_id").text(), cursor_pairs(so.get("commitments"), G))
        except RecordError as exc:
            return type(exc).__name__, (exc.file, exc.field, exc.problem), notes
        return "ok", result, notes

    notes: list[str] = []
    try:
        decoded: Any = ("ok", decode_ballot_commitments(document, G, "f.json", notes).contests[0].selections[0], notes)
    except RecordError as exc:
        decoded = (type(exc).__name__, (exc.file, exc.field, exc.problem), notes)
    assert decoded == cursor_read(document)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["test", "production"]), st.integers(min_value=0), st.sampled_from([0, 1, -1]))
def test_fixed_width_hex_is_the_formatted_integer(name: str, n: int, edge: int) -> None:
    from engine.record.codecs.values import hex_p, hex_q

    group = group_by_name(name)
    p = edge % int(group.p) if edge else n % int(group.p)
    q = edge % int(group.q) if edge else n % int(group.q)
    assert hex_p(group.element_p(p)) == format(p, f"0{2 * group.p_bytes}X")
    assert hex_q(group.element_q(q)) == format(q, f"0{2 * group.q_bytes}X")
