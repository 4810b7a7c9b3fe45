"""The transparency log: an append-only Merkle tree of entries with signed tree heads.

RFC 9162 hashing and proofs (``engine.board.merkle``) over a ``LogStorage``. Every append through
``append``/``append_many`` is one durable transaction that also stores the board's signed head of
the new tree, so each acknowledged entry comes with a head that covers it. Without a board key the
log is read-only (monitors, verifiers, export).

``audit`` re-derives everything the storage caches from the entries alone (leaf hashes, the root
of every stored head, the heads' signatures and their mutual consistency): what a verifier of an
exported log does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence

from engine.board.entries import Entry, encode_entry
from engine.board.merkle import (
    MemoryTree,
    consistency_proof,
    inclusion_path,
    leaf_hash,
    tree_root,
    verify_consistency,
)
from engine.board.sth import BoardKey, SignedTreeHead, verify_sth
from engine.board.storage import LogStorage
from engine.errors import BallotchainError

BOARD_KEY_INDEX = "meta/board_public_key"


class LogError(BallotchainError, ValueError):
    """A request the log cannot answer (sizes beyond the tree, no key to sign with, wrong key)."""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class TransparencyLog:
    """Append-only log of entries (canonical bytes) with RFC 9162 proofs and signed tree heads."""

    def __init__(
        self, storage: LogStorage, board_key: BoardKey | None = None, *, clock: Callable[[], int] = now_ms
    ) -> None:
        self.storage = storage
        self.board_key = board_key
        self._clock = clock
        self._last_timestamp = 0
        self._sign_lock = threading.Lock()
        stored = storage.get(BOARD_KEY_INDEX)
        if board_key is not None:
            mine = board_key.public_key.hex()
            if stored is None:
                storage.append_many([], kv={BOARD_KEY_INDEX: mine})
            elif stored != mine:
                raise LogError("this log was signed with another board key")
        self.public_key: bytes | None = None
        if stored is not None:
            self.public_key = bytes.fromhex(stored)
        elif board_key is not None:
            self.public_key = board_key.public_key

    # -- reading --------------------------------------------------------------------------
    @property
    def size(self) -> int:
        return self.storage.size()

    def _size_arg(self, size: int | None) -> int:
        if isinstance(size, int) and not isinstance(size, bool) and size >= 0 and self.storage.holds(size):
            return size
        current = self.storage.size()
        if size is None:
            return current
        if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= current:
            raise LogError(f"tree size {size!r} is not between 0 and the log's size {current}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH(D[0:size]) (RFC 9162 2.1.1), the current root by default; O(log n) reads."""
        return tree_root(self.storage, self._size_arg(size))

    def entry(self, index: int) -> bytes:
        return self.storage.entry(index)

    def entries(self, start: int, end: int) -> list[bytes]:
        """Entries start..end-1, as stored (canonical bytes)."""
        return self.storage.entries(start, end)

    def leaf_hash(self, index: int) -> bytes:
        return self.storage.leaf_hash(index)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[0:size]), RFC 9162 2.1.3.1."""
        return inclusion_path(self.storage, index, self._size_arg(size))

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]), RFC 9162 2.1.4.1."""
        return consistency_proof(self.storage, old_size, self._size_arg(new_size))

    def tree_head(self, tree_size: int) -> SignedTreeHead | None:
        """The stored signed head for exactly this size, if the board signed one."""
        return self.storage.tree_head(tree_size)

    def latest_tree_head(self) -> SignedTreeHead | None:
        return self.storage.latest_tree_head()

    # -- writing --------------------------------------------------------------------------
    def _require_key(self) -> BoardKey:
        if self.board_key is None:
            raise LogError("this log was opened without the board key: it is read-only")
        return self.board_key

    def timestamp(self) -> int:
        """Now in milliseconds, never earlier than a head this log signed before."""
        with self._sign_lock:
            self._last_timestamp = max(self._clock(), self._last_timestamp)
            return self._last_timestamp

    def _signer(self, tree_size: int, root: bytes) -> SignedTreeHead:
        return self._require_key().sign_tree_head(tree_size, root, self.timestamp())

    def append(self, entry: Entry | bytes, *, kv: Mapping[str, str] | None = None) -> int:
        """Append one entry and sign the new head, in one durable transaction; its index."""
        first, _ = self.append_many([entry], kv=kv)
        return first

    def append_many(
        self, entries: Sequence[Entry | bytes], *, kv: Mapping[str, str] | None = None
    ) -> tuple[int, SignedTreeHead]:
        """Append entries and sign the new head, all in one transaction: (first index, head)."""
        self._require_key()
        data = [e if isinstance(e, bytes) else encode_entry(e) for e in entries]
        first = self.storage.append_many([(d, leaf_hash(d)) for d in data], kv=kv, sign_head=self._signer)
        stored = self.storage.tree_head(first + len(data))
        assert stored is not None
        return first, stored

    def signed_tree_head(self) -> SignedTreeHead:
        """The signed head of the current tree (signed now if the board has not signed this size)."""
        size = self.storage.size()
        stored = self.storage.tree_head(size)
        if stored is not None:
            return stored
        return self.storage.store_tree_head(self._signer(size, tree_root(self.storage, size)))

    def head_for(self, tree_size: int) -> SignedTreeHead:
        """The signed head of the tree of this size, signing one now if none is stored."""
        size = self._size_arg(tree_size)
        stored = self.storage.tree_head(size)
        if stored is not None:
            return stored
        return self.storage.store_tree_head(self._signer(size, tree_root(self.storage, size)))

    # -- auditing -------------------------------------------------------------------------
    def audit(self, heads: Sequence[SignedTreeHead] = ()) -> list[str]:
        """Problems found by recomputing the tree from the entries (empty list: the log verifies).

        Checks that every stored leaf hash is SHA-256(0x00 || entry), that the root recomputed from
        the entries alone equals the root the storage answers, and that each given head (default:
        the latest stored one) is signed by the board and has the recomputed root of its size.
        """
        problems: list[str] = []
        size = self.storage.size()
        leaves: list[bytes] = []
        batch = 4096
        for start in range(0, size, batch):
            for offset, data in enumerate(self.storage.entries(start, min(size, start + batch))):
                leaves.append(leaf_hash(data))
                if self.storage.leaf_hash(start + offset) != leaves[-1]:
                    problems.append(f"entry {start + offset}: stored leaf hash is not the hash of the entry")
        recomputed = MemoryTree(leaves)
        if tree_root(recomputed, size) != self.root(size):
            problems.append("the stored subtree hashes do not give the root of the entries")
        to_check = list(heads)
        if not to_check:
            latest = self.storage.latest_tree_head()
            to_check = [latest] if latest is not None else []
        for sth in to_check:
            if sth.tree_size > size:
                problems.append(f"head of size {sth.tree_size}: beyond the log's {size} entries")
                continue
            if self.public_key is None or not verify_sth(sth, self.public_key):
                problems.append(f"head of size {sth.tree_size}: the signature does not verify")
            if sth.root != tree_root(recomputed, sth.tree_size):
                problems.append(f"head of size {sth.tree_size}: its root is not the root of the entries")
        for older, newer in zip(to_check, to_check[1:]):
            if older.tree_size <= newer.tree_size:
                proof = consistency_proof(recomputed, older.tree_size, newer.tree_size)
                if not verify_consistency(older.tree_size, newer.tree_size, older.root, newer.root, proof):
                    problems.append(f"heads of sizes {older.tree_size} and {newer.tree_size} are not consistent")
        return problems
