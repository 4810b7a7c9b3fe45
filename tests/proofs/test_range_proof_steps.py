"""The steps of a range proof (range_randomness, the exponents, finish_range_proof), which encrypt_ballot runs
with one batch of exponentiations per contest: the same proof as prove_range_committed, the same errors."""

from __future__ import annotations

import pytest

from engine.elgamal import encrypt
from engine.errors import ProofError
from engine.group import PRODUCTION_GROUP, TEST_GROUP
from engine.hash import UInt256
from engine.proofs.range_proof import (
    encryption_commitment_exponents,
    finish_range_proof,
    prove_range_committed,
    range_commitment_exponents,
    range_randomness,
)

H_E = UInt256(bytes(range(32)))


@pytest.mark.parametrize("group", [TEST_GROUP, PRODUCTION_GROUP], ids=lambda g: g.name)
@pytest.mark.parametrize("limit", [1, 3])
def test_the_exponents_of_beta_and_b_j_for_every_vote_and_edge_nonce(group, limit):
    q = int(group.q)
    us, cs = range_randomness(group, limit)
    for xi in (group.element_q(0), group.element_q(1), group.element_q(q - 1), group.random_q()):
        for vote in range(limit + 1):
            exponents = encryption_commitment_exponents(xi, vote, us, cs)
            assert exponents[0] == (int(xi) + vote) % q
            assert exponents[1:] == range_commitment_exponents(us, cs, vote)
            assert exponents[1:] == [(int(u) + (vote - j) * int(c)) % q for j, (u, c) in enumerate(zip(us, cs))]


@pytest.mark.parametrize("limit", [1, 2])
def test_finishing_with_the_commitments_is_prove_range_committed(limit):
    group = TEST_GROUP
    key = group.g_pow(group.random_nonzero_q())
    for vote in range(limit + 1):
        xi = group.random_q()
        ciphertext = encrypt(vote, xi, key)
        us, cs = range_randomness(group, limit)
        ks = encryption_commitment_exponents(xi, vote, us, cs)
        assert group.k_pow(key, ks[0]) == ciphertext.data
        a = [group.g_pow(u).value for u in us]
        b = [group.k_pow(key, t).value for t in ks[1:]]
        finished = finish_range_proof(H_E, key, ciphertext, xi, vote, us, cs, a, b)
        assert finished == prove_range_committed(H_E, key, ciphertext, xi, vote, limit, u=us, c=cs)


def test_bad_steps_are_refused():
    group = TEST_GROUP
    key = group.g_pow(group.random_nonzero_q())
    xi = group.random_q()
    ciphertext = encrypt(1, xi, key)
    us, cs = range_randomness(group, 1)
    a = [group.g_pow(u).value for u in us]
    with pytest.raises(ProofError, match="limit \\+ 1"):
        range_randomness(group, 2, us, cs)
    with pytest.raises(ProofError, match="nonce's group"):
        range_randomness(PRODUCTION_GROUP, 1, us, cs)
    with pytest.raises(ProofError, match="one u_j, c_j, a_j and b_j"):
        finish_range_proof(H_E, key, ciphertext, xi, 1, us, cs, a, a[:1])
    with pytest.raises(ProofError, match="one u_j, c_j, a_j and b_j"):
        finish_range_proof(H_E, key, ciphertext, xi, 2, us, cs, a, a)
