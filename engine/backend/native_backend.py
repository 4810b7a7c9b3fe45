"""The native backend: our C on GMP (native/*.c, the secret-exponent code in native/ct_secret.c), called through cffi.

Integers cross into C as fixed-length big-endian byte strings and come back the same way; a
secret exponent is sent at the width of its range (exp_bits rounded up to 64-bit words), never at
its own length.
Arguments are checked here first (BackendError); the C code checks every length and bound again
and answers with a status code instead of crashing. cffi releases the GIL around each call, and
the C code keeps no global state, so several Python threads can compute at once; the *_many
calls can also split their work across C threads (``threads``).

Importing this module raises ImportError when the extension ``engine._native`` is not built.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from gmpy2 import mpz

from engine._native import ffi, lib  # type: ignore[import-not-found]
from engine.backend.base import Backend, FixedBaseTable
from engine.errors import BackendError

__all__ = ["NativeBackend", "NativeFixedBaseTable", "linked_gmp", "secret_exponent_bytes"]

_MPZ = type(mpz(0))
_STATUS = {-1: "invalid argument", -2: "out of memory", -3: "result does not fit the output"}
# Elements per C call in batch_in_subgroup: bounds the packed buffer (1 MiB at 4096 bits).
_BATCH_CHUNK = 2048
_RAND_BYTES = 8  # 64-bit random exponents for the batched subgroup check

if hasattr(mpz(0), "to_bytes"):

    def _to_bytes(x: Any, length: int) -> bytes:
        return x.to_bytes(length, "big")

    def _from_bytes(data: Any) -> mpz:
        return mpz.from_bytes(data, "big")

else:  # gmpy2 < 2.2

    def _to_bytes(x: Any, length: int) -> bytes:
        if not isinstance(x, (int, _MPZ)):
            raise TypeError("not an integer")
        return int(x).to_bytes(length, "big")

    def _from_bytes(data: Any) -> mpz:
        return mpz(int.from_bytes(bytes(data), "big"))


def linked_gmp() -> str:
    """The GMP the module runs on and where it was found at build time (native/build_native.py)."""
    where = ffi.string(lib.bc_gmp_source()).decode()
    version = ffi.string(lib.bc_gmp_version()).decode()
    return f"GMP {version} ({'the copy in the gmpy2 wheel' if where == 'gmpy2' else 'the system library'})"


def _check(status: int, op: str) -> None:
    if status != 0:
        raise BackendError(f"native {op} failed: {_STATUS.get(status, f'status {status}')}")


def _integer(x: Any, what: str) -> Any:
    if isinstance(x, (int, _MPZ)):
        return x
    raise BackendError(f"{what} must be an integer, not {type(x).__name__}")


def _nonneg(x: Any, what: str) -> Any:
    _integer(x, what)
    if x < 0:
        raise BackendError(f"{what} must be non-negative")
    return x


def _modulus(m: Any) -> Any:
    _integer(m, "modulus")
    if m < 1:
        raise BackendError("modulus must be >= 1")
    return m


def _nbytes(x: Any) -> int:
    return (x.bit_length() + 7) >> 3


def _pack(values: Sequence[Any], what: str, width: int = 0) -> tuple[bytes, int]:
    """Non-negative integers as one buffer of fixed-width big-endian items; (buffer, width).

    The common case (every value fits ``width`` bytes) is one pass; to_bytes refuses negative
    and oversized values, and those take the checking path.
    """
    if width > 0:
        try:
            return b"".join([_to_bytes(v, width) for v in values]), width
        except (AttributeError, OverflowError, TypeError):
            pass
    for v in values:
        _nonneg(v, what)
    width = max([width, 1, *(_nbytes(v) for v in values)])
    return b"".join([_to_bytes(v, width) for v in values]), width


def secret_exponent_bytes(exp_bits: Any) -> int:
    """The bytes a secret exponent below 2**exp_bits is sent as: exp_bits rounded up to 64-bit words."""
    if isinstance(exp_bits, bool) or not isinstance(exp_bits, int) or not 1 <= exp_bits <= lib.BC_MAX_EXP_BITS:
        raise BackendError(f"exp_bits must be an integer in 1..{lib.BC_MAX_EXP_BITS}, not {exp_bits!r}")
    return 8 * -(-exp_bits // 64)


def _threads(threads: Any) -> int:
    if not isinstance(threads, int) or not 1 <= threads <= 256:
        raise BackendError("threads must be an integer between 1 and 256")
    return threads


def _unpack(buffer: Any, count: int, width: int) -> list[mpz]:
    raw = ffi.buffer(buffer, count * width)
    return [_from_bytes(raw[i * width : (i + 1) * width]) for i in range(count)]


class NativeFixedBaseTable(FixedBaseTable):
    """A table of base**(d * 2**(window*i)) held by C; one multiplication per window digit.

    The table is read-only once built, so any number of threads may use it at once.
    """

    def __init__(self, base: int, modulus: int, exp_bits: int, window: int, threads: int = 1) -> None:
        _nonneg(base, "base")
        _modulus(modulus)
        if not isinstance(window, int) or not 1 <= window <= lib.BC_MAX_WINDOW:
            raise BackendError(f"table window must be 1..{lib.BC_MAX_WINDOW}, not {window!r}")
        if not isinstance(exp_bits, int) or not 1 <= exp_bits <= lib.BC_MAX_EXP_BITS:
            raise BackendError(f"table exp_bits must be 1..{lib.BC_MAX_EXP_BITS}, not {exp_bits!r}")
        self.modulus = mpz(modulus)
        self.base = mpz(base) % self.modulus
        self.exp_bits = exp_bits
        self.window = window
        self.threads = _threads(threads)
        self._limit = mpz(1) << exp_bits
        self._exp_len = (exp_bits + 7) // 8
        self._out_len = _nbytes(self.modulus)
        base_bytes = _to_bytes(self.base, self._out_len)
        mod_bytes = _to_bytes(self.modulus, self._out_len)
        handle = ffi.new("bc_table **")
        _check(
            lib.bc_table_new(base_bytes, len(base_bytes), mod_bytes, len(mod_bytes), exp_bits, window, handle),
            "fixed_base_table",
        )
        self._table = ffi.gc(handle[0], lib.bc_table_free)
        self.nbytes = int(lib.bc_table_nbytes(self._table))

    def _exponent(self, e: Any) -> bytes:
        _integer(e, "exponent")
        if not 0 <= e < self._limit:
            raise BackendError(f"table exponent must be in [0, 2**{self.exp_bits})")
        return _to_bytes(e, self._exp_len)

    def pow(self, exponent: int) -> mpz:
        e = self._exponent(exponent)
        out = ffi.new("uint8_t[]", self._out_len)
        _check(lib.bc_table_pow(self._table, e, len(e), out, self._out_len), "table pow")
        return _from_bytes(ffi.buffer(out))

    def pow_many(self, exponents: Sequence[int], threads: int | None = None) -> list[mpz]:
        return self._batch(lib.bc_table_pow_many, "table pow_many", exponents, threads)

    def _batch(self, function: Any, what: str, exponents: Sequence[int], threads: int | None) -> list[mpz]:
        """One C call over many exponents, packed at fixed width, split across native threads."""
        nthreads = self.threads if threads is None else _threads(threads)
        count = len(exponents)
        if count == 0:
            return []
        packed = b"".join(self._exponent(e) for e in exponents)
        out = ffi.new("uint8_t[]", count * self._out_len)
        _check(function(self._table, packed, self._exp_len, count, out, self._out_len, nthreads), what)
        return _unpack(out, count, self._out_len)

    def _secret_ok(self) -> None:
        if self.modulus % 2 == 0:
            raise BackendError("pow_secret needs an odd modulus")

    def pow_secret(self, exponent: int) -> mpz:
        """base**exponent mod p by bc_table_pow_secret: a full masked scan of every row, one
        multiplication per window, no value-dependent branch or address in C.

        Not covered: the Python range check and the conversion of the exponent to bytes (and of
        the result back), which are ordinary CPython/gmpy2 integer code.
        """
        self._secret_ok()
        e = self._exponent(exponent)
        out = ffi.new("uint8_t[]", self._out_len)
        _check(lib.bc_table_pow_secret(self._table, e, len(e), out, self._out_len), "table pow_secret")
        return _from_bytes(ffi.buffer(out))

    def pow_secret_many(self, exponents: Sequence[int], threads: int | None = None) -> list[mpz]:
        self._secret_ok()
        return self._batch(lib.bc_table_pow_secret_many, "table pow_secret_many", exponents, threads)


class NativeBackend(Backend):
    """Modular arithmetic in our C on GMP; ``threads`` is the default for the *_many calls."""

    name = "native"
    gmp_source = linked_gmp()

    def __init__(self, threads: int = 1) -> None:
        self.threads = _threads(threads)

    def powmod(self, base: int, exponent: int, modulus: int) -> mpz:
        _nonneg(base, "base")
        _nonneg(exponent, "exponent")
        _modulus(modulus)
        mlen = _nbytes(modulus)
        b = _to_bytes(base, _nbytes(base))
        e = _to_bytes(exponent, _nbytes(exponent))
        m = _to_bytes(modulus, mlen)
        out = ffi.new("uint8_t[]", mlen)
        _check(lib.bc_powmod(b, len(b), e, len(e), m, mlen, out, mlen), "powmod")
        return _from_bytes(ffi.buffer(out))

    def powmod_sec(self, base: int, exponent: int, modulus: int, exp_bits: int) -> mpz:
        """bc_powmod_sec with the exponent sent as exp_bits rounded up to 64-bit words, whatever its value.

        Not covered: the Python checks and the conversions to and from bytes (ordinary CPython and
        gmpy2 integer code).
        """
        _nonneg(base, "base")
        _integer(exponent, "exponent")
        _integer(modulus, "modulus")
        exp_len = secret_exponent_bytes(exp_bits)
        if modulus < 3 or modulus % 2 == 0:
            raise BackendError("powmod_sec needs an odd modulus >= 3")
        if not 0 <= exponent < mpz(1) << exp_bits:
            raise BackendError(f"powmod_sec needs 0 <= exponent < 2**{exp_bits}")
        mlen = _nbytes(modulus)
        b = _to_bytes(base, _nbytes(base))
        e = _to_bytes(exponent, exp_len)
        m = _to_bytes(modulus, mlen)
        out = ffi.new("uint8_t[]", mlen)
        _check(lib.bc_powmod_sec(b, len(b), e, exp_len, m, mlen, out, mlen), "powmod_sec")
        return _from_bytes(ffi.buffer(out))

    def fixed_base_table(self, base: int, modulus: int, exp_bits: int, window: int) -> FixedBaseTable:
        return NativeFixedBaseTable(base, modulus, exp_bits, window, threads=self.threads)

    def range_exponents(self, us: Sequence[int], cs: Sequence[int], vote: int, q: int) -> list[mpz]:
        """bc_range_exponents: the same C work for every vote and value (fixed-width limbs, masks).

        The vote crosses into C as an unsigned int (cffi refuses a negative or oversized one; no
        Python comparison touches it here); the other values as bytes at q's length.
        """
        count, qb, u, c = self._range_operands(us, cs, q)
        out = ffi.new("uint8_t[]", count * len(qb))
        try:
            status = lib.bc_range_exponents(u, c, len(qb), count, vote, qb, len(qb), out, len(qb))
        except (OverflowError, TypeError) as exc:
            raise BackendError(f"the vote must be a non-negative integer ({exc})") from None
        _check(status, "range_exponents")
        return _unpack(out, count, len(qb))

    def range_responses(
        self, us: Sequence[int], cs: Sequence[int], vote: int, challenge: int, nonce: int, q: int
    ) -> tuple[list[mpz], list[mpz]]:
        """bc_range_responses: the same C work for every vote and value (fixed-width limbs, masks)."""
        count, qb, u, c = self._range_operands(us, cs, q)
        width = len(qb)
        pair, pair_width = _pack([challenge, nonce], "challenge and nonce", width)
        if pair_width != width:
            raise BackendError("the challenge and the nonce must be below q")
        ch, xi = pair[:width], pair[width:]
        out_c = ffi.new("uint8_t[]", count * width)
        out_v = ffi.new("uint8_t[]", count * width)
        try:
            status = lib.bc_range_responses(u, c, width, count, vote, ch, xi, qb, width, out_c, out_v, width)
        except (OverflowError, TypeError) as exc:
            raise BackendError(f"the vote must be a non-negative integer ({exc})") from None
        _check(status, "range_responses")
        return _unpack(out_c, count, width), _unpack(out_v, count, width)

    @staticmethod
    def _range_operands(us: Sequence[int], cs: Sequence[int], q: int) -> tuple[int, bytes, bytes, bytes]:
        _integer(q, "q")
        if len(us) != len(cs) or not us or q < 2:
            raise BackendError("the range-proof arithmetic needs as many c_j as u_j, at least one, and q >= 2")
        qb = _to_bytes(q, _nbytes(q))
        u, uw = _pack(us, "u_j", len(qb))
        c, cw = _pack(cs, "c_j", len(qb))
        if uw != len(qb) or cw != len(qb):
            raise BackendError("the range-proof values must be below q")
        return len(us), qb, u, c

    def powmod_same_base(self, base: int, exponents: Sequence[int], modulus: int) -> list[mpz]:
        """bc_powmod_same_base: the squarings of base shared by all the exponents (Yao's method)."""
        _nonneg(base, "base")
        _modulus(modulus)
        count = len(exponents)
        if count == 0:
            return []
        mlen = _nbytes(modulus)
        b = _to_bytes(base, _nbytes(base))
        e, elen = _pack(exponents, "exponent", 32)
        m = _to_bytes(modulus, mlen)
        out = ffi.new("uint8_t[]", count * mlen)
        _check(lib.bc_powmod_same_base(b, len(b), e, elen, count, m, mlen, out, mlen), "powmod_same_base")
        return _unpack(out, count, mlen)

    def multi_powmod(self, bases: Sequence[int], exponents: Sequence[int], modulus: int) -> mpz:
        if len(bases) != len(exponents):
            raise BackendError("multi_powmod needs as many exponents as bases")
        _modulus(modulus)
        mlen = _nbytes(modulus)
        b, blen = _pack(bases, "base", mlen)
        e, elen = _pack(exponents, "exponent", 32)
        m = _to_bytes(modulus, mlen)
        out = ffi.new("uint8_t[]", mlen)
        _check(lib.bc_multi_powmod(b, blen, e, elen, len(bases), m, mlen, out, mlen), "multi_powmod")
        return _from_bytes(ffi.buffer(out))

    def multi_powmod_residues(self, bases: Sequence[int], exponents: Sequence[int], modulus: int) -> tuple[mpz, bool]:
        """bc_multi_powmod_qr: the Jacobi symbols from parity tests over the exponents' bits (Backend's docstring)."""
        if len(bases) != len(exponents):
            raise BackendError("multi_powmod_residues needs as many exponents as bases")
        _modulus(modulus)
        if modulus < 3 or modulus % 2 == 0:
            raise BackendError("multi_powmod_residues needs an odd modulus >= 3")
        mlen = _nbytes(modulus)
        b, blen = _pack(bases, "base", mlen)
        e, elen = _pack(exponents, "exponent", 32)
        m = _to_bytes(modulus, mlen)
        out = ffi.new("uint8_t[]", mlen)
        residues = ffi.new("int *")
        _check(
            lib.bc_multi_powmod_qr(b, blen, e, elen, len(bases), m, mlen, out, mlen, residues),
            "multi_powmod_residues",
        )
        return _from_bytes(ffi.buffer(out)), bool(residues[0])

    def prod_mod(self, values: Sequence[int], modulus: int) -> mpz:
        _modulus(modulus)
        mlen = _nbytes(modulus)
        v, vlen = _pack(values, "value", mlen)
        m = _to_bytes(modulus, mlen)
        out = ffi.new("uint8_t[]", mlen)
        _check(lib.bc_prod_mod(v, vlen, len(values), m, mlen, out, mlen), "prod_mod")
        return _from_bytes(ffi.buffer(out))

    def powmod_many(
        self, bases: Sequence[int], exponents: Sequence[int], modulus: int, threads: int | None = None
    ) -> list[mpz]:
        if len(bases) != len(exponents):
            raise BackendError("powmod_many needs as many exponents as bases")
        nthreads = self.threads if threads is None else _threads(threads)
        _modulus(modulus)
        count = len(bases)
        if count == 0:
            return []
        mlen = _nbytes(modulus)
        b, blen = _pack(bases, "base", mlen)
        e, elen = _pack(exponents, "exponent", 32)
        m = _to_bytes(modulus, mlen)
        out = ffi.new("uint8_t[]", count * mlen)
        _check(
            lib.bc_powmod_many(b, blen, e, elen, count, m, mlen, out, mlen, nthreads),
            "powmod_many",
        )
        return _unpack(out, count, mlen)

    def batch_in_subgroup(self, values: Sequence[int], p: int, q: int) -> bool:
        _integer(p, "p")
        _integer(q, "q")
        if p < 3 or p % 2 == 0 or q < 1:
            raise BackendError("batch_in_subgroup needs an odd p >= 3 and q >= 1")
        plen = _nbytes(p)
        pb = _to_bytes(p, plen)
        qb = _to_bytes(q, _nbytes(q))
        result = ffi.new("int *")
        for start in range(0, len(values), _BATCH_CHUNK):
            chunk = values[start : start + _BATCH_CHUNK]
            for x in chunk:
                _integer(x, "value")
                if not 0 < x < p:
                    return False
            packed = b"".join(_to_bytes(x, plen) for x in chunk)
            rand = secrets.token_bytes(_RAND_BYTES * len(chunk))
            _check(
                lib.bc_batch_in_subgroup(packed, plen, len(chunk), pb, plen, qb, len(qb), rand, _RAND_BYTES, result),
                "batch_in_subgroup",
            )
            if not result[0]:
                return False
        return True
