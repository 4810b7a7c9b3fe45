"""The Schnorr and range proofs inside egk's three records verify with our proof code."""

import json

import pytest

from engine.elgamal import Ciphertext
from engine.group import PRODUCTION_GROUP as G
from engine.hash import UInt256, parameter_base_hash
from engine.proofs import RangeProof, SchnorrProof, verify_coefficient, verify_range
from tests.support.egk_data import WORKFLOWS, workflow


def _q(h):
    return G.element_q(int(h, 16))


def _p(h):
    return G.element_p(int(h, 16))


@pytest.mark.parametrize("name", WORKFLOWS)
def test_guardian_coefficient_proofs_verify(name):
    init = json.loads((workflow(name) / "election_initialized.json").read_text())
    h_p = parameter_base_hash(G)
    count = 0
    for guardian in init["guardians"]:
        for j, p in enumerate(guardian["coefficient_proofs"]):
            proof = SchnorrProof(_p(p["public_key"]), _q(p["challenge"]), _q(p["response"]))
            assert verify_coefficient(h_p, guardian["x_coordinate"], j, proof)
            assert not verify_coefficient(h_p, guardian["x_coordinate"] + 1, j, proof)
            count += 1
    assert count >= 6


def _range(node):
    steps = node["proofs"]
    return RangeProof(tuple(_q(s["challenge"]) for s in steps), tuple(_q(s["response"]) for s in steps))


def test_range_proofs_of_one_egk_ballot_verify():
    folder = workflow("chainedJson")
    init = json.loads((folder / "election_initialized.json").read_text())
    k = _p(init["joint_public_key"])
    h_e = UInt256.from_hex(init["extended_base_hash"])
    ballot_file = next((folder / "encrypted_ballots").glob("*/eballot-*.json"))
    ballot = json.loads(ballot_file.read_text())
    for contest in ballot["contests"]:
        cts = []
        for sel in contest["selections"]:
            ct = Ciphertext(_p(sel["encrypted_vote"]["pad"]), _p(sel["encrypted_vote"]["data"]))
            assert verify_range(h_e, k, ct, _range(sel["proof"]), 1)
            cts.append(ct)
        total = cts[0]
        for ct in cts[1:]:
            total = total + ct
        assert verify_range(h_e, k, total, _range(contest["proof"]), contest["votes_allowed"])
