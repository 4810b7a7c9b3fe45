"""Signed notes, c2sp.org/signed-note (v1.0.0), with the two Ed25519 signature types the board uses.

A signed note is UTF-8 text ending in a newline, then a blank line, then one or more signature lines
``— <key name> <base64(key ID || signature)>`` (U+2014 em dash, a space), each ending in a newline.
The text is separated from the signatures by the note's *last* blank line; the signed text includes
its final newline. A note holds no ASCII control character other than the newline; key names are
non-empty, without Unicode spaces or ``+``. Base64 is RFC 4648 section 4, read strictly (canonical
padding, no stray characters).

Key ID = SHA-256(key name || 0x0A || signature type || public key)[:4], for the two types used here:

- 0x01, Ed25519 note signatures (signed-note, "Ed25519 signatures"): Ed25519 over the note text;
- 0x04, timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature, cosignature/v1): the signature is
  u64 timestamp (big-endian, POSIX seconds, at most 2^63 - 1) || Ed25519 over the message
  ``"cosignature/v1\\n" "time <T>\\n"`` followed by the note text.

A verifier key ("vkey") is ``<name>+<key ID, 8 lowercase hex digits>+<base64(type || public key)>``.

``open_note`` follows the spec's trust rules: a signature whose (name, key ID) matches no known key is
ignored; one that matches a known key must verify, or the whole note is refused; a note with no
verified signature from a known key is refused.

Ed25519 verification is most of the cost of checking a note (a receipt check verifies the board's
signature and k or more cosignatures): each ``VerifierKey`` keeps its parsed public key, and the
signatures that verified are remembered (``VERIFIED_CACHE_SIZE`` of them, least recently used out),
keyed by (key, type, SHA-256 of the message, signature), so a note checked twice, such as the checkpoint
a monitor fetches and then checks for the quorum, is verified once. Only successes are remembered, and
in a few hundred bytes each whatever the note's size.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from engine.board.sth import public_key_bytes
from engine.errors import BallotchainError

SIGNATURE_PREFIX = "\u2014 "
ED25519_NOTE = 0x01
ED25519_COSIGNATURE_V1 = 0x04
SIGNATURE_TYPES = frozenset({ED25519_NOTE, ED25519_COSIGNATURE_V1})
KEY_ID_SIZE = 4
PUBLIC_KEY_SIZE = 32
ED25519_SIGNATURE_SIZE = 64
TIMESTAMP_SIZE = 8
MAX_TIMESTAMP = 2**63 - 1
MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20
COSIGNATURE_HEADER = b"cosignature/v1\n"
VERIFIED_CACHE_SIZE = 4096
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")
_CONTROL_NOT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f]")
_NOT_IN_KEY_NAME = re.compile(r"[\s+\x00-\x1f]")


class NoteError(BallotchainError, ValueError):
    """A malformed signed note, signature line or verifier key, or a note that does not verify."""


# ---------------------------------------------------------------- encodings


def b64encode(data: bytes) -> str:
    """Standard base64 with padding, RFC 4648 section 4."""
    return base64.b64encode(data).decode("ascii")


def strict_b64decode(text: str, what: str, error: type[ValueError] = NoteError) -> bytes:
    """Canonical standard base64 only: no stray characters, correct padding, zero padding bits.

    Accepted exactly when ``text`` is the standard encoding of the bytes it decodes to; the checks one
    by one (for the reason) only when it is not.
    """
    try:
        encoded = text.encode("ascii")
        data = binascii.a2b_base64(encoded)
        if binascii.b2a_base64(data, newline=False) == encoded:
            return data
    except (UnicodeEncodeError, binascii.Error, ValueError, AttributeError, TypeError):
        pass
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        raise error(f"{what} is not base64") from None
    if b64encode(data) != text:
        raise error(f"{what} is not canonical base64")
    return data


def check_text(text: str, what: str) -> None:
    """The signed-note rule on characters: no ASCII control character other than the newline."""
    found = _CONTROL_NOT_NEWLINE.search(text)
    if found is not None:
        raise NoteError(f"{what} holds the control character {ord(found.group()):#04x}")


def check_key_name(name: object) -> str:
    """A key name: a non-empty string without Unicode spaces, ``+`` or control characters."""
    if not isinstance(name, str) or not name:
        raise NoteError("a key name is a non-empty string")
    if _NOT_IN_KEY_NAME.search(name) is not None:
        raise NoteError(f"the key name {name!r} holds a space, a plus or a control character")
    return name


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """SHA-256(key name || 0x0A || signature type || public key)[:4], signed-note "Signatures"."""
    check_key_name(name)
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public_key).digest()[:KEY_ID_SIZE]


def cosignature_message(timestamp: int, text: bytes) -> bytes:
    """The cosignature/v1 signed message, tlog-cosignature "Ed25519 signed message"."""
    return COSIGNATURE_HEADER + b"time %d\n" % timestamp + text


# ---------------------------------------------------------------- signatures and notes


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the 4-byte key ID and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if not isinstance(self.key_id, bytes) or len(self.key_id) != KEY_ID_SIZE:
            raise NoteError(f"a key ID is {KEY_ID_SIZE} bytes")
        if not isinstance(self.signature, bytes) or not self.signature:
            raise NoteError("a signature is non-empty bytes")

    def line(self) -> str:
        """``— <name> <base64(key ID || signature)>`` and its newline."""
        return f"{SIGNATURE_PREFIX}{self.name} {b64encode(self.key_id + self.signature)}\n"

    @classmethod
    def from_line(cls, line: str) -> NoteSignature:
        """A signature line without its newline, every part checked (NoteError otherwise)."""
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("a signature line starts with an em dash (U+2014) and a space")
        parts = line[len(SIGNATURE_PREFIX) :].split(" ")
        if len(parts) != 2:
            raise NoteError("a signature line is '\u2014 <key name> <base64 signature>'")
        name, encoded = parts
        check_key_name(name)
        blob = strict_b64decode(encoded, f"the signature of {name!r}")
        if len(blob) <= KEY_ID_SIZE:
            raise NoteError(f"the signature of {name!r} is too short")
        return cls(name, blob[:KEY_ID_SIZE], blob[KEY_ID_SIZE:])


def parse_signature_lines(text: str) -> tuple[NoteSignature, ...]:
    """Signature lines, each ending in a newline (a witness's answer); at least one."""
    check_text(text, "the signature lines")
    if not text.endswith("\n"):
        raise NoteError("every signature line ends with a newline")
    lines = text[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"more than {MAX_SIGNATURES} signatures")
    return tuple(NoteSignature.from_line(line) for line in lines)


@dataclass(frozen=True)
class SignedNote:
    """A note's text (with its final newline) and its signatures, in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.endswith("\n"):
            raise NoteError("a note's text ends with a newline")
        check_text(self.text, "the note's text")
        if not isinstance(self.signatures, tuple) or not self.signatures:
            raise NoteError("a signed note has at least one signature")
        if len(self.signatures) > MAX_SIGNATURES:
            raise NoteError(f"more than {MAX_SIGNATURES} signatures")
        if not all(isinstance(s, NoteSignature) for s in self.signatures):
            raise NoteError("a note's signatures are NoteSignature")

    def to_bytes(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()

    def with_signatures(self, signatures: Iterable[NoteSignature]) -> SignedNote:
        """The same note with more signatures after its own (one already present is not repeated)."""
        added = tuple(s for s in signatures if s not in self.signatures)
        return SignedNote(self.text, self.signatures + added)

    @classmethod
    def parse(cls, data: bytes) -> SignedNote:
        """A signed note from its bytes, strictly (NoteError with the first problem found)."""
        if not isinstance(data, bytes):
            raise NoteError("a signed note is bytes")
        if len(data) > MAX_NOTE_BYTES:
            raise NoteError(f"a signed note is at most {MAX_NOTE_BYTES} bytes")
        try:
            note = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("a signed note is UTF-8") from None
        check_text(note, "the note")
        if not note.endswith("\n"):
            raise NoteError("a signed note ends with a newline")
        split = note.rfind("\n\n")
        if split < 0:
            raise NoteError("a signed note has a blank line before its signatures")
        text, block = note[: split + 1], note[split + 2 :]
        if not block:
            raise NoteError("a signed note has at least one signature line")
        return cls(text, parse_signature_lines(block))


# ---------------------------------------------------------------- keys


@dataclass(frozen=True)
class VerifierKey:
    """A known key: its name, signature type (0x01 note, 0x04 cosignature/v1) and Ed25519 public key."""

    name: str
    signature_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        check_key_name(self.name)
        if self.signature_type not in SIGNATURE_TYPES:
            raise NoteError(f"unsupported signature type {self.signature_type!r} (0x01 or 0x04)")
        if not isinstance(self.public_key, bytes) or len(self.public_key) != PUBLIC_KEY_SIZE:
            raise NoteError(f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes")

    @functools.cached_property
    def key_id(self) -> bytes:
        """Computed once per key: a checkpoint's every signature line is matched against every known key."""
        return key_id(self.name, self.signature_type, self.public_key)

    def vkey(self) -> str:
        """``<name>+<hex key ID>+<base64(type || public key)>``."""
        material = b64encode(bytes([self.signature_type]) + self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def parse(cls, vkey: str) -> VerifierKey:
        """A verifier key from its string; the key ID must be the one its name, type and key give."""
        if not isinstance(vkey, str):
            raise NoteError("a verifier key is a string")
        parts = vkey.split("+", 2)
        if len(parts) != 3:
            raise NoteError("a verifier key is '<name>+<key ID>+<base64 key>'")
        name, hash_hex, material = parts
        check_key_name(name)
        if not _KEY_ID_HEX.fullmatch(hash_hex):
            raise NoteError("a verifier key's key ID is 8 lowercase hex digits")
        raw = strict_b64decode(material, "the verifier key's key material")
        if len(raw) != 1 + PUBLIC_KEY_SIZE:
            raise NoteError(f"a verifier key holds a type byte and a {PUBLIC_KEY_SIZE}-byte Ed25519 key")
        key = cls(name, raw[0], raw[1:])
        if key.key_id.hex() != hash_hex:
            raise NoteError(f"the verifier key of {name!r} has key ID {hash_hex}, not {key.key_id.hex()}")
        return key

    @functools.cached_property
    def _ed25519(self) -> Ed25519PublicKey | None:
        """The public key parsed once (None if it is not a point: no signature verifies under it)."""
        try:
            return Ed25519PublicKey.from_public_bytes(self.public_key)
        except ValueError:
            return None

    def matches(self, signature: NoteSignature) -> bool:
        return signature.name == self.name and signature.key_id == self.key_id

    def verifies(self, text: bytes, signature: bytes) -> bool:
        """Does ``signature`` (the bytes after the key ID) sign ``text`` under this key and type?"""
        if self.signature_type == ED25519_NOTE:
            return self._ed25519_verifies(text, signature)
        if len(signature) != TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE:
            return False
        timestamp = int.from_bytes(signature[:TIMESTAMP_SIZE], "big")
        if timestamp > MAX_TIMESTAMP:
            return False
        return self._ed25519_verifies(cosignature_message(timestamp, text), signature[TIMESTAMP_SIZE:])

    def _ed25519_verifies(self, message: bytes, signature: bytes) -> bool:
        """Ed25519 verification, RFC 8032 section 5.1.7; False for any malformed input."""
        if not isinstance(signature, bytes) or len(signature) != ED25519_SIGNATURE_SIZE or self._ed25519 is None:
            return False
        remembered = (self.public_key, self.signature_type, hashlib.sha256(message).digest(), signature)
        if _VERIFIED.seen(remembered):
            return True
        try:
            self._ed25519.verify(signature, message)
        except InvalidSignature:
            return False
        _VERIFIED.add(remembered)
        return True


class _VerifiedSignatures:
    """The signatures that verified lately, least recently used out (thread-safe)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._seen: OrderedDict[tuple[bytes, int, bytes, bytes], None] = OrderedDict()
        self._lock = threading.Lock()

    def seen(self, item: tuple[bytes, int, bytes, bytes]) -> bool:
        with self._lock:
            if item not in self._seen:
                return False
            self._seen.move_to_end(item)
            return True

    def add(self, item: tuple[bytes, int, bytes, bytes]) -> None:
        with self._lock:
            self._seen[item] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)


_VERIFIED = _VerifiedSignatures(VERIFIED_CACHE_SIZE)


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The POSIX timestamp of a cosignature/v1 signature (NoteError if it is not one's shape)."""
    if len(signature.signature) != TIMESTAMP_SIZE + ED25519_SIGNATURE_SIZE:
        raise NoteError(f"the signature of {signature.name!r} is not a cosignature/v1")
    timestamp = int.from_bytes(signature.signature[:TIMESTAMP_SIZE], "big")
    if timestamp > MAX_TIMESTAMP:
        raise NoteError(f"the cosignature of {signature.name!r} has a timestamp beyond 2^63 - 1")
    return timestamp


def open_note(note: SignedNote, known: Iterable[VerifierKey]) -> tuple[VerifierKey, ...]:
    """The known keys whose signatures on ``note`` verify, in signature order (signed-note "Signatures").

    Signatures of unknown keys are ignored; a known key's signature that fails refuses the note
    (NoteError), as does a note that no known key signed.
    """
    keys = tuple(known)
    text = note.text.encode()
    verified: list[VerifierKey] = []
    for signature in note.signatures:
        for key in keys:
            if key.matches(signature):
                if not key.verifies(text, signature.signature):
                    raise NoteError(f"the signature of {key.name!r} does not verify")
                if key not in verified:
                    verified.append(key)
    if not verified:
        raise NoteError("no signature from a known key")
    return tuple(verified)


# ---------------------------------------------------------------- signers


class NoteSigner:
    """An Ed25519 key that signs notes under a key name, signature type 0x01."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not isinstance(private_key, Ed25519PrivateKey):
            raise NoteError("a note signer's key is an Ed25519 private key")
        self.verifier_key = VerifierKey(name, ED25519_NOTE, public_key_bytes(private_key))
        self._key = private_key

    @property
    def name(self) -> str:
        return self.verifier_key.name

    def sign(self, text: str) -> NoteSignature:
        """The signature of a note's text (which must end with a newline)."""
        check_note_text(text)
        return NoteSignature(self.name, self.verifier_key.key_id, self._key.sign(text.encode()))

    def __repr__(self) -> str:
        return f"NoteSigner({self.verifier_key.vkey()})"


class CosignatureSigner:
    """An Ed25519 cosigner (a witness): timestamped cosignature/v1 signatures, signature type 0x04."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey) -> None:
        if not isinstance(private_key, Ed25519PrivateKey):
            raise NoteError("a cosigner's key is an Ed25519 private key")
        self.verifier_key = VerifierKey(name, ED25519_COSIGNATURE_V1, public_key_bytes(private_key))
        self._key = private_key

    @property
    def name(self) -> str:
        return self.verifier_key.name

    def cosign(self, text: str, timestamp: int) -> NoteSignature:
        """timestamp (8 bytes, big-endian) || Ed25519(cosignature/v1 message), tlog-cosignature "Format"."""
        check_note_text(text)
        if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP:
            raise NoteError(f"a cosignature's timestamp is an integer from 0 to 2^63 - 1, not {timestamp!r}")
        signature = self._key.sign(cosignature_message(timestamp, text.encode()))
        return NoteSignature(self.name, self.verifier_key.key_id, timestamp.to_bytes(TIMESTAMP_SIZE, "big") + signature)

    def __repr__(self) -> str:
        return f"CosignatureSigner({self.verifier_key.vkey()})"


def check_note_text(text: object) -> None:
    if not isinstance(text, str) or not text.endswith("\n"):
        raise NoteError("a note's text is a string ending with a newline")
    check_text(text, "the note's text")
