"""Exponential ElGamal, spec 2.0.0 section 3.3.1: homomorphism and decryption."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.elgamal import (
    Ciphertext,
    KeyPair,
    add_all,
    decrypt_with_nonce,
    decrypt_with_secret,
    encrypt,
    exponent_of,
)
from engine.errors import DecryptionError, GroupError
from engine.group import PRODUCTION_GROUP, TEST_GROUP

G = TEST_GROUP
KEYS = KeyPair.generate(G)
nonces = st.integers(0, int(G.q) - 1).map(G.element_q)


@given(st.lists(st.tuples(st.integers(0, 50), nonces), min_size=1, max_size=8))
def test_sum_of_encryptions_encrypts_the_sum(votes):
    cts = [encrypt(v, n, KEYS.public) for v, n in votes]
    total = add_all(cts, G)
    nonce_sum = sum((n for _, n in votes[1:]), votes[0][1])
    assert total == encrypt(sum(v for v, _ in votes), nonce_sum, KEYS.public)
    assert decrypt_with_secret(total, KEYS.secret, KEYS.public, 50 * len(votes)) == sum(v for v, _ in votes)


@given(st.integers(0, 1000), nonces)
def test_encryption_is_g_xi_and_k_to_the_sigma_plus_xi(vote, nonce):
    ct = encrypt(vote, nonce, KEYS.public)
    assert ct.pad == G.g_pow(nonce)
    assert ct.data == KEYS.public ** ((int(nonce) + vote) % int(G.q))
    assert decrypt_with_nonce(ct, nonce, KEYS.public, 1000) == vote


def test_add_all_of_nothing_is_the_trivial_encryption_of_zero():
    assert add_all([], G) == Ciphertext(G.one, G.one)


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 10**8))
def test_discrete_log_reaches_10_to_the_8(t):
    k = KEYS.public
    assert exponent_of(k**t, k, 10**8) == t


def test_discrete_log_beyond_the_bound_is_an_error():
    k = KEYS.public
    with pytest.raises(DecryptionError):
        exponent_of(k**1001, k, 1000)


def test_bad_plaintexts_and_keys_are_refused():
    with pytest.raises(GroupError):
        encrypt(-1, G.element_q(1), KEYS.public)
    with pytest.raises(GroupError):
        KeyPair.from_secret(G.element_q(0))
    with pytest.raises(DecryptionError):
        decrypt_with_nonce(encrypt(1, G.element_q(5), KEYS.public), G.element_q(6), KEYS.public, 10)


def test_production_round_trip():
    keys = KeyPair.generate(PRODUCTION_GROUP)
    ct = encrypt(3, PRODUCTION_GROUP.random_q(), keys.public) + encrypt(4, PRODUCTION_GROUP.random_q(), keys.public)
    assert decrypt_with_secret(ct, keys.secret, keys.public, 10) == 7
