"""Ed25519 keys (RFC 8032, the ``cryptography`` package): raw encodings, verification, key files.

Every key this engine holds is Ed25519: the board's tree-head key (``engine.board.sth.BoardKey``), the
registrar's roster key and the voters' credentials (``engine.credentials``). A key file is canonical
JSON {"kind", "public_key", "private_key"} (``engine.board.entries.canonical_json``) with the raw
32-byte keys in hex, written atomically with mode 0600; a key file that others can read is refused,
and so is a file of another kind or whose public key does not match its private key.
"""

from __future__ import annotations

import os
import stat
import string
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from engine.board.entries import canonical_json, parse_canonical_json, shown
from engine.errors import BallotchainError
from engine.record.errors import RecordError
from engine.record.writer import atomic_write

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
PUBLIC_KEY_HEX_DIGITS = 2 * PUBLIC_KEY_SIZE
KEY_FILE_FIELDS = frozenset({"kind", "public_key", "private_key"})


class KeyFileError(BallotchainError, ValueError):
    """A key file that cannot be read, written or trusted."""


class PublicKeyError(BallotchainError, ValueError):
    """A public key given as text (an option, a pin) that is not 64 hex digits."""


def parse_public_key(text: str, what: str) -> bytes:
    """A raw Ed25519 public key (RFC 8032 section 5.1.5) written as exactly 64 hex digits of either case, blanks
    around them ignored; PublicKeyError naming ``what`` (the option or whose key) and what is wrong otherwise."""
    value = text.strip()
    if len(value) != PUBLIC_KEY_HEX_DIGITS:
        raise PublicKeyError(
            f"{what}: an Ed25519 public key is {PUBLIC_KEY_HEX_DIGITS} hex digits, not {len(value)} characters"
        )
    wrong = next((c for c in value if c not in string.hexdigits), None)
    if wrong is not None:
        raise PublicKeyError(
            f"{what}: an Ed25519 public key is {PUBLIC_KEY_HEX_DIGITS} hex digits; {wrong!r} is not a hex digit"
        )
    return bytes.fromhex(value)


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The raw 32-byte public key (RFC 8032 section 5.1.5)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def private_key_bytes(key: Ed25519PrivateKey) -> bytes:
    """The raw 32-byte private key (the RFC 8032 seed)."""
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Ed25519 verification (RFC 8032 section 5.1.7) that answers False for any malformed input."""
    if not isinstance(public_key, bytes) or len(public_key) != PUBLIC_KEY_SIZE:
        return False
    if not isinstance(signature, bytes) or len(signature) != SIGNATURE_SIZE:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def save_key(path: Path, kind: str, key: Ed25519PrivateKey, *, overwrite: bool = False) -> None:
    """Write a private key file of the given kind, mode 0600, atomically."""
    body = {"kind": kind, "public_key": public_key_bytes(key).hex(), "private_key": private_key_bytes(key).hex()}
    try:
        atomic_write(Path(path), canonical_json(body) + b"\n", label=str(path), overwrite=overwrite, secret=True)
    except RecordError as exc:
        raise KeyFileError(str(exc)) from exc


def load_key(path: Path, kind: str) -> Ed25519PrivateKey:
    """Read a private key file written by save_key; refuse a file that others may read."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if stat.S_IMODE(mode) & 0o077 and os.name == "posix":
        raise KeyFileError(f"{path}: a private key file must not be readable by others (chmod 600)")
    body = parse_canonical_json(data.rstrip(b"\n"), str(path), KeyFileError)
    if not isinstance(body, dict) or set(body) != KEY_FILE_FIELDS:
        raise KeyFileError(f"{path}: not a key file (fields kind, public_key, private_key)")
    if body["kind"] != kind:
        raise KeyFileError(f"{path}: holds a {shown(body['kind'])} key, not a {kind!r} key")
    try:
        key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(body["private_key"]))
        public = bytes.fromhex(body["public_key"])
    except (TypeError, ValueError) as exc:
        raise KeyFileError(f"{path}: the key is not 32 bytes of hex") from exc
    if public_key_bytes(key) != public:
        raise KeyFileError(f"{path}: the public key does not match the private key")
    return key
