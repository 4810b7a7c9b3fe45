"""The group of spec 2.0.0 section 3.1.1, and typed elements mod p and mod q.

Two parameter sets: the production group of the spec (4096-bit p, q = 2^256 - 189) and a
small test group with the same structure (p - 1 = 2 q r' with q and r' prime) so that most
tests run fast. Elements carry their group so that encodings and checks never guess it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property

import gmpy2
from gmpy2 import mpz

from engine.backend import Backend, FixedBaseTable, get_backend
from engine.errors import GroupError

_PRODUCTION_P = int(
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
_PRODUCTION_G = int(
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
# Test group: q is the largest 64-bit prime, p = 2 q r' + 1 is a 512-bit prime with r' prime,
# g = 2^((p-1)/q) mod p. Insecure by design; for tests and demos only.
_TEST_P = int(
    "8000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000020E507FFFBD3AAF7D0583",
    16,
)
_TEST_G = int(
    "451751232222D921CA6DAF02D31184247D06B93E3C7BD4911F9B3528FC7B1EB3"
    "59CF9E3C36BB378B73E2D3D15D9FB8BDFCEBDACAB9EB195F999A81425CAB8B37",
    16,
)

# Window size for fixed-base tables, chosen by benchmarks/micro.py: on the production group 8-bit
# windows cost 4-5 MiB per base and give ~0.12 ms (gmpy2) / ~0.03 ms (native) exponentiations;
# 12 bits saves under 10% more for ~55 MiB.
TABLE_WINDOW = 8
# Window size of the tables for secret exponents (pow_secret reads every entry of every row), also
# chosen by benchmarks/micro.py on the production group. Native backend, ms per exponentiation for
# windows 4/5/6/7/8: AVX-512 IFMA 0.071/0.062/0.063/0.071/0.091, GMP mpn 0.29/0.23/0.21/0.21/0.23.
# 6 bits: 1.3-1.7 MiB per base. The gmpy2 backend ignores the table for secrets (it calls
# gmpy2.powmod_sec) and never builds its rows.
SECRET_TABLE_WINDOW = 6


class Group:
    """Parameters (p, q, g, r) of a prime-order subgroup of Z_p^*, spec 3.1.1.

    Instances are immutable after construction; tables of powers of g are built on first use.
    """

    __slots__ = ("name", "p", "q", "g", "r", "p_bytes", "q_bytes", "__dict__")

    def __init__(self, name: str, p: int, q: int, g: int) -> None:
        self.name = name
        self.p = mpz(p)
        self.q = mpz(q)
        self.g = mpz(g)
        if (self.p - 1) % self.q != 0:
            raise GroupError(f"group {name}: q does not divide p - 1")
        self.r = (self.p - 1) // self.q
        if not 1 < self.g < self.p:
            raise GroupError(f"group {name}: generator out of range")
        self.p_bytes = (self.p.bit_length() + 7) // 8
        self.q_bytes = (self.q.bit_length() + 7) // 8

    def __repr__(self) -> str:
        return f"Group({self.name!r})"

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (group_by_name, (self.name,))

    @property
    def backend(self) -> Backend:
        return get_backend()

    # -- construction and validation ------------------------------------------------------
    def element_p(self, value: int, *, check_subgroup: bool = False) -> ElementModP:
        """An element of Z_p; with check_subgroup, of Z_p^r (x^q = 1 mod p), spec 6 (2.A)."""
        x = _as_mpz(value, "element mod p")
        if not 0 <= x < self.p:
            raise GroupError(f"value is not an integer mod p of group {self.name}")
        e = ElementModP(x, self)
        if check_subgroup and not self.in_subgroup(e):
            raise GroupError(f"value is not in the order-q subgroup of group {self.name}")
        return e

    def element_q(self, value: int) -> ElementModQ:
        """An element of Z_q: 0 <= x < q."""
        x = _as_mpz(value, "element mod q")
        if not 0 <= x < self.q:
            raise GroupError(f"value is not an integer mod q of group {self.name}")
        return ElementModQ(x, self)

    def reduce_q(self, value: int) -> ElementModQ:
        return ElementModQ(mpz(value) % self.q, self)

    def random_q(self) -> ElementModQ:
        """A uniformly random element of Z_q from the `secrets` generator."""
        return ElementModQ(mpz(secrets.randbelow(int(self.q))), self)

    def random_nonzero_q(self) -> ElementModQ:
        return ElementModQ(mpz(1 + secrets.randbelow(int(self.q) - 1)), self)

    def in_subgroup(self, x: ElementModP) -> bool:
        v = x.value
        return 0 < v < self.p and gmpy2.jacobi(v, self.p) == 1 and self.backend.powmod(v, self.q, self.p) == 1

    def all_in_subgroup(self, xs: list[ElementModP]) -> bool:
        """Batched membership test of spec 6 (x in Z_p^r): Jacobi symbols plus one randomized check."""
        return self.backend.batch_in_subgroup([x.value for x in xs], self.p, self.q)

    # -- exponentiation -------------------------------------------------------------------
    @cached_property
    def g_table(self) -> FixedBaseTable:
        return self.backend.fixed_base_table(self.g, self.p, self.q.bit_length(), TABLE_WINDOW)

    @cached_property
    def generator(self) -> ElementModP:
        return ElementModP(self.g, self)

    @cached_property
    def one(self) -> ElementModP:
        return ElementModP(mpz(1), self)

    @cached_property
    def g_secret_table(self) -> FixedBaseTable:
        return self.backend.fixed_base_table(self.g, self.p, self.q.bit_length(), SECRET_TABLE_WINDOW)

    def g_pow(self, e: ElementModQ | int) -> ElementModP:
        """g^e mod p from the fixed-base table, for a public exponent (verification)."""
        return ElementModP(self.g_table.pow(_exponent(e, self.q)), self)

    def g_pow_secret(self, e: ElementModQ) -> ElementModP:
        """g^e mod p for a secret exponent (nonces, secret keys), from the constant-time table.

        The same value as g_pow(e); see FixedBaseTable.pow_secret for what is constant time.
        """
        return ElementModP(self.g_secret_table.pow_secret(_secret_exponent(e, self)), self)

    def table_for(self, base: ElementModP) -> FixedBaseTable:
        """A cached fixed-base table for a base used many times (the joint key K), public exponents."""
        return _table_for(self, base.value, TABLE_WINDOW)

    def secret_table_for(self, base: ElementModP) -> FixedBaseTable:
        """A cached table of base for secret exponents (FixedBaseTable.pow_secret)."""
        return _table_for(self, base.value, SECRET_TABLE_WINDOW)

    def k_pow(self, base: ElementModP, e: ElementModQ | int) -> ElementModP:
        """base^e mod p for a public exponent and a base used many times (the joint key K), from its cached table."""
        if base.group is not self:
            raise GroupError(f"the base is not an element of group {self.name}")
        return ElementModP(self.table_for(base).pow(_exponent(e, self.q)), self)

    def k_pow_secret(self, base: ElementModP, e: ElementModQ) -> ElementModP:
        """base^e mod p for a secret exponent and a base used many times (the joint key K).

        The same value as k_pow(base, e). A base used once (another guardian's key)
        should use base.pow_secret(e) instead: a table costs ~1600 multiplications to build.
        """
        if base.group is not self:
            raise GroupError(f"the base is not an element of group {self.name}")
        return ElementModP(self.secret_table_for(base).pow_secret(_secret_exponent(e, self)), self)

    def multi_pow(self, bases: list[ElementModP], exponents: list[ElementModQ | int]) -> ElementModP:
        """prod(b_i^e_i) mod p for public exponents."""
        return ElementModP(
            self.backend.multi_powmod([b.value for b in bases], [_exponent(e, None) for e in exponents], self.p),
            self,
        )

    def product(self, xs: list[ElementModP]) -> ElementModP:
        return ElementModP(self.backend.prod_mod([x.value for x in xs], self.p), self)


_MPZ = type(mpz(0))


def _as_mpz(value: object, what: str) -> mpz:
    """value as an mpz; an int or mpz (not a bool), else GroupError."""
    if type(value) is _MPZ:
        return value  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, (int, _MPZ)):
        raise GroupError(f"{what} must be an integer, not {type(value).__name__}")
    return mpz(value)


if hasattr(_MPZ, "to_bytes"):

    def _to_bytes(x: mpz, length: int) -> bytes:
        """b(x, length), big-endian; OverflowError for a negative or too long x."""
        return x.to_bytes(length, "big")  # type: ignore[no-any-return]

else:  # gmpy2 < 2.2

    def _to_bytes(x: mpz, length: int) -> bytes:
        """b(x, length), big-endian; OverflowError for a negative or too long x."""
        return int(x).to_bytes(length, "big")


def _exponent(e: ElementModQ | int, q: mpz | None) -> mpz:
    if isinstance(e, ElementModQ):
        return e.value
    x = mpz(e)
    if x < 0:
        raise GroupError("negative exponent")
    return x % q if q is not None else x


def _secret_exponent(e: ElementModQ, group: Group) -> mpz:
    if not isinstance(e, ElementModQ) or e.group is not group:
        raise GroupError(f"a secret exponent must be an element mod q of group {group.name}")
    return e.value


_TABLES: dict[tuple[str, int, int], FixedBaseTable] = {}
_MAX_TABLES = 8


def _table_for(group: Group, base: mpz, window: int) -> FixedBaseTable:
    key = (group.name, int(base), window)
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= _MAX_TABLES:
            _TABLES.pop(next(iter(_TABLES)))
        table = group.backend.fixed_base_table(base, group.p, group.q.bit_length(), window)
        _TABLES[key] = table
    return table


@dataclass(frozen=True, slots=True)
class ElementModP:
    """An integer mod p (alpha, beta, K, commitments...)."""

    value: mpz
    group: Group

    def __mul__(self, other: ElementModP) -> ElementModP:
        return ElementModP(self.value * other.value % self.group.p, self.group)

    def __truediv__(self, other: ElementModP) -> ElementModP:
        return self * other.inverse()

    def __pow__(self, e: ElementModQ | int) -> ElementModP:
        """Exponentiation with a public exponent."""
        return ElementModP(self.group.backend.powmod(self.value, _exponent(e, None), self.group.p), self.group)

    def pow_secret(self, e: ElementModQ) -> ElementModP:
        """self^e mod p for a secret exponent e mod q and a public base (this element).

        The backend's powmod_sec with the exponent at q's width in 64-bit words, so that neither
        its value nor its length changes the exponentiation; no shortcut for e = 0. See
        Backend.powmod_sec for what each backend promises.
        """
        group = self.group
        x = _secret_exponent(e, group)
        return ElementModP(group.backend.powmod_sec(self.value, x, group.p, group.q.bit_length()), group)

    def inverse(self) -> ElementModP:
        if self.value == 0:
            raise GroupError("0 has no inverse mod p")
        return ElementModP(gmpy2.invert(self.value, self.group.p), self.group)

    def to_bytes(self) -> bytes:
        """b(x, l_p), spec 5.1.1."""
        return _to_bytes(self.value, self.group.p_bytes)

    def __int__(self) -> int:
        return int(self.value)

    def __hash__(self) -> int:
        return hash(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ElementModP) and self.value == other.value and self.group is other.group


@dataclass(frozen=True, slots=True)
class ElementModQ:
    """An integer mod q (nonces, secrets, challenges, responses)."""

    value: mpz
    group: Group

    def __add__(self, other: ElementModQ | int) -> ElementModQ:
        return ElementModQ((self.value + _value(other)) % self.group.q, self.group)

    def __sub__(self, other: ElementModQ | int) -> ElementModQ:
        return ElementModQ((self.value - _value(other)) % self.group.q, self.group)

    def __mul__(self, other: ElementModQ | int) -> ElementModQ:
        return ElementModQ((self.value * _value(other)) % self.group.q, self.group)

    def __neg__(self) -> ElementModQ:
        return ElementModQ((-self.value) % self.group.q, self.group)

    def inverse(self) -> ElementModQ:
        if self.value == 0:
            raise GroupError("0 has no inverse mod q")
        return ElementModQ(gmpy2.invert(self.value, self.group.q), self.group)

    def to_bytes(self) -> bytes:
        """b(x, l_q), spec 5.1.2."""
        return _to_bytes(self.value, self.group.q_bytes)

    def __int__(self) -> int:
        return int(self.value)

    def __hash__(self) -> int:
        return hash(self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ElementModQ) and self.value == other.value and self.group is other.group


def _value(x: ElementModQ | int) -> mpz:
    return x.value if isinstance(x, ElementModQ) else mpz(x)


PRODUCTION_GROUP = Group("production", _PRODUCTION_P, (1 << 256) - 189, _PRODUCTION_G)
TEST_GROUP = Group("test", _TEST_P, (1 << 64) - 59, _TEST_G)

_GROUPS = {g.name: g for g in (PRODUCTION_GROUP, TEST_GROUP)}


def group_by_name(name: str) -> Group:
    try:
        return _GROUPS[name]
    except KeyError:
        raise GroupError(f"unknown group {name!r}") from None


def group_for_parameters(p: int, q: int, g: int) -> Group:
    """The known group with exactly these parameters (spec 6, verification 1.B-1.E)."""
    for group in _GROUPS.values():
        if (group.p, group.q, group.g) == (p, q, g):
            return group
    raise GroupError("the parameters are not those of a known group (spec 3.1.1)")
