"""The published proof commitments beside a record (proof_commitments/), matched to its ballots.

Batch mode (engine.verify.batch_proofs) needs, per ballot, the commitments of its range proofs.
When the record has a proof_commitments/ folder, every file there must belong to a ballot and be
readable: an unreadable or extra file is an R.proof_commitments finding. A ballot without a file
(the commitments are optional, outside egk's layout) is verified strictly, and the report notes how
many were; so is a ballot whose file cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.election import EncryptedBallot
from engine.group import Group
from engine.proofs.proof_commitments import BallotCommitments
from engine.record import RecordError
from engine.record.codecs.proof_commitments import (
    has_proof_commitments,
    proof_commitments_files,
    read_ballot_commitments,
)
from engine.record.layout import encrypted_ballot_label, proof_commitments_label
from engine.verify.batch_proofs import COMMITMENTS_CHECK
from engine.verify.report import Finding, Recorder

MAX_NAMED = 5


@dataclass
class CommitmentSource:
    """The commitments files of one record; ``for_ballot`` as the ballots stream past, ``settle`` after."""

    root: Path
    group: Group
    files: set[tuple[str, str]]
    seen: set[tuple[str, str]] = field(default_factory=set)
    without: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, root: str | Path, group: Group) -> CommitmentSource | None:
        """The record's commitments, or None when it publishes none (then every proof is verified strictly)."""
        if not has_proof_commitments(root):
            return None
        return cls(Path(root), group, set(proof_commitments_files(root)))

    def for_ballot(self, label: str, ballot: EncryptedBallot, rec: Recorder) -> BallotCommitments | None:
        """The ballot's commitments, or None (with a finding) when there are none to use."""
        if ballot.is_preencrypt:
            return None
        key = (ballot.encrypting_device, ballot.ballot_id)
        self.seen.add(key)
        if key not in self.files:
            self.without.append(label)
            return None
        try:
            return read_ballot_commitments(self.root, ballot.encrypting_device, ballot.ballot_id, self.group)
        except RecordError as error:
            rec.failed(
                Finding(
                    COMMITMENTS_CHECK,
                    f"{error}; the ballot's proofs are verified strictly",
                    file=proof_commitments_label(*key),
                    ballot_id=ballot.ballot_id,
                )
            )
            return None

    def settle(self, rec: Recorder) -> None:
        """Files that belong to no ballot file of the record (a ballot file left out unread has its own finding);
        a note of the ballots that had no file."""
        if self.without:
            shown = ", ".join(self.without[:MAX_NAMED]) + (", ..." if len(self.without) > MAX_NAMED else "")
            rec.note(
                COMMITMENTS_CHECK,
                f"{len(self.without)} ballot(s) without a proof commitments file, "
                f"their proofs verified strictly: {shown}",
            )
        for device, ballot_id in sorted(self.files - self.seen):
            if (self.root / encrypted_ballot_label(device, ballot_id)).is_file():
                continue
            rec.failed(
                Finding(
                    COMMITMENTS_CHECK,
                    "a proof commitments file for a ballot the record does not have",
                    file=proof_commitments_label(device, ballot_id),
                    ballot_id=ballot_id,
                )
            )
