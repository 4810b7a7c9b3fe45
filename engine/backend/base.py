"""The bignum seam: every modular operation the protocol needs, behind one interface.

All integers crossing this interface are ``gmpy2.mpz`` (plain ``int`` is accepted on input).
Both implementations (gmpy2, native C) must return identical values for identical inputs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import gmpy2
from gmpy2 import mpz


class FixedBaseTable(ABC):
    """Precomputed powers of one base modulo p, for exponents below 2**exp_bits."""

    base: mpz
    modulus: mpz
    exp_bits: int
    window: int

    @abstractmethod
    def pow(self, exponent: int) -> mpz:
        """base**exponent mod p; 0 <= exponent < 2**exp_bits."""

    def pow_many(self, exponents: Sequence[int]) -> list[mpz]:
        return [self.pow(e) for e in exponents]

    @abstractmethod
    def pow_secret(self, exponent: int) -> mpz:
        """base**exponent mod p for a secret exponent, 0 <= exponent < 2**exp_bits: equal to pow().

        The modulus must be odd. Running time and memory accesses of the exponentiation itself do
        not depend on the exponent's value; each backend says how far that holds. The Python code
        around it (range check, conversion to bytes or limbs) is ordinary Python integer code,
        which makes no such promise.
        """

    def pow_secret_many(self, exponents: Sequence[int]) -> list[mpz]:
        return [self.pow_secret(e) for e in exponents]


class Backend(ABC):
    """One implementation of the modular arithmetic the engine needs."""

    name: str
    gmp_source: str  # the GMP underneath and where it comes from, e.g. "GMP 6.3.0 (gmpy2's copy)"

    @abstractmethod
    def powmod(self, base: int, exponent: int, modulus: int) -> mpz:
        """base**exponent mod modulus for a public exponent (0 <= exponent)."""

    @abstractmethod
    def powmod_sec(self, base: int, exponent: int, modulus: int, exp_bits: int) -> mpz:
        """base**exponent mod modulus for a secret 0 <= exponent < 2**exp_bits and a public base.

        modulus must be odd and >= 3. The exponentiation takes the same time for every exponent
        of the range: it works on exp_bits rounded up to 64-bit words, whatever the exponent's
        value or length, with no shortcut for 0. Each backend says how far that holds.
        """

    @abstractmethod
    def fixed_base_table(self, base: int, modulus: int, exp_bits: int, window: int) -> FixedBaseTable:
        """A table of powers of base for fast exponentiation with exponents < 2**exp_bits."""

    def powmod_same_base(self, base: int, exponents: Sequence[int], modulus: int) -> list[mpz]:
        """[base**e mod modulus for e in exponents] (public exponents); the native backend shares the
        squarings between the exponents (the strict check of a range proof, spec 2.0.0 eq. 46 / 56,
        raises alpha and beta to every c_j)."""
        return [self.powmod(base, e, modulus) for e in exponents]

    @abstractmethod
    def multi_powmod(self, bases: Sequence[int], exponents: Sequence[int], modulus: int) -> mpz:
        """prod(bases[i]**exponents[i]) mod modulus (public exponents)."""

    def multi_powmod_residues(self, bases: Sequence[int], exponents: Sequence[int], modulus: int) -> tuple[mpz, bool]:
        """(multi_powmod(bases, exponents, modulus), whether every base has Jacobi symbol 1) for an odd
        modulus > 1: the quadratic-residue test of batch verification (docs/BATCH_VERIFICATION.md).

        The native backend may decide the second part with one Jacobi symbol per bit position of
        the exponents instead of one per base (bc_multi_powmod_qr): callers must give exponents
        whose low 64 bits are independent and uniformly random, and then a wrong True has
        probability at most 2^-64.
        """
        return self.multi_powmod(bases, exponents, modulus), all(gmpy2.jacobi(b, modulus) == 1 for b in bases)

    @abstractmethod
    def prod_mod(self, values: Sequence[int], modulus: int) -> mpz:
        """prod(values) mod modulus (1 for an empty sequence)."""

    @abstractmethod
    def powmod_many(self, bases: Sequence[int], exponents: Sequence[int], modulus: int) -> list[mpz]:
        """[bases[i]**exponents[i] mod modulus], element by element (public exponents)."""

    def range_exponents(self, us: Sequence[int], cs: Sequence[int], vote: int, q: int) -> list[mpz]:
        """t_j = u_j + (vote - j) c_j mod q for j < len(us), spec 2.0.0 eq. 44-45, for a secret vote.

        0 <= u_j, c_j < q and 0 <= vote < len(us) < q. This generic version multiplies by
        vote - j + 2q, which has the size of 2q for every vote and j; CPython and GMP still handle
        the small integer vote, and the remainders, by value, which benchmarks/ct sees at the
        nanosecond level. The native backend does it in C with fixed-width limbs.
        """
        qz = mpz(q)
        shifted = [2 * qz - j for j in range(len(us))]
        return [(u + c * (shifted[j] + vote)) % qz for j, (u, c) in enumerate(zip(us, cs))]

    def range_responses(
        self, us: Sequence[int], cs: Sequence[int], vote: int, challenge: int, nonce: int, q: int
    ) -> tuple[list[mpz], list[mpz]]:
        """The c_j with c_vote = challenge - sum of the other c_j mod q (eq. 47), and v_j = u_j - c_j nonce
        mod q with those c_j (eq. 48); the vote and the nonce are secret. Generic version: the other
        c_j are summed as all of them minus c_vote, with no test of j against the vote.
        """
        qz = mpz(q)
        challenges = [mpz(c) for c in cs]
        total = sum(challenges, mpz(0))
        challenges[vote] = (challenge - (total - challenges[vote])) % qz
        return challenges, [(u - c * nonce) % qz for u, c in zip(us, challenges)]

    @abstractmethod
    def batch_in_subgroup(self, values: Sequence[int], p: int, q: int) -> bool:
        """True iff every value x satisfies 0 < x < p and x**q == 1 mod p (with overwhelming probability).

        Sound for safe-prime-like groups where (p-1)/(2q) has no small factors, as in spec 3.1.1:
        each x must have Jacobi symbol (x|p) = 1, then prod(x_i**e_i)**q == 1 mod p for
        independent random 64-bit e_i (from ``secrets``).
        """
