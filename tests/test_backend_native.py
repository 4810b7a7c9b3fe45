"""The native C backend gives the same answers as Python's own arithmetic (and as the gmpy2 backend).

Property tests on random small moduli (odd and even, one limb and many), on a 512-bit test group
with the production group's structure, and on the 4096-bit production group of spec 3.1.1. The
C entry points are also called directly with bad lengths and bounds: they must answer with an
error status, never crash.
"""

from __future__ import annotations

import math
import secrets
import threading
from functools import reduce

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    from engine.backend.native_backend import NativeBackend, ffi, lib
except ImportError as exc:  # the extension is optional: installs without GMP have none
    pytest.skip(f"engine._native is not built ({exc})", allow_module_level=True)

from engine.errors import BackendError

try:
    from engine.backend.gmpy2_backend import Gmpy2Backend
except ImportError:  # pragma: no cover - the reference backend is being written alongside
    Gmpy2Backend = None  # type: ignore[assignment,misc]

# Spec 3.1.1 production parameters.
P = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
    "B17217F7D1CF79ABC9E3B39803F2F6AF40F343267298B62D8A0D175B8BAAFA2B"
    "E7B876206DEBAC98559552FB4AFA1B10ED2EAE35C138214427573B291169B825"
    "3E96CA16224AE8C51ACBDA11317C387EB9EA9BC3B136603B256FA0EC7657F74B"
    "72CE87B19D6548CAF5DFA6BD38303248655FA1872F20E3A2DA2D97C50F3FD5C6"
    "07F4CA11FB5BFB90610D30F88FE551A2EE569D6DFC1EFA157D2E23DE1400B396"
    "17460775DB8990E5C943E732B479CD33CCCC4E659393514C4C1A1E0BD1D6095D"
    "25669B333564A3376A9C7F8A5E148E82074DB6015CFE7AA30C480A5417350D2C"
    "955D5179B1E17B9DAE313CDB6C606CB1078F735D1B2DB31B5F50B5185064C18B"
    "4D162DB3B365853D7598A1951AE273EE5570B6C68F96983496D4E6D330AF889B"
    "44A02554731CDC8EA17293D1228A4EF98D6F5177FBCF0755268A5C1F9538B982"
    "61AFFD446B1CA3CF5E9222B88C66D3C5422183EDC99421090BBB16FAF3D949F2"
    "36E02B20CEE886B905C128D53D0BD2F9621363196AF503020060E49908391A0C"
    "57339BA2BEBA7D052AC5B61CC4E9207CEF2F0CE2D7373958D762265890445744"
    "FB5F2DA4B751005892D356890DEFE9CAD9B9D4B713E06162A2D8FDD0DF2FD608"
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    16,
)
Q = 2**256 - 189
G = int(
    "36036FED214F3B50DC566D3A312FE4131FEE1C2BCE6D02EA39B477AC05F7F885"
    "F38CFE77A7E45ACF4029114C4D7A9BFE058BF2F995D2479D3DDA618FFD910D3C"
    "4236AB2CFDD783A5016F7465CF59BBF45D24A22F130F2D04FE93B2D58BB9C1D1"
    "D27FC9A17D2AF49A779F3FFBDCA22900C14202EE6C99616034BE35CBCDD3E7BB"
    "7996ADFE534B63CCA41E21FF5DC778EBB1B86C53BFBE99987D7AEA0756237FB4"
    "0922139F90A62F2AA8D9AD34DFF799E33C857A6468D001ACF3B681DB87DC4242"
    "755E2AC5A5027DB81984F033C4D178371F273DBB4FCEA1E628C23E52759BC776"
    "5728035CEA26B44C49A65666889820A45C33DD37EA4A1D00CB62305CD541BE1E"
    "8A92685A07012B1A20A746C3591A2DB3815000D2AACCFE43DC49E828C1ED7387"
    "466AFD8E4BF1935593B2A442EEC271C50AD39F733797A1EA11802A2557916534"
    "662A6B7E9A9E449A24C8CFF809E79A4D806EB681119330E6C57985E39B200B48"
    "93639FDFDEA49F76AD1ACD997EBA13657541E79EC57437E504EDA9DD01106151"
    "6C643FB30D6D58AFCCD28B73FEDA29EC12B01A5EB86399A593A9D5F450DE39CB"
    "92962C5EC6925348DB54D128FD99C14B457F883EC20112A75A6A0581D3D80A3B"
    "4EF09EC86F9552FFDA1653F133AA2534983A6F31B0EE4697935A6B1EA2F75B85"
    "E7EBA151BA486094D68722B054633FEC51CA3F29B31E77E317B178B6B9D8AE0F",
    16,
)
# A 512-bit test group of the same shape: q = 2^64 - 59, p = 2 q r' + 1 with r' prime.
TP = int(
    "8000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000020E507FFFBD3AAF7D0583",
    16,
)
TQ = 2**64 - 59
TG = int(
    "451751232222D921CA6DAF02D31184247D06B93E3C7BD4911F9B3528FC7B1EB3"
    "59CF9E3C36BB378B73E2D3D15D9FB8BDFCEBDACAB9EB195F999A81425CAB8B37",
    16,
)
GROUPS = {"test": (TP, TQ, TG), "production": (P, Q, G)}

NATIVE = NativeBackend()
REFERENCE = Gmpy2Backend() if Gmpy2Backend is not None else None

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
    """The gmpy2 backend's answer, when that backend exists."""
    if REFERENCE is None:
        return None
    return getattr(REFERENCE, name)(*args)


def same(got: object, want: object, name: str, *args: object) -> None:
    assert got == want
    ref = reference(name, *args)
    if ref is not None:
        assert ref == got


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
@given(base=values, exponent=st.integers(min_value=1, max_value=2**300), modulus=moduli)
def test_powmod_sec(base: int, exponent: int, modulus: int) -> None:
    modulus |= 1
    if modulus < 3:
        modulus = 3
    got = NATIVE.powmod_sec(base, exponent, modulus)
    same(got, pow(base, exponent, modulus), "powmod_sec", base, exponent, modulus)


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
    if REFERENCE is not None and modulus > 1:  # gmpy2's table answers 1 for e = 0 mod 1
        ref = REFERENCE.fixed_base_table(base, modulus, exp_bits, window)
        assert ref.pow_many(es) == want


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


def test_results_are_mpz() -> None:
    mpz_type = type(NATIVE.powmod(2, 3, 5))
    assert mpz_type.__name__ == "mpz"
    table = NATIVE.fixed_base_table(2, 101, 16, 4)
    results = [
        NATIVE.powmod_sec(2, 3, 5),
        table.pow(7),
        *table.pow_many([1, 2]),
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
    if REFERENCE is not None:
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


@SLOW
@given(data=st.data(), count=st.sampled_from([1, 2, 4]))
def test_production_multi_powmod_and_sec(data: st.DataObject, count: int) -> None:
    bases = data.draw(st.lists(st.integers(min_value=1, max_value=P - 1), min_size=count, max_size=count))
    exps = data.draw(st.lists(st.integers(min_value=1, max_value=Q - 1), min_size=count, max_size=count))
    want = math.prod(pow(b, e, P) for b, e in zip(bases, exps)) % P
    same(NATIVE.multi_powmod(bases, exps, P), want, "multi_powmod", bases, exps, P)
    assert NATIVE.powmod_sec(bases[0], exps[0], P) == pow(bases[0], exps[0], P)
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
        lambda b: b.powmod_sec(2, 3, 8),
        lambda b: b.powmod_sec(2, 0, 7),
        lambda b: b.powmod_sec(2, -1, 7),
        lambda b: b.powmod_sec(2, 3, 1),
        lambda b: b.powmod_sec(-2, 3, 7),
        lambda b: b.fixed_base_table(2, 7, 8, 0),
        lambda b: b.fixed_base_table(2, 7, 8, 17),
        lambda b: b.fixed_base_table(2, 7, 0, 4),
        lambda b: b.fixed_base_table(2, 0, 8, 4),
        lambda b: b.fixed_base_table(-2, 7, 8, 4),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow(256),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow(-1),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow_many([1, 2**8]),
        lambda b: b.fixed_base_table(2, 7, 8, 4).pow_many([1], threads=0),
        lambda b: b.multi_powmod([2, 3], [1], 7),
        lambda b: b.multi_powmod([2], [-1], 7),
        lambda b: b.multi_powmod([-2], [1], 7),
        lambda b: b.multi_powmod([2], [1], 0),
        lambda b: b.prod_mod([2, -3], 7),
        lambda b: b.prod_mod([2], 0),
        lambda b: b.powmod_many([2, 3], [1], 7),
        lambda b: b.powmod_many([2], [-1], 7),
        lambda b: b.powmod_many([2], [1], 7, threads=0),
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
    assert lib.bc_powmod_sec(two, 1, b"\x00", 1, seven, 1, out, 8) == lib.BC_EINVAL  # exponent 0
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
    assert lib.bc_table_nbytes(null) == 0
    lib.bc_table_free(null)  # freeing NULL is a no-op
