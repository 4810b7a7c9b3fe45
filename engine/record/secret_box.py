"""Passphrase protection for secret files: scrypt key derivation and AES-256-GCM (`cryptography`).

A protected file is JSON-free bytes: MAGIC || salt(16) || nonce(12) || AES-GCM(ciphertext||tag).
The magic header lets a reader tell a protected file from a plain one and say which it needs.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from engine.errors import BallotchainError

MAGIC = b"BALLOTCHAIN-SECRET-v1\n"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**15, 8, 1


class SecretFileError(BallotchainError):
    """A secret file cannot be opened: wrong passphrase, tampered, or missing passphrase."""


def _key(passphrase: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P).derive(passphrase.encode("utf-8"))


def is_protected(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def seal(plaintext: bytes, passphrase: str, associated: bytes = b"") -> bytes:
    """Encrypt under a key derived from the passphrase; `associated` binds a context (e.g. the file kind)."""
    if not passphrase:
        raise SecretFileError("an empty passphrase protects nothing")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    return MAGIC + salt + nonce + AESGCM(_key(passphrase, salt)).encrypt(nonce, plaintext, MAGIC + associated)


def unseal(blob: bytes, passphrase: str | None, associated: bytes = b"") -> bytes:
    if not is_protected(blob):
        raise SecretFileError("the file is not passphrase-protected")
    if not passphrase:
        raise SecretFileError("the secret file is passphrase-protected: give the passphrase")
    body = blob[len(MAGIC) :]
    if len(body) < 16 + 12 + 16:
        raise SecretFileError("the protected secret file is truncated")
    salt, nonce, sealed = body[:16], body[16:28], body[28:]
    try:
        return AESGCM(_key(passphrase, salt)).decrypt(nonce, sealed, MAGIC + associated)
    except InvalidTag:
        raise SecretFileError("wrong passphrase, or the secret file was altered") from None
