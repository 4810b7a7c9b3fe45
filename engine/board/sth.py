"""Signed tree heads (RFC 9162 section 4.10 in spirit) and the board's Ed25519 key that signs them.

A signed tree head commits the board to the root of its log at a size:
signature = Ed25519(board key, b"ballotchain-sth-v1" || b(tree_size, 8) || root || b(timestamp, 8)),
integers big-endian, the timestamp in milliseconds since the Unix epoch. Anyone holding the board's
public key (32 raw bytes, RFC 8032) checks it with ``verify_sth``.

On the wire a head is the JSON object {"tree_size", "root", "timestamp", "signature"} with upper-
case hex byte strings (``to_json`` / ``from_json``; either case is read). The board key is saved
and loaded as a key file of kind ``ballotchain-board-key-v1`` (``engine.credentials.keys``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.entries import MAX_TIMESTAMP, shown
from engine.board.merkle import HASH_SIZE
from engine.credentials.keys import SIGNATURE_SIZE, KeyFileError, ed25519_verify, load_key, public_key_bytes, save_key
from engine.errors import BallotchainError

STH_DOMAIN = b"ballotchain-sth-v1"


class TreeHeadError(BallotchainError, ValueError):
    """A malformed signed tree head."""


@dataclass(frozen=True)
class SignedTreeHead:
    """The board's signature on (tree size, root, timestamp in ms)."""

    tree_size: int
    root: bytes
    timestamp: int
    signature: bytes

    def __post_init__(self) -> None:
        if isinstance(self.tree_size, bool) or not isinstance(self.tree_size, int) or self.tree_size < 0:
            raise TreeHeadError(f"a tree size is a non-negative integer, not {shown(self.tree_size)}")
        if self.tree_size > MAX_TIMESTAMP:
            raise TreeHeadError("the tree size does not fit in 8 bytes")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise TreeHeadError(f"a root is {HASH_SIZE} bytes")
        if isinstance(self.timestamp, bool) or not isinstance(self.timestamp, int):
            raise TreeHeadError("a timestamp is an integer (milliseconds)")
        if not 0 <= self.timestamp <= MAX_TIMESTAMP:
            raise TreeHeadError("the timestamp does not fit in 8 bytes")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise TreeHeadError(f"a signature is {SIGNATURE_SIZE} bytes")

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root": self.root.hex().upper(),
            "timestamp": self.timestamp,
            "signature": self.signature.hex().upper(),
        }

    @classmethod
    def from_json(cls, obj: Any) -> SignedTreeHead:
        """A head from its JSON object, every field checked (TreeHeadError otherwise)."""
        fields = {"tree_size", "root", "timestamp", "signature"}
        if not isinstance(obj, dict) or set(obj) != fields:
            raise TreeHeadError("a signed tree head is an object with tree_size, root, timestamp, signature")
        try:
            root = bytes.fromhex(obj["root"])
            signature = bytes.fromhex(obj["signature"])
        except (TypeError, ValueError) as exc:
            raise TreeHeadError("root and signature are hex strings") from exc
        return cls(obj["tree_size"], root, obj["timestamp"], signature)


def sth_message(tree_size: int, root: bytes, timestamp: int) -> bytes:
    """The bytes the board signs: b"ballotchain-sth-v1" || b(size, 8) || root || b(timestamp, 8)."""
    return STH_DOMAIN + tree_size.to_bytes(8, "big") + root + timestamp.to_bytes(8, "big")


def verify_sth(sth: SignedTreeHead, public_key: bytes) -> bool:
    """Is ``sth`` signed by the board whose raw Ed25519 public key is ``public_key``?"""
    if not isinstance(sth, SignedTreeHead):
        return False
    return ed25519_verify(public_key, sth_message(sth.tree_size, sth.root, sth.timestamp), sth.signature)


class BoardKey:
    """The board's Ed25519 signing key for tree heads."""

    KIND = "ballotchain-board-key-v1"

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        if not isinstance(private_key, Ed25519PrivateKey):
            raise KeyFileError("a board key is an Ed25519 private key")
        self._key = private_key
        self.public_key: bytes = public_key_bytes(private_key)

    @classmethod
    def generate(cls) -> BoardKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> BoardKey:
        return cls(load_key(path, cls.KIND))

    def save(self, path: Path, *, overwrite: bool = False) -> None:
        save_key(path, self.KIND, self._key, overwrite=overwrite)

    def public_key_bytes(self) -> bytes:
        return self.public_key

    def sign_tree_head(self, tree_size: int, root: bytes, timestamp: int) -> SignedTreeHead:
        """Sign (tree_size, root, timestamp); the fields are checked before signing."""
        if isinstance(tree_size, bool) or not isinstance(tree_size, int) or not 0 <= tree_size <= MAX_TIMESTAMP:
            raise TreeHeadError(f"a tree size is a non-negative integer, not {shown(tree_size)}")
        if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP:
            raise TreeHeadError(f"a timestamp is a non-negative integer, not {shown(timestamp)}")
        if not isinstance(root, bytes) or len(root) != HASH_SIZE:
            raise TreeHeadError(f"a root is {HASH_SIZE} bytes")
        return SignedTreeHead(tree_size, root, timestamp, self._key.sign(sth_message(tree_size, root, timestamp)))

    def __repr__(self) -> str:
        return f"BoardKey(public_key={self.public_key.hex()})"
