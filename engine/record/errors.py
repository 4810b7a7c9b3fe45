"""Errors of the election record layer (spec 2.0.0 section 3.7)."""

from __future__ import annotations

from enum import Enum

from engine.errors import BallotchainError

__all__ = ["RangeViolation", "RecordError", "UnknownGroupError", "ValueKind"]


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

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.file, self.field, self.problem))


class ValueKind(Enum):
    """The kinds of value whose range the reader checks (spec 2.0.0 section 3.1.1)."""

    ELEMENT_MOD_P = "an integer mod p"  # 0..p-1; membership of the order-q subgroup is the verifier's check
    INTEGER_MOD_Q = "an integer mod q"  # 0..q-1
    INTEGER = "an integer"  # a count, index or timestamp within the bounds its field allows


class RangeViolation(RecordError):
    """A well-formed value outside the range of its kind, e.g. a proof response >= q.

    Carries what a caller branches on as data: ``kind``, the ``file`` and the field path both as
    text (``field``) and as ``steps``, the keys and array indices from the document's root, e.g.
    ``("contests", 0, "selections", 2, "proof", "proofs", 1, "response")``.
    """

    def __init__(self, file: str, steps: tuple[str | int, ...], kind: ValueKind, problem: str) -> None:
        super().__init__(file, field_path(steps), problem)
        self.steps = steps
        self.kind = kind

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.file, self.steps, self.kind, self.problem))

    @property
    def shape(self) -> tuple[str, ...]:
        """The field path without its array indices: which field of which kind of object."""
        return tuple(s for s in self.steps if isinstance(s, str))


class UnknownGroupError(RecordError):
    """constants.json describes no group this engine knows (spec 2.0.0 section 3.1.1, verification 1)."""


def field_path(steps: tuple[str | int, ...]) -> str:
    """Steps as the reader's messages write them: ``contests[1].selections[0].encrypted_vote``."""
    out = ""
    for step in steps:
        if isinstance(step, int):
            out += f"[{step}]"
        elif out and not step.startswith("["):
            out += f".{step}"
        else:
            out += step
    return out
