"""Verifiable decryption (spec 3.6) against egk: its decryption test vectors and its three records.

What is compared bit for bit: tallies t, T = B M^-1 (b_over_m), contest data and beta. The egk
vectors carry no guardian nonces u_i, so proofs cannot be compared bit for bit; instead ours
must verify, and egk's stored proofs must verify with our verifiers.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from engine.decrypt import (
    DecryptionContext,
    decrypt_challenged_ballot,
    decrypt_items,
    decrypt_tally,
    tally_value,
)
from engine.election import BallotState, ContestData, GuardianRecord
from engine.elgamal import Ciphertext
from engine.errors import DecryptionError
from engine.group import PRODUCTION_GROUP as G
from engine.hash import UInt256
from engine.proofs import DecryptionProof, SchnorrProof, verify_contest_data_decryption, verify_decryption
from tests.support.egk_data import WORKFLOWS, vector, workflow
from tests.support.egk_objects import (
    egk_ballot,
    egk_ciphertext,
    egk_election_initialized,
    egk_encrypted_tally,
    egk_hashed_ciphertext,
    egk_p,
    egk_q,
    egk_trustee,
    egk_workflow_ballots,
)

# The guardians egk's workflow generator had present when it decrypted each record (its
# RunWorkflow test: "present = listOf(1, 2, 5)" for someAvailableJson); the record itself does
# not say. Any other quorum gives the same t and T, only the proofs' randomness differs.
PRESENT = {"allAvailableJson": (1, 2, 3), "someAvailableJson": (1, 2, 5), "chainedJson": (1, 2, 3)}


def _proof(node: dict[str, str]) -> DecryptionProof:
    return DecryptionProof(egk_q(node["challenge"]), egk_q(node["response"]))


def _vector_context(tv: dict[str, Any]) -> DecryptionContext:
    """Guardian records from the vector's polynomial coefficients: K_j,m = g^a_j,m."""
    guardians = tuple(
        GuardianRecord(
            t["id"],
            t["xCoordinate"],
            tuple(
                SchnorrProof(G.g_pow(egk_q(a)), G.element_q(0), G.element_q(0)) for a in t["polynomial_coefficients"]
            ),
        )
        for t in tv["trustees"]
    )
    k = egk_p(tv["joint_public_key"])
    assert G.product([g.public_key for g in guardians]) == k
    return DecryptionContext(k, UInt256.from_hex(tv["extended_base_hash"]), guardians, len(guardians[0].commitments))


@pytest.mark.parametrize(
    ("name", "present"),
    [("TallyDecryptionTestVector", (1, 2, 3)), ("TallyPartialDecryptionTestVector", (2, 3, 4))],
)
def test_tally_decryption_vectors(name, present):
    """egk writes each trustee's flag "missing" as the opposite of its name (present = true):
    guardian1 is the one left out of the partial decryption."""
    tv = vector(name)
    context = _vector_context(tv)
    trustees = [egk_trustee(t) for t in tv["trustees"] if t["missing"]]
    assert tuple(t.x_coordinate for t in trustees) == present
    selections = [s for c in tv["encrypted_tally"]["contests"] for s in c["selections"]]
    items = [egk_ciphertext(s["encrypted_vote"]) for s in selections]
    expected = [
        s["expected_decrypted_vote"] for c in tv["expected_decrypted_tally"]["contests"] for s in c["selections"]
    ]
    decryptions = decrypt_items(context, trustees, items)
    bound = len(tv["encrypted_tally"]["cast_ballot_ids"])
    got = [tally_value(d.item, d.value, context.public_key, bound, "vector")[1] for d in decryptions]
    assert got == expected
    for d in decryptions:
        assert verify_decryption(context.extended_base_hash, context.public_key, d.item, d.value, d.proof)


def test_decrypt_ballot_vector():
    """All four guardians (quorum 4; the vector marks none as present). egk decrypts this CAST
    ballot as a test; we decrypt only challenged ballots, so it is presented as SPOILED."""
    tv = vector("DecryptBallotTestVector")
    context = _vector_context(tv)
    trustees = [egk_trustee(t) for t in tv["trustees"]]
    h_e, k = context.extended_base_hash, context.public_key
    node = {**tv["encrypted_ballot"], "election_id": tv["extended_base_hash"]}
    ballot = dataclasses.replace(egk_ballot(node), state=BallotState.SPOILED)
    init = _init_for(context)
    decrypted = decrypt_challenged_ballot(init, trustees, ballot)
    _assert_matches_egk_decryption(decrypted, tv["expected_decrypted_ballot"], h_e, k)
    assert decrypted.id == ballot.ballot_id


def _init_for(context: DecryptionContext):
    """An ElectionInitialized around a vector's context (its config values are not used)."""
    init = egk_election_initialized(workflow("allAvailableJson"))
    config = dataclasses.replace(init.config, quorum=context.quorum, number_of_guardians=len(context.guardians))
    return dataclasses.replace(
        init,
        config=config,
        joint_public_key=context.public_key,
        extended_base_hash=context.extended_base_hash,
        guardians=context.guardians,
    )


def _assert_matches_egk_decryption(decrypted, expected: dict[str, Any], h_e: UInt256, k) -> None:
    """Values equal egk's; our proofs and egk's stored proofs all verify."""
    assert len(decrypted.contests) == len(expected["contests"])
    for contest, exp_contest in zip(decrypted.contests, expected["contests"]):
        assert contest.contest_id == exp_contest["contest_id"]
        assert len(contest.selections) == len(exp_contest["selections"])
        for s, exp in zip(contest.selections, exp_contest["selections"]):
            assert s.selection_id == exp["selection_id"]
            assert s.tally == exp["tally"]
            assert s.b_over_m == egk_p(exp["b_over_m"])
            assert s.ciphertext == egk_ciphertext(exp["encrypted_vote"])
            m = s.ciphertext.data / s.b_over_m
            assert verify_decryption(h_e, k, s.ciphertext, m, s.proof)
            assert verify_decryption(h_e, k, s.ciphertext, m, _proof(exp["proof"]))
        exp_data = exp_contest.get("decrypted_contest_data")
        if exp_data is None:
            assert contest.decrypted_contest_data is None
            continue
        data = contest.decrypted_contest_data
        assert data is not None
        cd = exp_data["contest_data"]
        assert data.contest_data == ContestData(tuple(cd["over_votes"]), tuple(cd["write_ins"]), cd["status"])
        assert data.encrypted_contest_data == egk_hashed_ciphertext(exp_data["encrypted_contest_data"])
        assert data.beta == egk_p(exp_data["beta"])
        assert verify_contest_data_decryption(h_e, k, data.encrypted_contest_data, data.beta, data.proof)
        assert verify_contest_data_decryption(h_e, k, data.encrypted_contest_data, data.beta, _proof(exp_data["proof"]))


def _trustees(name: str):
    folder = workflow(name) / "private_data" / "trustees"
    trustees = [egk_trustee(json.loads(f.read_text())) for f in sorted(folder.glob("decryptingTrustee-*.json"))]
    return [t for t in trustees if t.x_coordinate in PRESENT[name]]


@pytest.mark.parametrize("name", WORKFLOWS)
def test_egk_record_tally_decrypts_to_its_tally_json(name):
    folder = workflow(name)
    init = egk_election_initialized(folder)
    encrypted = egk_encrypted_tally(json.loads((folder / "encrypted_tally.json").read_text()))
    expected = json.loads((folder / "tally.json").read_text())
    decrypted = decrypt_tally(init, _trustees(name), encrypted)
    assert decrypted.id == expected["id"] == encrypted.tally_id
    assert decrypted.election_id == UInt256.from_hex(expected["election_id"])
    _assert_matches_egk_decryption(decrypted, expected, init.extended_base_hash, init.joint_public_key)


@pytest.mark.parametrize("ballot_id", ["id-3", "id-6", "id-9"])
def test_chained_record_challenged_ballots(ballot_id):
    folder = workflow("chainedJson")
    init = egk_election_initialized(folder)
    ballot = next(b for b in egk_workflow_ballots(folder) if b.ballot_id == ballot_id)
    expected = json.loads((folder / "challenged_ballots" / f"dballot-{ballot_id}.json").read_text())
    decrypted = decrypt_challenged_ballot(init, _trustees("chainedJson"), ballot)
    assert decrypted.id == expected["id"]
    _assert_matches_egk_decryption(decrypted, expected, init.extended_base_hash, init.joint_public_key)


def test_challenged_ballot_tallies_agree_with_the_plaintext_ballots():
    folder = workflow("chainedJson")
    init = egk_election_initialized(folder)
    ballot = next(b for b in egk_workflow_ballots(folder) if b.ballot_id == "id-6")
    plain = json.loads((folder / "private_data" / "input" / "pballot-id-6.json").read_text())
    votes = {(c["contest_id"], s["selection_id"]): s["vote"] for c in plain["contests"] for s in c["selections"]}
    first = ballot.contests[0]
    one_contest = dataclasses.replace(ballot, contests=(first,))
    decrypted = decrypt_challenged_ballot(init, _trustees("chainedJson"), one_contest)
    for s in decrypted.contests[0].selections:
        assert s.tally == votes.get((first.contest_id, s.selection_id), 0)


def test_a_cast_egk_ballot_is_refused():
    folder = workflow("chainedJson")
    init = egk_election_initialized(folder)
    cast = next(b for b in egk_workflow_ballots(folder) if b.state is BallotState.CAST)
    with pytest.raises(DecryptionError, match="not challenged"):
        decrypt_challenged_ballot(init, _trustees("chainedJson"), cast)


def test_egk_stored_tally_proofs_fail_on_a_wrong_value():
    """The KAT's verification is not vacuous: egk's proof does not verify for another M."""
    folder = workflow("allAvailableJson")
    init = egk_election_initialized(folder)
    sel = json.loads((folder / "tally.json").read_text())["contests"][0]["selections"][0]
    ct: Ciphertext = egk_ciphertext(sel["encrypted_vote"])
    m = ct.data / egk_p(sel["b_over_m"])
    proof = _proof(sel["proof"])
    h_e, k = init.extended_base_hash, init.joint_public_key
    assert verify_decryption(h_e, k, ct, m, proof)
    assert not verify_decryption(h_e, k, ct, m * G.generator, proof)
