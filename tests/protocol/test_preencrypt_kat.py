"""Pre-encrypted ballots (spec 2.0.0 section 4) against egk's PreEncryption and PreEncryptionRecorded vectors.

Every nonce, encryption, selection hash, short code, contest hash and confirmation code is compared bit
for bit; the proofs of a recorded ballot are random (egk draws them afresh), so they are verified instead.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.ballot import EncryptionContext, IdForm
from engine.election import preencryption_confirmation_code, preencryption_contest_hash
from engine.elgamal import Ciphertext
from engine.group import PRODUCTION_GROUP as G
from engine.hash import UInt256
from engine.preencrypt import preencrypt_ballot, preencryption_nonce, record_marked_ballot
from engine.proofs import verify_range
from tests.support.egk_data import vector
from tests.support.egk_objects import egk_manifest as manifest_from_json
from tests.support.egk_objects import egk_range_proof as range_proof_from_json


def ciphertext_of(d: dict[str, str]) -> Ciphertext:
    return Ciphertext(G.element_p(int(d["pad"], 16)), G.element_p(int(d["data"], 16)))


def context_of(v: dict[str, Any]) -> EncryptionContext:
    return EncryptionContext(UInt256.from_hex(v["extended_base_hash"]), G.element_p(int(v["joint_public_key"], 16)))


@pytest.fixture(scope="module")
def preencryption() -> dict[str, Any]:
    return vector("PreEncryptionTestVector")


@pytest.fixture(scope="module")
def recorded() -> dict[str, Any]:
    return vector("PreEncryptionRecordedTestVector")


def test_nonces_eq_96(preencryption: dict[str, Any]) -> None:
    ctx = context_of(preencryption)
    xi = UInt256.from_hex(preencryption["primary_nonce"])
    contest = preencryption["preencrypted_ballot"]["contests"][0]
    options = [s["selectionId"] for s in contest["selections"] if not s["selectionId"].startswith("null")]
    for sel in contest["selections"]:
        got = [
            preencryption_nonce(ctx.extended_base_hash, xi, contest["contestId"], sel["selectionId"], o, G)
            for o in options
        ]
        assert [int(n) for n in got] == [int(x, 16) for x in sel["expected_selectionNonces"]]


def test_preencrypted_ballot_bit_for_bit(preencryption: dict[str, Any]) -> None:
    ctx = context_of(preencryption)
    expected = preencryption["preencrypted_ballot"]
    ballot = preencrypt_ballot(
        ctx,
        manifest_from_json(preencryption["manifest"]),
        expected["ballotId"],
        expected["ballotStyleId"],
        UInt256.from_hex(preencryption["primary_nonce"]),
    )
    assert ballot.confirmation_code.hex() == expected["expected_confirmationCode"]
    assert len(ballot.contests) == len(expected["contests"])
    for contest, want in zip(ballot.contests, expected["contests"]):
        assert contest.contest_id == want["contestId"]
        assert contest.contest_hash.hex() == want["expected_preencryptionHash"]
        assert [s.selection_id for s in contest.selections] == [s["selectionId"] for s in want["selections"]]
        for sel, want_sel in zip(contest.selections, want["selections"]):
            assert sel.sequence_order == want_sel["sequenceOrder"]
            assert sel.selection_hash.hex() == want_sel["expected_selectionHash"]
            assert sel.short_code == want_sel["shortCode"]
            assert list(sel.vector) == [ciphertext_of(c) for c in want_sel["expected_selectionVector"]]
            assert [int(n) for n in sel.nonces] == [int(x, 16) for x in want_sel["expected_selectionNonces"]]


def test_contest_hash_sorts_the_selection_hashes(preencryption: dict[str, Any]) -> None:
    """eq. 94 does not depend on the order the hashes are given in: it sorts them."""
    ctx = context_of(preencryption)
    contest = preencryption["preencrypted_ballot"]["contests"][0]
    hashes = [UInt256.from_hex(s["expected_selectionHash"]) for s in contest["selections"]]
    k = ctx.joint_public_key
    forward = preencryption_contest_hash(ctx.extended_base_hash, contest["contestId"], k, hashes)
    assert forward == preencryption_contest_hash(ctx.extended_base_hash, contest["contestId"], k, hashes[::-1])
    assert forward.hex() == contest["expected_preencryptionHash"]
    index_form = preencryption_contest_hash(ctx.extended_base_hash, contest["sequenceOrder"], k, hashes)
    assert index_form != forward
    code = preencryption_confirmation_code(ctx.extended_base_hash, [forward], b"")
    assert code.hex() == preencryption["preencrypted_ballot"]["expected_confirmationCode"]


def test_recorded_ballot_bit_for_bit(recorded: dict[str, Any]) -> None:
    ctx = context_of(recorded)
    expected = recorded["expected_recorded_ballot"]
    ballot = record_marked_ballot(
        ctx,
        manifest_from_json(recorded["manifest"]),
        expected["ballot_id"],
        expected["ballot_style_id"],
        UInt256.from_hex(recorded["primary_nonce"]),
        recorded["selected_codes"],
        device=expected["encrypting_device"],
        timestamp=expected["timestamp"],
    )
    assert ballot.is_preencrypt
    assert ballot.confirmation_code.hex() == expected["confirmation_code"]
    assert ballot.code_baux.hex().upper() == expected["code_baux"]
    assert len(ballot.contests) == len(expected["contests"])
    h_e, k = ctx.extended_base_hash, ctx.joint_public_key
    for contest, want in zip(ballot.contests, expected["contests"]):
        assert contest.contest_id == want["contest_id"]
        assert contest.sequence_order == want["sequence_order"]
        assert contest.contest_hash.hex() == want["contest_hash"]
        pre, want_pre = contest.pre_encryption, want["pre_encryption"]
        assert pre is not None
        assert pre.preencryption_hash.hex() == want_pre["preencryption_hash"]
        assert [h.hex() for h in pre.all_selection_hashes] == want_pre["all_selection_hashes"]
        assert len(pre.selected_vectors) == len(want_pre["selected_vectors"])
        for sv, want_sv in zip(pre.selected_vectors, want_pre["selected_vectors"]):
            assert sv.selection_hash.hex() == want_sv["selection_hash"]
            assert sv.short_code == want_sv["short_code"]
            assert list(sv.encryptions) == [ciphertext_of(c) for c in want_sv["encryptions"]]
        assert [(s.selection_id, s.sequence_order) for s in contest.selections] == [
            (s["selection_id"], s["sequence_order"]) for s in want["selections"]
        ]
        for sel, want_sel in zip(contest.selections, want["selections"]):
            assert sel.ciphertext == ciphertext_of(want_sel["encrypted_vote"])
            assert verify_range(h_e, k, sel.ciphertext, sel.proof, 1)
        total = Ciphertext(
            G.product([s.ciphertext.pad for s in contest.selections]),
            G.product([s.ciphertext.data for s in contest.selections]),
        )
        assert verify_range(h_e, k, total, contest.proof, contest.votes_allowed)
        data = want["encrypted_contest_data"]
        assert contest.contest_data.c0 == G.element_p(int(data["c0"], 16))
        assert contest.contest_data.c1.hex().upper() == data["c1"]
        assert contest.contest_data.c2.hex() == data["c2"]


def test_recorded_proofs_in_the_vector_verify(recorded: dict[str, Any]) -> None:
    """egk's own proofs of the recorded ballot check with our verifier of eq. 46 and 56."""
    ctx = context_of(recorded)
    for want in recorded["expected_recorded_ballot"]["contests"]:
        cts = [ciphertext_of(s["encrypted_vote"]) for s in want["selections"]]
        for ct, s in zip(cts, want["selections"]):
            assert verify_range(ctx.extended_base_hash, ctx.joint_public_key, ct, range_proof_from_json(s["proof"]), 1)
        total = Ciphertext(G.product([c.pad for c in cts]), G.product([c.data for c in cts]))
        proof = range_proof_from_json(want["proof"])
        assert verify_range(ctx.extended_base_hash, ctx.joint_public_key, total, proof, want["votes_allowed"])


def test_index_form_changes_only_the_hashes_it_covers(preencryption: dict[str, Any]) -> None:
    ctx = context_of(preencryption)
    expected = preencryption["preencrypted_ballot"]
    args = (ctx, manifest_from_json(preencryption["manifest"]), "ballot_id", "ballotStyle")
    xi = UInt256.from_hex(preencryption["primary_nonce"])
    label = preencrypt_ballot(*args, xi)
    index = preencrypt_ballot(*args, xi, form=IdForm.INDEX)
    assert [s.selection_hash for s in label.contests[0].selections] == [
        s.selection_hash for s in index.contests[0].selections
    ]
    assert index.contests[0].contest_hash != label.contests[0].contest_hash
    assert label.confirmation_code.hex() == expected["expected_confirmationCode"]
