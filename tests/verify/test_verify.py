"""The verifier (spec 2.0.0 section 6) on egk's three records, and its parts on their own.

egk's records are the known answers: every applicable check passes on each of them, in the forms
egk writes (docs/PROTOCOL.md deviations 1-3), and the spec's forms of the same hashes are accepted too.
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.group import TEST_GROUP, ElementModP
from engine.hash import UInt256
from engine.hashed_elgamal import HashedCiphertext
from engine.proofs.contest_data_decryption import PLAIN, contest_data_challenge
from engine.record import RangeViolation, RecordError, ValueKind
from engine.record.layout import DBALLOT_PREFIX, EBALLOT_PREFIX, INITIALIZED, MANIFEST, TALLY
from engine.verify import CHECKS, Finding, Report, Status, verify_record
from engine.verify.hashes import (
    EGK,
    SPEC,
    chain_aux,
    chain_closing_hash,
    chain_initial_hash,
    confirmation_code,
)
from engine.verify.report import MAX_FINDINGS_PER_CHECK, Recorder
from engine.verify.runner import range_check_of
from engine.verify.subgroup import SubgroupBatch
from tests.support.egk_data import WORKFLOWS, workflow
from tests.support.egk_verification import egk_verification

NOT_APPLICABLE_WITHOUT_CHAIN = {"7.D", "7.E", "7.F", "7.G", "R.chain_cover"}
NOT_APPLICABLE_WITHOUT_CHALLENGED = {f"{n}.{x}" for n in (12, 13, 14) for x in "ABCDEF"}
NOT_APPLICABLE_WITHOUT_CHALLENGED |= {"R.challenged", "R.contest_data"}  # egk's tallies carry no contest data
ALWAYS_NOT_APPLICABLE = {"11.A", "11.B"} | {c for c, _ in CHECKS if c.split(".")[0] in ("15", "16", "17", "18")}
ALWAYS_NOT_APPLICABLE |= {f"B.{n}" for n in range(0, 10)}  # egk's records carry no bulletin-board log
ALWAYS_NOT_APPLICABLE |= {"R.proof_commitments"}  # nor proof commitments (batch verification)
ALWAYS_NOT_APPLICABLE |= {"R.preencrypted"}  # nor pre-encrypted ballots


def _expected_not_applicable(name: str) -> set[str]:
    if name == "chainedJson":
        return set(ALWAYS_NOT_APPLICABLE)
    ids = {c for c, _ in CHECKS}
    return ALWAYS_NOT_APPLICABLE | NOT_APPLICABLE_WITHOUT_CHAIN | (NOT_APPLICABLE_WITHOUT_CHALLENGED & ids)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_egk_records_pass_every_applicable_check(name: str) -> None:
    verification = egk_verification(name)  # allAvailableJson through the process pool
    report, events = verification.report, verification.events
    assert report.failed_ids == (), [str(f) for f in report.findings]
    assert report.ok and report.findings == ()
    not_applicable = {c.check_id for c in report.checks if c.status is Status.NOT_APPLICABLE}
    assert not_applicable == _expected_not_applicable(name)
    # 11 ballots of 20 contests of 5 selections; 100 tallied options
    counts = {c.check_id: c.items for c in report.checks}
    assert counts["5.D"] == counts["5.A"] == 1100
    assert counts["6.D"] == counts["7.A"] == 220
    assert counts["7.B"] == counts["7.C"] == counts["R.ballot_ids"] == 11
    assert counts["8.A"] == counts["9.B"] == counts["10.A"] == 100
    assert report.check("7.B").forms == (("egk", 11),)
    assert ("ballots", 11, 11) in events and events[-1][0] in ("tally", "challenged")
    assert all(c.seconds >= 0 for c in report.checks)


def test_egk_chained_record_uses_egks_forms() -> None:
    report = egk_verification("chainedJson").report
    assert report.check("7.D").forms == (("egk", 1),)
    assert report.check("7.E").forms == (("egk", 1),)
    assert report.check("7.G").forms == (("egk", 1),)
    assert report.check("14.B").forms == (("egk", 60),)
    assert report.check("12.B").items == 300 and report.check("R.challenged").passed > 0
    doc = report.to_json_dict()
    assert json.loads(json.dumps(doc)) == doc
    assert doc["ok"] is True and doc["failed"] == [] and doc["findings"] == []
    assert [c["id"] for c in doc["checks"]] == [c for c, _ in CHECKS]
    assert doc["summary"]["challenged"] == 3 and doc["summary"]["cast"] == 8


# ---------------------------------------------------------------- the spec's forms are accepted


def _h(key: UInt256, data: bytes) -> bytes:
    return hmac.new(key.data, data, hashlib.sha256).digest()


def test_hash_forms_follow_the_byte_layouts_of_spec_section_5_5() -> None:
    h_e = UInt256(bytes(range(32)))
    chis = [UInt256(bytes([i]) * 32) for i in (1, 2, 3)]
    aux = b"device 7"
    # eq. 58: 0x24 || chi_1 || ... || b(len(B_aux), 4) || B_aux (spec), B_aux alone (egk)
    spec = _h(h_e, b"\x24" + b"".join(c.data for c in chis) + len(aux).to_bytes(4, "big") + aux)
    egk = _h(h_e, b"\x24" + b"".join(c.data for c in chis) + aux)
    assert confirmation_code(h_e, chis, aux, SPEC).data == spec
    assert confirmation_code(h_e, chis, aux, EGK).data == egk
    # eq. 59 and eq. 61
    assert chain_initial_hash(h_e, aux, SPEC).data == _h(h_e, b"\x24" + len(aux).to_bytes(4, "big") + aux)
    assert chain_initial_hash(h_e, aux, EGK).data == _h(h_e, b"\x24" + aux)
    last = chis[0]
    spec_close = b"\x24" + last.data + len(aux).to_bytes(4, "big") + aux + bytes.fromhex("00000005434C4F5345")
    assert chain_closing_hash(h_e, last, aux, SPEC).data == _h(h_e, spec_close)
    assert chain_closing_hash(h_e, last, aux, EGK).data == _h(h_e, b"\x24" + last.data + aux + b"CLOSE")
    # eq. 60: the first link
    assert chain_aux(last, aux, 1, SPEC) == last.data + aux
    assert chain_aux(last, aux, 1, EGK) == last.data
    assert chain_aux(last, aux, 2, EGK) == last.data + aux


def test_contest_data_challenge_forms_differ_only_in_c1_and_c2() -> None:
    g = TEST_GROUP
    k, c0, a, b, beta = (g.g_pow(x) for x in (3, 5, 7, 11, 13))
    h_e, c2, c1 = UInt256(bytes(32)), UInt256(b"\x07" * 32), b"\xab" * 40
    parts = {
        EGK: c1.hex().upper().encode() + c2.data,
        SPEC: c1.rjust(g.p_bytes, b"\x00") + c2.data.rjust(g.p_bytes, b"\x00"),
        PLAIN: c1 + c2.data,
    }
    for form, middle in parts.items():
        data = b"\x31" + k.to_bytes() + c0.to_bytes() + middle + a.to_bytes() + b.to_bytes() + beta.to_bytes()
        expected = UInt256(_h(h_e, data)).to_q(g)
        assert contest_data_challenge(h_e, k, HashedCiphertext(c0, c1, c2, len(c1)), a, b, beta, form) == expected


def test_spec_form_confirmation_codes_and_chain_are_accepted(tmp_path: Path) -> None:
    """The chained record rewritten with the spec's forms of eq. 58-61 still verifies (7.B, 7.D-7.G)."""
    root = tmp_path / "record"
    shutil.copytree(workflow("chainedJson"), root, ignore=shutil.ignore_patterns("private_data"))
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    device = root / "encrypted_ballots" / "runWorkflowChainedJson"
    config = json.loads((root / "election_config.json").read_text())
    h_e = UInt256.from_hex(json.loads((root / "election_initialized.json").read_text())["extended_base_hash"])
    b_aux_0 = bytes(config["baux0"])
    chain = json.loads((device / "ballot_chain.json").read_text())
    previous = chain_initial_hash(h_e, b_aux_0, SPEC)
    chain["baux0"] = previous.hex()
    for position, ballot_id in enumerate(chain["ballot_ids"], start=1):
        path = device / f"eballot-{ballot_id}.json"
        ballot = json.loads(path.read_text())
        aux = chain_aux(previous, b_aux_0, position, SPEC)
        code = confirmation_code(h_e, [UInt256.from_hex(c["contest_hash"]) for c in ballot["contests"]], aux, SPEC)
        ballot["code_baux"], ballot["confirmation_code"] = aux.hex().upper(), code.hex()
        path.write_text(json.dumps(ballot, indent=4))
        previous = code
    chain["last_confirmation_code"] = previous.hex()
    chain["closing_hash"] = chain_closing_hash(h_e, previous, b_aux_0, SPEC).hex()
    (device / "ballot_chain.json").write_text(json.dumps(chain, indent=4))

    report = verify_record(root)
    assert report.failed_ids == (), [str(f) for f in report.findings]
    for check_id in ("7.B", "7.D", "7.E", "7.G"):
        assert dict(report.check(check_id).forms).get("spec"), check_id


# ---------------------------------------------------------------- subgroup batches


def _non_member(seed: int) -> ElementModP:
    """An element of Z_p^* outside the order-q subgroup (test group)."""
    g = TEST_GROUP
    x = 2 + seed % (int(g.p) - 3)
    while pow(x, int(g.q), int(g.p)) == 1:
        x += 1
    return g.element_p(x)


@settings(max_examples=25, deadline=None)
@given(
    members=st.lists(st.integers(1, 2**64), min_size=0, max_size=40),
    bad=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 2**200)), max_size=4),
)
def test_subgroup_batch_names_exactly_the_offenders(members: list[int], bad: list[tuple[int, int]]) -> None:
    g = TEST_GROUP
    batch: SubgroupBatch[int] = SubgroupBatch(g)
    elements = [g.g_pow(e) for e in members]
    expected = set()
    for position, seed in bad:
        position = min(position, len(elements))
        elements.insert(position, _non_member(seed))
    for i, x in enumerate(elements):
        if not g.in_subgroup(x):
            expected.add(i)
        batch.add(x, i)
    assert set(batch.offenders()) == expected
    assert len(batch) == 0


def test_subgroup_batch_catches_p_minus_1_zero_and_one() -> None:
    g = TEST_GROUP
    batch: SubgroupBatch[str] = SubgroupBatch(g)
    for label, x in (("one", g.one), ("g", g.generator), ("p-1", g.element_p(int(g.p) - 1)), ("0", g.element_p(0))):
        batch.add(x, label)
    assert sorted(batch.offenders()) == ["0", "p-1"]


# ---------------------------------------------------------------- report values


def test_statuses_and_ok() -> None:
    rec = Recorder()
    rec.passed("1.A")
    rec.expect(False, "5.D", "no", file="f", ballot_id="b", contest_id="c", selection_id="s")
    report = rec.build("rec", 1.0, 1, not_checked=frozenset({"15.A"}))
    assert report.check("1.A").status is Status.PASSED
    assert report.check("5.D").status is Status.FAILED and report.failed_ids == ("5.D",)
    assert report.check("15.A").status is Status.NOT_CHECKED
    assert report.check("2.A").status is Status.NOT_APPLICABLE
    assert not report.ok
    assert report.findings == (Finding("5.D", "no", "f", "b", "c", "s"),)
    assert "ballot b" in str(report.findings[0])
    only_not_checked = Recorder().build("rec", 0.0, 1, not_checked=frozenset({"15.A"}))
    assert not only_not_checked.ok and Recorder().build("rec", 0.0, 1).ok


def test_findings_are_capped_and_merged_across_processes() -> None:
    parent, worker = Recorder(), Recorder()
    for i in range(MAX_FINDINGS_PER_CHECK + 5):
        worker.failed(Finding("7.A", f"bad {i}"))
    worker.passed("7.A", 3)
    worker.form("7.B", "egk", 2)
    parent.form("7.B", "egk")
    parent.merge(worker.snapshot())
    report: Report = parent.build("rec", 0.0, 2)
    check = report.check("7.A")
    assert (check.items, check.passed, check.failed) == (MAX_FINDINGS_PER_CHECK + 8, 3, MAX_FINDINGS_PER_CHECK + 5)
    assert len(report.findings) == MAX_FINDINGS_PER_CHECK and report.findings_omitted == 5
    assert report.check("7.B").forms == (("egk", 3),)
    with pytest.raises(KeyError):
        parent.passed("99.Z")


_P, _Q = ValueKind.ELEMENT_MOD_P, ValueKind.INTEGER_MOD_Q
_BALLOT, _DBALLOT = "encrypted_ballots/d/eballot-1.json", "challenged_ballots/dballot-x.json"


@pytest.mark.parametrize(
    "document, file, steps, kind, expected",
    [
        (EBALLOT_PREFIX, _BALLOT, ("contests", 0, "selections", 2, "proof", "proofs", 1, "response"), _Q, "5.C"),
        (EBALLOT_PREFIX, _BALLOT, ("contests", 3, "proof", "proofs", 0, "challenge"), _Q, "6.B"),
        (EBALLOT_PREFIX, _BALLOT, ("contests", 3, "selections", 0, "encrypted_vote", "pad"), _P, "5.A"),
        (TALLY, TALLY, ("contests", 1, "selections", 0, "proof", "response"), _Q, "9.A"),
        (DBALLOT_PREFIX, _DBALLOT, ("contests", 1, "decrypted_contest_data", "proof", "response"), _Q, "14.A"),
        (INITIALIZED, INITIALIZED, ("guardians", 0, "coefficient_proofs", 1, "response"), _Q, "2.B"),
        # the same field in another document, or of another kind, is no range check
        (TALLY, _BALLOT, ("contests", 0, "selections", 2, "proof", "proofs", 1, "response"), _Q, None),
        (EBALLOT_PREFIX, _BALLOT, ("contests", 0, "selections", 2, "proof", "proofs", 1, "response"), _P, None),
        (EBALLOT_PREFIX, _BALLOT, ("contests", 0, "sequence_order"), ValueKind.INTEGER, None),
        (MANIFEST, MANIFEST, ("contests", 0, "votes_allowed"), _Q, None),
    ],
)
def test_range_errors_of_the_reader_map_to_their_checks(
    document: str, file: str, steps: tuple[str | int, ...], kind: ValueKind, expected: str | None
) -> None:
    assert range_check_of(RangeViolation(file, steps, kind, "out of range"), document) == expected


def test_the_mapping_reads_no_message() -> None:
    """Any wording maps the same; a plain RecordError, whatever it says, maps to nothing."""
    steps = ("contests", 0, "selections", 2, "proof", "proofs", 1, "response")
    for problem in ("not an integer mod q (0..q-1) of group production", "response too large", ""):
        assert range_check_of(RangeViolation(_BALLOT, steps, _Q, problem), EBALLOT_PREFIX) == "5.C"
    error = RecordError(_BALLOT, "contests[0].selections[2].proof.proofs[1].response", "not an integer mod q")
    assert range_check_of(error, EBALLOT_PREFIX) is None


def test_the_verifier_imports_nothing_that_made_the_record() -> None:
    forbidden = {"engine.ballot", "engine.ceremony", "engine.tally", "engine.decrypt", "engine.contest_data"}
    for path in (Path(__file__).resolve().parents[2] / "engine" / "verify").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), (path.name, name)


def test_our_own_test_group_record_verifies_and_fails_only_1b_to_1e_without_acceptance(tmp_path: Path) -> None:
    """A whole election made by this engine's roles (the demo, on the small test group)."""
    from engine.cli.demo_cmd import run_demo

    out = tmp_path / "demo"
    status = run_demo(
        out,
        voters=24,
        guardians=3,
        quorum=2,
        absent=1,
        challenge_rate=0.25,
        seed=7,
        group_name="test",
        devices=2,
        jobs=1,
    )
    assert status == 0
    accepted = verify_record(out / "record", accept_test_group=True)
    assert accepted.ok, [str(f) for f in accepted.findings]
    assert accepted.check("R.challenged").items > 0 and accepted.check("7.G").items == 2
    strict = verify_record(out / "record")
    assert set(strict.failed_ids) == {"1.B", "1.C", "1.D", "1.E"}


def test_unique_ciphertexts_settles_meeting_digests_on_the_full_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Digests that meet by chance (here: all of them) cost a second reading, never a false finding."""
    from engine.verify import copies

    monkeypatch.setattr(copies, "_key", lambda _value: 7)
    report = verify_record(workflow("allAvailableJson"), cache=egk_verification("allAvailableJson").verdicts)
    check = report.check("R.unique_ciphertexts")
    assert check.status is Status.PASSED and check.failed == 0
    assert check.items == 11 * (100 + 20 + 1)  # 11 ballots: 100 selections, 20 contest data, a serial number


def test_contest_data_messages_decode_as_egk_encodes_them() -> None:
    """The verifier's own protobuf reader: egk's fields, the truncation mark, the filler, strictness."""
    from engine.verify.contest_data import Undecodable, decode_contest_data_message

    message = bytes([0x08, 0x02, 0x12, 0x06, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])  # over_vote; over_votes [1, -1]
    message += bytes([0x1A, 0x03]) + b"Ada" + bytes([0x22, 0x02]) + b"**"
    data = decode_contest_data_message(message)
    assert (data.status, data.over_votes, data.write_ins) == ("over_vote", (1, -1), ("Ada",))
    assert decode_contest_data_message(b"").status == "normal"
    for bad in (bytes([0x08, 0x09]), bytes([0x28, 0x01]), bytes([0x1A, 0x05]) + b"Ad", bytes([0x1A, 0x01, 0xFF])):
        with pytest.raises(Undecodable):
            decode_contest_data_message(bad)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 2**32 - 2), max_size=4),
    st.lists(st.text(max_size=40), max_size=4),
    st.sampled_from(["normal", "null_vote", "over_vote", "under_vote"]),
    st.integers(1, 5),
)
def test_contest_data_reader_agrees_with_the_engines_encoder(
    over_votes: list[int], write_ins: list[str], status: str, limit: int
) -> None:
    """The verifier's reader against the writer it must stay independent of (engine.contest_data)."""
    from engine.contest_data import decode_contest_data, pad_contest_data
    from engine.election import ContestData
    from engine.verify.contest_data import decode_contest_data_message

    padded = pad_contest_data(ContestData(tuple(over_votes), tuple(write_ins), status), limit)
    assert decode_contest_data_message(padded) == decode_contest_data(padded)
