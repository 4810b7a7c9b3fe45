"""Signed notes (c2sp.org/signed-note), checkpoints (c2sp.org/tlog-checkpoint) and cosignatures
(c2sp.org/tlog-cosignature): known answers published by other implementations, strict parsing,
round trips and tamper checks."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.board.checkpoint import (
    BoardCheckpoints,
    Checkpoint,
    CheckpointError,
    election_origin,
    open_checkpoint,
    sign_checkpoint,
)
from engine.board.note import (
    ED25519_COSIGNATURE_V1,
    ED25519_NOTE,
    CosignatureSigner,
    NoteError,
    NoteSignature,
    NoteSigner,
    SignedNote,
    VerifierKey,
    cosignature_message,
    cosignature_timestamp,
    key_id,
    open_note,
    parse_signature_lines,
)
from engine.board.sth import BoardKey

# ---------------------------------------------------------------- known answers

# golang.org/x/mod/sumdb/note: the package documentation's example (note.go) and note_test.go,
# https://pkg.go.dev/golang.org/x/mod/sumdb/note -- a signer key, its verifier key and the note it signs.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
).encode()

# The signed-note example key and message, as test vectors in https://github.com/florolf/tlog-scales
# (tests/test_signing.py, "c2sp.org/signed-note test vectors").
EXAMPLE_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
EXAMPLE_NOTE = (
    "This is an example message.\n\n\u2014 example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
).encode()

# A real checkpoint of the arche2025h1 staging CT log with its log signature (type 0x01, beside an
# RFC 6962 one) and four witness cosignatures, from https://github.com/florolf/tlog-scales
# tests/test_signing.py (TestCheckpointSigning). The remora.n621.de cosignature key (type 0x04) is
# also in https://github.com/transparency-dev/formats note/note_cosigv1_test.go.
ARCHE_VKEY = "arche2025h1.staging.ct.transparency.dev+ba2f06c0+AU0vHmlGCS/PdN8b2OaGmKprLI8HKM+dJ472xgFYh15f"
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
ARCHE_TEXT = "arche2025h1.staging.ct.transparency.dev\n1432088532\nU7WM79jrzyhGZ5/GUBTpM7NzwdyfFx61t3RovgcC4Ro=\n"
ARCHE_SIGNATURES = """\
\u2014 arche2025h1.staging.ct.transparency.dev zTM8sQAAAZ5W0WdjBAMARjBEAiBjW5IQf9pvsYLfQFX6hoGREPMHbdQ3urbllzalApkptQIgIpwtEroeW2BXaHAI4kJXFbon5Ch9MNL5zRNZ55lvGt0=
\u2014 arche2025h1.staging.ct.transparency.dev ui8GwCF1+kWqZrxGdhj4aX3gcw7XUlXQQabg/27lefwhUkzbC3NygNI75MdhL1bfTW9g8Ei59RA23oHP7Ry1k3ZFWwQ=
\u2014 transparency.dev/DEV:witness-little-garden 2AQqhwAAAABqEiEgzgFIqqhbUoDwjMWE6UP8nd8/KYTzwZ2rhIgcqoXHAwVkjZr4AscylP3v7sEodkRAErumC2q44vdgJY096st5BQ==
\u2014 witness1.smartit.nu/witness1 pIyCDwAAAABqEiEghIp82KWebrw7/oHQwlTAm3g2RKS4+eebl8eO0WH+/iEcxZ75W3u5hNI7TOQtmJbqmNWVuE0tgh0XwzdZsDsUAQ==
\u2014 remora.n621.de 2net5wAAAABqEiEgPlfF3V06o0Y+fHM+J5J9s27wgxxcOVSpZ/2g/KSiXCg9DEZI+aVCIobWX9sXTynk5XeU/zZ0WBxtqB0DrAWfBw==
\u2014 witness.stagemole.eu Z/euoAAAAABqEiEgw0i+7g2ENfDAWHmtRzCfKTHSDwYDJA2NmKeGi9Y8FtEyOUvVr+AJmIY/2TUFucgKi7lI7cUiOvKFYe/TmN9DAg==
"""  # noqa: E501
ARCHE_NOTE = (ARCHE_TEXT + "\n" + ARCHE_SIGNATURES).encode()

# transparency-dev/formats note/note_cosigv1_test.go (TestCoSigV1Timestamp): a cosignature/v1 blob
# and its timestamp; and (TestCoSigV1NewVerifier) a type 0x01 vkey whose base64 holds a '+'.
FORMATS_COSIGNATURE = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
)
FORMATS_TIMESTAMP = 1727964367
PLUS_VKEY = "TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6"


def go_signer() -> NoteSigner:
    name, _hash, material = GO_SKEY.removeprefix("PRIVATE+KEY+").split("+", 2)
    raw = base64.b64decode(material)
    assert raw[0] == ED25519_NOTE
    return NoteSigner(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))


def test_go_note_verifies_and_signing_reproduces_it() -> None:
    key = VerifierKey.parse(GO_VKEY)
    assert key.name == "PeterNeumann" and key.signature_type == ED25519_NOTE
    assert key.key_id == bytes.fromhex("c74f20a3")
    assert key.vkey() == GO_VKEY
    note = SignedNote.parse(GO_NOTE)
    assert note.text == GO_TEXT
    assert open_note(note, [key]) == (key,)
    signer = go_signer()
    assert signer.verifier_key == key
    assert SignedNote(GO_TEXT, (signer.sign(GO_TEXT),)).to_bytes() == GO_NOTE


def test_signed_note_example_verifies() -> None:
    key = VerifierKey.parse(EXAMPLE_VKEY)
    assert key.public_key.hex() == "e932791ae6e7a840a46164c904786426d5e7821dd8b29a00d61cae72afdd4da4"
    assert open_note(SignedNote.parse(EXAMPLE_NOTE), [key]) == (key,)


def test_real_cosigned_checkpoint_verifies() -> None:
    log_key, witness_key = VerifierKey.parse(ARCHE_VKEY), VerifierKey.parse(REMORA_VKEY)
    assert witness_key.signature_type == ED25519_COSIGNATURE_V1
    opened = open_checkpoint(ARCHE_NOTE, [log_key])
    assert opened.checkpoint.origin == "arche2025h1.staging.ct.transparency.dev"
    assert opened.checkpoint.size == 1432088532
    assert opened.checkpoint.body() == ARCHE_TEXT
    assert opened.note.to_bytes() == ARCHE_NOTE
    assert open_note(opened.note, [witness_key]) == (witness_key,)
    assert open_note(opened.note, [log_key, witness_key]) == (log_key, witness_key)
    remora = [s for s in opened.note.signatures if s.name == "remora.n621.de"]
    assert cosignature_timestamp(remora[0]) == 1779573024
    forged = SignedNote(ARCHE_TEXT.replace("1432088532", "1432088533"), opened.note.signatures)
    for key in (log_key, witness_key):
        with pytest.raises(NoteError, match="does not verify"):
            open_note(forged, [key])


def test_formats_cosignature_timestamp_and_plus_vkey() -> None:
    blob = base64.b64decode(FORMATS_COSIGNATURE)
    assert cosignature_timestamp(NoteSignature("w", blob[:4], blob[4:])) == FORMATS_TIMESTAMP
    key = VerifierKey.parse(PLUS_VKEY)
    assert key.name == "TEST" and key.vkey() == PLUS_VKEY


def test_key_id_rule() -> None:
    key = VerifierKey.parse(REMORA_VKEY)
    assert key_id("remora.n621.de", 0x04, key.public_key) == bytes.fromhex("da77ade7")
    assert key_id("remora.n621.de", 0x01, key.public_key) != bytes.fromhex("da77ade7")


# ---------------------------------------------------------------- verifier keys


@pytest.mark.parametrize(
    ("vkey", "reason"),
    [
        ("PeterNeumann+c74f20a3", "name"),
        ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "lowercase hex"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "has key ID"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "space"),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "non-empty"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX", "has key ID"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=", "base64"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy", "type byte"),
        ("PeterNeumann+c74f20a3+AxpcmqQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "base64"),
        ("rekor.sigstore.dev+12345678+AwEB", "type byte"),
    ],
)
def test_bad_vkeys_are_refused(vkey: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        VerifierKey.parse(vkey)


def test_every_one_character_change_of_a_vkey_is_refused() -> None:
    for i in range(len(GO_VKEY)):
        for replacement in ("0", "A", "+", " ", ""):
            mangled = GO_VKEY[:i] + replacement + GO_VKEY[i + 1 :]
            if mangled == GO_VKEY:
                continue
            with pytest.raises(NoteError):
                VerifierKey.parse(mangled)


def test_unsupported_signature_type() -> None:
    material = base64.b64encode(b"\x02" + bytes(32)).decode()
    with pytest.raises(NoteError, match="unsupported signature type"):
        VerifierKey.parse(f"x+00000000+{material}")


# ---------------------------------------------------------------- note parsing and the trust rules


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (GO_NOTE[:-1], "ends with a newline"),
        (GO_NOTE.replace(b"\n\n", b"\n"), "blank line"),
        (GO_TEXT.encode() + b"\n", "at least one signature"),
        (GO_NOTE.replace("\u2014".encode(), b"--"), "em dash"),
        (GO_NOTE.replace(b"PeterNeumann ", b"Peter Neumann "), "key name"),
        (GO_NOTE.replace(b"AM=\n", b"AM\n"), "base64"),
        (GO_NOTE.replace(b"AM=\n", b"AN=\n"), "canonical"),
        (GO_NOTE.replace(b"x08go/", b"x08go_"), "base64"),
        (GO_NOTE.replace(b"cryptography", b"crypto\tgraphy"), "control character"),
        (GO_NOTE.replace(b"cryptography", b"crypto\xffgraphy"), "UTF-8"),
        (GO_TEXT.encode() + b"\n\xe2\x80\x94 PeterNeumann AAAA\n", "too short"),
        (GO_TEXT.encode() + b"\n" + b"\xe2\x80\x94 a AAAAAAA=\n" * 101, "more than 100"),
        (b"x" * (1 << 20) + b"\n", "at most"),
    ],
)
def test_malformed_notes_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        SignedNote.parse(data)


def test_text_is_split_at_the_last_blank_line() -> None:
    signer = NoteSigner("log.example/a", Ed25519PrivateKey.generate())
    text = "one\n\ntwo\n\n"
    data = SignedNote(text, (signer.sign(text),)).to_bytes()
    note = SignedNote.parse(data)
    assert note.text == text
    assert open_note(note, [signer.verifier_key]) == (signer.verifier_key,)


def test_unknown_keys_are_ignored_and_known_failures_refuse() -> None:
    a = NoteSigner("a.example/k", Ed25519PrivateKey.generate())
    b = NoteSigner("b.example/k", Ed25519PrivateKey.generate())
    twin = NoteSigner("a.example/k", Ed25519PrivateKey.generate())
    text = "hello\n"
    note = SignedNote(text, (b.sign(text), a.sign(text), twin.sign(text)))
    assert open_note(note, [a.verifier_key]) == (a.verifier_key,)
    assert open_note(note, [a.verifier_key, b.verifier_key]) == (b.verifier_key, a.verifier_key)
    with pytest.raises(NoteError, match="no signature from a known key"):
        open_note(SignedNote(text, (b.sign(text),)), [a.verifier_key])
    bad = NoteSignature(a.name, a.verifier_key.key_id, bytes(64))
    with pytest.raises(NoteError, match="does not verify"):
        open_note(SignedNote(text, (b.sign(text), bad)), [a.verifier_key, b.verifier_key])
    same_name_other_id = NoteSignature(a.name, b"\x00\x00\x00\x00", bytes(64))
    assert open_note(SignedNote(text, (same_name_other_id, a.sign(text))), [a.verifier_key]) == (a.verifier_key,)


def test_signature_lines_of_a_witness_answer() -> None:
    signer = CosignatureSigner("w.example/1", Ed25519PrivateKey.generate())
    line = signer.cosign("x\n", 7).line()
    assert parse_signature_lines(line + line) == (NoteSignature.from_line(line[:-1]),) * 2
    with pytest.raises(NoteError, match="newline"):
        parse_signature_lines(line[:-1])


# ---------------------------------------------------------------- checkpoints

ROOT = bytes(range(32))
ROOT_B64 = base64.b64encode(ROOT).decode()


def test_checkpoint_body() -> None:
    checkpoint = Checkpoint("ballotchain.example/0a", 20852163, ROOT, ("ext one",))
    assert checkpoint.body() == f"ballotchain.example/0a\n20852163\n{ROOT_B64}\next one\n"
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (f"o\n1\n{ROOT_B64}", "ends with a newline"),
        ("o\n1\n", "origin, a tree size and a root hash"),
        (f"\n1\n{ROOT_B64}\n", "origin line is empty"),
        (f"o\n01\n{ROOT_B64}\n", "without leading zeros"),
        (f"o\n-1\n{ROOT_B64}\n", "without leading zeros"),
        (f"o\n+1\n{ROOT_B64}\n", "without leading zeros"),
        (f"o\n 1\n{ROOT_B64}\n", "without leading zeros"),
        (f"o\n\u0661\n{ROOT_B64}\n", "without leading zeros"),
        (f"o\n18446744073709551616\n{ROOT_B64}\n", "2\\^64 - 1"),
        (f"o\n{'9' * 100}\n{ROOT_B64}\n", "without leading zeros"),
        ("o\n1\nAAAA\n", "32 bytes"),
        (f"o\n1\n{ROOT_B64[:-1]}\n", "base64"),
        (f"o\n1\n{ROOT_B64[:-2]}9=\n", "canonical"),
        (f"o\n1\n{ROOT_B64}\n\n", "extension lines are non-empty"),
        (f"o\n1\n{ROOT_B64}\n" + "e\n" * 17, "at most 19 lines"),
        (f"o\r\n1\n{ROOT_B64}\n", "control character"),
    ],
)
def test_malformed_checkpoints_are_refused(body: str, reason: str) -> None:
    with pytest.raises(CheckpointError, match=reason):
        Checkpoint.parse(body)


def test_checkpoint_fields_are_checked() -> None:
    for args in (("", 1, ROOT), ("o", -1, ROOT), ("o", 2**64, ROOT), ("o", True, ROOT), ("o", 1, ROOT[:31])):
        with pytest.raises(CheckpointError):
            Checkpoint(*args)  # type: ignore[arg-type]
    with pytest.raises(CheckpointError):
        Checkpoint("o", 1, ROOT, ("",))
    with pytest.raises(CheckpointError):
        Checkpoint("o", 1, ROOT, ("a\nb",))


def test_election_origin() -> None:
    h_e = bytes.fromhex("ab" * 32)
    assert election_origin(h_e) == "ballotchain.example/" + "ab" * 16
    with pytest.raises(CheckpointError):
        election_origin(h_e[:31])


def test_open_checkpoint_refuses_a_bad_body_or_signature() -> None:
    log = NoteSigner("log.example/x", Ed25519PrivateKey.generate())
    other = NoteSigner("log.example/x", Ed25519PrivateKey.generate())
    signed = sign_checkpoint(Checkpoint("log.example/x", 3, ROOT), log)
    assert open_checkpoint(signed.to_bytes(), [log.verifier_key]).signed_by == (log.verifier_key,)
    with pytest.raises(CheckpointError, match="no signature from a known key"):
        open_checkpoint(signed.to_bytes(), [other.verifier_key])
    not_a_checkpoint = SignedNote("just text\n", (log.sign("just text\n"),))
    with pytest.raises(CheckpointError, match="origin, a tree size"):
        open_checkpoint(not_a_checkpoint.to_bytes(), [log.verifier_key])


def test_board_checkpoints_sign_with_the_board_key() -> None:
    board_key = BoardKey.generate()
    origin = election_origin(bytes(32))
    checkpoints = BoardCheckpoints(board_key, origin)
    key = VerifierKey(origin, ED25519_NOTE, board_key.public_key)
    first = checkpoints.signed(3, ROOT)
    assert open_checkpoint(first, [key]).checkpoint == Checkpoint(origin, 3, ROOT)
    assert checkpoints.signed(3, ROOT) is first
    assert open_checkpoint(checkpoints.signed(4, ROOT), [key]).checkpoint.size == 4
    with pytest.raises(CheckpointError, match="may not start with"):
        BoardCheckpoints(board_key, "ballotchain-sth-v1/x")


# ---------------------------------------------------------------- cosignatures


def test_cosignature_message_and_signature() -> None:
    signer = CosignatureSigner("witness.example/w1", Ed25519PrivateKey.generate())
    body = Checkpoint("example.com/behind-the-sofa", 20852163, ROOT).body()
    assert cosignature_message(1679315147, body.encode()) == f"cosignature/v1\ntime 1679315147\n{body}".encode()
    cosignature = signer.cosign(body, 1679315147)
    assert cosignature.key_id == key_id("witness.example/w1", 0x04, signer.verifier_key.public_key)
    assert cosignature.signature[:8] == (1679315147).to_bytes(8, "big")
    assert len(cosignature.signature) == 72
    assert cosignature_timestamp(cosignature) == 1679315147
    note = SignedNote(body, (cosignature,))
    assert open_note(note, [signer.verifier_key]) == (signer.verifier_key,)
    shifted = cosignature.signature[:7] + b"\x00" + cosignature.signature[8:]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(SignedNote(body, (NoteSignature(signer.name, cosignature.key_id, shifted),)), [signer.verifier_key])
    as_note_key = VerifierKey(signer.name, ED25519_NOTE, signer.verifier_key.public_key)
    with pytest.raises(NoteError, match="no signature from a known key"):
        open_note(note, [as_note_key])


def test_cosignature_timestamp_bounds() -> None:
    signer = CosignatureSigner("w.example/1", Ed25519PrivateKey.generate())
    for bad in (-1, 2**63, True, 1.5):
        with pytest.raises(NoteError, match="timestamp"):
            signer.cosign("x\n", bad)  # type: ignore[arg-type]
    assert cosignature_timestamp(signer.cosign("x\n", 2**63 - 1)) == 2**63 - 1
    too_late = NoteSignature("w.example/1", bytes(4), (2**63).to_bytes(8, "big") + bytes(64))
    with pytest.raises(NoteError, match="2\\^63"):
        cosignature_timestamp(too_late)


# ---------------------------------------------------------------- properties

LOG = NoteSigner("ballotchain.example/prop", Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
WITNESS = CosignatureSigner("witness.example/prop", Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))))
line_text = st.text(st.characters(min_codepoint=0x20, blacklist_categories=("Cs",)), min_size=1, max_size=40)
checkpoints = st.builds(
    Checkpoint,
    origin=line_text,
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(line_text, max_size=3).map(tuple),
)


def cosigned(checkpoint: Checkpoint, timestamp: int) -> bytes:
    note = sign_checkpoint(checkpoint, LOG)
    return note.with_signatures([WITNESS.cosign(note.text, timestamp)]).to_bytes()


@settings(max_examples=200, deadline=None)
@given(checkpoints, st.integers(0, 2**63 - 1))
def test_round_trip(checkpoint: Checkpoint, timestamp: int) -> None:
    data = cosigned(checkpoint, timestamp)
    assert Checkpoint.parse(checkpoint.body()) == checkpoint
    opened = open_checkpoint(data, [LOG.verifier_key, WITNESS.verifier_key])
    assert opened.checkpoint == checkpoint
    assert opened.signed_by == (LOG.verifier_key, WITNESS.verifier_key)
    assert opened.note.to_bytes() == data
    assert VerifierKey.parse(WITNESS.verifier_key.vkey()) == WITNESS.verifier_key


@settings(max_examples=300, deadline=None)
@given(checkpoints, st.data())
def test_any_changed_byte_fails(checkpoint: Checkpoint, data: st.DataObject) -> None:
    signed = cosigned(checkpoint, 1_800_000_000)
    position = data.draw(st.integers(0, len(signed) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = signed[:position] + bytes([signed[position] ^ flip]) + signed[position + 1 :]
    try:
        opened = open_checkpoint(tampered, [LOG.verifier_key, WITNESS.verifier_key])
    except CheckpointError:
        return
    assert opened.signed_by != (LOG.verifier_key, WITNESS.verifier_key)
