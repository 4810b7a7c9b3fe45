"""Passphrase protection for secret files: scrypt key derivation and AES-256-GCM (`cryptography`).

A protected file is JSON-free bytes. Version 2, written today:

    MAGIC_V2 || log2(N) (1 byte) || r (1 byte) || p (1 byte) || salt(16) || nonce(12) || AES-GCM(ciphertext||tag)

with scrypt N = 2^17, r = 8, p = 1 (128 MiB, the cost RFC 7914 section 2 and OWASP suggest for
keys that guard long-lived secrets); the header is authenticated with the ciphertext. Version 1
files (MAGIC_V1 || salt || nonce || ciphertext, N = 2^15 implied) still open. Parameters read from
a file are bounded both ways: below N = 2^15 they protect too little, above 1 GiB of memory they
would only make the reader hang.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from engine.errors import BallotchainError

MAGIC_V1 = b"BALLOTCHAIN-SECRET-v1\n"
MAGIC_V2 = b"BALLOTCHAIN-SECRET-v2\n"
MAGIC = MAGIC_V2
_MAGIC_STEM = b"BALLOTCHAIN-SECRET-v"
_SALT, _NONCE, _TAG = 16, 12, 16

MIN_LOG2_N, MAX_MEMORY = 15, 1 << 30


class SecretFileError(BallotchainError):
    """A secret file cannot be opened: wrong passphrase, tampered, or missing passphrase."""


@dataclass(frozen=True)
class ScryptParameters:
    """scrypt's cost N = 2^log2_n, block size r and parallelism p (RFC 7914)."""

    log2_n: int
    r: int
    p: int

    def problem(self) -> str | None:
        """Why a file may not use these parameters, or None."""
        if self.log2_n < MIN_LOG2_N:
            return f"scrypt N = 2^{self.log2_n} is below the minimum 2^{MIN_LOG2_N}"
        if not 1 <= self.r <= 32 or not 1 <= self.p <= 16:
            return f"scrypt r = {self.r}, p = {self.p} are outside 1..32 and 1..16"
        if self.log2_n >= 32 or 128 * self.r * (1 << self.log2_n) > MAX_MEMORY:
            return f"scrypt N = 2^{self.log2_n}, r = {self.r} would need more than {MAX_MEMORY >> 20} MiB"
        return None

    def header(self) -> bytes:
        return MAGIC_V2 + bytes((self.log2_n, self.r, self.p))

    def key(self, passphrase: str, salt: bytes) -> bytes:
        kdf = Scrypt(salt=salt, length=32, n=1 << self.log2_n, r=self.r, p=self.p)
        return kdf.derive(passphrase.encode("utf-8"))


NEW_FILE_PARAMETERS = ScryptParameters(17, 8, 1)
_V1_PARAMETERS = ScryptParameters(15, 8, 1)


def is_protected(blob: bytes) -> bool:
    return blob.startswith(_MAGIC_STEM)


def seal(
    plaintext: bytes, passphrase: str, associated: bytes = b"", parameters: ScryptParameters = NEW_FILE_PARAMETERS
) -> bytes:
    """Encrypt under a key derived from the passphrase; `associated` binds a context (e.g. the file kind)."""
    if not passphrase:
        raise SecretFileError("an empty passphrase protects nothing")
    problem = parameters.problem()
    if problem is not None:
        raise SecretFileError(problem)
    header = parameters.header()
    salt, nonce = secrets.token_bytes(_SALT), secrets.token_bytes(_NONCE)
    return (
        header + salt + nonce + AESGCM(parameters.key(passphrase, salt)).encrypt(nonce, plaintext, header + associated)
    )


def unseal(blob: bytes, passphrase: str | None, associated: bytes = b"") -> bytes:
    parameters, header, body = _parse(blob)
    if not passphrase:
        raise SecretFileError("the secret file is passphrase-protected: give the passphrase")
    salt, nonce, sealed = body[:_SALT], body[_SALT : _SALT + _NONCE], body[_SALT + _NONCE :]
    try:
        return AESGCM(parameters.key(passphrase, salt)).decrypt(nonce, sealed, header + associated)
    except InvalidTag:
        raise SecretFileError("wrong passphrase, or the secret file was altered") from None


def _parse(blob: bytes) -> tuple[ScryptParameters, bytes, bytes]:
    """The scrypt parameters, the authenticated header and the rest (salt, nonce, ciphertext)."""
    if blob.startswith(MAGIC_V1):
        parameters, header = _V1_PARAMETERS, MAGIC_V1
    elif blob.startswith(MAGIC_V2):
        if len(blob) < len(MAGIC_V2) + 3:
            raise SecretFileError("the protected secret file is truncated")
        log2_n, r, p = blob[len(MAGIC_V2) : len(MAGIC_V2) + 3]
        parameters, header = ScryptParameters(log2_n, r, p), blob[: len(MAGIC_V2) + 3]
    elif is_protected(blob):
        raise SecretFileError("the secret file is of an unknown version (made by a newer ballotchain?)")
    else:
        raise SecretFileError("the file is not passphrase-protected")
    problem = parameters.problem()
    if problem is not None:
        raise SecretFileError(f"the secret file's key derivation is refused: {problem}")
    body = blob[len(header) :]
    if len(body) < _SALT + _NONCE + _TAG:
        raise SecretFileError("the protected secret file is truncated")
    return parameters, header, body
