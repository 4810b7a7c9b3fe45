"""Proofs: completeness and soundness against any single changed value (TEST_GROUP)."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.elgamal import Ciphertext, KeyPair, encrypt, partial_decrypt
from engine.errors import ProofError
from engine.group import TEST_GROUP
from engine.hash import UInt256
from engine.proofs import (
    DecryptionProof,
    RangeProof,
    SchnorrProof,
    prove_coefficient,
    prove_decryption,
    prove_range,
    verify_coefficient,
    verify_decryption,
    verify_range,
)

G = TEST_GROUP
KEYS = KeyPair.generate(G)
H = UInt256(bytes(range(32)))
nonces = st.integers(1, int(G.q) - 1).map(G.element_q)


@st.composite
def range_cases(draw):
    limit = draw(st.integers(1, 4))
    value = draw(st.integers(0, limit))
    return limit, value, draw(nonces)


@settings(max_examples=30, deadline=None)
@given(range_cases(), st.data())
def test_range_proof_complete_and_sound(case, data):
    limit, value, nonce = case
    ct = encrypt(value, nonce, KEYS.public)
    proof = prove_range(H, KEYS.public, ct, nonce, value, limit)
    assert verify_range(H, KEYS.public, ct, proof, limit)
    # any single changed component makes it fail
    j = data.draw(st.integers(0, limit))
    delta = data.draw(st.integers(1, int(G.q) - 1))
    bad_c = list(proof.challenges)
    bad_c[j] = bad_c[j] + delta
    bad_v = list(proof.responses)
    bad_v[j] = bad_v[j] + delta
    assert not verify_range(H, KEYS.public, ct, RangeProof(tuple(bad_c), proof.responses), limit)
    assert not verify_range(H, KEYS.public, ct, RangeProof(proof.challenges, tuple(bad_v)), limit)
    other = encrypt(value, nonce + 1, KEYS.public)
    assert not verify_range(H, KEYS.public, Ciphertext(ct.pad, other.data), proof, limit)
    assert not verify_range(H, KEYS.public, Ciphertext(other.pad, ct.data), proof, limit)
    assert not verify_range(UInt256(bytes(32)), KEYS.public, ct, proof, limit)
    assert not verify_range(H, KEYS.public, ct, proof, limit + 1)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 5), nonces)
def test_range_proof_cannot_prove_a_value_beyond_the_limit(value, nonce):
    ct = encrypt(value, nonce, KEYS.public)
    with pytest.raises(ProofError):
        prove_range(H, KEYS.public, ct, nonce, value, 1)
    # a proof made for 0..1 by lying about the value does not verify
    forged = prove_range(H, KEYS.public, ct, nonce, 1, 1)
    assert not verify_range(H, KEYS.public, ct, forged, 1)


@settings(max_examples=30, deadline=None)
@given(nonces, st.integers(1, 5), st.integers(0, 4), st.integers(1, int(G.q) - 1))
def test_schnorr_complete_and_sound(secret, i, j, delta):
    proof = prove_coefficient(H, i, j, secret)
    assert proof.public_key == G.g_pow(secret)
    assert verify_coefficient(H, i, j, proof)
    assert not verify_coefficient(H, i + 1, j, proof)
    assert not verify_coefficient(H, i, j + 1, proof)
    assert not verify_coefficient(H, i, j, dataclasses.replace(proof, response=proof.response + delta))
    assert not verify_coefficient(H, i, j, dataclasses.replace(proof, challenge=proof.challenge + delta))
    assert not verify_coefficient(H, i, j, dataclasses.replace(proof, public_key=proof.public_key * G.generator))
    assert isinstance(proof, SchnorrProof)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 3), nonces, st.integers(1, int(G.q) - 1))
def test_decryption_proof_complete_and_sound(vote, nonce, delta):
    ct = encrypt(vote, nonce, KEYS.public)
    m = partial_decrypt(ct, KEYS.secret)
    proof = prove_decryption(H, KEYS.public, ct, KEYS.secret, m)
    assert verify_decryption(H, KEYS.public, ct, m, proof)
    assert not verify_decryption(H, KEYS.public, ct, m * G.generator, proof)
    assert not verify_decryption(H, KEYS.public, ct, m, DecryptionProof(proof.challenge + delta, proof.response))
    assert not verify_decryption(H, KEYS.public, ct, m, DecryptionProof(proof.challenge, proof.response + delta))
    assert not verify_decryption(H, KEYS.public, Ciphertext(ct.pad, ct.data * G.generator), m, proof)
