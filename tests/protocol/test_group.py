"""Parameters and typed elements, spec 2.0.0 section 3.1.1."""

import gmpy2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import GroupError
from engine.group import PRODUCTION_GROUP, TEST_GROUP, group_by_name, group_for_parameters

GROUPS = [TEST_GROUP, PRODUCTION_GROUP]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_parameters_have_the_structure_of_spec_3_1_1(group):
    p, q, g, r = group.p, group.q, group.g, group.r
    assert gmpy2.is_prime(p, 25) and gmpy2.is_prime(q, 25)
    assert p - 1 == q * r and r % q != 0
    assert pow(g, q, p) == 1 and g != 1
    assert gmpy2.is_prime((p - 1) // (2 * q), 25)  # makes the Jacobi + batch check sound


def test_production_parameters_are_the_spec_values():
    g = PRODUCTION_GROUP
    assert g.q == 2**256 - 189
    assert g.p.bit_length() == 4096
    assert g.p >> 3840 == 2**256 - 1 and g.p % 2**256 == 2**256 - 1
    assert g.g == pow(2, g.r, g.p)
    assert group_for_parameters(g.p, g.q, g.g) is g
    assert group_by_name("production") is g
    with pytest.raises(GroupError):
        group_for_parameters(g.p, g.q, 3)


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_out_of_range_and_wrong_types_are_refused(group):
    for bad in (-1, group.p, group.p + 5):
        with pytest.raises(GroupError):
            group.element_p(bad)
    for bad in (-1, group.q):
        with pytest.raises(GroupError):
            group.element_q(bad)
    for bad in ("12", 1.0, None, True):
        with pytest.raises(GroupError):
            group.element_p(bad)
        with pytest.raises(GroupError):
            group.element_q(bad)


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_subgroup_membership(group):
    inside = group.g_pow(group.random_q())
    assert group.in_subgroup(inside)
    assert group.element_p(int(inside), check_subgroup=True) == inside
    for outside in (0, group.p - 1, 4):  # 4 = 2^2 is a residue but not of order q
        e = group.element_p(outside)
        assert not group.in_subgroup(e)
        with pytest.raises(GroupError):
            group.element_p(outside, check_subgroup=True)
    good = [group.g_pow(group.random_q()) for _ in range(20)]
    assert group.all_in_subgroup(good)
    assert not group.all_in_subgroup([*good, group.element_p(group.p - 1)])
    # a quadratic residue outside the subgroup passes Jacobi and must be caught by the q-power check
    residue_outside = group.element_p(4)
    assert gmpy2.jacobi(4, group.p) == 1
    assert not group.all_in_subgroup([*good, residue_outside])


@given(st.integers(0, int(TEST_GROUP.q) - 1), st.integers(0, int(TEST_GROUP.q) - 1))
def test_exponent_laws_and_fixed_base_table(a, b):
    G = TEST_GROUP
    ea, eb = G.element_q(a), G.element_q(b)
    assert G.g_pow(ea) * G.g_pow(eb) == G.g_pow(ea + eb)
    assert int(G.g_pow(ea)) == pow(int(G.g), a, int(G.p))
    assert G.g_pow(ea) ** eb == G.g_pow(ea * eb)
    if b:
        assert G.g_pow(ea).pow_secret(eb) == G.g_pow(ea * eb)
    x = G.g_pow(ea)
    assert x / x == G.one
    assert G.table_for(x).pow(b) == pow(int(x), b, int(G.p))
    assert G.multi_pow([x, G.generator], [eb, ea]) == x**eb * G.g_pow(ea)


def test_production_table_agrees_with_powmod():
    G = PRODUCTION_GROUP
    for _ in range(3):
        e = G.random_q()
        assert int(G.g_pow(e)) == pow(int(G.g), int(e), int(G.p))


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_secret_exponentiations_equal_the_public_ones(group):
    """g_pow_secret and k_pow_secret (constant-time tables) give exactly g_pow and the K table's pow."""
    q = int(group.q)
    k = group.g_pow(group.random_q())
    es = [group.element_q(x) for x in (0, 1, 2, q - 1)] + [group.random_q() for _ in range(3)]
    for e in es:
        assert group.g_pow_secret(e) == group.g_pow(e)
        assert group.k_pow_secret(k, e) == group.element_p(group.table_for(k).pow(e.value))
        assert int(group.k_pow_secret(k, e)) == pow(int(k), int(e), int(group.p))
    assert group.secret_table_for(k) is group.secret_table_for(k)
    assert group.secret_table_for(k) is not group.table_for(k)


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_pow_secret_of_an_element_equals_pow_with_no_shortcut_for_zero(group):
    """ElementModP.pow_secret (a variable base, powmod_sec at q's width) equals the public power,
    exponent 0 and short exponents included, for subgroup elements and for 0, 1 and p - 1."""
    q, p = int(group.q), int(group.p)
    es = [group.element_q(x) for x in (0, 1, 2, 2**32 + 1, q - 1)] + [group.random_q() for _ in range(2)]
    bases = [group.g_pow(group.random_q()), group.element_p(0), group.one, group.element_p(p - 1)]
    for base in bases:
        for e in es:
            assert base.pow_secret(e) == base**e
            assert int(base.pow_secret(e)) == pow(int(base), int(e), p)


def test_secret_exponentiations_refuse_what_is_not_a_secret_of_the_group():
    G = TEST_GROUP
    with pytest.raises(GroupError):
        G.g_pow_secret(5)  # type: ignore[arg-type]
    with pytest.raises(GroupError):
        G.g_pow_secret(PRODUCTION_GROUP.element_q(5))
    with pytest.raises(GroupError):
        G.k_pow_secret(PRODUCTION_GROUP.generator, G.element_q(5))
    with pytest.raises(GroupError):
        G.generator.pow_secret(PRODUCTION_GROUP.element_q(5))
    with pytest.raises(GroupError):
        G.generator.pow_secret(5)  # type: ignore[arg-type]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: g.name)
def test_k_pow_is_the_public_exponent_twin_of_k_pow_secret(group) -> None:
    k = group.g_pow(987654321)
    for e in (0, 1, 2, int(group.q) - 1):
        x = group.element_q(e)
        assert group.k_pow(k, x) == group.k_pow_secret(k, x) == group.element_p(pow(int(k), e, int(group.p)))
        assert group.k_pow(k, e) == group.k_pow(k, x)
    with pytest.raises(GroupError):
        group.k_pow((TEST_GROUP if group is PRODUCTION_GROUP else PRODUCTION_GROUP).g_pow(2), 1)
