"""The selected backend (ENGINE_BACKEND) agrees with plain Python arithmetic on every operation.

`make test` runs the suite once per backend, so this file covers gmpy2 and native alike.
"""

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.backend import Backend, get_backend, load_backend
from engine.errors import BackendError
from engine.group import PRODUCTION_GROUP, TEST_GROUP

B = get_backend()
P, Q = int(TEST_GROUP.p), int(TEST_GROUP.q)
elements = st.integers(1, P - 1)
exponents = st.integers(0, 2**70)


def test_the_requested_backend_is_the_one_in_use():
    wanted = os.environ.get("ENGINE_BACKEND")
    if wanted:
        assert B.name == wanted


def test_the_backend_says_which_gmp_it_runs_on():
    where = "the system library|the copy in the gmpy2 wheel|linked into gmpy2"
    assert re.fullmatch(rf"GMP \d+\.\d+\.\d+ \(({where})\)", B.gmp_source)


@given(elements, exponents)
def test_powmod(b, e):
    assert B.powmod(b, e, P) == pow(b, e, P)


@given(elements, st.integers(0, 2**70 - 1), st.sampled_from([70, 100, 128, 256]))
def test_powmod_sec(b, e, exp_bits):
    assert B.powmod_sec(b, e, P, exp_bits) == pow(b, e, P)


@pytest.mark.parametrize("group", [TEST_GROUP, PRODUCTION_GROUP], ids=lambda g: g.name)
def test_powmod_sec_edge_exponents_and_bases(group):
    """Exponent 0 takes the same path as any other (no refusal, no shortcut); bases 0, 1, p - 1."""
    p, q = int(group.p), int(group.q)
    bits = q.bit_length()
    b = int(group.g_pow(group.random_q()))
    for e in (0, 1, 2, 2**63, 2**64 - 1, 2**64, q - 1, 2**bits - 1):
        if e < 2**bits:
            assert B.powmod_sec(b, e, p, bits) == pow(b, e, p)
    for base in (0, 1, p - 1, p + 5):
        for e in (0, 1, q - 1):
            assert B.powmod_sec(base, e, p, bits) == pow(base, e, p)


def test_powmod_sec_refuses_exponents_outside_its_range():
    for e, bits in ((256, 8), (-1, 8), (2**64, 64)):
        with pytest.raises(BackendError):
            B.powmod_sec(3, e, P, bits)
    for bits in (0, -1, True, 1.5):
        with pytest.raises(BackendError):
            B.powmod_sec(3, 1, P, bits)


@settings(max_examples=25, deadline=None)
@given(elements, st.lists(st.integers(0, Q - 1), min_size=1, max_size=5), st.sampled_from([1, 4, 8]))
def test_fixed_base_table(b, es, window):
    table = B.fixed_base_table(b, P, Q.bit_length(), window)
    assert [int(x) for x in table.pow_many(es)] == [pow(b, e, P) for e in es]
    assert table.pow(es[0]) == pow(b, es[0], P)


@settings(max_examples=25, deadline=None)
@given(elements, st.lists(st.integers(0, Q - 1), max_size=4), st.sampled_from([1, 3, 6]))
def test_pow_secret_equals_pow(b, es, window):
    bits = Q.bit_length()
    table = B.fixed_base_table(b, P, bits, window)
    es = [*es, 0, 1, Q - 1, 2**bits - 1]
    want = [pow(b, e, P) for e in es]
    assert [table.pow_secret(e) for e in es] == want
    assert table.pow_secret_many(es) == want
    assert table.pow_secret_many([]) == []


@pytest.mark.parametrize("group", [TEST_GROUP, PRODUCTION_GROUP], ids=lambda g: g.name)
def test_pow_secret_on_the_groups(group):
    p, q, g = int(group.p), int(group.q), int(group.g)
    bits = q.bit_length()
    table = B.fixed_base_table(g, p, bits, 6)
    es = [0, 1, 2, q - 1, 2**bits - 1, *(int(group.random_q()) for _ in range(3))]
    assert table.pow_secret_many(es) == [pow(g, e, p) for e in es]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([TEST_GROUP, PRODUCTION_GROUP]), st.integers(1, 6), st.data())
def test_range_proof_arithmetic_is_eq_44_to_48(group, limit, data):
    """range_exponents and range_responses give t_j = u_j + (l - j) c_j, c_l = c - sum of the others
    and v_j = u_j - c_j xi mod q, for every vote l, as the generic (Python) version does."""
    q = int(group.q)
    values = st.integers(0, q - 1)
    us = data.draw(st.lists(values, min_size=limit + 1, max_size=limit + 1))
    cs = data.draw(st.lists(values, min_size=limit + 1, max_size=limit + 1))
    challenge, nonce = data.draw(values), data.draw(values)
    for vote in range(limit + 1):
        ts = B.range_exponents(us, cs, vote, q)
        assert ts == [(u + (vote - j) * c) % q for j, (u, c) in enumerate(zip(us, cs))]
        assert ts == Backend.range_exponents(B, us, cs, vote, q)
        challenges, responses = B.range_responses(us, cs, vote, challenge, nonce, q)
        want_c = list(cs)
        want_c[vote] = (challenge - sum(c for j, c in enumerate(cs) if j != vote)) % q
        assert challenges == want_c
        assert responses == [(u - c * nonce) % q for u, c in zip(us, want_c)]
        assert (challenges, responses) == Backend.range_responses(B, us, cs, vote, challenge, nonce, q)


@given(st.lists(st.tuples(elements, exponents), max_size=6))
def test_multi_powmod_prod_and_many(pairs):
    bases = [b for b, _ in pairs]
    exps = [e for _, e in pairs]
    want = 1
    for b, e in pairs:
        want = want * pow(b, e, P) % P
    assert B.multi_powmod(bases, exps, P) == want
    assert [int(x) for x in B.powmod_many(bases, exps, P)] == [pow(b, e, P) for b, e in pairs]
    prod = 1
    for b in bases:
        prod = prod * b % P
    assert B.prod_mod(bases, P) == prod


@settings(max_examples=40, deadline=None)
@given(elements, st.lists(exponents, max_size=9), st.sampled_from([P, 2**64 + 1, 97, 10, 1]))
def test_powmod_same_base(b, exps, modulus):
    assert B.powmod_same_base(b, exps, modulus) == [pow(b, e, modulus) for e in exps]


@pytest.mark.parametrize("group", [TEST_GROUP, PRODUCTION_GROUP], ids=lambda g: g.name)
def test_powmod_same_base_on_the_groups(group):
    p = int(group.p)
    base = int(group.g_pow(group.random_q()))
    exps = [0, 1, 2, int(group.q) - 1, *(int(group.random_q().value) for _ in range(4))]
    assert B.powmod_same_base(base, exps, p) == [pow(base, e, p) for e in exps]
    assert B.powmod_same_base(0, [0, 5], p) == [1, 0]


@pytest.mark.parametrize("group", [TEST_GROUP, PRODUCTION_GROUP], ids=lambda g: g.name)
def test_batch_subgroup_check(group):
    p, q = int(group.p), int(group.q)
    good = [int(group.g_pow(group.random_q())) for _ in range(30)]
    assert B.batch_in_subgroup(good, p, q)
    assert B.batch_in_subgroup([], p, q)
    for bad in (0, p, p - 1, 4, p + 7):
        assert not B.batch_in_subgroup([*good[:10], bad, *good[10:]], p, q)


def test_bad_arguments_raise_backend_errors():
    with pytest.raises(BackendError):
        B.powmod(2, -1, P)
    with pytest.raises(BackendError):
        B.powmod_sec(2, 5, P + 1, 8)
    with pytest.raises(BackendError):
        B.multi_powmod([2, 3], [1], P)
    table = B.fixed_base_table(2, P, 8, 4)
    with pytest.raises(BackendError):
        table.pow(256)
    for bad in (256, -1):
        with pytest.raises(BackendError):
            table.pow_secret(bad)
        with pytest.raises(BackendError):
            table.pow_secret_many([1, bad])
    with pytest.raises(BackendError):  # GMP's constant-time arithmetic needs an odd modulus
        B.fixed_base_table(2, P + 1, 8, 4).pow_secret(3)
    with pytest.raises(BackendError):
        load_backend("nonsense")
