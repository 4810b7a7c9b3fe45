"""Verifications 15-18 (pre-encrypted ballots, spec 2.0.0 section 4.5) on egk's recorded ballot and on ours.

egk's workflow records hold no pre-encrypted ballot (every eballot has is_preencrypt false and no
pre_encryption), so the records here are egk's PreEncryptionRecordedTestVector ballot, read through the
record codec, and a test-group election whose only ballots engine.preencrypt made and recorded. Each
tamper then changes one value of one small ballot (in its egk JSON when the reader accepts the change,
otherwise in the decoded values) and checks that verify_preencrypted fails exactly the intended ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from gmpy2 import mpz

from engine.ballot import EncryptionContext
from engine.cli.demo_cmd import run_ceremony
from engine.election import EncryptedBallot, preencryption_confirmation_code, preencryption_contest_hash
from engine.group import PRODUCTION_GROUP as G
from engine.group import ElementModQ
from engine.hash import UInt256
from engine.manifest import Manifest
from engine.preencrypt import preencrypt_ballot, record_marked_ballot, short_codes_unique
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot, encode_encrypted_ballot
from engine.record.codecs.values import hex_p
from engine.record.jsonio import dumps
from engine.record.reader import ElectionRecord
from engine.verify.ballots import BallotContext
from engine.verify.catalog import PREENCRYPTED_CHECKS
from engine.verify.layout import ManifestLayout
from engine.verify.preencrypted import verify_preencrypted
from engine.verify.report import Recorder, Status
from engine.verify.runner import verify_record
from tests.support.egk_data import vector
from tests.support.egk_objects import egk_manifest as manifest_from_json
from tests.support.small_preencrypt import CTX
from tests.support.small_preencrypt import MANIFEST as SMALL_MANIFEST

DEVICE = "preprinted"


def record_two(ctx: EncryptionContext, manifest: Manifest) -> tuple[EncryptedBallot, ...]:
    """p1 marks option i mod m in the i-th contest; p2 marks only its first contest, the rest are undervotes."""
    style = manifest.ballot_styles[0].object_id
    out = []
    for n, ballot_id in enumerate(("p1", "p2")):
        nonce = UInt256(bytes([n + 1]) * 32)
        pre = preencrypt_ballot(ctx, manifest, ballot_id, style, nonce)
        assert short_codes_unique(pre)
        contests = pre.contests if ballot_id == "p1" else pre.contests[:1]
        marks = {c.contest_id: [c.options[i % len(c.options)].short_code] for i, c in enumerate(contests)}
        out.append(record_marked_ballot(ctx, manifest, ballot_id, style, nonce, marks, device=DEVICE, timestamp=1))
    return tuple(out)


def add_two_to_record(record_dir: Path) -> None:
    """record_two's ballots, encrypted for the election in record_dir, written into its encrypted_ballots/DEVICE."""
    record = ElectionRecord(record_dir)
    init = record.initialized
    ctx = EncryptionContext(init.extended_base_hash, init.joint_public_key)
    folder = record_dir / "encrypted_ballots" / DEVICE
    folder.mkdir(parents=True)
    for ballot in record_two(ctx, record.manifest):
        (folder / f"eballot-{ballot.ballot_id}.json").write_bytes(dumps(encode_encrypted_ballot(ballot)))


@cache
def small_ballots() -> tuple[EncryptedBallot, ...]:
    return record_two(CTX, SMALL_MANIFEST)


def context(admitted: bool = True) -> BallotContext:
    layout = ManifestLayout.from_manifest(replace(SMALL_MANIFEST, preencrypted_ballots=admitted))
    return BallotContext(CTX.group, CTX.joint_public_key, CTX.extended_base_hash, layout, ())


def failed_ids(ballots: list[EncryptedBallot], admitted: bool = True) -> set[str]:
    rec = Recorder()
    verify_preencrypted(rec, context(admitted), [(f"eballot-{b.ballot_id}.json", b) for b in ballots])
    report = rec.build("rec", 0.0, 1)
    return set(report.failed_ids)


@pytest.fixture(scope="module")
def election_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test-group election after its key ceremony (two guardians, not chained), no ballot yet."""
    root = tmp_path_factory.mktemp("preencrypted")
    run_ceremony(
        root / "record", root / "private", root / "exchange", 2, 2, "test", chain=False, step=lambda _: None,
        preencrypted=True,
    )  # fmt: skip
    return root


def test_record_with_our_preencrypted_ballots_passes_every_check(election_root: Path) -> None:
    add_two_to_record(election_root / "record")
    report = verify_record(election_root / "record", accept_test_group=True)
    assert report.failed_ids == (), [str(f) for f in report.findings]
    assert report.ok
    assert all(report.check(c).status is Status.PASSED for c in PREENCRYPTED_CHECKS)
    assert dict(report.summary)["preencrypted"] == 2


def test_a_record_whose_manifest_does_not_admit_them_fails_r_preencrypted(tmp_path: Path) -> None:
    run_ceremony(
        tmp_path / "record", tmp_path / "private", tmp_path / "exchange", 2, 2, "test", chain=False,
        step=lambda _: None,
    )  # fmt: skip
    assert not ElectionRecord(tmp_path / "record").manifest.preencrypted_ballots
    add_two_to_record(tmp_path / "record")
    report = verify_record(tmp_path / "record", accept_test_group=True)
    assert report.failed_ids == ("R.preencrypted",), [str(f) for f in report.findings]


def test_egks_recorded_preencrypted_ballot_passes() -> None:
    """egk's own recorded ballot (PreEncryptionRecordedTestVector), read through the record codec."""
    v = vector("PreEncryptionRecordedTestVector")
    obj = {**v["expected_recorded_ballot"], "election_id": v["extended_base_hash"]}
    ballot = decode_encrypted_ballot(obj, G)
    # egk's manifests cannot say that they admit pre-encrypted ballots; the vector's election does.
    layout = ManifestLayout.from_manifest(replace(manifest_from_json(v["manifest"]), preencrypted_ballots=True))
    k = G.element_p(int(v["joint_public_key"], 16))
    ctx = BallotContext(G, k, UInt256.from_hex(v["extended_base_hash"]), layout, ())
    rec = Recorder()
    verify_preencrypted(rec, ctx, [("vector", ballot)])
    report = rec.build("vector", 0.0, 1)
    assert report.failed_ids == (), [str(f) for f in report.findings]
    assert all(report.check(c).status is Status.PASSED for c in PREENCRYPTED_CHECKS)


def test_small_ballots_pass() -> None:
    assert failed_ids(list(small_ballots())) == set()


def test_the_codec_round_trips_a_recorded_ballot() -> None:
    for ballot in small_ballots():
        obj = json.loads(dumps(encode_encrypted_ballot(ballot)))
        assert decode_encrypted_ballot(obj, CTX.group) == ballot


# ---------------------------------------------------------------- tampers, one value each


def in_json(change: Callable[[dict[str, Any]], None]) -> Callable[[EncryptedBallot], EncryptedBallot]:
    def apply(ballot: EncryptedBallot) -> EncryptedBallot:
        obj = json.loads(dumps(encode_encrypted_ballot(ballot)))
        change(obj)
        return decode_encrypted_ballot(obj, ballot.contests[0].proof.challenges[0].group)

    return apply


def flip_hex(text: str) -> str:
    return text[:-1] + ("1" if text[-1] != "1" else "2")


def set_in(path: list[Any], value: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    def change(obj: dict[str, Any]) -> None:
        node = obj
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value(node[path[-1]])

    return change


def out_of_range_proof(which: str, selection: int | None, big: int) -> Callable[[EncryptedBallot], EncryptedBallot]:
    """A proof value no reader accepts (>= 2^256 or >= q), set in the decoded values."""

    def apply(ballot: EncryptedBallot) -> EncryptedBallot:
        contest = ballot.contests[0]
        proof = contest.proof if selection is None else contest.selections[selection].proof
        values = list(getattr(proof, which))
        values[0] = ElementModQ(mpz(big), values[0].group)
        proof = replace(proof, **{which: tuple(values)})
        if selection is None:
            contest = replace(contest, proof=proof)
        else:
            sels = list(contest.selections)
            sels[selection] = replace(sels[selection], proof=proof)
            contest = replace(contest, selections=tuple(sels))
        return replace(ballot, contests=(contest, *ballot.contests[1:]))

    return apply


def p_minus_1(_: str) -> str:
    return hex_p(CTX.group.element_p(CTX.group.p - 1))


SEL = ["contests", 0, "selections", 1]
PRE = ["contests", 0, "pre_encryption"]
Q = 1 << 256  # any value >= q
TAMPERS: list[tuple[str, str, Callable[[EncryptedBallot], EncryptedBallot], set[str]]] = [
    (
        "15.A",
        "a selection's pad replaced by p - 1",
        in_json(set_in([*SEL, "encrypted_vote", "pad"], p_minus_1)),
        {"15.D", "16.C", "7.A", "18.B"},
    ),
    ("15.B", "a selection-proof challenge >= 2^256", out_of_range_proof("challenges", 1, 1 << 256), {"15.D"}),
    ("15.C", "a selection-proof response >= q", out_of_range_proof("responses", 1, Q), {"15.D"}),
    (
        "15.D",
        "a selection-proof response changed",
        in_json(set_in([*SEL, "proof", "proofs", 0, "response"], flip_hex)),
        set(),
    ),
    ("16.A", "a contest-proof challenge >= 2^256", out_of_range_proof("challenges", None, 1 << 256), {"16.C"}),
    ("16.B", "a contest-proof response >= q", out_of_range_proof("responses", None, Q), {"16.C"}),
    (
        "16.C",
        "a contest-proof response changed",
        in_json(set_in(["contests", 0, "proof", "proofs", 1, "response"], flip_hex)),
        set(),
    ),
    (
        "17.A",
        "a selected vector's hash changed (and its short code with it)",
        in_json(lambda o: _rehash_selected(o)),
        {"17.B"},
    ),
    ("17.B", "a selection hash that was not selected changed", in_json(lambda o: _change_unselected_hash(o)), set()),
    (
        "17.B",
        "the contest's pre-encryption hash changed",
        in_json(set_in([*PRE, "preencryption_hash"], flip_hex)),
        {"17.C"},
    ),
    ("17.C", "the confirmation code changed", in_json(set_in(["confirmation_code"], flip_hex)), set()),
    ("17.C", "B_aux changed", in_json(set_in(["code_baux"], lambda _: "00")), set()),
    (
        "18.A",
        "a short code changed",
        in_json(set_in([*PRE, "selected_vectors", 0, "short_code"], lambda _: "00000")),
        set(),
    ),
    (
        "18.B",
        "a selected vector's encryptions swapped with another position's",
        in_json(lambda o: _swap_selected_encryptions(o)),
        {"17.A"},
    ),
    ("18.B", "a null vector missing", in_json(lambda o: _drop_selected_vector(o)), set()),
    ("18.D", "two selection hashes with one short code, hashes and code recomputed", lambda b: _twin_codes(b), set()),
]


def _rehash_selected(obj: dict[str, Any]) -> None:
    vector = obj["contests"][0]["pre_encryption"]["selected_vectors"][0]
    vector["selection_hash"] = flip_hex(vector["selection_hash"])


def _change_unselected_hash(obj: dict[str, Any]) -> None:
    pre = obj["contests"][0]["pre_encryption"]
    selected = {v["selection_hash"] for v in pre["selected_vectors"]}
    hashes = pre["all_selection_hashes"]
    i = next(i for i, h in enumerate(hashes) if h not in selected)
    hashes[i] = flip_hex(hashes[i])


def _swap_selected_encryptions(obj: dict[str, Any]) -> None:
    encryptions = obj["contests"][0]["pre_encryption"]["selected_vectors"][0]["encryptions"]
    encryptions[0], encryptions[1] = encryptions[1], encryptions[0]


def _twin_codes(ballot: EncryptedBallot) -> EncryptedBallot:
    """A tool that printed two options of the first contest with one short code: an unselected hash is
    moved to just above the one before it (same first five hex digits), and the contest hash (eq. 94,
    label form) and confirmation code (eq. 95) are recomputed so that 17.B and 17.C still hold."""
    contest = ballot.contests[0]
    pre = contest.pre_encryption
    assert pre is not None
    selected = {v.selection_hash for v in pre.selected_vectors}
    hashes = list(pre.all_selection_hashes)
    i = next(i for i in range(1, len(hashes)) if hashes[i] not in selected)
    hashes[i] = UInt256((int.from_bytes(hashes[i - 1].data, "big") + 1).to_bytes(32, "big"))
    chi = preencryption_contest_hash(CTX.extended_base_hash, contest.contest_id, CTX.joint_public_key, hashes)
    pre = replace(pre, preencryption_hash=chi, all_selection_hashes=tuple(hashes))
    contests = (replace(contest, pre_encryption=pre), *ballot.contests[1:])
    chis = [c.pre_encryption.preencryption_hash for c in contests if c.pre_encryption is not None]
    code = preencryption_confirmation_code(CTX.extended_base_hash, chis, ballot.code_baux)
    return replace(ballot, contests=contests, confirmation_code=code)


def _drop_selected_vector(obj: dict[str, Any]) -> None:
    """p2's second contest is an undervote: its one selected vector is a null vector."""
    obj["contests"][1]["pre_encryption"]["selected_vectors"] = []


@pytest.mark.parametrize("check_id, name, tamper, also", TAMPERS, ids=[f"{t[0]}:{t[1]}" for t in TAMPERS])
def test_tamper_fails_exactly_the_intended_check(check_id: str, name: str, tamper: Any, also: set[str]) -> None:
    p1, p2 = small_ballots()
    target = p2 if "null vector" in name else p1
    assert failed_ids([tamper(target)]) == {check_id} | also


def test_duplicate_confirmation_code_fails_17d() -> None:
    p1, p2 = small_ballots()
    copy = replace(p1, ballot_id="p3")
    assert failed_ids([p1, p2, copy]) == {"17.D"}


def test_a_preencrypted_ballot_in_an_election_that_does_not_admit_them_fails_r_preencrypted() -> None:
    assert failed_ids(list(small_ballots()), admitted=False) == {"R.preencrypted"}


def test_a_contest_without_pre_encryption_fails_17b() -> None:
    p1, _ = small_ballots()
    bare = replace(p1.contests[0], pre_encryption=None)
    assert failed_ids([replace(p1, contests=(bare, *p1.contests[1:]))]) == {"17.B", "17.C"}


def test_every_preencrypted_check_has_a_tamper_case() -> None:
    covered = {t[0] for t in TAMPERS} | {"17.D", "18.C"}  # 18.C: tests/verify/test_preencrypted_challenged.py
    assert covered == set(PREENCRYPTED_CHECKS)
