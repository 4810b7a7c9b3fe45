"""The secret-dependent paths the harness times: two input classes each, built for one group.

A case's build(group) returns prepare(cls, rng) -> input and run(input). prepare makes a fresh
input of class 0 or 1 outside the timed region; run is the timed call. Class 0 is the suspect
input (an edge-case exponent, vote 0, an undervote...), class 1 the ordinary one, so t > 0 means
class 1 is slower.

Controls: an A/A case (both classes the same distribution) must not be flagged; the positive
control (plain powmod with a short against a long exponent) must be; "range-arith/before" is the
range proof's t_j as computed before issue 16, a small (sub-microsecond) known leak that shows the
resolution the harness reaches.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from gmpy2 import mpz

from engine.group import TEST_GROUP, ElementModP, ElementModQ, Group

Prepare = Callable[[int, random.Random], Any]
Run = Callable[[Any], object]
Build = Callable[[Group], tuple[Prepare, Run]]

CONTEST_LIMIT = 3  # L of the contest-limit cases
POOL = 64  # random public elements drawn from for bases and keys


@dataclass(frozen=True)
class Case:
    """One timed path. samples is the full run's count; kind is control, primitive or engine."""

    name: str
    classes: tuple[str, str]
    samples: int
    build: Build
    kind: str = "engine"
    expect_leak: bool = False
    native_only: bool = False
    full_only: bool = False

    def group_for(self, group: Group) -> Group:
        """Controls always run on the small test group: they check the harness, not the engine."""
        return TEST_GROUP if self.kind == "control" else group


# ------------------------------------------------------------------------------------ inputs


def random_q(group: Group, rng: random.Random) -> ElementModQ:
    return ElementModQ(mpz(rng.randrange(int(group.q))), group)


def random_bits(bits: int, rng: random.Random) -> mpz:
    """A random integer of exactly `bits` bits (top bit set)."""
    return mpz(rng.getrandbits(bits - 1) | (1 << (bits - 1))) if bits > 1 else mpz(1)


def edge_exponent(group: Group, rng: random.Random) -> ElementModQ:
    """One of the exponents a leak would show on: 0 (a quarter of the time: the classic shortcut),
    else 1, 2, a one-word or two-word value, a single top bit, a low-weight value or q - 1."""
    q = int(group.q)
    bits = q.bit_length()
    if rng.random() < 0.25:
        return ElementModQ(mpz(0), group)
    choices = [
        1,
        2,
        rng.getrandbits(min(64, bits - 1)),
        rng.getrandbits(min(128, bits - 1)),
        1 << (bits - 1) if 1 << (bits - 1) < q else 1 << (bits - 2),
        sum(1 << rng.randrange(bits - 1) for _ in range(3)),
        q - 1,
    ]
    return ElementModQ(mpz(rng.choice(choices) % q), group)


def suspect_or_random(group: Group) -> Callable[[int, random.Random], ElementModQ]:
    def draw(cls: int, rng: random.Random) -> ElementModQ:
        return edge_exponent(group, rng) if cls == 0 else random_q(group, rng)

    return draw


def element_pool(group: Group, rng: random.Random, size: int = POOL) -> list[ElementModP]:
    return [group.g_pow(random_q(group, rng)) for _ in range(size)]


def exponent_bytes(group: Group) -> int:
    """Bytes of a secret exponent as the native backend sends it: q's size in 64-bit words."""
    return 8 * -(-int(group.q).bit_length() // 64)


# ------------------------------------------------------------------------------------ controls


def build_control_aa(group: Group) -> tuple[Prepare, Run]:
    backend, p, bits = group.backend, group.p, int(group.q).bit_length()
    base = int(group.g_pow(group.element_q(12345)))

    def prepare(cls: int, rng: random.Random) -> mpz:
        return random_bits(bits, rng)

    return prepare, lambda e: backend.powmod(base, e, p)


def build_control_positive(group: Group) -> tuple[Prepare, Run]:
    backend, p, bits = group.backend, group.p, int(group.q).bit_length()
    base = int(group.g_pow(group.element_q(12345)))
    short = bits // 2

    def prepare(cls: int, rng: random.Random) -> mpz:
        return random_bits(short if cls == 0 else bits, rng)

    return prepare, lambda e: backend.powmod(base, e, p)


def range_exponents_before_issue_16(us: Sequence[ElementModQ], cs: Sequence[ElementModQ], value: int) -> object:
    """prove_range's t_j = u_j + (l - j) c_j as it was: the factor (l - j) mod q is 0, small or ~q."""
    q = us[0].group.q
    return [us[j] + cs[j] * ((value - j) % q) for j in range(len(us))]


def _arith_inputs(group: Group, limit: int, rng: random.Random, value: int) -> tuple[Any, ...]:
    us = [random_q(group, rng) for _ in range(limit + 1)]
    cs = [random_q(group, rng) for _ in range(limit + 1)]
    return us, cs, value, random_q(group, rng), random_q(group, rng)


def build_range_arith_before(group: Group) -> tuple[Prepare, Run]:
    def prepare(cls: int, rng: random.Random) -> tuple[Any, ...]:
        return _arith_inputs(group, 1, rng, cls)

    return prepare, lambda x: range_exponents_before_issue_16(x[0], x[1], x[2])


# ------------------------------------------------------------------------------------ primitives


def build_g_table_c(group: Group) -> tuple[Prepare, Run]:
    from engine.backend.native_backend import ffi, lib

    table = group.g_secret_table
    handle, exp_len, out_len = table._table, table._exp_len, table._out_len  # type: ignore[attr-defined]
    out = ffi.new("uint8_t[]", out_len)
    draw = suspect_or_random(group)

    def prepare(cls: int, rng: random.Random) -> bytes:
        return int(draw(cls, rng)).to_bytes(exp_len, "big")

    return prepare, lambda e: lib.bc_table_pow_secret(handle, e, exp_len, out, out_len)


def build_g_table_python(group: Group) -> tuple[Prepare, Run]:
    return suspect_or_random(group), group.g_pow_secret


def _public_key(group: Group) -> ElementModP:
    return group.g_pow(group.element_q(0x5EC2E7 % int(group.q)))


def build_k_table_c(group: Group) -> tuple[Prepare, Run]:
    from engine.backend.native_backend import ffi, lib

    table = group.secret_table_for(_public_key(group))
    handle, exp_len, out_len = table._table, table._exp_len, table._out_len  # type: ignore[attr-defined]
    out = ffi.new("uint8_t[]", out_len)
    draw = suspect_or_random(group)

    def prepare(cls: int, rng: random.Random) -> bytes:
        return int(draw(cls, rng)).to_bytes(exp_len, "big")

    return prepare, lambda e: lib.bc_table_pow_secret(handle, e, exp_len, out, out_len)


def build_k_table_python(group: Group) -> tuple[Prepare, Run]:
    key = _public_key(group)
    group.k_pow_secret(key, group.element_q(1))  # build the table before timing
    return suspect_or_random(group), lambda e: group.k_pow_secret(key, e)


def build_var_base_c(group: Group) -> tuple[Prepare, Run]:
    from engine.backend.native_backend import ffi, lib

    pool = [int(x).to_bytes(group.p_bytes, "big") for x in element_pool(group, random.Random(1))]
    mod = int(group.p).to_bytes(group.p_bytes, "big")
    exp_len, out_len = exponent_bytes(group), group.p_bytes
    out = ffi.new("uint8_t[]", out_len)
    draw = suspect_or_random(group)

    def prepare(cls: int, rng: random.Random) -> tuple[bytes, bytes]:
        return rng.choice(pool), int(draw(cls, rng)).to_bytes(exp_len, "big")

    def run(x: tuple[bytes, bytes]) -> int:
        base, e = x
        return lib.bc_powmod_sec(base, out_len, e, exp_len, mod, out_len, out, out_len)

    return prepare, run


def build_var_base_python(group: Group) -> tuple[Prepare, Run]:
    pool = element_pool(group, random.Random(2))
    draw = suspect_or_random(group)

    def prepare(cls: int, rng: random.Random) -> tuple[ElementModP, ElementModQ]:
        return rng.choice(pool), draw(cls, rng)

    return prepare, lambda x: x[0].pow_secret(x[1])


# ------------------------------------------------------------------------------------ the engine


def _hash(rng: random.Random) -> Any:
    from engine.hash import UInt256

    return UInt256(rng.randbytes(32))


def build_range_arith(limit: int) -> Build:
    """t_j = u_j + (l - j) c_j mod q for j = 0..L (eq. 44-45), the only vote-dependent operands."""

    def build(group: Group) -> tuple[Prepare, Run]:
        from engine.proofs.range_proof import range_commitment_exponents

        def prepare(cls: int, rng: random.Random) -> tuple[Any, ...]:
            return _arith_inputs(group, limit, rng, 0 if cls == 0 else rng.randint(1, limit))

        return prepare, lambda x: range_commitment_exponents(x[0], x[1], x[2])

    return build


def build_range_responses(group: Group) -> tuple[Prepare, Run]:
    """c_l = c - sum of the other c_j and v_j = u_j - c_j xi (eq. 47-48), vote 0 against 1."""
    from engine.proofs.range_proof import range_responses

    def prepare(cls: int, rng: random.Random) -> tuple[Any, ...]:
        return _arith_inputs(group, 1, rng, cls)

    return prepare, lambda x: range_responses(*x)


def build_encrypt_and_prove(limit: int) -> Build:
    def build(group: Group) -> tuple[Prepare, Run]:
        from engine.elgamal import encrypt
        from engine.proofs import prove_range

        key = _public_key(group)
        h_e = _hash(random.Random(3))
        group.k_pow_secret(key, group.element_q(1))

        def prepare(cls: int, rng: random.Random) -> tuple[int, ElementModQ]:
            return (0 if cls == 0 else rng.randint(1, limit)), random_q(group, rng)

        def run(x: tuple[int, ElementModQ]) -> object:
            vote, xi = x
            return prove_range(h_e, key, encrypt(vote, xi, key), xi, vote, limit)

        return prepare, run

    return build


WRITE_INS = ("Ada Lovelace", "Zed Quixotic")  # equal length, different content


def build_contest_data(group: Group) -> tuple[Prepare, Run]:
    from engine.contest_data import encrypt_contest_data
    from engine.election import ContestData

    key = _public_key(group)
    h_e = _hash(random.Random(4))

    def prepare(cls: int, rng: random.Random) -> tuple[ContestData, ElementModQ]:
        return ContestData((), (WRITE_INS[cls],), "normal"), random_q(group, rng)

    def run(x: tuple[ContestData, ElementModQ]) -> object:
        data, nonce = x
        return encrypt_contest_data(data, 1, nonce, h_e, key, "contest-1")

    return prepare, run


def _ballot_setup(group: Group) -> tuple[Any, Any]:
    from engine.ballot import EncryptionContext
    from engine.manifest import BallotStyle, ContestDescription, Manifest, SelectionDescription, validate_manifest

    options = tuple(SelectionDescription(f"cand-{i}", i, f"Candidate {i}") for i in (1, 2, 3))
    contest = ContestDescription(
        object_id="mayor",
        sequence_order=1,
        electoral_district_id="d",
        vote_variation="one_of_m",
        number_elected=1,
        votes_allowed=1,
        name="Mayor",
        ballot_selections=options,
        option_limit=1,
    )
    manifest = validate_manifest(
        Manifest(
            election_scope_id="ct-harness",
            spec_version="v2.0.0",
            type="general",
            start_date="2024-11-05",
            end_date="2024-11-05",
            geopolitical_unit_ids=("d",),
            contests=(contest,),
            ballot_styles=(BallotStyle("s", ("d",)),),
        )
    )
    return manifest, EncryptionContext(_hash(random.Random(5)), _public_key(group))


def build_encrypt_ballot(choices: tuple[tuple[int, ...], tuple[int, ...]]) -> Build:
    """encrypt_ballot of one three-option contest; class c votes for the options in choices[c]."""

    def build(group: Group) -> tuple[Prepare, Run]:
        from engine.ballot import encrypt_ballot
        from engine.election import PlaintextBallot, PlaintextContest, PlaintextSelection

        manifest, ctx = _ballot_setup(group)
        ctx.group.k_pow_secret(ctx.joint_public_key, group.element_q(1))

        def ballot(cls: int) -> PlaintextBallot:
            selections = tuple(PlaintextSelection(f"cand-{i}", i, 1) for i in choices[cls])
            return PlaintextBallot("ballot-1", "s", (PlaintextContest("mayor", 1, selections),))

        def prepare(cls: int, rng: random.Random) -> tuple[Any, Any]:
            return ballot(cls), _hash(rng)

        def run(x: tuple[Any, Any]) -> object:
            plaintext, nonce = x
            return encrypt_ballot(manifest, ctx, plaintext, device="booth", ballot_nonce=nonce, timestamp=1)

        return prepare, run

    return build


def build_partial_decrypt(group: Group) -> tuple[Prepare, Run]:
    from engine.decrypt import guardian_partial_decrypt
    from engine.election import DecryptingTrustee
    from engine.elgamal import Ciphertext

    pads = element_pool(group, random.Random(6))
    key = _public_key(group)

    def share(cls: int, rng: random.Random) -> ElementModQ:
        s = edge_exponent(group, rng) if cls == 0 else random_q(group, rng)
        return s if s.value != 0 else group.element_q(1)  # a zero share is refused before any work

    def prepare(cls: int, rng: random.Random) -> tuple[DecryptingTrustee, Ciphertext]:
        trustee = DecryptingTrustee("guardian-1", 1, (group.element_q(1),), share(cls, rng))
        return trustee, Ciphertext(rng.choice(pads), key)

    return prepare, lambda x: guardian_partial_decrypt(x[0], [x[1]])


def build_share_encryption(group: Group) -> tuple[Prepare, Run]:
    from engine.ceremony import encrypt_share_value, generate_guardian, public_record
    from engine.hash import UInt256

    h_p = UInt256(bytes(range(32)))
    recipient = public_record(generate_guardian(group, "guardian-2", 2, 2), h_p)

    def prepare(cls: int, rng: random.Random) -> tuple[ElementModQ, ElementModQ]:
        value = edge_exponent(group, rng) if cls == 0 else random_q(group, rng)
        nonce = edge_exponent(group, rng) if cls == 0 else random_q(group, rng)
        return value, nonce if nonce.value != 0 else group.element_q(1)  # xi = 0 is refused

    return prepare, lambda x: encrypt_share_value(x[0], 1, recipient, h_p, nonce=x[1])


EDGE = "edge exponent (0 in 1/4, else 1, 2, 1-2 words, top bit, 3 bits, q-1)"
RANDOM = "uniform exponent mod q"

CASES: tuple[Case, ...] = (
    Case("control/a-a", ("random exponent", "random exponent"), 1_000_000, build_control_aa, kind="control"),
    Case(
        "control/positive",
        ("exponent of half q's bits", "exponent of q's bits"),
        100_000,
        build_control_positive,
        kind="control",
        expect_leak=True,
    ),
    Case(
        "range-arith/before",
        ("vote 0", "vote 1"),
        1_000_000,
        build_range_arith_before,
        kind="control",
        expect_leak=True,
        full_only=True,
    ),
    Case("g-table/C", (EDGE, RANDOM), 100_000, build_g_table_c, kind="primitive", native_only=True),
    Case("g-table/python", (EDGE, RANDOM), 100_000, build_g_table_python, kind="primitive"),
    Case("K-table/C", (EDGE, RANDOM), 100_000, build_k_table_c, kind="primitive", native_only=True),
    Case("K-table/python", (EDGE, RANDOM), 100_000, build_k_table_python, kind="primitive"),
    Case("var-base/C", (EDGE, RANDOM), 100_000, build_var_base_c, kind="primitive", native_only=True),
    Case("var-base/python", (EDGE, RANDOM), 100_000, build_var_base_python, kind="primitive"),
    Case("range-arith/vote", ("vote 0", "vote 1"), 1_000_000, build_range_arith(1)),
    Case("range-arith/limit", ("l = 0", f"l in 1..{CONTEST_LIMIT}"), 1_000_000, build_range_arith(CONTEST_LIMIT)),
    Case("range-arith/responses", ("vote 0", "vote 1"), 1_000_000, build_range_responses),
    Case("encrypt+proof/vote", ("vote 0", "vote 1"), 100_000, build_encrypt_and_prove(1)),
    Case(
        "encrypt+proof/limit",
        ("l = 0", f"l in 1..{CONTEST_LIMIT}"),
        50_000,
        build_encrypt_and_prove(CONTEST_LIMIT),
    ),
    Case("contest-data/write-in", (repr(WRITE_INS[0]), repr(WRITE_INS[1])), 50_000, build_contest_data),
    Case("encrypt-ballot/choice", ("vote for option 1", "vote for 2"), 20_000, build_encrypt_ballot(((1,), (2,)))),
    Case("encrypt-ballot/undervote", ("no vote", "vote for option 1"), 20_000, build_encrypt_ballot(((), (1,)))),
    Case("partial-decrypt/share", ("edge share (1 for 0)", RANDOM), 30_000, build_partial_decrypt),
    Case("share-encryption/ceremony", ("edge value and nonce", "uniform ones"), 30_000, build_share_encryption),
)
