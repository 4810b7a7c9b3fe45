"""Malformed ElectionGuard 1.0 records never crash the verifier: every top-level field of the files
that carry values, replaced by null or by a string of the wrong kind, gives a report or a RecordError
(one line, exit 2 in the CLI), never another exception. (Fields the 1.0 checks do not use, such as the
manifest's candidates or spec_version, may hold anything.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.record.errors import RecordError
from engine.verify.v1 import verify_v1_record
from tests.support.eg1_records import RECORDS, copy_record, load, save

SOURCE = RECORDS / "test-missing-guardian"
FILES = (
    "context.json",
    "manifest.json",
    "coefficients.json",
    "guardians/guardian_1.json",
    "submitted_ballots/submitted_ballot_ballot-1.json",
    "tally.json",
)
CASES = [(file, key) for file in FILES for key in json.loads((SOURCE / file).read_text())]


@pytest.mark.parametrize(("file", "key"), CASES, ids=[f"{f}:{k}" for f, k in CASES])
def test_a_wrong_value_gives_a_report_or_a_record_error(file: str, key: str, tmp_path: Path) -> None:
    for value in (None, "ZZ"):
        record = copy_record("test-missing-guardian", tmp_path / str(value))
        document = load(record, file)
        document[key] = value
        save(record, file, document)
        try:
            verify_v1_record(record, accept_test_group=True)
        except RecordError as exc:
            assert "\n" not in str(exc)


def test_a_guardian_file_names_its_guardian(tmp_path: Path) -> None:
    record = copy_record("test-missing-guardian", tmp_path)
    guardian = load(record, "guardians/guardian_1.json")
    guardian["guardian_id"] = "7"
    save(record, "guardians/guardian_1.json", guardian)
    with pytest.raises(RecordError, match="guardian_id: '7' is not the guardian the file name says"):
        verify_v1_record(record, accept_test_group=True)
