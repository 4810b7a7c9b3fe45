"""Ballot encryption, confirmation codes and chaining against egk's vectors and records, bit for bit.

The JSON is read here with the json module (the record layer is separate); the small readers
below map egk's layout to engine values for these tests only.
"""

from __future__ import annotations

import glob
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from engine.ballot import (
    BallotChainer,
    IdForm,
    ProofRandomness,
    confirmation_code,
    contest_hash,
    decrypt_ballot_with_nonce,
    encrypt_ballot,
    make_ballot_chain,
    selection_nonce,
    validate_plaintext_ballot,
)
from engine.contest_data import (
    contest_data_nonce,
    decrypt_contest_data,
    decrypt_contest_data_bytes,
    pad_contest_data,
)
from engine.election import (
    BallotState,
    ContestData,
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    HashedCiphertext,
    PlaintextBallot,
    PlaintextContest,
    PlaintextSelection,
)
from engine.elgamal import Ciphertext, decrypt_with_secret
from engine.group import PRODUCTION_GROUP as G
from engine.group import ElementModP, ElementModQ
from engine.hash import UInt256
from engine.manifest import (
    BallotStyle,
    ContestDescription,
    Manifest,
    SelectionDescription,
    validate_manifest,
)
from engine.proofs import RangeProof, verify_range
from tests.support.egk_data import WORKFLOWS, vector, workflow

# ---------------------------------------------------------------- egk JSON -> engine values


def p_of(text: str) -> ElementModP:
    return G.element_p(int(text, 16))


def q_of(text: str) -> ElementModQ:
    return G.element_q(int(text, 16))


def signed_bytes(values: list[int]) -> bytes:
    return bytes(b & 0xFF for b in values)


def manifest_from_json(d: dict[str, Any]) -> Manifest:
    return Manifest(
        election_scope_id=d["election_scope_id"],
        spec_version=d["spec_version"],
        type=d["type"],
        start_date=d["start_date"],
        end_date=d["end_date"],
        geopolitical_unit_ids=tuple(g["object_id"] for g in d["geopolitical_units"]),
        contests=tuple(
            ContestDescription(
                object_id=c["object_id"],
                sequence_order=c["sequence_order"],
                electoral_district_id=c["electoral_district_id"],
                vote_variation=c["vote_variation"],
                number_elected=c["number_elected"],
                votes_allowed=c["votes_allowed"],
                name=c["name"],
                ballot_selections=tuple(
                    SelectionDescription(s["object_id"], s["sequence_order"], s["candidate_id"])
                    for s in c["ballot_selections"]
                ),
                ballot_title=c.get("ballot_title"),
                ballot_subtitle=c.get("ballot_subtitle"),
            )
            for c in d["contests"]
        ),
        ballot_styles=tuple(
            BallotStyle(
                s["object_id"],
                tuple(s["geopolitical_unit_ids"]),
                tuple(s.get("party_ids") or ()),
                s.get("image_url"),
            )
            for s in d["ballot_styles"]
        ),
        candidate_ids=tuple(c["object_id"] for c in d.get("candidates", ())),
    )


def manifest_for_vector_ballots(ballots: list[dict[str, Any]]) -> Manifest:
    """The one-style manifest the test-vector ballots imply (their contests carry votes_allowed)."""
    contests: dict[str, ContestDescription] = {}
    for b in ballots:
        for c in b["contests"]:
            contests.setdefault(
                c["contest_id"],
                ContestDescription(
                    object_id=c["contest_id"],
                    sequence_order=c["sequence_order"],
                    electoral_district_id="district",
                    vote_variation="one_of_m",
                    number_elected=1,
                    votes_allowed=c["votes_allowed"],
                    name=c["contest_id"],
                    ballot_selections=tuple(
                        SelectionDescription(s["selection_id"], s["sequence_order"], s["selection_id"])
                        for s in c["selections"]
                    ),
                ),
            )
    style = ballots[0]["ballot_style"]
    return validate_manifest(
        Manifest("vector", "v2.0.0", "general", "start", "end", ("district",), tuple(contests.values()),
                 (BallotStyle(style, ("district",)),))
    )  # fmt: skip


def plaintext_from_json(d: dict[str, Any]) -> PlaintextBallot:
    return PlaintextBallot(
        ballot_id=d["ballot_id"],
        ballot_style=d["ballot_style"],
        contests=tuple(
            PlaintextContest(
                c["contest_id"],
                c["sequence_order"],
                tuple(PlaintextSelection(s["selection_id"], s["sequence_order"], s["vote"]) for s in c["selections"]),
                tuple(c.get("write_ins") or ()),
            )
            for c in d["contests"]
        ),
        sn=d.get("sn"),
    )


def ciphertext_from_json(d: dict[str, str]) -> Ciphertext:
    return Ciphertext(p_of(d["pad"]), p_of(d["data"]))


def range_proof_from_json(d: dict[str, Any]) -> RangeProof:
    return RangeProof(tuple(q_of(p["challenge"]) for p in d["proofs"]), tuple(q_of(p["response"]) for p in d["proofs"]))


def hashed_from_json(d: dict[str, Any]) -> HashedCiphertext:
    return HashedCiphertext(p_of(d["c0"]), bytes.fromhex(d["c1"]), UInt256.from_hex(d["c2"]), d["numBytes"])


def eballot_from_json(d: dict[str, Any]) -> EncryptedBallot:
    return EncryptedBallot(
        ballot_id=d["ballot_id"],
        ballot_style_id=d["ballot_style_id"],
        encrypting_device=d["encrypting_device"],
        timestamp=d["timestamp"],
        code_baux=bytes.fromhex(d["code_baux"]),
        confirmation_code=UInt256.from_hex(d["confirmation_code"]),
        election_id=UInt256.from_hex(d.get("election_id") or "00" * 32),
        contests=tuple(
            EncryptedContest(
                contest_id=c["contest_id"],
                sequence_order=c["sequence_order"],
                votes_allowed=c["votes_allowed"],
                contest_hash=UInt256.from_hex(c["contest_hash"]),
                selections=tuple(
                    EncryptedSelection(
                        s["selection_id"],
                        s["sequence_order"],
                        ciphertext_from_json(s["encrypted_vote"]),
                        range_proof_from_json(s["proof"]),
                    )
                    for s in c["selections"]
                ),
                proof=range_proof_from_json(c["proof"]),
                contest_data=hashed_from_json(c["encrypted_contest_data"]),
            )
            for c in d["contests"]
        ),
        state=BallotState(d["state"]),
        encrypted_sn=ciphertext_from_json(d["encrypted_sn"]) if d.get("encrypted_sn") else None,
    )


def contest_data_from_json(d: dict[str, Any]) -> ContestData:
    return ContestData(tuple(d["over_votes"]), tuple(d["write_ins"]), d["status"])


class Record:
    """One egk workflow record, read lazily."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.root: Path = workflow(name)
        self.config = self._json("election_config.json")
        init = self._json("election_initialized.json")
        self.h_e = UInt256.from_hex(init["extended_base_hash"])
        self.k = p_of(init["joint_public_key"])
        self.manifest = manifest_from_json(self._json("manifest.json"))
        self.baux0 = signed_bytes(self.config["baux0"])
        self.eballot_json = {
            (d := json.loads(Path(f).read_text()))["ballot_id"]: d
            for f in sorted(glob.glob(str(self.root / "encrypted_ballots" / "*" / "eballot-*.json")))
        }
        self.plaintexts = {
            (d := json.loads(Path(f).read_text()))["ballot_id"]: plaintext_from_json(d)
            for f in sorted(glob.glob(str(self.root / "private_data" / "input" / "pballot-*.json")))
        }

    def _json(self, rel: str) -> Any:
        return json.loads((self.root / rel).read_text())

    @property
    def joint_secret(self) -> ElementModQ:
        """s = sum of every guardian's a_i,0 (all trustees' secrets are in private_data)."""
        files = sorted(glob.glob(str(self.root / "private_data" / "trustees" / "decryptingTrustee-*.json")))
        s = G.reduce_q(sum(int(json.loads(Path(f).read_text())["polynomial_coefficients"][0], 16) for f in files))
        assert G.g_pow(s) == self.k
        return s

    def challenged(self) -> dict[str, Any]:
        files = sorted(glob.glob(str(self.root / "challenged_ballots" / "dballot-*.json")))
        return {(d := json.loads(Path(f).read_text()))["id"]: d for f in files}


@cache
def record(name: str) -> Record:
    return Record(name)


# ---------------------------------------------------------------- test vectors


def test_ballot_encryption_vector_bit_for_bit():
    tv = vector("BallotEncryptionTestVector")
    k = p_of(tv["joint_public_key"])
    h_e = UInt256.from_hex(tv["extended_base_hash"])
    manifest = manifest_for_vector_ballots(tv["ballots"])
    checked = 0
    for b, expected in zip(tv["ballots"], tv["expected_encrypted_ballots"], strict=True):
        assert b["ballot_id"] == expected["ballotId"]
        ballot_nonce = UInt256.from_hex(expected["ballotNonce"])
        randomness = ProofRandomness(
            selections={
                (ec["contestId"], es["selectionId"]): (
                    [q_of(s["u_nonce"]) for s in es["expected_proof"]["proofs"]],
                    [q_of(s["c_nonce"]) for s in es["expected_proof"]["proofs"]],
                )
                for ec in expected["contests"]
                for es in ec["selections"]
            },
            contests={
                ec["contestId"]: (
                    [q_of(s["u_nonce"]) for s in ec["expected_proof"]["proofs"]],
                    [q_of(s["c_nonce"]) for s in ec["expected_proof"]["proofs"]],
                )
                for ec in expected["contests"]
            },
        )
        result = encrypt_ballot(
            manifest,
            (h_e, k),
            plaintext_from_json(b),
            device="device",
            ballot_nonce=ballot_nonce,
            form=IdForm.LABEL,
            proof_randomness=randomness,
        )
        assert result.ballot_nonce == ballot_nonce
        ours = {c.contest_id: c for c in result.ballot.contests}
        for ec in expected["contests"]:
            contest = ours[ec["contestId"]]
            assert contest.sequence_order == ec["sequenceOrder"]
            steps = ec["expected_proof"]["proofs"]
            assert contest.proof == RangeProof(
                tuple(q_of(s["expected_challenge"]) for s in steps),
                tuple(q_of(s["expected_response"]) for s in steps),
            )
            selections = {s.selection_id: s for s in contest.selections}
            for es in ec["selections"]:
                nonce = selection_nonce(h_e, ballot_nonce, ec["contestId"], es["selectionId"], G)
                assert nonce == q_of(es["expected_selection_nonce"])
                sel = selections[es["selectionId"]]
                assert sel.sequence_order == es["sequenceOrder"]
                assert sel.ciphertext == ciphertext_from_json(es["expected_encrypted_vote"])
                steps = es["expected_proof"]["proofs"]
                assert sel.proof == RangeProof(
                    tuple(q_of(s["expected_challenge"]) for s in steps),
                    tuple(q_of(s["expected_response"]) for s in steps),
                )
                checked += 1
    assert checked >= 3


def test_confirmation_code_vector_bit_for_bit():
    tv = vector("ConfirmationCodeTestVector")
    k = p_of(tv["joint_public_key"])
    h_e = UInt256.from_hex(tv["extended_base_hash"])
    manifest = manifest_for_vector_ballots(tv["ballots"])
    for b, expected in zip(tv["ballots"], tv["expected_encrypted_ballots"], strict=True):
        code_baux = bytes.fromhex(expected["codeBaux"])
        result = encrypt_ballot(
            manifest,
            (h_e, k, G),
            plaintext_from_json(b),
            device="device",
            ballot_nonce=UInt256.from_hex(expected["ballotNonce"]),
            code_baux=code_baux,
            form=IdForm.LABEL,
        )
        hashes = {c.contest_id: c.contest_hash.hex() for c in result.ballot.contests}
        for ec in expected["contests"]:
            assert hashes[ec["contestId"]] == ec["expected_contestHash"]
        assert result.ballot.confirmation_code.hex() == expected["expected_confirmationCode"]
        assert result.ballot.code_baux == code_baux


def test_ballot_chaining_vector_bit_for_bit():
    """This egk version hashes b(sequence_order, 4) in eq. 25 and eq. 57: IdForm.INDEX."""
    tv = vector("BallotChainingTestVector")
    k = p_of(tv["joint_public_key"])
    h_e = UInt256.from_hex(tv["extended_base_hash"])
    manifest = manifest_for_vector_ballots(tv["ballots"])
    chain = BallotChainer.start(h_e, "device", signed_bytes(tv["configBaux0"]))
    for b, expected in zip(tv["ballots"], tv["expected_encrypted_ballots"], strict=True):
        code_baux = chain.next_code_baux()
        assert code_baux.hex().upper() == expected["codeBaux"]
        result = encrypt_ballot(
            manifest,
            (h_e, k),
            plaintext_from_json(b),
            device="device",
            ballot_nonce=UInt256.from_hex(expected["ballotNonce"]),
            code_baux=code_baux,
        )
        hashes = {c.contest_id: c.contest_hash.hex() for c in result.ballot.contests}
        for ec in expected["contests"]:
            assert hashes[ec["contestId"]] == ec["expected_contestHash"]
        assert result.ballot.confirmation_code.hex() == expected["expected_confirmationCode"]
        chain = chain.append(result.ballot)
    assert len(chain.ballot_ids) == len(tv["ballots"]) >= 2


def test_decrypt_with_nonce_vector():
    """Eq. 25 and eq. 50 in the LABEL form: the nonces reproduce every ciphertext and C0."""
    tv = vector("DecryptWithNonceTestVector")
    k = p_of(tv["joint_public_key"])
    h_e = UInt256.from_hex(tv["extended_base_hash"])
    expected = plaintext_from_json(tv["expected_decrypted_ballot"])
    manifest = manifest_for_vector_ballots(
        [{**tv["expected_decrypted_ballot"], "contests": [
            {**c, "votes_allowed": ec["votes_allowed"]}
            for c, ec in zip(tv["expected_decrypted_ballot"]["contests"], tv["encrypted_ballot"]["contests"])
        ]}]
    )  # fmt: skip
    eballot = eballot_from_json(tv["encrypted_ballot"])
    nonce = UInt256.from_hex(tv["primary_nonce"])
    for c in eballot.contests:
        assert G.g_pow(contest_data_nonce(h_e, nonce, c.contest_id, G)) == c.contest_data.c0
        assert contest_hash(h_e, c.contest_id, k, [s.ciphertext for s in c.selections]) == c.contest_hash
    assert confirmation_code(h_e, [c.contest_hash for c in eballot.contests], b"") == eballot.confirmation_code
    decrypted = decrypt_ballot_with_nonce(manifest, (h_e, k), eballot, nonce, form=IdForm.LABEL)
    assert decrypted == validate_plaintext_ballot(manifest, expected)


def test_decrypt_ballot_vector_contest_data():
    """The vector's beta decrypts the contest data to what it shows; s = sum of a_i,0 gives that beta."""
    tv = vector("DecryptBallotTestVector")
    k = p_of(tv["joint_public_key"])
    h_e = UInt256.from_hex(tv["extended_base_hash"])
    s = G.reduce_q(sum(int(t["polynomial_coefficients"][0], 16) for t in tv["trustees"]))
    assert G.g_pow(s) == k
    eballot = eballot_from_json(tv["encrypted_ballot"])
    for c, dc in zip(eballot.contests, tv["expected_decrypted_ballot"]["contests"], strict=True):
        shown = dc["decrypted_contest_data"]
        beta = p_of(shown["beta"])
        assert c.contest_data.c0.pow_secret(s) == beta
        assert decrypt_contest_data(c.contest_data, beta, h_e, k, c.contest_id) == contest_data_from_json(
            shown["contest_data"]
        )
        assert contest_hash(h_e, c.contest_id, k, [x.ciphertext for x in c.selections]) == c.contest_hash
        for sel, dsel in zip(c.selections, dc["selections"], strict=True):
            assert decrypt_with_secret(sel.ciphertext, s, k, 1) == dsel["tally"]
    assert confirmation_code(h_e, [c.contest_hash for c in eballot.contests], b"") == eballot.confirmation_code


# ---------------------------------------------------------------- the workflow records


@pytest.mark.parametrize("name", WORKFLOWS)
def test_record_contest_hashes_and_confirmation_codes(name):
    rec = record(name)
    assert len(rec.eballot_json) == 11
    for d in rec.eballot_json.values():
        ballot = eballot_from_json(d)
        assert ballot.election_id == rec.h_e
        for c in ballot.contests:
            ciphertexts = [s.ciphertext for s in c.selections]
            assert contest_hash(rec.h_e, c.sequence_order, rec.k, ciphertexts) == c.contest_hash
        hashes = [c.contest_hash for c in sorted(ballot.contests, key=lambda c: c.sequence_order)]
        assert confirmation_code(rec.h_e, hashes, ballot.code_baux) == ballot.confirmation_code
        if not rec.config["chain_confirmation_codes"]:
            assert ballot.code_baux == rec.baux0


def test_record_ballot_chain():
    rec = record("chainedJson")
    assert rec.config["chain_confirmation_codes"] is True
    chain_json = json.loads(next(rec.root.glob("encrypted_ballots/*/ballot_chain.json")).read_text())
    ballots = [eballot_from_json(rec.eballot_json[bid]) for bid in chain_json["ballot_ids"]]
    chain = BallotChainer.start(rec.h_e, chain_json["encrypting_device"], rec.baux0)
    for ballot in ballots:
        assert ballot.code_baux == chain.next_code_baux()
        chain = chain.append(ballot)
    closed = make_ballot_chain(rec.h_e, chain_json["encrypting_device"], rec.baux0, ballots)
    assert closed == chain.close()
    assert closed.baux0.hex().upper() == chain_json["baux0"]
    assert list(closed.ballot_ids) == chain_json["ballot_ids"]
    assert closed.last_confirmation_code.hex() == chain_json["last_confirmation_code"]
    assert closed.closing_hash is not None and closed.closing_hash.hex() == chain_json["closing_hash"]
    assert closed.chaining is chain_json["chaining"] is True


@pytest.mark.parametrize("name", WORKFLOWS)
def test_record_contest_data_decrypts_bit_for_bit(name):
    """Every contest's data decrypts with s; the bytes are exactly our encoding of the status
    that the plaintext ballot implies (and of what challenged_ballots/ shows)."""
    rec = record(name)
    s = rec.joint_secret
    challenged = rec.challenged()
    for bid, d in rec.eballot_json.items():
        ballot = eballot_from_json(d)
        plain = validate_plaintext_ballot(rec.manifest, rec.plaintexts[bid])
        votes = {c.contest_id: sum(x.vote for x in c.selections) for c in plain.contests}
        shown = {}
        if ballot.state is BallotState.SPOILED and name == "chainedJson":
            shown = {c["contest_id"]: c for c in challenged[bid]["contests"]}
        for c in ballot.contests:
            beta = c.contest_data.c0.pow_secret(s)
            raw = decrypt_contest_data_bytes(c.contest_data, beta, rec.h_e, rec.k, c.contest_id)
            data = decrypt_contest_data(c.contest_data, beta, rec.h_e, rec.k, c.contest_id)
            expected = ContestData((), (), "null_vote" if votes[c.contest_id] == 0 else "normal")
            assert data == expected
            assert raw == pad_contest_data(expected, c.votes_allowed)
            if c.contest_id in shown:
                dcd = shown[c.contest_id]["decrypted_contest_data"]
                assert data == contest_data_from_json(dcd["contest_data"])
                assert p_of(dcd["beta"]) == beta
    if name == "chainedJson":
        assert len(challenged) == 3


@pytest.mark.parametrize("name", WORKFLOWS)
def test_record_plaintext_encrypts_to_a_ballot_that_verifies(name):
    """egk's nonces are not in the record, so our encryption of its plaintext cannot equal egk's
    ballot; it must verify, decrypt back with s, and look like egk's (same shape, same lengths)."""
    rec = record(name)
    bid = sorted(rec.plaintexts)[0]
    plain = rec.plaintexts[bid]
    result = encrypt_ballot(rec.manifest, (rec.h_e, rec.k), plain, device="device", code_baux=rec.baux0, timestamp=1)
    ours, theirs = result.ballot, eballot_from_json(rec.eballot_json[bid])
    s = rec.joint_secret
    assert [c.contest_id for c in ours.contests] == [c.contest_id for c in theirs.contests]
    expected_votes = {
        (c.contest_id, x.selection_id): x.vote
        for c in validate_plaintext_ballot(rec.manifest, plain).contests
        for x in c.selections
    }
    for c, tc in zip(ours.contests, theirs.contests, strict=True):
        assert [x.selection_id for x in c.selections] == [x.selection_id for x in tc.selections]
        assert c.contest_data.num_bytes == tc.contest_data.num_bytes
        assert len(c.contest_data.c1) == len(tc.contest_data.c1)
        for sel in c.selections:
            assert verify_range(rec.h_e, rec.k, sel.ciphertext, sel.proof, 1)
            assert decrypt_with_secret(sel.ciphertext, s, rec.k, 1) == expected_votes[(c.contest_id, sel.selection_id)]
        total = Ciphertext(G.product([x.ciphertext.pad for x in c.selections]),
                           G.product([x.ciphertext.data for x in c.selections]))  # fmt: skip
        assert verify_range(rec.h_e, rec.k, total, c.proof, c.votes_allowed)
        assert contest_hash(rec.h_e, c.sequence_order, rec.k, [x.ciphertext for x in c.selections]) == c.contest_hash
    assert ours.encrypted_sn is not None and plain.sn is not None
    assert decrypt_with_secret(ours.encrypted_sn, s, rec.k, 1000) == plain.sn
    assert theirs.encrypted_sn is not None
    assert decrypt_with_secret(theirs.encrypted_sn, s, rec.k, 1000) == plain.sn
    assert decrypt_ballot_with_nonce(rec.manifest, (rec.h_e, rec.k), ours, result.ballot_nonce) == PlaintextBallot(
        plain.ballot_id, plain.ballot_style, validate_plaintext_ballot(rec.manifest, plain).contests
    )
