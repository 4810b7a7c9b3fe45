"""Evidence that a board forked: two checkpoints it signed that no one log can have.

A board that shows different logs to different people must sign checkpoints of both; a monitor
that holds one and is then shown the other keeps both as evidence (``board monitor --evidence``):

    {"kind": "ballotchain-fork-evidence-v1", "board_key": vkey, "reason": text,
     "checkpoints": [signed note, signed note], "consistency_proof": [base64, ...]}

``check_fork_evidence`` needs nothing but the file: both notes must verify under the board's note
key (engine.board.checkpoint) with the same origin. Two checkpoints of the same size with different
root hashes settle it alone. For two sizes m < n the file holds the consistency proof the board gave,
which does not verify (RFC 9162 2.1.4.2); since the log has one tree of each size, the board cannot
produce any proof that does, which anyone can ask it for.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from engine.board.checkpoint import CheckpointError, open_checkpoint
from engine.board.merkle import verify_consistency
from engine.board.note import ED25519_NOTE, NoteError, VerifierKey
from engine.errors import BallotchainError

EVIDENCE_KIND = "ballotchain-fork-evidence-v1"
_FIELDS = frozenset({"kind", "board_key", "reason", "checkpoints", "consistency_proof"})


class EvidenceError(BallotchainError, ValueError):
    """A fork evidence file that is malformed or proves nothing."""


@dataclass(frozen=True)
class ForkEvidence:
    """Two signed checkpoints of one board (the one seen first, then the other) and the proof it gave."""

    board_key: VerifierKey
    first: bytes
    second: bytes
    reason: str
    consistency_proof: tuple[bytes, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": EVIDENCE_KIND,
            "board_key": self.board_key.vkey(),
            "reason": self.reason,
            "checkpoints": [self.first.decode("utf-8"), self.second.decode("utf-8")],
            "consistency_proof": [base64.b64encode(node).decode("ascii") for node in self.consistency_proof],
        }

    @classmethod
    def from_json(cls, obj: Any) -> ForkEvidence:
        if not isinstance(obj, dict) or set(obj) != _FIELDS or obj["kind"] != EVIDENCE_KIND:
            raise EvidenceError(f"fork evidence ({EVIDENCE_KIND}) is an object with {', '.join(sorted(_FIELDS))}")
        notes, proof = obj["checkpoints"], obj["consistency_proof"]
        if not isinstance(notes, list) or len(notes) != 2 or not all(isinstance(n, str) for n in notes):
            raise EvidenceError("fork evidence holds two signed checkpoints (text)")
        if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof) or len(proof) > 64:
            raise EvidenceError("the consistency proof is a list of base64 hashes")
        if not isinstance(obj["reason"], str) or not isinstance(obj["board_key"], str):
            raise EvidenceError("the board key and the reason are strings")
        try:
            key = VerifierKey.parse(obj["board_key"])
            nodes = tuple(base64.b64decode(p, validate=True) for p in proof)
        except (NoteError, binascii.Error, ValueError) as exc:
            raise EvidenceError(f"fork evidence: {exc}") from None
        return cls(key, notes[0].encode("utf-8"), notes[1].encode("utf-8"), obj["reason"], nodes)


def check_fork_evidence(evidence: ForkEvidence) -> str:
    """What the evidence proves, in one sentence; EvidenceError if it proves no fork."""
    if evidence.board_key.signature_type != ED25519_NOTE:
        raise EvidenceError("the board's key is an Ed25519 note key (type 0x01)")
    try:
        first = open_checkpoint(evidence.first, [evidence.board_key]).checkpoint
        second = open_checkpoint(evidence.second, [evidence.board_key]).checkpoint
    except CheckpointError as exc:
        raise EvidenceError(f"a checkpoint is not signed by the board key {evidence.board_key.name!r}: {exc}") from None
    if first.origin != second.origin:
        raise EvidenceError("the two checkpoints name different logs (origins)")
    if first.size == second.size:
        if first.root == second.root:
            raise EvidenceError(f"the two checkpoints are of the same tree of size {first.size}: no fork")
        return f"the board signed two different trees of size {first.size} for {first.origin}: a fork"
    old, new = (first, second) if first.size < second.size else (second, first)
    if verify_consistency(old.size, new.size, old.root, new.root, list(evidence.consistency_proof)):
        raise EvidenceError(f"the consistency proof from size {old.size} to {new.size} verifies: no fork shown")
    return (
        f"the board signed trees of sizes {old.size} and {new.size} for {old.origin} and its consistency proof "
        "between them does not verify: ask it for one; if none verifies, the log was rewritten"
    )
