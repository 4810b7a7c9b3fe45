"""Every vendored electionguard-python 1.4 record (tests/vectors/eg1) passes every ElectionGuard 1.0
check, in batch mode and strict mode, in one process and over worker processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.verify.catalog import V1_CHECKS
from engine.verify.report import Status
from engine.verify.v1 import verify_v1_record
from engine.verify.v1.equations import batch_membership_is_sound
from engine.verify.v1.parameters import TEST_CONSTANTS
from engine.verify.v1.standard import STANDARD_P, STANDARD_Q
from tests.support.eg1_records import ALL_RECORDS, RECORDS, copy_record, hex_of, load, save

PROOF_CHECKS = ("V1.2.c", "V1.4.c", "V1.5.c", "V1.8.b")


@pytest.mark.parametrize("strict", [False, True], ids=["batch", "strict"])
@pytest.mark.parametrize("name", ALL_RECORDS)
def test_every_vendored_record_verifies(name: str, strict: bool) -> None:
    report = verify_v1_record(RECORDS / name, accept_test_group=True, strict=strict)
    assert report.ok, [str(f) for f in report.findings]
    assert [c.check_id for c in report.checks] == [c for c, _ in V1_CHECKS]
    mode = "strict" if strict else "batch"
    for check_id in PROOF_CHECKS:
        forms = dict(report.check(check_id).forms)
        assert forms.get(mode) == report.check(check_id).items > 0, (check_id, forms)
    compensated = report.check("V1.9.b").status
    assert compensated is (Status.NOT_APPLICABLE if name == "test-all-guardians" else Status.PASSED)
    assert dict(report.summary)["challenged"] > 0


def test_worker_processes_give_the_same_report() -> None:
    one = verify_v1_record(RECORDS / "test-missing-guardian", accept_test_group=True)
    two = verify_v1_record(RECORDS / "test-missing-guardian", accept_test_group=True, jobs=2)
    assert [(c.check_id, c.status, c.items) for c in one.checks] == [
        (c.check_id, c.status, c.items) for c in two.checks
    ]
    assert two.jobs == 2


def test_the_test_group_needs_to_be_accepted() -> None:
    report = verify_v1_record(RECORDS / "test-missing-guardian")
    assert report.failed_ids == ("V1.1.a",)
    assert any("--allow-test-group" in hint for hint in report.hints)


def test_batch_membership_only_where_it_is_sound() -> None:
    assert batch_membership_is_sound(STANDARD_P, STANDARD_Q)
    assert not batch_membership_is_sound(TEST_CONSTANTS.p, TEST_CONSTANTS.q)


def test_batched_membership_in_the_standard_group_finds_an_outsider(tmp_path: Path) -> None:
    """-b1 is outside Z_p^r (p = 3 mod 4: its Jacobi symbol is -1); the batch names the one selection."""
    record = copy_record("standard-missing-guardian", tmp_path)
    file = "submitted_ballots/submitted_ballot_ballot-1.json"
    ballot = load(record, file)
    proof = ballot["contests"][1]["ballot_selections"][2]["proof"]
    proof["proof_one_data"] = hex_of(STANDARD_P - int(proof["proof_one_data"], 16))
    save(record, file, ballot)
    report = verify_v1_record(record)
    assert set(report.failed_ids) == {"V1.4.a", "V1.4.b", "V1.4.c"}
    (finding,) = report.findings_for("V1.4.a")
    assert (finding.ballot_id, finding.contest_id, finding.selection_id) == ("ballot-1", "council", "council-cy")


def test_during_the_election_what_is_not_published_is_not_yet(tmp_path: Path) -> None:
    record = copy_record("test-missing-guardian", tmp_path)
    for name in ("tally.json", "coefficients.json", "spoiled_ballots/spoiled_ballot_ballot-3.json"):
        (record / name).unlink()
    (record / "spoiled_ballots" / "spoiled_ballot_ballot-6.json").unlink()
    tallied = verify_v1_record(record, accept_test_group=True)
    assert tallied.ok and tallied.phase == "tallied", [str(f) for f in tallied.findings]
    assert "V1.8.b" in tallied.not_yet_ids and "V1.7.a" not in tallied.not_yet_ids
    assert tallied.check("V1.7.a").status is Status.PASSED
    (record / "encrypted_tally.json").unlink()
    voting = verify_v1_record(record, accept_test_group=True)
    assert voting.ok and voting.phase == "voting" and "V1.7.a" in voting.not_yet_ids


def test_a_decrypted_record_without_its_tally_fails(tmp_path: Path) -> None:
    record = copy_record("test-missing-guardian", tmp_path)
    (record / "tally.json").unlink()
    report = verify_v1_record(record, accept_test_group=True)
    assert report.failed_ids == ("V1.10.b",)


class _Done:
    def __init__(self, value: object) -> None:
        self.value = value

    def result(self) -> object:
        return self.value


class _InlineClient:
    """What the 1.0 driver asks of a Dask client: map(func, items, pure=False) -> futures with result()."""

    def __init__(self) -> None:
        self.tasks = 0

    def map(self, func, items, pure: bool = True):  # type: ignore[no-untyped-def]
        assert pure is False
        self.tasks += len(items)
        return [_Done(func(item)) for item in items]


def test_a_dask_client_verifies_the_chunks() -> None:
    client = _InlineClient()
    report = verify_v1_record(RECORDS / "test-missing-guardian", accept_test_group=True, client=client)
    assert report.ok and client.tasks == 1
