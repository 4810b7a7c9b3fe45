"""Cosigned checkpoints from the client's side: fetch the board's (GET /checkpoint), require k
cosignatures of the witnesses fixed in board_keys.json (engine.board.cosigning.check_cosigned), prove
a tree the client holds is a prefix of it, and catch a board that signed a fork.

``ForkDetected`` carries the two signed checkpoints (engine.board.fork_evidence.ForkEvidence): the one
held, and the board's new one that no log extending it can have.
"""

from __future__ import annotations

from typing import Protocol

from engine.board.cosigning import CosignedCheckpoint, CosigningError, board_verifier_key, check_cosigned
from engine.board.cosigning import open_board_checkpoint as open_checkpoint_of
from engine.board.election_keys import ElectionKeys
from engine.board.fork_evidence import ForkEvidence
from engine.board.merkle import verify_consistency
from engine.errors import BallotchainError


class CheckpointSource(Protocol):
    def checkpoint(self) -> bytes: ...

    def consistency_proof(self, old: int, new: int) -> list[bytes]: ...


class ProofsOnce:
    """A source whose consistency proofs are each asked for once; none between equal sizes (the empty proof).

    A receipt check proves the receipt's tree a prefix of the board's latest signed head, of its cosigned
    checkpoint and the held checkpoint a prefix of the latest one: usually one or two distinct proofs.
    """

    def __init__(self, source: CheckpointSource) -> None:
        self._source = source
        self._proofs: dict[tuple[int, int], list[bytes]] = {}

    def checkpoint(self) -> bytes:
        return self._source.checkpoint()

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        if old == new:
            return []
        if (old, new) not in self._proofs:
            self._proofs[old, new] = self._source.consistency_proof(old, new)
        return list(self._proofs[old, new])


class CheckpointCheckFailed(BallotchainError):
    """A checkpoint that does not check (the caller's client turns it into BoardCheckFailed)."""


class ForkDetected(CheckpointCheckFailed):
    """The board signed two checkpoints no one log has; ``evidence`` holds them."""

    def __init__(self, message: str, evidence: ForkEvidence) -> None:
        super().__init__(message)
        self.evidence = evidence


def fetch_cosigned(source: CheckpointSource, keys: ElectionKeys) -> CosignedCheckpoint:
    """The board's latest checkpoint with k valid cosignatures of the election's witnesses."""
    try:
        return check_cosigned(source.checkpoint(), keys)
    except CosigningError as exc:
        raise CheckpointCheckFailed(f"the board's checkpoint: {exc}") from None


def open_held(data: bytes, keys: ElectionKeys) -> CosignedCheckpoint:
    """A checkpoint the client kept (a receipt's, a monitor's state), the board's signature checked: it stands
    for what the board signed, to be extended (and, if not, to be evidence: engine.board.fork_evidence needs
    the board's signature alone); its cosignatures were checked when it was kept, so they are not verified
    again (three Ed25519 verifications of a receipt check's eight)."""
    try:
        return open_checkpoint_of(data, keys, cosignatures=False)
    except CosigningError as exc:
        raise CheckpointCheckFailed(f"the checkpoint held: {exc}") from None


def prove_prefix(source: CheckpointSource, old_size: int, old_root: bytes, new: CosignedCheckpoint) -> None:
    """Is the tree (old_size, old_root) a prefix of the checkpoint's tree? (RFC 9162 2.1.4.2)"""
    size = new.checkpoint.size
    if size < old_size:
        raise CheckpointCheckFailed(
            f"the board's checkpoint ({size} entries) is smaller than the tree held ({old_size})"
        )
    proof = source.consistency_proof(old_size, size) if old_size < size else []
    if not verify_consistency(old_size, size, old_root, new.checkpoint.root, proof):
        raise CheckpointCheckFailed(
            f"the board's checkpoint of {size} entries does not extend the tree of {old_size} held: "
            "the log was rewritten"
        )


def check_extends(
    source: CheckpointSource, held: CosignedCheckpoint, new: CosignedCheckpoint, keys: ElectionKeys
) -> None:
    """The new checkpoint extends the one held; else ForkDetected with both as evidence."""
    old, cur = held.checkpoint, new.checkpoint
    proof: list[bytes] = []
    if cur.size == old.size:
        if cur.root == old.root:
            return
        reason = f"the board signed two different trees of size {cur.size}"
    else:
        if cur.size > old.size:
            proof = source.consistency_proof(old.size, cur.size) if old.size > 0 else []
            if verify_consistency(old.size, cur.size, old.root, cur.root, proof):
                return
        reason = (
            f"the log shrank from {old.size} to {cur.size} entries"
            if cur.size < old.size
            else f"the board's tree of {cur.size} entries does not extend its tree of {old.size}"
        )
    evidence = ForkEvidence(board_verifier_key(keys), held.note.to_bytes(), new.note.to_bytes(), reason, tuple(proof))
    raise ForkDetected(f"{reason}: the board forked its log", evidence)
