"""The fast paths of engine.board.note give the answers of the character-by-character rules they replace
(signed-note: text characters, key names, canonical base64), and remembering verified signatures
never lets a changed signature or message through."""

from __future__ import annotations

import base64
import binascii

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.board.note import (
    CosignatureSigner,
    NoteError,
    NoteSigner,
    SignedNote,
    VerifierKey,
    check_key_name,
    check_text,
    open_note,
    strict_b64decode,
)

TEXT = st.text(st.sampled_from(["a", "+", " ", "\n", "\t", "\x00", "\x1f", "\x7f", "\u2014", "\u00a0", "\u2003"]))


def slow_b64decode(text: str) -> bytes | None:
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    return data if base64.b64encode(data).decode("ascii") == text else None


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()), st.text(max_size=12)))
def test_strict_b64decode_accepts_exactly_the_canonical_encodings(text: str) -> None:
    expected = slow_b64decode(text)
    if expected is None:
        with pytest.raises(NoteError):
            strict_b64decode(text, "x")
    else:
        assert strict_b64decode(text, "x") == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("QQ=", "not base64"),
        ("QR==", "not canonical"),
        ("QQ==\n", "not base64"),
        ("Q Q==", "not base64"),
        ("é", "not base64"),
    ],
)
def test_strict_b64decode_says_why(text: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        strict_b64decode(text, "x")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_text_and_key_name_rules_match_the_character_rules(text: str) -> None:
    bad_text = [ch for ch in text if ch < " " and ch != "\n"]
    if bad_text:
        with pytest.raises(NoteError, match=f"{ord(bad_text[0]):#04x}"):
            check_text(text, "t")
    else:
        check_text(text, "t")
    if not text or any(ch.isspace() or ch == "+" or ch < " " for ch in text):
        with pytest.raises(NoteError):
            check_key_name(text)
    else:
        assert check_key_name(text) == text


def test_a_remembered_signature_does_not_pass_a_changed_one() -> None:
    log = NoteSigner("log.example/a", Ed25519PrivateKey.generate())
    witness = CosignatureSigner("witness.example/a", Ed25519PrivateKey.generate())
    text = "log.example/a\n1\n" + base64.b64encode(bytes(32)).decode() + "\n"
    note = SignedNote(text, (log.sign(text), witness.cosign(text, 7)))
    keys = [log.verifier_key, witness.verifier_key]
    assert open_note(note, keys) == tuple(keys)
    assert open_note(note, keys) == tuple(keys)
    good = note.signatures[1]
    for changed in (good.signature[:-1] + bytes([good.signature[-1] ^ 1]), (8).to_bytes(8, "big") + good.signature[8:]):
        forged = SignedNote(text, (note.signatures[0], type(good)(good.name, good.key_id, changed)))
        with pytest.raises(NoteError, match="does not verify"):
            open_note(forged, keys)
    other_text = text.replace("\n1\n", "\n2\n")
    with pytest.raises(NoteError, match="does not verify"):
        open_note(SignedNote(other_text, note.signatures), keys)


def test_a_key_that_is_no_point_verifies_nothing() -> None:
    signer = NoteSigner("log.example/a", Ed25519PrivateKey.generate())
    signature = signer.sign("a\n")
    for public_key in (bytes(32), b"\xff" * 32):
        assert not VerifierKey("log.example/a", 0x01, public_key).verifies(b"a\n", signature.signature)
