"""Transparency log checkpoints, c2sp.org/tlog-checkpoint (v1.0.0): the board's tree heads as signed notes.

A checkpoint's note text is at least three non-empty lines, each ending in a newline:

1. the origin, naming the log (for a board: ``election_origin``, one per election);
2. the tree size, an ASCII decimal without leading zeros (``0`` for the empty tree);
3. the root hash, base64 of the RFC 9162 Merkle tree root at that size (32 bytes for SHA-256);

then optional, non-empty extension lines (at most ``MAX_EXTENSION_LINES`` here). The log signs it as a
signed note (engine.board.note, type 0x01); witnesses add cosignatures (type 0x04). ``BoardCheckpoints``
signs a board's heads with its tree-head key, under the election's origin as key name.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from engine.board.note import (
    NoteError,
    NoteSigner,
    SignedNote,
    VerifierKey,
    b64encode,
    check_text,
    open_note,
    strict_b64decode,
)
from engine.board.sth import STH_DOMAIN, BoardKey
from engine.errors import BallotchainError

HASH_SIZE = 32
MAX_TREE_SIZE = 2**64 - 1
MAX_EXTENSION_LINES = 16
MAX_ORIGIN_LENGTH = 255
ORIGIN_HOST = "ballotchain.example"
ELECTION_ORIGIN_HEX_DIGITS = 32
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")


class CheckpointError(BallotchainError, ValueError):
    """A malformed checkpoint, or a signed checkpoint that does not verify."""


def check_origin(origin: object) -> str:
    """An origin line: non-empty, at most 255 characters, no newline or other control character."""
    if not isinstance(origin, str) or not origin:
        raise CheckpointError("a checkpoint's origin is a non-empty string")
    if len(origin) > MAX_ORIGIN_LENGTH:
        raise CheckpointError(f"a checkpoint's origin is at most {MAX_ORIGIN_LENGTH} characters")
    if any(ch < " " for ch in origin):
        raise CheckpointError("a checkpoint's origin is one line without control characters")
    return origin


def parse_tree_size(text: str, what: str = "the tree size") -> int:
    """An ASCII decimal without leading zeros (``0`` alone for zero), at most 2^64 - 1."""
    if not _DECIMAL.fullmatch(text):
        raise CheckpointError(f"{what} is a decimal number without leading zeros, not {text[:40]!r}")
    value = int(text)
    if value > MAX_TREE_SIZE:
        raise CheckpointError(f"{what} is beyond 2^64 - 1")
    return value


def election_origin(extended_base_hash: bytes, host: str = ORIGIN_HOST) -> str:
    """The origin of an election's board: ``<host>/<first 32 hex digits of H_E>``, lowercase."""
    if not isinstance(extended_base_hash, bytes) or len(extended_base_hash) != HASH_SIZE:
        raise CheckpointError(f"H_E is {HASH_SIZE} bytes")
    return check_origin(f"{host}/{extended_base_hash.hex()[:ELECTION_ORIGIN_HEX_DIGITS]}")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head as a tlog-checkpoint: origin, tree size, root hash, extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_origin(self.origin)
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise CheckpointError(f"a tree size is an integer from 0 to 2^64 - 1, not {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise CheckpointError(f"a root hash is {HASH_SIZE} bytes")
        if not isinstance(self.extensions, tuple) or len(self.extensions) > MAX_EXTENSION_LINES:
            raise CheckpointError(f"a checkpoint has at most {MAX_EXTENSION_LINES} extension lines (a tuple)")
        for line in self.extensions:
            if not isinstance(line, str) or not line or any(ch < " " for ch in line):
                raise CheckpointError("an extension line is non-empty, one line without control characters")

    def body(self) -> str:
        """The note text: origin, size, base64 root and extension lines, each ending in a newline."""
        lines = (self.origin, str(self.size), b64encode(self.root), *self.extensions)
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """A checkpoint from its note text, strictly (CheckpointError with the first problem found)."""
        if not isinstance(body, str):
            raise CheckpointError("a checkpoint's text is a string")
        try:
            check_text(body, "the checkpoint")
        except NoteError as exc:
            raise CheckpointError(str(exc)) from None
        if not body.endswith("\n"):
            raise CheckpointError("a checkpoint's text ends with a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise CheckpointError("a checkpoint has an origin, a tree size and a root hash line")
        if len(lines) > 3 + MAX_EXTENSION_LINES:
            raise CheckpointError(f"a checkpoint has at most {3 + MAX_EXTENSION_LINES} lines")
        origin, size, root, *extensions = lines
        if not origin:
            raise CheckpointError("a checkpoint's origin line is empty")
        if any(not line for line in extensions):
            raise CheckpointError("a checkpoint's extension lines are non-empty")
        root_hash = strict_b64decode(root, "the root hash", CheckpointError)
        if len(root_hash) != HASH_SIZE:
            raise CheckpointError(f"the root hash is {HASH_SIZE} bytes, not {len(root_hash)}")
        return cls(origin, parse_tree_size(size), root_hash, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: NoteSigner) -> SignedNote:
    """The checkpoint as a note signed by the log's key."""
    return SignedNote(checkpoint.body(), (signer.sign(checkpoint.body()),))


@dataclass(frozen=True)
class OpenedCheckpoint:
    """A signed checkpoint whose note verified: the checkpoint, the note, the keys that signed it."""

    checkpoint: Checkpoint
    note: SignedNote
    signed_by: tuple[VerifierKey, ...]


def open_checkpoint(data: bytes, known: Iterable[VerifierKey]) -> OpenedCheckpoint:
    """Parse a signed checkpoint and verify it against known keys (CheckpointError otherwise)."""
    try:
        note = SignedNote.parse(data)
        checkpoint = Checkpoint.parse(note.text)
        signed_by = open_note(note, known)
    except NoteError as exc:
        raise CheckpointError(str(exc)) from None
    return OpenedCheckpoint(checkpoint, note, signed_by)


class BoardCheckpoints:
    """A board's checkpoints: its tree heads as notes signed by its key, named by the election's origin.

    The key is the board's tree-head key (engine.board.sth). A tree head's signed message starts with
    "ballotchain-sth-v1" and a checkpoint's with its origin, which may not, so neither passes for the other.
    The last note is kept: a head asked for again is not signed again.
    """

    def __init__(self, board_key: BoardKey, origin: str) -> None:
        check_origin(origin)
        if origin.encode().startswith(STH_DOMAIN):
            raise CheckpointError(f"a board's origin may not start with {STH_DOMAIN.decode()!r}")
        self.signer = NoteSigner(origin, board_key._key)
        self._lock = threading.Lock()
        self._last: tuple[int, bytes, bytes] | None = None

    @property
    def origin(self) -> str:
        return self.signer.name

    def signed(self, size: int, root: bytes) -> bytes:
        """The signed checkpoint of the tree of ``size`` leaves with root ``root``."""
        with self._lock:
            if self._last is not None and self._last[:2] == (size, root):
                return self._last[2]
        note = sign_checkpoint(Checkpoint(self.origin, size, root), self.signer).to_bytes()
        with self._lock:
            self._last = (size, root, note)
        return note
