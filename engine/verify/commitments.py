"""The published proof commitments beside a record (proof_commitments/), matched to its ballots.

Batch mode (engine.verify.batch_proofs) needs, per ballot, the commitments of its range proofs.
When the record has a proof_commitments/ folder, every file there must belong to a ballot and be
readable: an unreadable or extra file is an R.proof_commitments finding. A ballot without a file
(the commitments are optional, outside egk's layout) is verified strictly, and the report notes how
many were; so is a ballot whose file cannot be read.

Nothing here grows with the number of ballots (issue 11, item 4: the client's memory is flat): each
ballot's file is looked up when the ballot is read, the ballots without one are counted (the first
MAX_NAMED named), and ``settle`` walks the folder once, file by file, keeping only the extra files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine.election import EncryptedBallot
from engine.group import Group
from engine.proofs.proof_commitments import BallotCommitments
from engine.record import RecordError
from engine.record.codecs.proof_commitments import has_proof_commitments, read_ballot_commitments
from engine.record.files import file_names, folder_names, is_file_at, record_path
from engine.record.layout import (
    COMMITMENTS_PREFIX,
    PROOF_COMMITMENTS,
    encrypted_ballot_label,
    id_from_name,
    proof_commitments_label,
)
from engine.verify.batch_proofs import COMMITMENTS_CHECK
from engine.verify.report import Finding, Recorder

MAX_NAMED = 5


@dataclass
class CommitmentSource:
    """The commitments files of one record; ``for_ballot`` as the ballots stream past, ``settle`` after."""

    root: Path
    group: Group
    without: int = 0
    without_named: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, root: str | Path, group: Group) -> CommitmentSource | None:
        """The record's commitments, or None when it publishes none (then every proof is verified strictly)."""
        if not has_proof_commitments(root):
            return None
        return cls(record_path(root), group)

    def for_ballot(self, label: str, ballot: EncryptedBallot, rec: Recorder) -> BallotCommitments | None:
        """The ballot's commitments, or None (with a finding) when there are none to use."""
        if ballot.is_preencrypt:
            return None
        key = (ballot.encrypting_device, ballot.ballot_id)
        if not is_file_at(self.root, proof_commitments_label(*key)):
            self.count_without(1, [label])
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

    def count_without(self, n: int, labels: list[str]) -> None:
        """``n`` more ballots without a commitments file; ``labels``, the first of them in order."""
        self.without += n
        self.without_named.extend(labels[: MAX_NAMED - len(self.without_named)])

    def settle(self, rec: Recorder) -> None:
        """Files that belong to no ballot file of the record (a ballot file left out unread has its own finding);
        a note of the ballots that had no file."""
        if self.without:
            shown = ", ".join(self.without_named) + (", ..." if self.without > MAX_NAMED else "")
            rec.note(
                COMMITMENTS_CHECK,
                f"{self.without} ballot(s) without a proof commitments file, their proofs verified strictly: {shown}",
            )
        extra = [key for key in _commitments_files(self.root) if not self._has_ballot_file(*key)]
        for device, ballot_id in sorted(extra):
            rec.failed(
                Finding(
                    COMMITMENTS_CHECK,
                    "a proof commitments file for a ballot the record does not have",
                    file=proof_commitments_label(device, ballot_id),
                    ballot_id=ballot_id,
                )
            )

    def _has_ballot_file(self, device: str, ballot_id: str) -> bool:
        return is_file_at(self.root, encrypted_ballot_label(device, ballot_id))


def _commitments_files(root: Path) -> Iterator[tuple[str, str]]:
    """(device, ballot id) of every commitments-<id>.json under proof_commitments/, one at a time, unsorted
    (the reader's proof_commitments_files lists them all at once)."""
    folder = root / PROOF_COMMITMENTS
    for device in folder_names(folder):
        for name in file_names(folder / device):
            ballot_id = id_from_name(name, COMMITMENTS_PREFIX)
            if ballot_id is not None:
                yield device, ballot_id
