"""The reader's range violations that are the spec's range checks, spec 2.0.0 section 6 (2.A-2.C, 3.B,
5.A-5.C, 6.B-6.C, 9-14).

The reader raises a value or element out of its range as RangeViolation, which carries the value kind
and the field path as data; ``range_check_of`` maps it to its check without reading the message.
"""

from __future__ import annotations

from pathlib import Path

from engine.election import EncryptedBallot
from engine.record import ElectionRecord, RangeViolation, RecordError, ValueKind
from engine.record.layout import DBALLOT_PREFIX, EBALLOT_PREFIX, INITIALIZED, TALLY, id_from_name
from engine.verify.report import Finding, Recorder

__all__ = ["range_check_of", "range_finding", "read_ballot_or_finding"]

# Range violations the reader reports that are the spec's range checks:
# (document, field path without indices, value kind) -> check id. A document is the file name of
# one of the record's files, or the prefix of its ballot files.
_P, _Q = ValueKind.ELEMENT_MOD_P, ValueKind.INTEGER_MOD_Q
_COEFFICIENT = ("guardians", "coefficient_proofs")
_SELECTION = ("contests", "selections")
_CONTEST_DATA = ("contests", "decrypted_contest_data")
_RANGE_CHECKS: dict[tuple[str, tuple[str, ...], ValueKind], str] = {
    (INITIALIZED, (*_COEFFICIENT, "public_key"), _P): "2.A",
    (INITIALIZED, (*_COEFFICIENT, "response"), _Q): "2.B",
    (INITIALIZED, (*_COEFFICIENT, "challenge"), _Q): "2.C",
    (INITIALIZED, ("joint_public_key",), _P): "3.B",
    (EBALLOT_PREFIX, (*_SELECTION, "encrypted_vote", "pad"), _P): "5.A",
    (EBALLOT_PREFIX, (*_SELECTION, "encrypted_vote", "data"), _P): "5.A",
    (EBALLOT_PREFIX, (*_SELECTION, "proof", "proofs", "challenge"), _Q): "5.B",
    (EBALLOT_PREFIX, (*_SELECTION, "proof", "proofs", "response"), _Q): "5.C",
    (EBALLOT_PREFIX, ("contests", "proof", "proofs", "challenge"), _Q): "6.B",
    (EBALLOT_PREFIX, ("contests", "proof", "proofs", "response"), _Q): "6.C",
    (TALLY, (*_SELECTION, "proof", "response"), _Q): "9.A",
    (TALLY, (*_SELECTION, "proof", "challenge"), _Q): "9.B",
    (TALLY, (*_SELECTION, "b_over_m"), _P): "10.A",
    (TALLY, (*_CONTEST_DATA, "proof", "response"), _Q): "11.A",
    (TALLY, (*_CONTEST_DATA, "proof", "challenge"), _Q): "11.B",
    (DBALLOT_PREFIX, (*_SELECTION, "proof", "response"), _Q): "12.A",
    (DBALLOT_PREFIX, (*_SELECTION, "proof", "challenge"), _Q): "12.B",
    (DBALLOT_PREFIX, (*_SELECTION, "b_over_m"), _P): "13.A",
    (DBALLOT_PREFIX, (*_CONTEST_DATA, "proof", "response"), _Q): "14.A",
    (DBALLOT_PREFIX, (*_CONTEST_DATA, "proof", "challenge"), _Q): "14.B",
}


def range_check_of(error: RecordError, document: str) -> str | None:
    """The check id whose range condition a reader error is, or None for any other error.

    document: what was being read, as the record's layout names it (INITIALIZED, TALLY, or the
    ballot files' EBALLOT_PREFIX or DBALLOT_PREFIX). Only the error's type, value kind and field
    path decide; its message is for people.
    """
    if not isinstance(error, RangeViolation):
        return None
    return _RANGE_CHECKS.get((document, error.shape, error.kind))


def range_finding(check_id: str, error: RecordError, ballot_id: str = "") -> Finding:
    """The finding of a file left out because a value is out of its range."""
    return Finding(
        check_id,
        f"{error.field}: {error.problem}; the file is left out of the other checks",
        file=error.file,
        ballot_id=ballot_id,
    )


def read_ballot_or_finding(record: ElectionRecord, path: Path, rec: Recorder) -> EncryptedBallot | None:
    """The encrypted ballot in ``path``; None, with its range check failed in ``rec``, where a value is out of
    its range. Any other reading error is raised."""
    try:
        return record.read_encrypted_ballot(path)
    except RecordError as error:
        check_id = range_check_of(error, EBALLOT_PREFIX)
        if check_id is None:
            raise
        rec.failed(range_finding(check_id, error, id_from_name(path.name, EBALLOT_PREFIX) or ""))
        return None
