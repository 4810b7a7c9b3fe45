"""A witness for our boards: the add-checkpoint side of c2sp.org/tlog-witness, with durable state.

For each log it knows (an origin and the log's pinned verifier keys) the witness keeps the latest
checkpoint it cosigned: its size and root hash. ``Witness.add_checkpoint(old_size, proof, note)``
cosigns a new checkpoint only if, in the spec's order,

- the request parses (else 400), the origin is known (404), a pinned log key signed it (403),
- old_size <= the checkpoint's size (400; so a checkpoint smaller than the witness's is refused),
- old_size is the size the witness last cosigned, 0 if none (409, with the witness's size: a client
  that does not know it sends 0 to learn it),
- at equal sizes the roots are equal (409: a fork),
- else ``proof`` is an RFC 9162 consistency proof from the cosigned root to the new one (422);

and answers a cosignature/v1 (engine.board.note, type 0x04) with the current POSIX time.

Crash safety: the check of old_size against the stored state and the write of the new state are
one SQLite ``BEGIN IMMEDIATE`` transaction (WAL, synchronous=FULL), committed before the
cosignature is made. A witness that crashes at any moment restarts from a state at least as recent
as every cosignature it gave, so it never cosigns a rollback or a fork of what it cosigned.
Signed checkpoints it refuses for a fork or a bad proof are kept (table ``evidence``) as proof of
the log's misbehaviour, as the spec allows.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.board.checkpoint import Checkpoint, CheckpointError, parse_tree_size
from engine.board.merkle import verify_consistency
from engine.board.note import (
    ED25519_NOTE,
    CosignatureSigner,
    NoteError,
    NoteSignature,
    SignedNote,
    VerifierKey,
    b64encode,
    open_note,
    strict_b64decode,
)
from engine.errors import BallotchainError

BAD_REQUEST, FORBIDDEN, NOT_FOUND, CONFLICT, UNPROCESSABLE = 400, 403, 404, 409, 422
MAX_PROOF_LINES = 63
MAX_REQUEST_BYTES = 1 << 16
HASH_SIZE = 32
EMPTY_TREE_ROOT = hashlib.sha256(b"").digest()


class WitnessError(BallotchainError):
    """The witness's state file or configuration cannot be used."""


class WitnessRefusal(BallotchainError):
    """A refused add-checkpoint: the tlog-witness HTTP status, the reason, and for a 409 on the old
    size, the size of the latest checkpoint the witness cosigned."""

    def __init__(self, status: int, reason: str, current_size: int | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.current_size = current_size


# ---------------------------------------------------------------- the request


@dataclass(frozen=True)
class AddCheckpointRequest:
    """An add-checkpoint body: ``old <size>``, consistency proof lines (base64), a blank line, the note."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: bytes

    def to_bytes(self) -> bytes:
        proof = "".join(b64encode(node) + "\n" for node in self.proof)
        return f"old {self.old_size}\n{proof}\n".encode() + self.checkpoint

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpointRequest:
        """The request, strictly; WitnessRefusal 400 with the first problem found."""
        if len(body) > MAX_REQUEST_BYTES:
            raise WitnessRefusal(BAD_REQUEST, f"the request is over {MAX_REQUEST_BYTES} bytes")
        end = body.find(b"\n\n")
        if end < 0:
            raise WitnessRefusal(BAD_REQUEST, "the request has no blank line before the checkpoint")
        try:
            head = body[:end].decode("ascii").split("\n")
        except UnicodeDecodeError:
            raise WitnessRefusal(BAD_REQUEST, "the old size and proof lines are ASCII") from None
        if not head[0].startswith("old "):
            raise WitnessRefusal(BAD_REQUEST, "the request starts with 'old <size>'")
        if len(head) - 1 > MAX_PROOF_LINES:
            raise WitnessRefusal(BAD_REQUEST, f"a consistency proof has at most {MAX_PROOF_LINES} lines")
        try:
            old_size = parse_tree_size(head[0][4:], "the old size")
            proof = tuple(strict_b64decode(line, f"proof line {i + 1}") for i, line in enumerate(head[1:]))
        except (CheckpointError, NoteError) as exc:
            raise WitnessRefusal(BAD_REQUEST, str(exc)) from None
        for i, node in enumerate(proof):
            if len(node) != HASH_SIZE:
                raise WitnessRefusal(BAD_REQUEST, f"proof line {i + 1} is not a {HASH_SIZE}-byte hash")
        return cls(old_size, proof, body[end + 2 :])


# ---------------------------------------------------------------- durable state


@dataclass(frozen=True)
class CosignedState:
    """The latest checkpoint the witness cosigned for a log: its size and root hash."""

    size: int
    root: bytes


_SCHEMA = """
CREATE TABLE IF NOT EXISTS logs (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    checkpoint BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    received INTEGER NOT NULL,
    reason TEXT NOT NULL,
    checkpoint BLOB NOT NULL
);
"""


class WitnessState:
    """The witness's SQLite state file: per origin, the latest cosigned size and root (and its note)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        try:
            self._conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise WitnessError(f"{self.path}: cannot open the witness state: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> WitnessState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def latest(self, origin: str) -> CosignedState | None:
        with self._lock:
            row = self._conn.execute("SELECT size, root FROM logs WHERE origin = ?", (origin,)).fetchone()
        return None if row is None else CosignedState(int(row[0]), bytes(row[1]))

    def latest_checkpoint(self, origin: str) -> bytes | None:
        """The signed checkpoint last cosigned for ``origin``, as the log sent it."""
        with self._lock:
            row = self._conn.execute("SELECT checkpoint FROM logs WHERE origin = ?", (origin,)).fetchone()
        return None if row is None else bytes(row[0])

    def advance(self, origin: str, decide: Callable[[CosignedState | None], CosignedState], checkpoint: bytes) -> None:
        """In one transaction: read the state of ``origin``, ask ``decide`` for the next one (it raises
        to refuse, and nothing changes), write it; durable when this returns."""
        with self._transaction() as conn:
            row = conn.execute("SELECT size, root FROM logs WHERE origin = ?", (origin,)).fetchone()
            current = None if row is None else CosignedState(int(row[0]), bytes(row[1]))
            new = decide(current)
            conn.execute(
                "INSERT INTO logs (origin, size, root, checkpoint) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
                "checkpoint = excluded.checkpoint",
                (origin, new.size, new.root, checkpoint),
            )

    def record_evidence(self, origin: str, received: int, reason: str, checkpoint: bytes) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO evidence (origin, received, reason, checkpoint) VALUES (?, ?, ?, ?)",
                (origin, received, reason, checkpoint),
            )

    def evidence(self, origin: str) -> list[tuple[str, bytes]]:
        """The refused signed checkpoints of ``origin``: (reason, checkpoint), oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT reason, checkpoint FROM evidence WHERE origin = ? ORDER BY id", (origin,)
            ).fetchall()
        return [(str(r[0]), bytes(r[1])) for r in rows]

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise WitnessError(f"{self.path}: cannot write the witness state: {exc}") from exc
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException as exc:
                with contextlib.suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise WitnessError(f"{self.path}: cannot write the witness state: {exc}") from exc
                raise


# ---------------------------------------------------------------- the witness


class Witness:
    """Cosigns the checkpoints of known logs that only grew since the last one it cosigned."""

    def __init__(
        self,
        signer: CosignatureSigner,
        state: WitnessState,
        logs: Mapping[str, Sequence[VerifierKey]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        for origin, keys in logs.items():
            if not keys or any(key.signature_type != ED25519_NOTE for key in keys):
                raise WitnessError(f"the log {origin!r} needs one or more Ed25519 note keys (type 0x01)")
        self.signer = signer
        self.state = state
        self.logs = {origin: tuple(keys) for origin, keys in logs.items()}
        self._clock = clock

    def handle(self, body: bytes) -> str:
        """An add-checkpoint request body in, the cosignature line out (WitnessRefusal otherwise)."""
        request = AddCheckpointRequest.parse(body)
        return self.add_checkpoint(request.old_size, request.proof, request.checkpoint).line()

    def add_checkpoint(self, old_size: int, proof: Sequence[bytes], signed_note: bytes) -> NoteSignature:
        """tlog-witness add-checkpoint: the checks of the module's docstring, then the cosignature."""
        try:
            note = SignedNote.parse(signed_note)
            checkpoint = Checkpoint.parse(note.text)
        except (NoteError, CheckpointError) as exc:
            raise WitnessRefusal(BAD_REQUEST, f"the checkpoint: {exc}") from None
        keys = self.logs.get(checkpoint.origin)
        if keys is None:
            raise WitnessRefusal(NOT_FOUND, f"unknown log origin {checkpoint.origin!r}")
        try:
            open_note(note, keys)
        except NoteError as exc:
            raise WitnessRefusal(FORBIDDEN, f"the checkpoint is not signed by the log's key: {exc}") from None
        if old_size > checkpoint.size:
            raise WitnessRefusal(BAD_REQUEST, f"old size {old_size} is beyond the checkpoint's size {checkpoint.size}")
        received = int(self._clock())

        def decide(current: CosignedState | None) -> CosignedState:
            size, root = (0, EMPTY_TREE_ROOT) if current is None else (current.size, current.root)
            if old_size != size:
                raise WitnessRefusal(
                    CONFLICT, f"old size {old_size} is not the size {size} last cosigned", current_size=size
                )
            if checkpoint.size == size:
                if checkpoint.root != root:
                    raise WitnessRefusal(CONFLICT, f"a different root at the cosigned size {size}: a fork")
            elif not verify_consistency(size, checkpoint.size, root, checkpoint.root, list(proof)):
                raise WitnessRefusal(
                    UNPROCESSABLE, f"the consistency proof from size {size} to size {checkpoint.size} does not verify"
                )
            return CosignedState(checkpoint.size, checkpoint.root)

        try:
            self.state.advance(checkpoint.origin, decide, signed_note)
        except WitnessRefusal as refusal:
            if refusal.status in (CONFLICT, UNPROCESSABLE) and refusal.current_size is None:
                self.state.record_evidence(checkpoint.origin, received, refusal.reason, signed_note)
            raise
        return self.signer.cosign(note.text, received)
