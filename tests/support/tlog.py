"""A naive RFC 9162 Merkle tree for tests of checkpoints and witnesses: MTH (2.1.1) and PROOF/SUBPROOF
(2.1.4.1) transcribed recursively, independent of engine.board.merkle (which the witness uses to verify)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.checkpoint import Checkpoint, sign_checkpoint
from engine.board.note import NoteSigner, b64encode


def mth(entries: Sequence[bytes]) -> bytes:
    """MTH(D[n]), RFC 9162 2.1.1."""
    n = len(entries)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1 << ((n - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()


def _subproof(m: int, entries: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(entries)
    if m == n:
        return [] if complete else [mth(entries)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return _subproof(m, entries[:k], complete) + [mth(entries[k:])]
    return _subproof(m - k, entries[k:], False) + [mth(entries[:k])]


def consistency(old_size: int, entries: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]), RFC 9162 2.1.4.1 (empty for m = 0 or m = n)."""
    if old_size in (0, len(entries)):
        return []
    return _subproof(old_size, entries, True)


class FakeLog:
    """A log of ``entries`` under an origin, signing its checkpoints with a fresh Ed25519 note key."""

    def __init__(self, origin: str, entries: Sequence[bytes], key: Ed25519PrivateKey | None = None) -> None:
        self.origin = origin
        self.entries = list(entries)
        self.signer = NoteSigner(origin, key or Ed25519PrivateKey.generate())

    def checkpoint(self, size: int) -> Checkpoint:
        return Checkpoint(self.origin, size, mth(self.entries[:size]))

    def signed(self, size: int) -> bytes:
        return sign_checkpoint(self.checkpoint(size), self.signer).to_bytes()

    def proof(self, old_size: int, size: int) -> list[bytes]:
        return consistency(old_size, self.entries[:size])

    def request(self, old_size: int, size: int) -> bytes:
        proof = "".join(b64encode(node) + "\n" for node in self.proof(old_size, size))
        return f"old {old_size}\n{proof}\n".encode() + self.signed(size)
