"""The ElectionGuard 1.0 reader (engine/record/v1): electionguard-python 1.4's records read into
values, the version of a folder recognised, and malformed files refused with one line naming the
file and the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.record.errors import RangeViolation, RecordError
from engine.record.v1 import STATE_CAST, STATE_SPOILED, V1Record
from engine.record.version import V1, V2, record_version
from tests.support.eg1_records import ALL_RECORDS, RECORDS, copy_record, load, save

EGK_RECORD = Path(__file__).resolve().parents[1] / "vectors" / "egk" / "workflow" / "someAvailableJson"
BALLOT = "submitted_ballots/submitted_ballot_ballot-1.json"


@pytest.mark.parametrize("name", ALL_RECORDS)
def test_a_vendored_record_reads(name: str) -> None:
    record = V1Record.open(RECORDS / name)
    c, ctx = record.constants, record.context
    assert (c.p - 1) % c.q == 0 and c.r == (c.p - 1) // c.q
    assert (ctx.number_of_guardians, ctx.quorum) == (3, 2)
    assert len(record.guardians) == 3 and all(len(g.commitments) == 2 for g in record.guardians)
    assert len(record.devices) == 2
    ballots = list(record.submitted_ballots())
    assert {b.state for b in ballots} == {STATE_CAST, STATE_SPOILED}
    assert [c.votes_allowed for c in record.manifest.contests] == [1, 2]
    for ballot in ballots:
        placeholders = [sum(s.is_placeholder for s in contest.selections) for contest in ballot.contests]
        assert placeholders == [1, 2]
    assert record.tally is not None and record.encrypted_tally is not None
    assert len(list(record.spoiled_ballots())) == sum(b.state == STATE_SPOILED for b in ballots)
    missing = [share for _, sels in record.tally.contests for s in sels for share in s.shares if share.proof is None]
    assert bool(missing) == (name != "test-all-guardians")
    assert all(len(share.recovered_parts) == 2 for share in missing)


def test_the_version_of_a_folder() -> None:
    assert record_version(RECORDS / "test-missing-guardian") == V1
    assert record_version(EGK_RECORD) == V2


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("constants.json", lambda d: d.pop("generator"), "constants.json: generator: missing field"),
        (
            "context.json",
            lambda d: d.update(elgamal_public_key="XYZ"),
            "context.json: elgamal_public_key: not a hex string",
        ),
        (
            BALLOT,
            lambda d: d["contests"][0]["ballot_selections"][0]["proof"].update(challenge="FFFFFF"),
            f"{BALLOT}: contests[0].ballot_selections[0].proof.challenge: not an integer mod q",
        ),
        (BALLOT, lambda d: d.update(state=7), f"{BALLOT}: state: 7 is neither CAST"),
        (BALLOT, lambda d: d.update(object_id="ballot-9"), f"{BALLOT}: object_id: 'ballot-9' is not the ballot"),
        ("tally.json", lambda d: d.update(contests=[]), "tally.json: contests: expected an object"),
    ],
)
def test_a_malformed_file_is_one_line_naming_file_and_field(file: str, change, message: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    record_dir = copy_record("test-missing-guardian", tmp_path)
    document = load(record_dir, file)
    change(document)
    save(record_dir, file, document)
    record = V1Record.open(record_dir)
    with pytest.raises(RecordError) as caught:
        _ = record.constants, record.context, list(record.submitted_ballots()), record.tally
    assert str(caught.value).startswith(message), str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_value_out_of_range_is_a_range_violation(tmp_path: Path) -> None:
    record_dir = copy_record("test-missing-guardian", tmp_path)
    context = load(record_dir, "context.json")
    context["elgamal_public_key"] = load(record_dir, "constants.json")["large_prime"]
    save(record_dir, "context.json", context)
    with pytest.raises(RangeViolation):
        _ = V1Record.open(record_dir).context


def test_not_json_is_one_line(tmp_path: Path) -> None:
    record_dir = copy_record("test-missing-guardian", tmp_path)
    (record_dir / "context.json").write_text("{", encoding="utf-8")
    with pytest.raises(RecordError, match=r"^context.json: not valid JSON"):
        _ = V1Record.open(record_dir).context
    assert json.loads((RECORDS / "test-missing-guardian" / "context.json").read_text())
