"""Selection encryptions and range proofs reproduce egk's BallotEncryption vector bit for bit."""

from engine.elgamal import Ciphertext, encrypt
from engine.group import PRODUCTION_GROUP as G
from engine.hash import UInt256, hash_elems
from engine.proofs import RangeProof, prove_range, verify_range
from tests.support.egk_data import vector


def q_of(hexstr: str):
    return G.element_q(int(hexstr, 16))


def p_of(hexstr: str):
    return G.element_p(int(hexstr, 16))


def test_selection_nonces_encryptions_and_proofs_match_egk():
    tv = vector("BallotEncryptionTestVector")
    k = p_of(tv["joint_public_key"])
    h_e = UInt256.from_hex(tv["extended_base_hash"])
    checked = 0
    for ballot, expected in zip(tv["ballots"], tv["expected_encrypted_ballots"]):
        ballot_nonce = UInt256.from_hex(expected["ballotNonce"])
        for contest, exp_contest in zip(ballot["contests"], expected["contests"]):
            for sel, exp_sel in zip(contest["selections"], exp_contest["selections"]):
                # eq. 25 in the form of this (older) egk vector: raw label bytes for ind_c, ind_o
                nonce = hash_elems(
                    h_e, 0x20, ballot_nonce, contest["contest_id"].encode(), sel["selection_id"].encode()
                ).to_q(G)
                assert nonce == q_of(exp_sel["expected_selection_nonce"])
                ct = encrypt(sel["vote"], nonce, k)
                assert ct == Ciphertext(
                    p_of(exp_sel["expected_encrypted_vote"]["pad"]),
                    p_of(exp_sel["expected_encrypted_vote"]["data"]),
                )
                steps = exp_sel["expected_proof"]["proofs"]
                proof = prove_range(
                    h_e,
                    k,
                    ct,
                    nonce,
                    sel["vote"],
                    1,
                    u=[q_of(s["u_nonce"]) for s in steps],
                    c=[q_of(s["c_nonce"]) for s in steps],
                )
                assert proof == RangeProof(
                    tuple(q_of(s["expected_challenge"]) for s in steps),
                    tuple(q_of(s["expected_response"]) for s in steps),
                )
                assert verify_range(h_e, k, ct, proof, 1)
                checked += 1
    assert checked >= 3
