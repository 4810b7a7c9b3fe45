"""Durable storage of the log: entries, Merkle subtree hashes, signed tree heads, a small index.

``LogStorage`` is the interface; ``SQLiteLogStorage`` the embedded default. What it keeps:

- ``entries(idx, data)``: leaf data, idx = 0, 1, 2, ... with no gaps;
- ``nodes(level, idx, hash)``: the hash of every *complete aligned subtree*, level h index i covering
  leaves [i 2^h, (i + 1) 2^h) (level 0 = the leaf hashes). Appending leaf n adds (0, n) and then one
  parent per trailing one-bit of n, from the "frontier" (the complete subtrees that make up the tree
  of size n, one per one-bit of n; ``engine.board.merkle.IncrementalRoot``): O(log n) per append.
  Any root or proof then needs O(log n) reads (``engine.board.merkle.range_hash``);
- ``heads(tree_size, timestamp, root, signature)``: signed tree heads, the first signed at each size;
- ``kv(key, value)``: an index the board keeps next to the log (ballot id -> leaf, DID -> counted
  ballot, ...), updated in the same transaction as the entries it describes.

Durability: the database is in WAL mode with synchronous=FULL, and every append (one or several
entries, their subtree hashes, their index updates and optionally the signed head of the new size)
is one transaction, committed (fsynced) before ``append`` returns. The board's sequencer makes one
such append of a whole batch of submissions (``engine.board.sequencer``), so one fsync covers many.
A crash leaves all of it or none of it.
One writer at a time (a lock, plus SQLite's own write lock across processes); readers use their own
connections, one per thread, and see only committed data.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from engine.board.merkle import HASH_SIZE, IncrementalRoot, MerkleError, leaf_hash
from engine.board.sth import SignedTreeHead
from engine.errors import BallotchainError

HeadSigner = Callable[[int, bytes], SignedTreeHead]

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL,"
    " PRIMARY KEY (level, idx)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS heads (tree_size INTEGER PRIMARY KEY, timestamp INTEGER NOT NULL,"
    " root BLOB NOT NULL, signature BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
)
_CACHED_LEVEL = 6
RECENT_APPENDS = 4


class StorageError(BallotchainError):
    """The log's storage cannot be opened, read or written, or holds inconsistent data."""


@runtime_checkable
class LogStorage(Protocol):
    """What the transparency log needs from a store (also an engine.board.merkle.NodeSource)."""

    def size(self) -> int: ...

    def holds(self, size: int) -> bool: ...

    @property
    def writes(self) -> int: ...

    def entry(self, index: int) -> bytes: ...

    def entries(self, start: int, end: int) -> list[bytes]: ...

    def leaf_hash(self, index: int) -> bytes: ...

    def subtree_hash(self, level: int, index: int) -> bytes: ...

    def append(
        self,
        entry: bytes,
        leaf: bytes,
        *,
        kv: Mapping[str, str] | None = None,
        sign_head: HeadSigner | None = None,
    ) -> int: ...

    def append_many(
        self,
        items: Sequence[tuple[bytes, bytes]],
        *,
        kv: Mapping[str, str] | None = None,
        sign_head: HeadSigner | None = None,
    ) -> int: ...

    def get(self, key: str) -> str | None: ...

    def get_many(self, keys: Sequence[str]) -> dict[str, str]: ...

    def items(self, prefix: str) -> list[tuple[str, str]]: ...

    def store_tree_head(self, sth: SignedTreeHead) -> SignedTreeHead: ...

    def tree_head(self, tree_size: int) -> SignedTreeHead | None: ...

    def latest_tree_head(self) -> SignedTreeHead | None: ...

    def tree_head_covering(self, index: int) -> SignedTreeHead | None: ...

    def close(self) -> None: ...


class SQLiteLogStorage:
    """The log in one SQLite file (WAL, synchronous=FULL); safe for threads, one writer at a time."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._timeout = timeout
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._node_cache: dict[tuple[int, int], bytes] = {}
        self._recent_nodes: dict[tuple[int, int], bytes] = {}
        self._recent_batches: deque[list[tuple[int, int]]] = deque()
        self._size_floor = 0
        self._writes = 0
        self._frontier: IncrementalRoot | None = None
        self._closed = False
        self._writer = self._connect()
        try:
            mode = self._writer.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(f"{self.path}: cannot switch the database to WAL mode (got {mode})")
            for statement in _SCHEMA:
                self._writer.execute(statement)
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: cannot open the log database: {exc}") from exc

    # -- connections --------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(str(self.path), timeout=self._timeout, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: cannot open the log database: {exc}") from exc
        with self._connections_lock:
            self._connections.append(conn)
        return conn

    def _reader(self) -> sqlite3.Connection:
        if self._closed:
            raise StorageError(f"{self.path}: the log storage is closed")
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close every connection (a checkpoint folds the WAL into the database)."""
        with self._write_lock, self._connections_lock:
            if self._closed:
                return
            self._closed = True
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()

    def __enter__(self) -> SQLiteLogStorage:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[Any]:
        try:
            return self._reader().execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise StorageError(f"{self.path}: read failed: {exc}") from exc

    # -- reads --------------------------------------------------------------------------
    def size(self) -> int:
        (value,) = self._query("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries")[0]
        self._size_floor = max(self._size_floor, int(value))
        return int(value)

    def holds(self, size: int) -> bool:
        """Does the log hold at least ``size`` entries? Read only when no earlier read or append of this object
        showed it (the log only grows)."""
        return size <= self._size_floor or size <= self.size()

    @property
    def writes(self) -> int:
        """How many transactions this object has committed: what it wrote (the index among it) is unchanged while
        this stays the same, as far as this object's writes go."""
        return self._writes

    def entry(self, index: int) -> bytes:
        rows = self._query("SELECT data FROM entries WHERE idx = ?", (_index(index),))
        if not rows:
            raise StorageError(f"the log has no entry {index}")
        return bytes(rows[0][0])

    def entries(self, start: int, end: int) -> list[bytes]:
        """The entries start..end-1 (end exclusive); all of them must exist."""
        start, end = _index(start), _index(end)
        if end < start:
            raise StorageError(f"bad entry range [{start}, {end})")
        rows = self._query("SELECT data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx", (start, end))
        if len(rows) != end - start:
            raise StorageError(f"the log has no entries [{start}, {end}) (size {self.size()})")
        return [bytes(r[0]) for r in rows]

    def leaf_hash(self, index: int) -> bytes:
        return self.subtree_hash(0, index)

    def subtree_hash(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree (level, index); MerkleError if it is not complete yet."""
        key = (level, index)
        cached = self._node_cache.get(key) or self._recent_nodes.get(key)
        if cached is not None:
            return cached
        rows = self._query("SELECT hash FROM nodes WHERE level = ? AND idx = ?", (_index(level), _index(index)))
        if not rows:
            raise MerkleError(f"no complete subtree at level {level}, index {index}")
        value = bytes(rows[0][0])
        if level >= _CACHED_LEVEL:
            self._node_cache[key] = value
        return value

    def get(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM kv WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        """The index entries of those keys that have one, in one query."""
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = self._query(f"SELECT key, value FROM kv WHERE key IN ({marks})", tuple(keys))
        return {str(k): str(v) for k, v in rows}

    def items(self, prefix: str) -> list[tuple[str, str]]:
        """The index entries whose key starts with ``prefix``, sorted by key."""
        upper = prefix + "\U0010ffff"
        rows = self._query("SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key", (prefix, upper))
        return [(str(k), str(v)) for k, v in rows if str(k).startswith(prefix)]

    def tree_head(self, tree_size: int) -> SignedTreeHead | None:
        rows = self._query(
            "SELECT tree_size, root, timestamp, signature FROM heads WHERE tree_size = ?", (_index(tree_size),)
        )
        return _head(rows[0]) if rows else None

    def latest_tree_head(self) -> SignedTreeHead | None:
        rows = self._query("SELECT tree_size, root, timestamp, signature FROM heads ORDER BY tree_size DESC LIMIT 1")
        return _head(rows[0]) if rows else None

    def tree_head_covering(self, index: int) -> SignedTreeHead | None:
        """The stored head of the smallest tree that holds leaf ``index`` (with group commit: its batch's)."""
        rows = self._query(
            "SELECT tree_size, root, timestamp, signature FROM heads WHERE tree_size > ? ORDER BY tree_size LIMIT 1",
            (_index(index),),
        )
        return _head(rows[0]) if rows else None

    # -- writes -------------------------------------------------------------------------
    def append(
        self,
        entry: bytes,
        leaf: bytes,
        *,
        kv: Mapping[str, str] | None = None,
        sign_head: HeadSigner | None = None,
    ) -> int:
        """Append one entry (see append_many); its index, durable on return."""
        return self.append_many([(entry, leaf)], kv=kv, sign_head=sign_head)

    def append_many(
        self,
        items: Sequence[tuple[bytes, bytes]],
        *,
        kv: Mapping[str, str] | None = None,
        sign_head: HeadSigner | None = None,
    ) -> int:
        """Append entries (data, leaf hash) in one transaction; the index of the first.

        ``kv`` updates the index in the same transaction; ``sign_head(new_size, new_root)``, if
        given, signs the head of the new tree, which is stored in the same transaction too.
        """
        checked = [(_entry_bytes(data), _leaf(data, leaf)) for data, leaf in items]
        updates = _kv_pairs(kv)
        with self._write_lock:
            if self._closed:
                raise StorageError(f"{self.path}: the log storage is closed")
            conn = self._writer
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: cannot start a write: {exc}") from exc
            try:
                tree = self._load_frontier(conn)
                first = tree.size
                node_rows: list[tuple[int, int, bytes]] = []
                for _, leaf in checked:
                    node_rows.extend(tree.append(leaf))
                conn.executemany(
                    "INSERT INTO entries (idx, data) VALUES (?, ?)",
                    [(first + offset, data) for offset, (data, _) in enumerate(checked)],
                )
                conn.executemany("INSERT INTO nodes (level, idx, hash) VALUES (?, ?, ?)", node_rows)
                if updates:
                    conn.executemany("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", updates)
                new_size = first + len(checked)
                if sign_head is not None:
                    _insert_head(conn, sign_head(new_size, tree.root()), new_size)
                conn.execute("COMMIT")
            except BaseException as exc:
                self._frontier = None
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise StorageError(f"{self.path}: append failed: {exc}") from exc
                raise
            self._frontier = tree
            self._writes += 1
            self._size_floor = max(self._size_floor, new_size)
            self._remember_nodes(node_rows)
            return first

    def _remember_nodes(self, rows: list[tuple[int, int, bytes]]) -> None:
        """Keep the subtree hashes of the last RECENT_APPENDS appends in memory: the receipts of a batch read
        them (its inclusion proofs) right after the append."""
        self._recent_nodes.update(((level, idx), value) for level, idx, value in rows)
        self._recent_batches.append([(level, idx) for level, idx, _ in rows])
        while len(self._recent_batches) > RECENT_APPENDS:
            for key in self._recent_batches.popleft():
                self._recent_nodes.pop(key, None)

    def store_tree_head(self, sth: SignedTreeHead) -> SignedTreeHead:
        """Keep a signed head (the first one stored for its size wins); the head now stored."""
        if not isinstance(sth, SignedTreeHead):
            raise StorageError("not a SignedTreeHead")
        with self._write_lock:
            conn = self._writer
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    _insert_head(conn, sth, None)
                    conn.execute("COMMIT")
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                self._writes += 1
            except sqlite3.Error as exc:
                raise StorageError(f"{self.path}: cannot store a tree head: {exc}") from exc
        stored = self.tree_head(sth.tree_size)
        assert stored is not None
        return stored

    def _load_frontier(self, conn: sqlite3.Connection) -> IncrementalRoot:
        """The running root of the stored tree (a copy: a failed append must not change the cached one)."""
        (value,) = conn.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries").fetchone()
        size = int(value)
        if self._frontier is not None and self._frontier.size == size:
            return self._frontier.copy()
        frontier: dict[int, bytes] = {}
        for level in range(size.bit_length()):
            if size >> level & 1:
                row = conn.execute(
                    "SELECT hash FROM nodes WHERE level = ? AND idx = ?", (level, (size >> level) - 1)
                ).fetchone()
                if row is None:
                    raise StorageError(f"{self.path}: the subtree hash ({level}, {(size >> level) - 1}) is missing")
                frontier[level] = bytes(row[0])
        return IncrementalRoot(size, frontier)


def _insert_head(conn: sqlite3.Connection, sth: SignedTreeHead, expected_size: int | None) -> None:
    if not isinstance(sth, SignedTreeHead):
        raise StorageError("the head signer did not return a SignedTreeHead")
    if expected_size is not None and sth.tree_size != expected_size:
        raise StorageError(f"the signed head is for size {sth.tree_size}, not {expected_size}")
    (size,) = conn.execute("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries").fetchone()
    if sth.tree_size > int(size):
        raise StorageError(f"a head for size {sth.tree_size} of a log of {size} entries")
    conn.execute(
        "INSERT OR IGNORE INTO heads (tree_size, timestamp, root, signature) VALUES (?, ?, ?, ?)",
        (sth.tree_size, sth.timestamp, sth.root, sth.signature),
    )


def _head(row: tuple[Any, ...]) -> SignedTreeHead:
    size, root, timestamp, signature = row
    return SignedTreeHead(int(size), bytes(root), int(timestamp), bytes(signature))


def _index(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StorageError(f"an index is a non-negative integer, not {value!r}")
    return value


def _entry_bytes(data: object) -> bytes:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise StorageError(f"a log entry is bytes, not {type(data).__name__}")
    return bytes(data)


def _leaf(data: object, leaf: object) -> bytes:
    if not isinstance(leaf, bytes) or len(leaf) != HASH_SIZE:
        raise StorageError(f"a leaf hash is {HASH_SIZE} bytes")
    if leaf != leaf_hash(_entry_bytes(data)):
        raise StorageError("the leaf hash is not SHA-256(0x00 || entry)")
    return leaf


def _kv_pairs(kv: Mapping[str, str] | None) -> list[tuple[str, str]]:
    if kv is None:
        return []
    pairs: Iterable[tuple[object, object]] = kv.items()
    out = []
    for key, value in pairs:
        if not isinstance(key, str) or not isinstance(value, str):
            raise StorageError("index keys and values are strings")
        out.append((key, value))
    return out
