"""Errors of the election record layer (spec 2.0.0 section 3.7)."""

from __future__ import annotations

from engine.errors import BallotchainError


class RecordError(BallotchainError, ValueError):
    """A record file is missing, malformed or cannot be written.

    The message names the file (relative to the record or private-data directory) and, when the
    problem is inside the document, the field path, e.g. ``encrypted_ballots/dev/eballot-id-3.json:
    contests[1].selections[0].encrypted_vote.pad: not a hex string``.
    """

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file = file
        self.field = field
        self.problem = problem
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {problem}")
