"""Witness cosigning of the board's checkpoints (c2sp.org/tlog-witness, tlog-cosignature) and the
check of a cosigned checkpoint against the election's pinned witnesses (board_keys.json).

``check_cosigned`` is what voters' clients, monitors and the verifier ask of a checkpoint: a
tlog-checkpoint note (engine.board.checkpoint) of the election's origin, signed by the board key
fixed in the election record, carrying valid cosignature/v1 signatures of at least k of the
witnesses fixed there. A pinned key's signature that fails refuses the note (c2sp.org/signed-note);
signatures of other keys are ignored. A checkpoint with a quorum of cosignatures is one that k
witnesses each saw extend the log they cosigned before, so two such checkpoints of the same log
are consistent unless k witnesses are dishonest too.

``BoardCosigner`` is the board's side: after the board signs a head it sends each witness an
add-checkpoint request with the consistency proof from the size that witness last cosigned (it
learns that size from a 409 answer and asks again from it), keeps the cosignatures that verify
under the pinned witness keys, and hands the cosigned note to ``store`` (the board keeps it in its
database). The HTTP transport is the server's (engine.server.witness_link): here a witness is a
``WitnessLink`` that posts a body and returns the status, media type and body of the answer.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from engine.board.checkpoint import BoardCheckpoints, Checkpoint, CheckpointError, election_origin
from engine.board.election_keys import ElectionKeys
from engine.board.note import ED25519_NOTE, NoteError, NoteSignature, SignedNote, VerifierKey, parse_signature_lines
from engine.board.witness import AddCheckpointRequest
from engine.errors import BallotchainError

SIZE_MEDIA_TYPE = "text/x.tlog.size"
OK, CONFLICT = 200, 409


class CosigningError(BallotchainError, ValueError):
    """A checkpoint that does not check: malformed, not the board's, or short of the witness quorum."""


def board_verifier_key(keys: ElectionKeys) -> VerifierKey:
    """The board's note key: its Ed25519 key under the election's origin (engine.board.checkpoint)."""
    return _board_verifier_key(keys.h_e.data, keys.board_public_key)


@functools.lru_cache(maxsize=64)
def _board_verifier_key(h_e: bytes, public_key: bytes) -> VerifierKey:
    """One VerifierKey per election and board key, so its key ID and parsed key are computed once."""
    return VerifierKey(election_origin(h_e), ED25519_NOTE, public_key)


@dataclass(frozen=True)
class CosignedCheckpoint:
    """A checkpoint whose board signature verified, and the pinned witnesses whose cosignatures verified."""

    checkpoint: Checkpoint
    note: SignedNote
    witnesses: tuple[VerifierKey, ...]

    @property
    def witness_names(self) -> tuple[str, ...]:
        return tuple(w.name for w in self.witnesses)


def open_board_checkpoint(data: bytes, keys: ElectionKeys, *, cosignatures: bool = True) -> CosignedCheckpoint:
    """The checkpoint signed by the election's board key under its origin, and the pinned witnesses that
    cosigned it (any number); CosigningError if it is malformed or not the board's. Without ``cosignatures``
    only the board's key is known (the witnesses' signatures are ignored, as unknown keys' are, and
    ``witnesses`` is empty): for a checkpoint kept as the board's statement, as fork evidence is."""
    board = board_verifier_key(keys)
    try:
        note = SignedNote.parse(data)
        checkpoint = Checkpoint.parse(note.text)
    except (NoteError, CheckpointError) as exc:
        raise CosigningError(f"the checkpoint is malformed: {exc}") from None
    if checkpoint.origin != board.name:
        raise CosigningError(f"the checkpoint's origin {checkpoint.origin!r} is not the election's {board.name!r}")
    text = note.text.encode()
    signed_by: list[VerifierKey] = []
    for signature in note.signatures:
        for key in (board, *keys.witnesses) if cosignatures else (board,):
            if key.matches(signature):
                if not key.verifies(text, signature.signature):
                    raise CosigningError(f"the signature of {key.name!r} on the checkpoint does not verify")
                if key not in signed_by:
                    signed_by.append(key)
    if board not in signed_by:
        raise CosigningError("the checkpoint is not signed by the election's board key")
    return CosignedCheckpoint(checkpoint, note, tuple(k for k in signed_by if k != board))


def check_cosigned(data: bytes, keys: ElectionKeys) -> CosignedCheckpoint:
    """``open_board_checkpoint`` and at least k cosignatures of the election's witnesses."""
    opened = open_board_checkpoint(data, keys)
    if len(opened.witnesses) < keys.witness_quorum:
        named = ", ".join(opened.witness_names) or "none"
        raise CosigningError(
            f"the checkpoint of size {opened.checkpoint.size} carries {len(opened.witnesses)} valid cosignatures of "
            f"the election's witnesses ({named}); the election needs {keys.witness_quorum} of {len(keys.witnesses)}"
        )
    return opened


# ---------------------------------------------------------------- the board's side


class WitnessUnreachable(BallotchainError):
    """A witness that did not answer."""


class WitnessLink(Protocol):
    """One witness's add-checkpoint endpoint."""

    url: str

    def post(self, body: bytes) -> tuple[int, str, bytes]:
        """POST the body; (status, media type, answer body). WitnessUnreachable if there is no answer."""
        ...


@dataclass(frozen=True)
class WitnessOutcome:
    """What one witness answered to one checkpoint: its cosignature, or why there is none."""

    url: str
    cosignature: NoteSignature | None
    reason: str = ""
    seconds: float = 0.0


class BoardCosigner:
    """Asks the witnesses to cosign the board's heads; keeps the latest cosigned checkpoint.

    ``consistency_proof(old, new)`` is the log's RFC 9162 proof; ``store(note)`` keeps a cosigned note
    durably (called before it is served); ``latest`` is the note last stored, if any. Each witness's
    answer (with its round-trip time) goes to every callable in ``listeners`` (the server's metrics).
    """

    def __init__(
        self,
        checkpoints: BoardCheckpoints,
        keys: ElectionKeys,
        links: Sequence[WitnessLink],
        consistency_proof: Callable[[int, int], list[bytes]],
        *,
        store: Callable[[bytes], None] | None = None,
        latest: bytes | None = None,
    ) -> None:
        self.checkpoints = checkpoints
        self.keys = keys
        self.links = tuple(links)
        self._proof = consistency_proof
        self._store = store
        self._sizes = [0] * len(self.links)
        self._lock = threading.Lock()
        self._latest = latest
        self._latest_size = -1 if latest is None else open_board_checkpoint(latest, keys).checkpoint.size
        self.outcomes: tuple[WitnessOutcome, ...] = ()
        self.listeners: list[Callable[[WitnessOutcome], None]] = []

    @property
    def latest(self) -> bytes | None:
        return self._latest

    def cover(self, size: int, head: Callable[[], tuple[int, bytes]]) -> bytes:
        """A cosigned checkpoint of at least ``size`` entries: the latest if it is, else ``head()``'s
        (size, root) signed and sent to the witnesses now. Concurrent callers share one round."""
        with self._lock:
            if self._latest is not None and self._latest_size >= size:
                return self._latest
            new_size, root = head()
            return self._cosign(new_size, root)

    def _cosign(self, size: int, root: bytes) -> bytes:
        signed = self.checkpoints.signed(size, root)
        if self.links:
            with ThreadPoolExecutor(max_workers=len(self.links)) as pool:
                outcomes = tuple(pool.map(lambda i: self._ask(i, size, signed), range(len(self.links))))
        else:
            outcomes = ()
        self.outcomes = outcomes
        for outcome in outcomes:
            for listener in self.listeners:
                listener(outcome)
        note = SignedNote.parse(signed).with_signatures(o.cosignature for o in outcomes if o.cosignature is not None)
        data = note.to_bytes()
        if self._store is not None:
            self._store(data)
        self._latest, self._latest_size = data, size
        return data

    def _ask(self, index: int, size: int, signed: bytes) -> WitnessOutcome:
        start = time.monotonic()
        outcome = self._exchange(index, size, signed)
        return WitnessOutcome(outcome.url, outcome.cosignature, outcome.reason, time.monotonic() - start)

    def _exchange(self, index: int, size: int, signed: bytes) -> WitnessOutcome:
        link = self.links[index]
        old = self._sizes[index]
        for _attempt in range(2):
            if old > size:
                return WitnessOutcome(
                    link.url, None, f"the witness cosigned {old} entries, more than this log's {size}"
                )
            body = AddCheckpointRequest(old, tuple(self._proof(old, size)), signed).to_bytes()
            try:
                status, media_type, answer = link.post(body)
            except WitnessUnreachable as exc:
                return WitnessOutcome(link.url, None, str(exc))
            if status == CONFLICT and media_type.split(";")[0].strip() == SIZE_MEDIA_TYPE:
                try:
                    old = int(answer.decode("ascii").strip())
                except ValueError:
                    return WitnessOutcome(link.url, None, "the witness's 409 does not give its size")
                self._sizes[index] = old
                continue
            if status != OK:
                reason = answer.decode("utf-8", "replace").strip()[:200]
                return WitnessOutcome(link.url, None, f"refused ({status}): {reason}")
            cosignature = self._verified_cosignature(answer, signed)
            if cosignature is None:
                return WitnessOutcome(link.url, None, "no cosignature of a pinned witness key verifies")
            self._sizes[index] = size
            return WitnessOutcome(link.url, cosignature)
        return WitnessOutcome(link.url, None, "the witness's size changed while it was asked")

    def _verified_cosignature(self, answer: bytes, signed: bytes) -> NoteSignature | None:
        try:
            lines = parse_signature_lines(answer.decode("utf-8"))
        except (UnicodeDecodeError, NoteError):
            return None
        text = SignedNote.parse(signed).text.encode()
        for line in lines:
            for key in self.keys.witnesses:
                if key.matches(line) and key.verifies(text, line.signature):
                    return line
        return None
