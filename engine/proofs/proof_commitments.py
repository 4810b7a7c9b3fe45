"""The commitments (a_0, b_0, ..., a_R, b_R) of a ballot's range proofs, published beside the record.

Spec 2.0.0 section 3.3.5, eq. 44-46 (selections) and section 3.3.8, eq. 56 (contest limits): the
encrypting device computes them and hashes them into the challenge; the record keeps only (c_j, v_j).
With them a verifier checks each challenge by hashing and all the proof equations of a batch at
once (docs/BATCH_VERIFICATION.md). They are not part of an ElectionGuard record.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.group import ElementModP

Commitments = tuple[ElementModP, ...]
"""(a_0, b_0, a_1, b_1, ..., a_R, b_R) of one range proof, in the order of eq. 46."""


@dataclass(frozen=True, slots=True)
class ContestCommitments:
    """One contest's selection-proof commitments, by selection id in the ballot's order, and its
    contest-limit proof's."""

    contest_id: str
    selections: tuple[tuple[str, Commitments], ...]
    limit: Commitments

    def selection(self, selection_id: str) -> Commitments | None:
        for sid, commitments in self.selections:
            if sid == selection_id:
                return commitments
        return None


@dataclass(frozen=True, slots=True)
class BallotCommitments:
    """Every range-proof commitment of one encrypted ballot."""

    ballot_id: str
    contests: tuple[ContestCommitments, ...]

    def contest(self, contest_id: str) -> ContestCommitments | None:
        for contest in self.contests:
            if contest.contest_id == contest_id:
                return contest
        return None
