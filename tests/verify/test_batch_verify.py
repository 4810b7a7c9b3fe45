"""Batch verification of range proofs with their published commitments (issue 11, items 1-2).

The record is the session's voting election (tests/conftest.py: four ballots encrypted with
``ballotchain encrypt``, which writes proof_commitments/ beside encrypted_ballots/). Each change
is verified in batch mode and with ``strict``: a change to the record must give the same findings
(check id, file, ballot, contest, selection) in both modes; a change to the commitments files is an
R.proof_commitments finding and leaves the record's own checks as strict mode has them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.elgamal import Ciphertext
from engine.group import TEST_GROUP
from engine.hash import UInt256
from engine.proofs.proof_commitments import BallotCommitments, ContestCommitments
from engine.proofs.range_proof import range_commitments
from engine.record import ElectionRecord
from engine.record.codecs.proof_commitments import read_ballot_commitments, write_ballot_commitments
from engine.verify import Report, verify_record
from engine.verify.ballots import BallotContext, verify_ballot_chunk
from engine.verify.batch_proofs import COMMITMENTS_CHECK
from engine.verify.layout import ManifestLayout
from tests.support.elections import DEVICE, copy_election
from tests.verify.test_verify_tamper import TAMPERS, Tamper
from tests.verify.test_verify_tamper import copy_record as copy_egk_record

P, Q, G = int(TEST_GROUP.p), int(TEST_GROUP.q), int(TEST_GROUP.g)
Where = tuple[str, str, str, str, str]


def eballot(ballot_id: str) -> str:
    return f"encrypted_ballots/{DEVICE}/eballot-{ballot_id}.json"


def commitments(ballot_id: str) -> str:
    return f"proof_commitments/{DEVICE}/commitments-{ballot_id}.json"


def load(root: Path, rel: str) -> Any:
    return json.loads((root / rel).read_text())


def save(root: Path, rel: str, obj: Any) -> None:
    (root / rel).write_text(json.dumps(obj, indent=2))


def edit(root: Path, rel: str, change: Callable[[Any], None]) -> None:
    obj = load(root, rel)
    change(obj)
    save(root, rel, obj)


def hex_width(old: str, value: int) -> str:
    return format(value, f"0{len(old)}X")


def verify(root: Path, *, strict: bool = False) -> Report:
    return verify_record(root, accept_test_group=True, strict=strict)


def findings(report: Report, *, but: str = COMMITMENTS_CHECK) -> set[Where]:
    return {
        (f.check_id, f.file, f.ballot_id, f.contest_id, f.selection_id) for f in report.findings if f.check_id != but
    }


@pytest.fixture()
def record(voting_template: Path, tmp_path: Path) -> Path:
    return copy_election(voting_template, tmp_path / "e") / "record"


# ---------------------------------------------------------------- the commitments files


def test_encrypt_writes_one_commitments_file_per_ballot_beside_the_record(voting_template: Path) -> None:
    root = voting_template / "record"
    files = sorted(p.name for p in (root / "proof_commitments" / DEVICE).iterdir())
    assert files == [f"commitments-{b}.json" for b in ("b1", "b2", "b3", "b4")]
    ballot = load(root, eballot("b1"))
    committed = load(root, commitments("b1"))
    assert [c["contest_id"] for c in committed["contests"]] == [c["contest_id"] for c in ballot["contests"]]
    for contest, ccontest in zip(ballot["contests"], committed["contests"]):
        assert [s["selection_id"] for s in ccontest["selections"]] == [s["selection_id"] for s in contest["selections"]]
        assert len(ccontest["limit_commitments"]) == len(contest["proof"]["proofs"])


def test_batch_mode_where_commitments_are_published_strict_on_request_and_without_them(record: Path) -> None:
    batch = verify(record)
    assert batch.ok, batch.failed_ids
    selections = batch.check("5.D").items
    assert batch.check("5.D").forms == (("batch", selections),)
    assert batch.check("6.D").forms == (("batch", batch.check("6.D").items),)
    assert batch.check(COMMITMENTS_CHECK).passed > 0

    strict = verify(record, strict=True)
    assert strict.ok
    assert strict.check("5.D").forms == (("strict", selections),)
    assert strict.check(COMMITMENTS_CHECK).items == 0

    shutil.rmtree(record / "proof_commitments")
    plain = verify(record)
    assert plain.ok
    assert plain.check("5.D").forms == (("strict", selections),)


def test_the_batch_equation_is_the_proofs_equations(record: Path) -> None:
    """Bisection finds exactly the proofs that are wrong, whatever else is in their chunk."""
    rec = ElectionRecord(record)
    group, init = rec.group, rec.initialized
    ctx = BallotContext(
        group, init.joint_public_key, init.extended_base_hash, ManifestLayout.from_manifest(rec.manifest), ()
    )
    chunk = [(p.name, rec.read_encrypted_ballot(p)) for p in rec.encrypted_ballot_paths()]
    committed = [read_ballot_commitments(record, b.encrypting_device, b.ballot_id, group) for _, b in chunk]
    snaps = verify_ballot_chunk(ctx, chunk, committed)
    assert all(not s["findings"] for s in snaps)
    assert sum(s["forms"]["5.D"]["batch"] for s in snaps) == sum(
        len(c.selections) for _, b in chunk for c in b.contests
    )


# ---------------------------------------------------------------- changes to the record: same findings as strict


def bump_response(rel: str, contest: int, selection: int | None, step: int) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        def change(obj: Any) -> None:
            c = obj["contests"][contest]
            proof = c["proof"] if selection is None else c["selections"][selection]["proof"]
            entry = proof["proofs"][step]
            entry["response"] = hex_width(entry["response"], (int(entry["response"], 16) + 1) % Q)

        edit(root, rel, change)

    return apply


@pytest.mark.parametrize(
    "tamper",
    [
        bump_response(eballot("b1"), 0, 0, 0),
        bump_response(eballot("b2"), 1, 2, 1),
        bump_response(eballot("b3"), 1, None, 0),
    ],
    ids=["selection-v0", "selection-v1", "contest-limit-v0"],
)
def test_a_tampered_proof_response_fails_batch_mode_as_it_fails_strict_mode(
    record: Path, tamper: Callable[[Path], None]
) -> None:
    tamper(record)
    batch, strict = verify(record), verify(record, strict=True)
    assert not batch.ok
    assert findings(batch) == findings(strict)
    assert set(batch.failed_ids) == set(strict.failed_ids)
    assert not batch.findings_for(COMMITMENTS_CHECK)


def test_two_bad_proofs_in_one_chunk_are_both_found(record: Path) -> None:
    bump_response(eballot("b1"), 0, 1, 0)(record)
    bump_response(eballot("b4"), 1, 0, 1)(record)
    batch, strict = verify(record), verify(record, strict=True)
    assert findings(batch) == findings(strict)
    assert {(f.ballot_id, f.check_id) for f in batch.findings} == {("b1", "5.D"), ("b4", "5.D")}


def test_a_proof_forged_to_hash_from_false_commitments_fails_in_both_modes(record: Path) -> None:
    """Commitments that hash to the challenges but are not g^v alpha^c: the batch equation, not the hash, fails."""
    from engine.group import ElementModP
    from engine.proofs.range_proof import range_challenge

    rec = ElectionRecord(record)
    init = rec.initialized
    ballot = load(record, eballot("b2"))
    committed = load(record, commitments("b2"))
    sel, csel = ballot["contests"][0]["selections"][0], committed["contests"][0]["selections"][0]
    csel["commitments"][0]["a"] = hex_width(csel["commitments"][0]["a"], int(csel["commitments"][0]["a"], 16) * G % P)
    values = tuple(ElementModP(int(pair[k], 16), TEST_GROUP) for pair in csel["commitments"] for k in ("a", "b"))
    ct = Ciphertext(
        ElementModP(int(sel["encrypted_vote"]["pad"], 16), TEST_GROUP),
        ElementModP(int(sel["encrypted_vote"]["data"], 16), TEST_GROUP),
    )
    c = range_challenge(UInt256(init.extended_base_hash.data), init.joint_public_key, ct, values).value
    steps = sel["proof"]["proofs"]
    steps[0]["challenge"] = hex_width(steps[0]["challenge"], (c - int(steps[1]["challenge"], 16)) % Q)
    save(record, eballot("b2"), ballot)
    save(record, commitments("b2"), committed)
    batch, strict = verify(record), verify(record, strict=True)
    assert "5.D" in batch.failed_ids
    assert findings(batch, but="") - {f for f in findings(batch, but="") if f[0] == COMMITMENTS_CHECK} == findings(
        strict
    )


# ---------------------------------------------------------------- changes to the commitments files


def other_element(h: str) -> str:
    return hex_width(h, int(h, 16) * G % P)


def test_an_altered_commitment_is_caught_and_the_proof_checked_strictly(record: Path) -> None:
    edit(
        record,
        commitments("b3"),
        lambda o: o["contests"][1]["selections"][1]["commitments"][1].update(
            b=other_element(o["contests"][1]["selections"][1]["commitments"][1]["b"])
        ),
    )
    report = verify(record)
    assert report.failed_ids == (COMMITMENTS_CHECK,)
    (finding,) = report.findings
    ballot = load(record, eballot("b3"))
    assert (finding.ballot_id, finding.contest_id, finding.selection_id) == (
        "b3",
        ballot["contests"][1]["contest_id"],
        ballot["contests"][1]["selections"][1]["selection_id"],
    )
    assert dict(report.check("5.D").forms)["strict"] == 1


def test_a_commitment_outside_the_quadratic_residues_is_caught(record: Path) -> None:
    """-a has the same square as a; a batch that only squared would accept it, the Jacobi check does not."""
    edit(
        record,
        commitments("b1"),
        lambda o: o["contests"][0]["limit_commitments"][0].update(
            a=hex_width(
                o["contests"][0]["limit_commitments"][0]["a"],
                P - int(o["contests"][0]["limit_commitments"][0]["a"], 16),
            )
        ),
    )
    report = verify(record)
    assert report.failed_ids == (COMMITMENTS_CHECK,)
    assert dict(report.check("6.D").forms)["strict"] == 1


def test_a_ballot_without_a_file_is_checked_strictly_and_noted(record: Path) -> None:
    """The commitments are optional (outside egk's layout): a ballot without them is not a failure."""
    (record / commitments("b2")).unlink()
    report = verify(record)
    assert report.ok, report.failed_ids
    assert dict(report.check("5.D").forms)["strict"] == 14
    (note,) = report.check(COMMITMENTS_CHECK).notes
    assert note.startswith("1 ballot(s) without a proof commitments file") and "eballot-b2.json" in note


def test_an_extra_file_is_caught(record: Path) -> None:
    shutil.copy(record / commitments("b1"), record / commitments("b9"))
    report = verify(record)
    assert report.failed_ids == (COMMITMENTS_CHECK,)
    assert [f.file for f in report.findings] == [commitments("b9")]


def test_a_missing_or_extra_selection_entry_is_caught(record: Path) -> None:
    edit(record, commitments("b1"), lambda o: o["contests"][0]["selections"].pop())
    edit(record, commitments("b2"), lambda o: o["contests"][0]["selections"].append(o["contests"][0]["selections"][0]))
    report = verify(record)
    assert report.failed_ids == (COMMITMENTS_CHECK,)
    assert {f.ballot_id for f in report.findings} == {"b1", "b2"}


def test_an_unreadable_file_is_caught(record: Path) -> None:
    (record / commitments("b4")).write_text("{")
    report = verify(record)
    assert report.failed_ids == (COMMITMENTS_CHECK,)


def test_a_file_of_another_ballot_is_caught(record: Path) -> None:
    shutil.copy(record / commitments("b1"), record / commitments("b2"))
    report = verify(record)
    assert report.failed_ids == (COMMITMENTS_CHECK,)
    assert [f.ballot_id for f in report.findings] == ["b2"]


# ---------------------------------------------------------------- random single-value tampering


def _proof_values(root: Path) -> list[tuple[str, str, tuple[Any, ...]]]:
    """Every challenge and response of every range proof, and every commitment: (file, kind, path)."""
    out: list[tuple[str, str, tuple[Any, ...]]] = []
    for b in ("b1", "b2", "b3", "b4"):
        ballot, committed = load(root, eballot(b)), load(root, commitments(b))
        for ci, contest in enumerate(ballot["contests"]):
            for si, sel in enumerate(contest["selections"]):
                for j in range(len(sel["proof"]["proofs"])):
                    for key in ("challenge", "response"):
                        out.append((eballot(b), "q", ("contests", ci, "selections", si, "proof", "proofs", j, key)))
            for j in range(len(contest["proof"]["proofs"])):
                for key in ("challenge", "response"):
                    out.append((eballot(b), "q", ("contests", ci, "proof", "proofs", j, key)))
        for ci, contest in enumerate(committed["contests"]):
            for si, sel in enumerate(contest["selections"]):
                for j in range(len(sel["commitments"])):
                    for key in ("a", "b"):
                        out.append((commitments(b), "p", ("contests", ci, "selections", si, "commitments", j, key)))
    return out


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, voting_template: Path) -> Path:
    return copy_election(voting_template, tmp_path_factory.mktemp("batch") / "e") / "record"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_value_changed_is_caught_in_batch_mode(pristine: Path, data: st.DataObject) -> None:
    values = _proof_values(pristine)
    rel, kind, path = data.draw(st.sampled_from(values))
    delta = data.draw(st.integers(1, 2**32))
    original = (pristine / rel).read_text()
    try:
        obj = json.loads(original)
        node = obj
        for step in path[:-1]:
            node = node[step]
        old = node[path[-1]]
        node[path[-1]] = hex_width(old, (int(old, 16) + delta) % Q) if kind == "q" else other_element(old)
        (pristine / rel).write_text(json.dumps(obj))
        batch = verify(pristine)
        assert not batch.ok
        if rel.startswith("proof_commitments/"):
            assert batch.failed_ids == (COMMITMENTS_CHECK,)
        else:
            strict = verify(pristine, strict=True)
            assert findings(batch) == findings(strict)
            assert set(batch.failed_ids) == set(strict.failed_ids)
    finally:
        (pristine / rel).write_text(original)


# ---------------------------------------------------------------- the group facts the soundness bound needs


def test_the_quadratic_residues_have_no_element_of_order_below_2_64() -> None:
    """docs/BATCH_VERIFICATION.md: p - 1 = 2 q r with q and r prime and both above 2^64."""
    import gmpy2

    from engine.group import PRODUCTION_GROUP

    for group in (PRODUCTION_GROUP, TEST_GROUP):
        p, q = int(group.p), int(group.q)
        r, rest = divmod(p - 1, 2 * q)
        assert rest == 0
        assert gmpy2.is_prime(q) and gmpy2.is_prime(r)
        assert min(q, r) > 2**63  # the production group: 2^256 - 189; the test group: 2^64 - 59


# ---------------------------------------------------------------- egk's tamper table in batch mode

# The changes whose checks batch mode could decide otherwise: the proofs and what they are proofs of.
BALLOT_CHECKS = ("5.", "6.", "7.A")
BALLOT_TAMPERS = [t for t in TAMPERS if t.check_id.startswith(BALLOT_CHECKS)]


def publish_commitments(root: Path) -> None:
    """The commitments of every proof of an egk record, as its encrypting device computed them
    (for a valid proof they are the strict check's recomputed a_j, b_j)."""
    record = ElectionRecord(root)
    group, key = record.group, record.initialized.joint_public_key
    for path in record.encrypted_ballot_paths():
        ballot = record.read_encrypted_ballot(path)
        contests = []
        for contest in ballot.contests:
            total = Ciphertext(
                group.product([s.ciphertext.pad for s in contest.selections]),
                group.product([s.ciphertext.data for s in contest.selections]),
            )
            selections = tuple(
                (s.selection_id, tuple(range_commitments(key, s.ciphertext, s.proof))) for s in contest.selections
            )
            limit = tuple(range_commitments(key, total, contest.proof))
            contests.append(ContestCommitments(contest.contest_id, selections, limit))
        write_ballot_commitments(root, ballot.encrypting_device, BallotCommitments(ballot.ballot_id, tuple(contests)))


@pytest.fixture(scope="module")
def egk_with_commitments(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_egk_record(tmp_path_factory.mktemp("egk-batch"))
    publish_commitments(root)
    report = verify_record(root, cache=_EGK_CACHE)
    assert report.ok, report.failed_ids
    assert dict(report.check("5.D").forms) == {"batch": report.check("5.D").items}
    return root


_EGK_CACHE: dict[Any, Any] = {}


def test_the_tamper_table_covers_the_ballot_checks() -> None:
    assert {t.check_id for t in BALLOT_TAMPERS} >= {"5.A", "5.B", "5.C", "5.D", "6.B", "6.C", "6.D", "7.A"}


@pytest.mark.parametrize("tamper", BALLOT_TAMPERS, ids=[f"{t.check_id}:{t.name}" for t in BALLOT_TAMPERS])
def test_egk_tampers_fail_the_same_checks_in_batch_mode(
    egk_with_commitments: Path, tmp_path: Path, tamper: Tamper
) -> None:
    """tests/verify/test_verify_tamper.py's changes to ballots, on egk's record with its commitments
    published: the same checks fail (a ballot added or removed also has no, or an extra, commitments file)."""
    root = tmp_path / "r"
    shutil.copytree(egk_with_commitments, root)
    tamper.apply(root)
    report = verify_record(root, cache=_EGK_CACHE)
    assert set(report.failed_ids) - {COMMITMENTS_CHECK} == {tamper.check_id} | tamper.also
    assert report.findings_for(tamper.check_id)


def test_the_cli_says_which_mode_the_proofs_ran_in(record: Path) -> None:
    from click.testing import CliRunner

    from engine.cli.main import cli

    for options, mode in (((), "batch"), (("--strict",), "strict")):
        result = CliRunner().invoke(cli, ["verify", str(record), "--allow-test-group", *options])
        assert result.exit_code == 0, result.output
        assert f"range proofs checked (5.D: 56 {mode}; 6.D: 12 {mode})" in result.output
        doc = json.loads(
            CliRunner().invoke(cli, ["verify", str(record), "--allow-test-group", "--json", *options]).stdout
        )
        assert {c["id"]: c.get("forms") for c in doc["checks"]}["5.D"] == {mode: 56}


def test_batch_mode_in_worker_processes(record: Path) -> None:
    bump_response(eballot("b3"), 0, 1, 1)(record)
    pooled = verify_record(record, accept_test_group=True, jobs=2, chunk_ballots=1)
    alone = verify(record)
    assert findings(pooled) == findings(alone) and pooled.failed_ids == ("5.D",)
    assert dict(pooled.check("5.D").forms) == dict(alone.check("5.D").forms)
