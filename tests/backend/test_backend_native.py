"""The native C backend gives the same answers as Python's own arithmetic (and as the gmpy2 backend).

Property tests on random small moduli (odd and even, one limb and many), on a 512-bit test group
with the production group's structure, and on the 4096-bit production group of spec 3.1.1. The
C entry points are also called directly with bad lengths and bounds: they must answer with an
error status, never crash.
"""

from __future__ import annotations

import math
import os
import secrets
import threading
from functools import reduce

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    from engine.backend.native_backend import NativeBackend, ffi, lib
except ImportError as exc:  # the extension is optional: installs without GMP have none
    if os.environ.get("CI", "").lower() == "true":  # it builds with only a C compiler, so CI must have it
        pytest.fail(f"engine._native is not built ({exc})", pytrace=False)
    pytest.skip(f"engine._native is not built ({exc})", allow_module_level=True)

from engine.backend.gmpy2_backend import Gmpy2Backend
from engine.errors import BackendError
from engine.group import PRODUCTION_GROUP, TEST_GROUP

P, Q, G = int(PRODUCTION_GROUP.p), int(PRODUCTION_GROUP.q), int(PRODUCTION_GROUP.g)
TP, TQ, TG = int(TEST_GROUP.p), int(TEST_GROUP.q), int(TEST_GROUP.g)
GROUPS = {"test": (TP, TQ, TG), "production": (P, Q, G)}

NATIVE = NativeBackend()
REFERENCE = Gmpy2Backend()

_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=_HEALTH)
SLOW = settings(max_examples=10, deadline=None, suppress_health_check=_HEALTH)

moduli = st.one_of(
    st.integers(min_value=1, max_value=2**64),
    st.integers(min_value=2, max_value=2**700),
    st.integers(min_value=1, max_value=2**200).map(lambda m: 2 * m + 1),  # odd: Montgomery path
    st.integers(min_value=1, max_value=2**200).map(lambda m: 2 * m),  # even: division path
    st.sampled_from([P, TP, 2**256, 2**64 - 1, 3]),
    # Odd moduli at the sizes where the IFMA code changes shape: L = 8V digits of 52 bits must
    # exceed the modulus by 2 bits (V = 1 up to 414 bits, ..., V = 10 up to 4158 bits, then mpn).
    st.sampled_from([2, 52, 53, 414, 415, 830, 831, 4096, 4158, 4159, 4200]).flatmap(
        lambda bits: st.integers(min_value=2 ** (bits - 1), max_value=2**bits - 1).map(lambda m: m | 1)
    ),
)
values = st.integers(min_value=0, max_value=2**4300)
exponents = st.integers(min_value=0, max_value=2**300)


@pytest.fixture(autouse=True, params=["ifma", "mpn"])
def arithmetic(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run every test on both multiplication paths of the C code (odd moduli only differ).

    The C code reads BALLOTCHAIN_NATIVE_IFMA whenever it sets up a modulus.
    """
    if request.param == "mpn":
        monkeypatch.setenv("BALLOTCHAIN_NATIVE_IFMA", "0")
    else:
        monkeypatch.delenv("BALLOTCHAIN_NATIVE_IFMA", raising=False)
        if not lib.bc_ifma_available():
            pytest.skip("this CPU has no AVX-512 IFMA: the mpn run covers it")
    return request.param


def reference(name: str, *args: object) -> object:
    """The gmpy2 backend's answer."""
    return getattr(REFERENCE, name)(*args)


def same(got: object, want: object, name: str, *args: object) -> None:
    assert got == want
    assert reference(name, *args) == got


# ------------------------------------------------------------------------------------------------
# Agreement with Python's arithmetic
# ------------------------------------------------------------------------------------------------


@FAST
@given(base=values, exponent=exponents, modulus=moduli)
def test_powmod(base: int, exponent: int, modulus: int) -> None:
    same(
        NATIVE.powmod(base, exponent, modulus),
        pow(base, exponent, modulus),
        "powmod",
        base,
        exponent,
        modulus,
    )


@FAST
@given(
    base=values,
    exponent=st.integers(min_value=0, max_value=2**300),
    modulus=moduli,
    extra=st.integers(min_value=0, max_value=130),
)
def test_powmod_sec(base: int, exponent: int, modulus: int, extra: int) -> None:
    modulus |= 1
    if modulus < 3:
        modulus = 3
    exp_bits = max(1, exponent.bit_length()) + extra
    got = NATIVE.powmod_sec(base, exponent, modulus, exp_bits)
    same(got, pow(base, exponent, modulus), "powmod_sec", base, exponent, modulus, exp_bits)


class _RecordingLib:
    """lib with bc_powmod_sec wrapped to record the exponent lengths it is given."""

    def __init__(self) -> None:
        self.exp_lens: list[int] = []

    def __getattr__(self, name: str) -> object:
        return getattr(lib, name)

    def bc_powmod_sec(self, b, blen, e, elen, m, mlen, out, olen):  # type: ignore[no-untyped-def]
        self.exp_lens.append(elen)
        assert len(e) == elen
        return lib.bc_powmod_sec(b, blen, e, elen, m, mlen, out, olen)


@pytest.mark.parametrize("group", ["test", "production"])
def test_powmod_sec_sends_every_exponent_at_the_width_of_q(group: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wrapper pads each exponent to q's size in words, not to its own length (issue 16)."""
    import engine.backend.native_backend as native_module

    p, q, g = GROUPS[group]
    recording = _RecordingLib()
    monkeypatch.setattr(native_module, "lib", recording)
    for e in (0, 1, 255, 2**64 - 1, 2**64, q - 1):
        if e < 2 ** q.bit_length():
            assert NATIVE.powmod_sec(g, e, p, q.bit_length()) == pow(g, e, p)
    assert set(recording.exp_lens) == {8 * -(-q.bit_length() // 64)}


@pytest.mark.parametrize("group", ["test", "production"])
def test_powmod_sec_does_the_same_work_for_every_exponent(group: str) -> None:
    """bc_powmod_sec counts its multiplications and the words its selections read: the same for
    every exponent of a given length, exponent 0 included, and the full count of the windows."""
    p, q, g = GROUPS[group]
    exp_len = 8 * -(-q.bit_length() // 64)
    base = pow(g, 12345, p)
    b, m = base.to_bytes((p.bit_length() + 7) // 8, "big"), p.to_bytes((p.bit_length() + 7) // 8, "big")
    out = ffi.new("uint8_t[]", len(m))
    mulmods, words = ffi.new("uint64_t *"), ffi.new("uint64_t *")
    seen = set()
    for e in [0, 1, 2, q - 1, 1 << (q.bit_length() - 1), 2**64 - 1, *(secrets.randbelow(q) for _ in range(4))]:
        status = lib.bc_powmod_sec_traced(
            b, len(b), e.to_bytes(exp_len, "big"), exp_len, m, len(m), out, len(m), mulmods, words
        )
        assert status == lib.BC_OK
        assert int.from_bytes(ffi.buffer(out), "big") == pow(base, e, p)
        seen.add((mulmods[0], words[0]))
    assert len(seen) == 1
    ((count, _),) = seen
    bits = 8 * exp_len
    window = 4 if bits >= 256 else 3
    windows = -(-bits // window)
    assert count == (windows - 1) * (window + 1) + 1  # squarings and a product per window, and the conversion


@FAST
@given(
    base=values,
    modulus=moduli,
    exp_bits=st.integers(min_value=1, max_value=300),
    window=st.integers(min_value=1, max_value=7),
    data=st.data(),
)
def test_fixed_base_table(base: int, modulus: int, exp_bits: int, window: int, data: st.DataObject) -> None:
    table = NATIVE.fixed_base_table(base, modulus, exp_bits, window)
    assert (table.modulus, table.exp_bits, table.window) == (modulus, exp_bits, window)
    assert table.base == base % modulus
    top = 2**exp_bits - 1
    es = data.draw(st.lists(st.integers(min_value=0, max_value=top), max_size=6)) + [0, top]
    want = [pow(base, e, modulus) for e in es]
    assert [table.pow(e) for e in es] == want
    assert table.pow_many(es) == want
    assert table.pow_many(es, threads=3) == want
    ref = REFERENCE.fixed_base_table(base, modulus, exp_bits, window)
    assert ref.pow_many(es) == want


@FAST
@given(
    base=values,
    modulus=moduli,
    exp_bits=st.integers(min_value=1, max_value=300),
    window=st.integers(min_value=1, max_value=7),
    data=st.data(),
)
def test_table_pow_secret(base: int, modulus: int, exp_bits: int, window: int, data: st.DataObject) -> None:
    """The constant-time table exponentiation equals pow() (odd moduli, both arithmetics)."""
    modulus |= 1
    table = NATIVE.fixed_base_table(base, modulus, exp_bits, window)
    top = 2**exp_bits - 1
    es = data.draw(st.lists(st.integers(min_value=0, max_value=top), max_size=5)) + [0, 1 & top, top]
    want = [pow(base, e, modulus) for e in es]
    assert [table.pow_secret(e) for e in es] == want
    assert table.pow_secret_many(es) == want
    assert table.pow_secret_many(es, threads=2) == want
    assert REFERENCE.fixed_base_table(base, modulus, exp_bits, window).pow_secret_many(es) == want


@FAST
@given(
    data=st.data(),
    modulus=moduli,
    count=st.integers(min_value=0, max_value=7),
)
def test_multi_powmod(data: st.DataObject, modulus: int, count: int) -> None:
    bases = data.draw(st.lists(values, min_size=count, max_size=count))
    exps = data.draw(st.lists(exponents, min_size=count, max_size=count))
    want = reduce(lambda acc, be: acc * pow(be[0], be[1], modulus) % modulus, zip(bases, exps), 1 % modulus)
    got = NATIVE.multi_powmod(bases, exps, modulus)
    assert got == want
    if modulus > 1:  # the gmpy2 backend answers 1, not 0, for an empty product mod 1
        assert reference("multi_powmod", bases, exps, modulus) in (None, want)


@FAST
@given(vals=st.lists(values, max_size=40), modulus=moduli)
def test_prod_mod(vals: list[int], modulus: int) -> None:
    want = math.prod(vals) % modulus
    assert NATIVE.prod_mod(vals, modulus) == want
    if modulus > 1:
        assert reference("prod_mod", vals, modulus) in (None, want)


@FAST
@given(data=st.data(), modulus=moduli, count=st.integers(min_value=0, max_value=6))
def test_powmod_many(data: st.DataObject, modulus: int, count: int) -> None:
    bases = data.draw(st.lists(values, min_size=count, max_size=count))
    exps = data.draw(st.lists(exponents, min_size=count, max_size=count))
    want = [pow(b, e, modulus) for b, e in zip(bases, exps)]
    assert NATIVE.powmod_many(bases, exps, modulus) == want
    assert NATIVE.powmod_many(bases, exps, modulus, threads=2) == want
    assert reference("powmod_many", bases, exps, modulus) in (None, want)


@FAST
@given(base=values, exps=st.lists(exponents, max_size=9), modulus=moduli)
def test_powmod_same_base(base: int, exps: list[int], modulus: int) -> None:
    assert NATIVE.powmod_same_base(base, exps, modulus) == [pow(base, e, modulus) for e in exps]


@SLOW
@given(data=st.data(), count=st.sampled_from([1, 2, 3, 6]))
def test_production_powmod_same_base(data: st.DataObject, count: int) -> None:
    base = data.draw(st.integers(min_value=0, max_value=P - 1))
    exps = data.draw(st.lists(st.integers(min_value=0, max_value=Q - 1), min_size=count, max_size=count))
    assert NATIVE.powmod_same_base(base, exps, P) == [pow(base, e, P) for e in exps]


def test_results_are_mpz() -> None:
    mpz_type = type(NATIVE.powmod(2, 3, 5))
    assert mpz_type.__name__ == "mpz"
    table = NATIVE.fixed_base_table(2, 101, 16, 4)
    results = [
        NATIVE.powmod_sec(2, 3, 5, 8),
        table.pow(7),
        *table.pow_many([1, 2]),
        table.pow_secret(7),
        *table.pow_secret_many([1, 2]),
        NATIVE.multi_powmod([2], [3], 5),
        NATIVE.prod_mod([2, 3], 5),
        *NATIVE.powmod_many([2], [3], 5),
    ]
    assert all(type(r) is mpz_type for r in results)


# ------------------------------------------------------------------------------------------------
# The production group
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def g_table(arithmetic: str):
    return NATIVE.fixed_base_table(G, P, 256, 8)


@SLOW
@given(e=st.integers(min_value=0, max_value=2**256 - 1))
def test_production_table(g_table, e: int) -> None:
    assert g_table.pow(e) == pow(G, e, P)


def test_production_table_edges_and_threads(g_table, arithmetic: str) -> None:
    es = [0, 1, 2, Q - 1, Q, 2**256 - 1] + [secrets.randbelow(Q) for _ in range(20)]
    want = [pow(G, e, P) for e in es]
    assert g_table.pow_many(es) == want
    assert g_table.pow_many(es, threads=2) == want
    entry_bytes = 80 * 8 if arithmetic == "ifma" else 64 * 8  # 52-bit digits or 64-bit limbs
    assert g_table.nbytes == 32 * 255 * entry_bytes
    ref = REFERENCE.fixed_base_table(G, P, 256, 8)
    assert ref.pow_many(es[:6]) == want[:6]


def test_production_table_from_python_threads(g_table) -> None:
    """The table is read-only, so concurrent calls (GIL released in C) all get right answers."""
    batches = [[secrets.randbelow(Q) for _ in range(8)] for _ in range(4)]
    results: dict[int, list] = {}

    def work(i: int) -> None:
        results[i] = g_table.pow_many(batches[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, batch in enumerate(batches):
        assert results[i] == [pow(G, e, P) for e in batch]


@pytest.mark.parametrize("group", ["test", "production"])
@pytest.mark.parametrize("window", [4, 6])
def test_group_pow_secret(group: str, window: int) -> None:
    """pow_secret on the groups of spec 3.1.1, edge exponents included, from several threads."""
    p, q, g = GROUPS[group]
    table = NATIVE.fixed_base_table(g, p, q.bit_length(), window)
    top = 2 ** q.bit_length() - 1
    es = [0, 1, 2, q - 1, top, top - 1] + [secrets.randbelow(q) for _ in range(6)]
    want = [pow(g, e, p) for e in es]
    assert [table.pow_secret(e) for e in es] == want
    assert table.pow_secret_many(es, threads=2) == want
    results: dict[int, list] = {}

    def work(i: int) -> None:
        results[i] = table.pow_secret_many(es[i::3])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(3)] == [want[i::3] for i in range(3)]


def _halves(limbs: int, low: int, high: int) -> int:
    """An n-limb number whose low and high halves (as Karatsuba cuts it) are low and high."""
    return low | high << (64 * (limbs // 2))


def _karatsuba_shapes(limbs: int) -> list[int]:
    """Values of n limbs whose halves are equal, differ by one either way, are all ones or zero."""
    half = 2 ** (64 * (limbs // 2)) - 1
    shapes = [
        _halves(limbs, half, half),
        _halves(limbs, half, 0),
        _halves(limbs, 0, half),
        _halves(limbs, half - 1, half),
        _halves(limbs, half, half - 1),
        _halves(limbs, 1, 0),
        _halves(limbs, 0, 1),
        _halves(limbs, 2**63, 2**63 + 1),
        _halves(limbs, half >> 1, half >> 1),
        1,
    ]
    quarter = 2 ** (64 * (limbs // 4)) - 1  # the second level's halves too
    shapes += [_halves(limbs, quarter, quarter << (64 * (limbs // 4))), _halves(limbs, quarter << 1, quarter)]
    return shapes


@settings(max_examples=8, deadline=None, suppress_health_check=_HEALTH)
@given(data=st.data())
@pytest.mark.parametrize(
    "modulus",
    [
        P,
        2**4096 - 1,
        2**4096 - 2**4032 + 1,
        2**2048 - 159,
        2**4224 - 2**64 + 1,
        2**4096 - 2**384 - 1,
        2**4096 - 2**4032 - 1,
    ],
    ids=["production", "all-ones", "sparse", "32-limbs", "66-limbs", "6-low-ones", "63-low-ones"],
)
def test_pow_secret_exact_on_karatsuba_edge_operands(arithmetic: str, modulus: int, data: st.DataObject) -> None:
    """The mpn path multiplies Montgomery forms by Karatsuba (native/ct_karatsuba.c): secret signs
    and carries are chosen by masks. Bases are picked so that their Montgomery forms x R mod m
    (R = 2^(64 n)) have the shapes where those masks matter; results must equal pow(). The moduli
    include ones whose low words are all ones, whose reduction rows are shortened (modulus.c's
    mont_tail: 4 words for p, 4 of 6, 60 of 63, none for 2^4096 - 1)."""
    if arithmetic == "ifma":
        pytest.skip("Karatsuba and the shortened rows are the mpn path's")
    limbs = -(-modulus.bit_length() // 64)
    r_inv = pow(2 ** (64 * limbs), -1, modulus)
    form = data.draw(st.sampled_from(_karatsuba_shapes(limbs))) % modulus
    base = form * r_inv % modulus
    exps = [0, 1, 2, 3, 2**256 - 1, data.draw(st.integers(min_value=0, max_value=2**256 - 1))]
    want = [REFERENCE.powmod(base, e, modulus) for e in exps]  # gmpy2: CPython's pow is slow here
    assert [NATIVE.powmod_sec(base, e, modulus, 256) for e in exps] == want
    table = NATIVE.fixed_base_table(base, modulus, 256, 6)
    assert table.pow_secret_many(exps) == want


@pytest.mark.parametrize("group", ["test", "production"])
@pytest.mark.parametrize("window", [1, 5, 6])
def test_pow_secret_does_the_same_work_for_every_exponent(group: str, window: int) -> None:
    """The C code counts its modular multiplications and the table words its selections read.

    Both must be the same for every exponent, and equal to a full scan: every entry of every
    row plus the element 1, and one multiplication per window plus the conversion at the end.
    """
    p, q, g = GROUPS[group]
    bits = q.bit_length()
    table = NATIVE.fixed_base_table(g, p, bits, window)
    exp_len = (bits + 7) // 8
    out = ffi.new("uint8_t[]", (p.bit_length() + 7) // 8)
    mulmods, words = ffi.new("uint64_t *"), ffi.new("uint64_t *")
    top = 2**bits - 1
    seen = set()
    for e in [0, 1, q - 1, top, 1 << (bits - 1), *(secrets.randbelow(q) for _ in range(4))]:
        status = lib.bc_table_pow_secret_traced(
            table._table, e.to_bytes(exp_len, "big"), exp_len, out, len(out), mulmods, words
        )
        assert status == lib.BC_OK
        assert int.from_bytes(ffi.buffer(out), "big") == pow(g, e, p)
        seen.add((mulmods[0], words[0]))
    assert len(seen) == 1
    nwin = -(-bits // window)
    words_per_element = table.nbytes // (nwin * (2**window - 1) * 8)
    assert seen == {(nwin, nwin * 2**window * words_per_element)}


@SLOW
@given(data=st.data(), count=st.sampled_from([1, 2, 4]))
def test_production_multi_powmod_and_sec(data: st.DataObject, count: int) -> None:
    bases = data.draw(st.lists(st.integers(min_value=1, max_value=P - 1), min_size=count, max_size=count))
    exps = data.draw(st.lists(st.integers(min_value=1, max_value=Q - 1), min_size=count, max_size=count))
    want = math.prod(pow(b, e, P) for b, e in zip(bases, exps)) % P
    same(NATIVE.multi_powmod(bases, exps, P), want, "multi_powmod", bases, exps, P)
    assert NATIVE.powmod_sec(bases[0], exps[0], P, 256) == pow(bases[0], exps[0], P)
    assert NATIVE.powmod(bases[0], exps[0], P) == pow(bases[0], exps[0], P)


# ------------------------------------------------------------------------------------------------
# Batched subgroup check
# ------------------------------------------------------------------------------------------------


def _members(group: str, count: int) -> list[int]:
    p, q, g = GROUPS[group]
    return [pow(g, secrets.randbelow(q), p) for _ in range(count)]


def _non_residue(p: int) -> int:
    n = 2
    while pow(n, (p - 1) // 2, p) == 1:
        n += 1
    return n


def _residue_outside_subgroup(group: str) -> int:
    """A square mod p (Jacobi symbol 1) whose order is not q: only the exponent test catches it."""
    p, q, _ = GROUPS[group]
    while True:
        x = pow(secrets.randbelow(p - 2) + 2, 2, p)
        if pow(x, q, p) != 1:
            return x


@pytest.mark.parametrize("group", ["test", "production"])
def test_batch_accepts_members(group: str) -> None:
    p, q, _ = GROUPS[group]
    xs = _members(group, 40 if group == "production" else 300) + [1]
    assert NATIVE.batch_in_subgroup(xs, p, q) is True
    assert NATIVE.batch_in_subgroup([], p, q) is True
    assert reference("batch_in_subgroup", xs, p, q) in (None, True)


@pytest.mark.parametrize("group", ["test", "production"])
@pytest.mark.parametrize("kind", ["p-1", "zero", "p", "p+1", "negative", "non-residue", "outside"])
def test_batch_rejects_one_outsider(group: str, kind: str) -> None:
    p, q, _ = GROUPS[group]
    xs = _members(group, 30)
    bad = {
        "p-1": p - 1,
        "zero": 0,
        "p": p,
        "p+1": p + 1,
        "negative": -xs[0],
        "non-residue": _non_residue(p),
        "outside": _residue_outside_subgroup(group),
    }[kind]
    for position in (0, 17, len(xs)):
        candidate = xs[:position] + [bad] + xs[position:]
        assert NATIVE.batch_in_subgroup(candidate, p, q) is False
    if kind != "negative":
        assert reference("batch_in_subgroup", xs[:3] + [bad], p, q) in (None, False)


@pytest.mark.parametrize("group", ["test", "production"])
def test_many_values_find_non_residues_by_parity(group: str) -> None:
    """Past 128 values the Jacobi symbols are tested per bit of the random exponents (straus_qr):
    one or two non-residues anywhere, or a zero, still fail the batch, and the residue test too."""
    p, q, _ = GROUPS[group]
    xs = _members(group, 600 if group == "test" else 260)
    assert NATIVE.batch_in_subgroup(xs, p, q) is True
    weights = [secrets.randbits(64) for _ in xs]
    value, residues = NATIVE.multi_powmod_residues(xs, weights, p)
    assert residues is True
    assert value == reduce(lambda acc, xw: acc * pow(xw[0], xw[1], p) % p, zip(xs, weights), 1)
    nr = _non_residue(p)
    for positions in ((0,), (len(xs) // 2,), (len(xs) - 1,), (3, len(xs) - 2)):
        bad = list(xs)
        for i in positions:
            bad[i] = bad[i] * nr % p
        assert NATIVE.batch_in_subgroup(bad, p, q) is False
        assert NATIVE.multi_powmod_residues(bad, weights, p)[1] is False
    with_zero = [*xs[:100], 0, *xs[100:]]
    assert NATIVE.multi_powmod_residues(with_zero, [*weights[:100], 1 << 63, *weights[100:]], p)[1] is False


def test_batch_spans_chunks() -> None:
    """More values than one C call takes: an outsider in the last chunk is still found."""
    p, q, g = GROUPS["test"]
    xs = [pow(g, i + 1, p) for i in range(4500)]
    assert NATIVE.batch_in_subgroup(xs, p, q) is True
    xs[-1] = _residue_outside_subgroup("test")
    assert NATIVE.batch_in_subgroup(xs, p, q) is False


@SLOW
@given(data=st.data())
def test_batch_matches_definition_small(data: st.DataObject) -> None:
    """On the test group, the batch answer equals the definition x**q == 1 for every x."""
    p, q, g = GROUPS["test"]
    pool = _members("test", 5) + [0, 1, p - 1, p, _non_residue(p), _residue_outside_subgroup("test")]
    xs = data.draw(st.lists(st.sampled_from(pool), max_size=8))
    want = all(0 < x < p and pow(x, q, p) == 1 for x in xs)
    assert NATIVE.batch_in_subgroup(xs, p, q) is want


# ------------------------------------------------------------------------------------------------
# Bad arguments
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda b: b.powmod(-1, 3, 7),
        lambda b: b.powmod(2, -3, 7),
        lambda b: b.powmod(2, 3, 0),
        lambda b: b.powmod(2, 3, -7),
        lambda b: b.powmod(2.0, 3, 7),
        lambda b: b.powmod("2", 3, 7),
        lambda b: b.powmod_sec(2, 3, 8, 8),
        lambda b: b.powmod_sec(2, 256, 7, 8),
        lambda b: b.powmod_sec(2, -1, 7, 8),
        lambda b: b.powmod_sec(2, 3, 1, 8),
        lambda b: b.powmod_sec(-2, 3, 7, 8),
        lambda b: b.powmod_sec(2, 3, 7, 0),
        lambda b: b.powmod_sec(2, 3, 7, lib.BC_MAX_EXP_BITS + 1),
        lambda b: b.powmod_sec(2, 3, 7, True),
        lambda b: b.fixed_base_table(2, 7, 8, 0),
        lambda b: b.fixed_base_table(2, 7, 8, 17),
        lambda b: b.fixed_base_table(2, 7, 0, 4),
        lambda b: b.fixed_base_table(2, 0, 8, 4),
        lambda b: b.fixed_base_table(-2, 7, 8, 4),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow(256),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow(-1),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow_many([1, 2**8]),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow_many([1], threads=0),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow_secret(256),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow_secret(-1),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow_secret_many([1, 2**8]),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow_secret_many([1], threads=0),
        lambda b: b.fixed_base_table(2, 8, 8, 4).pow_secret(3),  # even modulus
        lambda b: b.fixed_base_table(2, 8, 8, 4).pow_secret_many([3]),
        lambda b: b.multi_powmod([2, 3], [1], 7),
        lambda b: b.multi_powmod([2], [-1], 7),
        lambda b: b.multi_powmod([-2], [1], 7),
        lambda b: b.multi_powmod([2], [1], 0),
        lambda b: b.prod_mod([2, -3], 7),
        lambda b: b.prod_mod([2], 0),
        lambda b: b.powmod_many([2, 3], [1], 7),
        lambda b: b.powmod_many([2], [-1], 7),
        lambda b: b.powmod_many([2], [1], 7, threads=0),
        lambda b: b.range_exponents([1, 2], [3], 0, 7),
        lambda b: b.range_exponents([], [], 0, 7),
        lambda b: b.range_exponents([1, 7], [3, 4], 0, 7),  # u_1 = q
        lambda b: b.range_exponents([1, 2], [3, 4], 2, 7),  # vote > R
        lambda b: b.range_exponents([1, 2], [3, 4], -1, 7),
        lambda b: b.range_exponents([1, 2], [3, 2**70], 1, 7),
        lambda b: b.range_responses([1, 2], [3, 4], 0, 7, 1, 7),  # challenge = q
        lambda b: b.range_responses([1, 2], [3, 4], 0, 1, 2**64, 7),
        lambda b: b.range_responses([1, 2], [3, 4], 5, 1, 1, 7),
        lambda b: b.batch_in_subgroup([2], 8, 3),
        lambda b: b.batch_in_subgroup([2], 1, 3),
        lambda b: b.batch_in_subgroup([2], 7, 0),
        lambda b: b.batch_in_subgroup([2.5], 7, 3),
    ],
)
def test_bad_arguments_raise(call) -> None:
    with pytest.raises(BackendError):
        call(NATIVE)


def test_bad_thread_count() -> None:
    with pytest.raises(BackendError):
        NativeBackend(threads=0)


# ------------------------------------------------------------------------------------------------
# The C layer checks what it is given, whatever the caller
# ------------------------------------------------------------------------------------------------


def test_c_rejects_bad_input() -> None:
    out = ffi.new("uint8_t[]", 8)
    null = ffi.NULL
    seven, two = b"\x07", b"\x02"
    assert lib.bc_powmod(two, 1, two, 1, b"\x00", 1, out, 8) == lib.BC_EINVAL  # modulus 0
    assert lib.bc_powmod(two, 1, two, 1, b"", 0, out, 8) == lib.BC_EINVAL
    assert lib.bc_powmod(null, 5, two, 1, seven, 1, out, 8) == lib.BC_EINVAL  # NULL with a length
    assert lib.bc_powmod(two, 1, two, 1, seven, 1, null, 8) == lib.BC_EINVAL
    assert lib.bc_powmod_sec(two, 1, two, 1, b"\x08", 1, out, 8) == lib.BC_EINVAL  # even modulus
    assert lib.bc_powmod_sec(two, 1, two, 1, b"\x01", 1, out, 8) == lib.BC_EINVAL  # modulus 1
    assert lib.bc_powmod_sec(two, 1, b"\x00", 1, seven, 1, out, 8) == lib.BC_OK  # exponent 0: 1
    assert int.from_bytes(ffi.buffer(out), "big") == 1
    assert lib.bc_powmod_sec(two, 1, b"\x00" * 8193, 8193, seven, 1, out, 8) == lib.BC_EINVAL  # > 65536 bits
    assert lib.bc_powmod_sec(two, 1, null, 1, seven, 1, out, 8) == lib.BC_EINVAL
    assert lib.bc_powmod_sec_traced(two, 1, two, 1, seven, 1, out, 8, null, null) == lib.BC_OK
    big = (2**100 + 1).to_bytes(13, "big")
    assert pow(3, 255, 2**100 + 1) >= 2**64
    assert lib.bc_powmod(b"\x03", 1, b"\xff", 1, big, 13, out, 8) == lib.BC_ERANGE  # output too short
    assert lib.bc_powmod_many(two, 1, two, 1, 1, seven, 1, out, 8, 0) == lib.BC_EINVAL  # threads
    assert lib.bc_powmod_many(two, 1, two, 1, 1, seven, 1, out, 8, 100000) == lib.BC_EINVAL
    assert lib.bc_powmod_many(null, 1, two, 1, 2, seven, 1, out, 8, 1) == lib.BC_EINVAL
    assert lib.bc_multi_powmod(two, 1, two, 1, 1, b"\x00", 1, out, 8) == lib.BC_EINVAL
    assert lib.bc_multi_powmod(null, 1, two, 1, 3, seven, 1, out, 8) == lib.BC_EINVAL
    assert lib.bc_prod_mod(null, 4, 2, seven, 1, out, 8) == lib.BC_EINVAL
    assert lib.bc_prod_mod(two, 1, 1, null, 1, out, 8) == lib.BC_EINVAL
    # Counts whose byte size overflows size_t are refused before any access.
    huge = 2**63
    assert lib.bc_prod_mod(two, 4, huge, seven, 1, out, 8) == lib.BC_EINVAL
    assert lib.bc_powmod_many(two, 4, two, 4, huge, seven, 1, out, 8, 1) == lib.BC_EINVAL

    result = ffi.new("int *")
    assert lib.bc_batch_in_subgroup(two, 1, 1, b"\x08", 1, b"\x03", 1, two, 1, result) == lib.BC_EINVAL
    assert lib.bc_batch_in_subgroup(two, 1, 1, seven, 1, b"\x00", 1, two, 1, result) == lib.BC_EINVAL
    assert lib.bc_batch_in_subgroup(two, 1, 1, seven, 1, b"\x03", 1, two, 33, result) == lib.BC_EINVAL
    assert lib.bc_batch_in_subgroup(two, 1, 1, seven, 1, b"\x03", 1, two, 1, null) == lib.BC_EINVAL

    # The range-proof arithmetic mod q: q = 7, two values of one byte.
    outs = ffi.new("uint8_t[]", 2), ffi.new("uint8_t[]", 2)
    us, cs = b"\x01\x02", b"\x03\x04"
    assert lib.bc_range_exponents(us, cs, 1, 2, 1, seven, 1, outs[0], 1) == lib.BC_OK
    assert bytes(ffi.buffer(outs[0])) == bytes([(1 + 1 * 3) % 7, (2 + 0 * 4) % 7])
    assert lib.bc_range_exponents(us, cs, 1, 2, 2, seven, 1, outs[0], 1) == lib.BC_EINVAL  # vote >= count
    assert lib.bc_range_exponents(us, cs, 1, 0, 0, seven, 1, outs[0], 1) == lib.BC_EINVAL  # no values
    assert lib.bc_range_exponents(b"\x01\x07", cs, 1, 2, 0, seven, 1, outs[0], 1) == lib.BC_EINVAL  # u = q
    assert lib.bc_range_exponents(us, cs, 1, 2, 0, b"\x02", 1, outs[0], 1) == lib.BC_EINVAL  # q <= count
    assert lib.bc_range_exponents(us, cs, 9, 2, 0, seven, 1, outs[0], 1) == lib.BC_EINVAL  # len > q's words
    assert lib.bc_range_exponents(null, cs, 1, 2, 0, seven, 1, outs[0], 1) == lib.BC_EINVAL
    assert lib.bc_range_responses(us, cs, 1, 2, 0, b"\x05", b"\x06", seven, 1, outs[0], outs[1], 1) == lib.BC_OK
    assert bytes(ffi.buffer(outs[0])) == bytes([(5 - 4) % 7, 4])
    assert bytes(ffi.buffer(outs[1])) == bytes([(1 - 1 * 6) % 7, (2 - 4 * 6) % 7])
    assert lib.bc_range_responses(us, cs, 1, 2, 0, b"\x07", b"\x06", seven, 1, outs[0], outs[1], 1) == lib.BC_EINVAL
    assert lib.bc_range_responses(us, cs, 1, 2, 0, b"\x05", null, seven, 1, outs[0], outs[1], 1) == lib.BC_EINVAL

    handle = ffi.new("bc_table **")
    assert lib.bc_table_new(two, 1, seven, 1, 8, 0, handle) == lib.BC_EINVAL
    assert lib.bc_table_new(two, 1, seven, 1, 8, lib.BC_MAX_WINDOW + 1, handle) == lib.BC_EINVAL
    assert lib.bc_table_new(two, 1, seven, 1, 0, 4, handle) == lib.BC_EINVAL
    assert lib.bc_table_new(two, 1, seven, 1, lib.BC_MAX_EXP_BITS + 1, 4, handle) == lib.BC_EINVAL
    assert lib.bc_table_new(two, 1, b"\x00", 1, 8, 4, handle) == lib.BC_EINVAL
    assert lib.bc_table_new(two, 1, seven, 1, 8, 4, null) == lib.BC_EINVAL
    assert lib.bc_table_new(two, 1, seven, 1, 8, 4, handle) == lib.BC_OK
    table = ffi.gc(handle[0], lib.bc_table_free)
    assert lib.bc_table_pow(table, b"\x01\x00", 2, out, 8) == lib.BC_EINVAL  # 256 >= 2**8
    assert lib.bc_table_pow(table, b"\xff", 1, out, 8) == lib.BC_OK
    assert int.from_bytes(ffi.buffer(out), "big") == pow(2, 255, 7)
    assert lib.bc_table_pow(null, b"\x01", 1, out, 8) == lib.BC_EINVAL
    assert lib.bc_table_pow_many(table, b"\x01", 1, 1, out, 8, 0) == lib.BC_EINVAL
    assert lib.bc_table_pow_many(table, null, 1, 1, out, 8, 1) == lib.BC_EINVAL
    assert lib.bc_table_pow_many(table, b"\x00\x01\x01\x00", 2, 2, out, 1, 1) == lib.BC_EINVAL
    assert lib.bc_table_pow_secret(table, b"\x01\x00", 2, out, 8) == lib.BC_EINVAL  # 256 >= 2**8
    assert lib.bc_table_pow_secret(table, b"\x00\x00\xff", 3, out, 8) == lib.BC_OK
    assert int.from_bytes(ffi.buffer(out), "big") == pow(2, 255, 7)
    assert lib.bc_table_pow_secret(table, b"\x01\x00\x00", 3, out, 8) == lib.BC_EINVAL
    assert lib.bc_table_pow_secret(null, b"\x01", 1, out, 8) == lib.BC_EINVAL
    assert lib.bc_table_pow_secret(table, null, 1, out, 8) == lib.BC_EINVAL
    assert lib.bc_table_pow_secret(table, b"\x01", 1, null, 8) == lib.BC_EINVAL
    assert lib.bc_table_pow_secret_traced(table, b"\x01", 1, out, 8, null, null) == lib.BC_OK
    assert lib.bc_table_pow_secret_many(table, b"\x01", 1, 1, out, 8, 0) == lib.BC_EINVAL
    assert lib.bc_table_pow_secret_many(table, null, 1, 1, out, 8, 1) == lib.BC_EINVAL
    assert lib.bc_table_pow_secret_many(table, b"\x00\x01\x01\x00", 2, 2, out, 1, 1) == lib.BC_EINVAL
    assert lib.bc_table_pow_secret_many(table, two, 4, 2**63, out, 8, 1) == lib.BC_EINVAL
    assert lib.bc_table_new(two, 1, b"\x08", 1, 8, 4, handle) == lib.BC_OK
    even = ffi.gc(handle[0], lib.bc_table_free)
    assert lib.bc_table_pow_secret(even, b"\x03", 1, out, 8) == lib.BC_EINVAL  # odd moduli only
    assert lib.bc_table_pow_secret_many(even, b"\x03", 1, 1, out, 8, 1) == lib.BC_EINVAL
    assert lib.bc_table_nbytes(null) == 0
    lib.bc_table_free(null)  # freeing NULL is a no-op
