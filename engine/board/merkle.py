"""Merkle tree hashing, inclusion and consistency proofs: RFC 9162 section 2.1.

The log's tree is the Merkle Tree Hash (MTH) of RFC 9162 section 2.1.1 over SHA-256:

- MTH({}) = SHA-256() (the empty string);
- leaf: MTH({d(0)}) = SHA-256(0x00 || d(0));
- node: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of 2 < n.

Proof generation follows PATH (2.1.3.1) and PROOF/SUBPROOF (2.1.4.1); verification follows the
algorithms of 2.1.3.2 and 2.1.4.2 step by step. They work on any ``NodeSource``: something that
answers the hash of each *complete aligned subtree* (level h, index i), i.e. of the leaves
[i * 2^h, (i + 1) * 2^h). Every MTH that PATH and SUBPROOF need is either such a subtree or the
right edge of one, so a proof costs O(log n) subtree reads. ``MemoryTree`` is the in-memory source
(built from a list of leaf hashes in O(n)); the log's SQLite storage is the durable one. Both grow
through ``IncrementalRoot``, the one running root of the package.

Edge cases RFC 9162 leaves to the caller (2.1.4.2 is stated for 0 < first < second), fixed here:
a consistency proof from size m to size m is empty and valid iff the two roots are equal; a proof
from size 0 is empty and valid iff the old root is MTH({}) (the empty tree is a prefix of every
tree). Verifiers return False for anything that is not a valid proof (wrong lengths, wrong types,
out-of-range sizes) and never raise; generators raise ``MerkleError`` for impossible requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from engine.errors import BallotchainError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class MerkleError(BallotchainError, ValueError):
    """A proof or root was asked for a tree size or index the tree does not have."""


def leaf_hash(entry: bytes) -> bytes:
    """MTH of a one-leaf tree, RFC 9162 2.1.1: SHA-256(0x00 || entry)."""
    if not isinstance(entry, (bytes, bytearray, memoryview)):
        raise MerkleError(f"a log entry is bytes, not {type(entry).__name__}")
    return hashlib.sha256(_LEAF_PREFIX + bytes(entry)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node, RFC 9162 2.1.1: SHA-256(0x01 || left || right)."""
    _require_hash(left, "left child")
    _require_hash(right, "right child")
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _require_hash(value: object, what: str) -> None:
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        raise MerkleError(f"{what} must be a {HASH_SIZE}-byte hash")


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _split(n: int) -> int:
    """k of RFC 9162 2.1.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# ---------------------------------------------------------------- node sources


@runtime_checkable
class NodeSource(Protocol):
    """Hashes of complete aligned subtrees: level h, index i covers leaves [i*2^h, (i+1)*2^h)."""

    def size(self) -> int: ...

    def subtree_hash(self, level: int, index: int) -> bytes: ...


class IncrementalRoot:
    """MTH of RFC 9162 2.1.1 over leaf hashes appended one at a time, in O(log n) memory.

    Keeps the frontier: for each one-bit h of the size n, the hash of the complete aligned subtree at
    level h that ends at the right edge (the sizes of the subtrees are the one-bits of n, largest
    leftmost). Appending a leaf merges it with the frontier's smallest subtrees as a binary counter
    carries; the root folds the frontier from the smallest up, MTH = node(largest, node(..., smallest)).
    The log's memory tree, its SQLite storage and the verifier's replay of the log all use it.
    """

    def __init__(self, size: int = 0, frontier: Mapping[int, bytes] | None = None) -> None:
        """The tree of ``size`` leaves whose frontier is ``frontier`` (level -> hash; empty for size 0)."""
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise MerkleError(f"a tree size is a non-negative integer, not {size!r}")
        levels = dict(frontier or {})
        if set(levels) != {h for h in range(size.bit_length()) if size >> h & 1}:
            raise MerkleError(f"a frontier of a tree of {size} leaves has one subtree per one-bit of {size}")
        for level, h in levels.items():
            _require_hash(h, f"frontier subtree at level {level}")
        self._size = size
        self._frontier = levels

    @property
    def size(self) -> int:
        return self._size

    def frontier(self) -> dict[int, bytes]:
        """The complete subtrees the tree is made of, level -> hash (a copy)."""
        return dict(self._frontier)

    def copy(self) -> IncrementalRoot:
        return IncrementalRoot(self._size, self._frontier)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add one leaf hash; the complete subtrees (level, index, hash) it completes, the leaf itself first."""
        _require_hash(leaf, "a leaf hash")
        index = self._size
        completed = [(0, index, leaf)]
        level, i, current = 0, index, leaf
        while i & 1:
            current = _node(self._frontier.pop(level), current)
            level, i = level + 1, i >> 1
            completed.append((level, i, current))
        self._frontier[level] = current
        self._size += 1
        return completed

    def root(self) -> bytes:
        """MTH(D[0:size]): SHA-256() for the empty tree."""
        root: bytes | None = None
        for level in sorted(self._frontier):
            root = self._frontier[level] if root is None else _node(self._frontier[level], root)
        return EMPTY_ROOT if root is None else root


class MemoryTree:
    """Every complete aligned subtree of a list of leaf hashes, kept in memory (O(n) to build)."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self._levels: list[list[bytes]] = [[]]
        tree = IncrementalRoot()
        for i, h in enumerate(leaf_hashes):
            _require_hash(h, f"leaf hash {i}")
            for level, _, subtree in tree.append(h):
                if level == len(self._levels):
                    self._levels.append([])
                self._levels[level].append(subtree)

    def size(self) -> int:
        return len(self._levels[0])

    def subtree_hash(self, level: int, index: int) -> bytes:
        if level < 0 or level >= len(self._levels) or not 0 <= index < len(self._levels[level]):
            raise MerkleError(f"no complete subtree at level {level}, index {index}")
        return self._levels[level][index]


def _source(tree: Sequence[bytes] | NodeSource) -> NodeSource:
    if isinstance(tree, NodeSource):
        return tree
    return MemoryTree(tree)


def range_hash(source: NodeSource, start: int, end: int) -> bytes:
    """MTH(D[start:end]) from complete subtrees; O(log n) reads when start is aligned as in PATH."""
    n = end - start
    if n <= 0:
        raise MerkleError(f"empty leaf range [{start}, {end})")
    if n & (n - 1) == 0 and start % n == 0:
        return source.subtree_hash(n.bit_length() - 1, start // n)
    k = _split(n)
    return _node(range_hash(source, start, start + k), range_hash(source, start + k, end))


def tree_root(source: NodeSource, size: int) -> bytes:
    """MTH(D[0:size]) of a source holding at least size leaves, RFC 9162 2.1.1."""
    _check_size(source, size)
    return EMPTY_ROOT if size == 0 else range_hash(source, 0, size)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (SHA-256() for the empty list), RFC 9162 2.1.1."""
    tree = MemoryTree(leaf_hashes)
    return tree_root(tree, tree.size())


def _check_size(source: NodeSource, size: int) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise MerkleError(f"a tree size is a non-negative integer, not {size!r}")
    if size > source.size():
        raise MerkleError(f"the tree has {source.size()} leaves, not {size}")


# ---------------------------------------------------------------- inclusion, 2.1.3


def inclusion_proof(tree: Sequence[bytes] | NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]), RFC 9162 2.1.3.1: the siblings from the leaf up to the root."""
    source = _source(tree)
    _check_size(source, size)
    return inclusion_path(source, index, size)


def inclusion_path(source: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) from a source its caller knows to hold ``size`` leaves (no read of its size)."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < size:
        raise MerkleError(f"leaf index {index!r} is outside a tree of {size} leaves")
    outermost_first: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            outermost_first.append(range_hash(source, lo + k, hi))
            hi = lo + k
        else:
            outermost_first.append(range_hash(source, lo, lo + k))
            lo, m = lo + k, m - k
    return outermost_first[::-1]


def root_from_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """Steps 1-5 of RFC 9162 2.1.3.2: the root the proof leads to, or None if it cannot be valid."""
    if not _is_hash(leaf) or not _is_int(index) or not _is_int(size) or not isinstance(proof, (list, tuple)):
        return None
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0 or not _is_hash(p):
            return None
        if fn & 1 or fn == sn:
            r = _node(p, r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _node(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def left_subtrees(index: int, size: int, proof: Sequence[bytes]) -> dict[int, bytes] | None:
    """The left siblings of an inclusion proof (those RFC 9162 2.1.3.2 hashes in as ``node(p, r)``), level ->
    hash: the complete subtrees of the leaves before ``index``, one per one-bit of ``index``, i.e. the frontier
    of ``IncrementalRoot(index, ...)``. None if the proof cannot be valid. With the leaf and the leaves after
    it they give the root of every larger tree; whether they are the tree's is for the proof's root to say."""
    if not _is_int(index) or not _is_int(size) or not isinstance(proof, (list, tuple)) or not 0 <= index < size:
        return None
    fn, sn = index, size - 1
    left: list[bytes] = []
    for p in proof:
        if sn == 0 or not _is_hash(p):
            return None
        if fn & 1 or fn == sn:
            left.append(p)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        fn, sn = fn >> 1, sn >> 1
    levels = [h for h in range(index.bit_length()) if index >> h & 1]
    if sn != 0 or len(left) != len(levels):
        return None
    return dict(zip(levels, left))


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``index`` in the tree ``root``?"""
    computed = root_from_inclusion(leaf, index, size, proof)
    return computed is not None and _is_hash(root) and computed == root


# ---------------------------------------------------------------- consistency, 2.1.4


def consistency_proof(tree: Sequence[bytes] | NodeSource, old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[0:new_size]) = SUBPROOF(m, D[n], true), RFC 9162 2.1.4.1 (empty if m is 0 or n)."""
    source = _source(tree)
    _check_size(source, new_size)
    if isinstance(old_size, bool) or not isinstance(old_size, int) or not 0 <= old_size <= new_size:
        raise MerkleError(f"old tree size {old_size!r} is not between 0 and {new_size}")
    if old_size in (0, new_size):
        return []
    outermost_first: list[bytes] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                outermost_first.append(range_hash(source, lo, hi))
            break
        k = _split(n)
        if m <= k:
            outermost_first.append(range_hash(source, lo + k, hi))
            hi = lo + k
        else:
            outermost_first.append(range_hash(source, lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    return outermost_first[::-1]


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2: is the tree ``old_root`` of ``old_size`` leaves a prefix of ``new_root``?"""
    if not (_is_int(old_size) and _is_int(new_size) and _is_hash(old_root) and _is_hash(new_root)):
        return False
    if not isinstance(proof, (list, tuple)) or not all(_is_hash(c) for c in proof):
        return False
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return len(proof) == 0 and old_root == new_root
    if old_size == 0:
        return len(proof) == 0 and old_root == EMPTY_ROOT
    path = list(proof)
    if not path:
        return False
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    same = True  # fr and sr are one hash until the first node only the new tree has: hashed once
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = _node(c, fr)
            sr = fr if same else _node(c, sr)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr, same = _node(sr, c), False
        fn, sn = fn >> 1, sn >> 1
    return fr == old_root and sr == new_root and sn == 0


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
