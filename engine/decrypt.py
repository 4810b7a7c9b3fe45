"""Verifiable threshold decryption, spec 2.0.0 section 3.6 (eq. 63-90).

Any quorum U of the guardians decrypts a ciphertext (A, B) without anyone learning s:

1. each guardian G_i (on its own machine, with its own secret P(i)):
   ``guardian_partial_decrypt`` gives M_i = A^P(i) (eq. 66) and the commitment
   (a_i, b_i) = (g^u_i, A^u_i) (eq. 69), keeping u_i in a single-use secret state;
2. the combiner (``compute_challenges``): Lagrange weights w_i (eq. 67), M = prod M_i^w_i
   (eq. 68), a = prod a_i, b = prod b_i (eq. 70), c = H(H_E; 0x30, K, A, B, a, b, M) (eq. 71),
   c_i = c w_i (eq. 72);
3. each guardian (``guardian_respond``): v_i = u_i - c_i P(i) (eq. 73);
4. the combiner (``combine_decryptions``) checks every guardian's response against the public
   commitments K_j,m of the ceremony (eq. 74-75), names any guardian that fails, and publishes
   (c, v = sum v_i) (eq. 76).

Contest data (section 3.6.4, eq. 77-85) goes through the same four steps with C0 in place of A
and the challenge of eq. 81 (tag 0x31). T = B M^-1 (eq. 64) and t with T = K^t come last.

egk deviation (DESIGN.md item 3), confirmed against DecryptBallotTestVector and the chainedJson
challenged ballots: in eq. 81 egk hashes C1 as the ASCII bytes of its upper-case hexadecimal text,
with no length prefix, in place of C1's bytes; we do the same.

The Lagrange coefficients w_i (eq. 67) are engine.ceremony's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Union

from engine.ceremony import lagrange_coefficient
from engine.contest_data import decrypt_contest_data
from engine.election import (
    BallotState,
    DecryptedContest,
    DecryptedContestData,
    DecryptedSelection,
    DecryptedTallyOrBallot,
    DecryptingTrustee,
    ElectionInitialized,
    EncryptedBallot,
    EncryptedTally,
    GuardianRecord,
    HashedCiphertext,
)
from engine.elgamal import Ciphertext, exponent_of
from engine.errors import DecryptionError
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import UInt256, hash_elems
from engine.proofs import DecryptionProof, decryption_challenge

TAG_CONTEST_DATA_DECRYPTION = 0x31

# What the guardians can decrypt: a selection or tally ciphertext (A, B), or contest data (C0, C1, C2).
DecryptionItem = Union[Ciphertext, HashedCiphertext]


class GuardianShareError(DecryptionError):
    """One or more guardians gave a partial decryption or a response that does not check out."""

    def __init__(self, message: str, guardian_ids: Sequence[str]) -> None:
        super().__init__(message)
        self.guardian_ids = tuple(guardian_ids)


class QuorumError(DecryptionError):
    """Too few guardians, unknown guardians, or the same guardian twice."""


# ------------------------------------------------------------------------------- public inputs


@dataclass(frozen=True)
class DecryptionContext:
    """The public inputs of a decryption: K, H_E and every guardian's commitments K_j,m (3.2.2)."""

    public_key: ElementModP
    extended_base_hash: UInt256
    guardians: tuple[GuardianRecord, ...]
    quorum: int

    def __post_init__(self) -> None:
        if not self.guardians:
            raise QuorumError("a decryption needs the guardians' public records")
        ids = [g.guardian_id for g in self.guardians]
        xs = [g.x_coordinate for g in self.guardians]
        if len(set(ids)) != len(ids) or len(set(xs)) != len(xs):
            raise QuorumError("guardian ids and x coordinates must be unique")
        for g in self.guardians:
            if len(g.coefficient_proofs) != self.quorum:
                raise QuorumError(
                    f"guardian {g.guardian_id!r} has {len(g.coefficient_proofs)} commitments, "
                    f"not the quorum k = {self.quorum}"
                )
            if not 0 < g.x_coordinate < self.group.q:
                raise QuorumError(f"guardian {g.guardian_id!r} has an invalid x coordinate")
        if self.group.product([g.public_key for g in self.guardians]) != self.public_key:
            raise DecryptionError("the joint key K is not the product of the guardians' keys K_i (eq. 8)")

    @classmethod
    def from_init(cls, init: ElectionInitialized) -> DecryptionContext:
        return cls(init.joint_public_key, init.extended_base_hash, init.guardians, init.config.quorum)

    @property
    def group(self) -> Group:
        return self.public_key.group

    def guardian(self, guardian_id: str) -> GuardianRecord:
        for g in self.guardians:
            if g.guardian_id == guardian_id:
                return g
        raise QuorumError(f"guardian {guardian_id!r} is not a guardian of this election")


def guardian_share_key(context: DecryptionContext, x_coordinate: int) -> ElementModP:
    """g^P(i) = prod_j prod_m K_j,m^(i^m) mod p, the public image of P(i) used in eq. 74 and 83."""
    group = context.group
    bases: list[ElementModP] = []
    exponents: list[ElementModQ | int] = []
    for g in context.guardians:
        power = 1
        for commitment in g.commitments:
            bases.append(commitment)
            exponents.append(power)
            power = power * x_coordinate % int(group.q)
    return group.multi_pow(bases, exponents)


# ------------------------------------------------------------------------------- step 1: guardian


@dataclass(frozen=True)
class PartialDecryption:
    """M_i = A^P(i) (eq. 66; m_i = C0^P(i), eq. 77) with the commitment (a_i, b_i) of eq. 69 / 79."""

    value: ElementModP
    a: ElementModP
    b: ElementModP


@dataclass(frozen=True)
class GuardianShares:
    """One guardian's public output of step 1, one PartialDecryption per item, in item order."""

    guardian_id: str
    x_coordinate: int
    shares: tuple[PartialDecryption, ...]


class GuardianSecretState:
    """What a guardian keeps between steps 1 and 3: P(i) and the nonces u_i. Single use.

    Answering two different challenges with the same u_i would reveal P(i)
    (v - v' = (c' - c) P(i)), so ``guardian_respond`` accepts a state only once.
    """

    __slots__ = ("guardian_id", "x_coordinate", "_key_share", "_nonces", "_used")

    def __init__(
        self, guardian_id: str, x_coordinate: int, key_share: ElementModQ, nonces: tuple[ElementModQ, ...]
    ) -> None:
        self.guardian_id = guardian_id
        self.x_coordinate = x_coordinate
        self._key_share = key_share
        self._nonces: tuple[ElementModQ, ...] = nonces
        self._used = False

    def __repr__(self) -> str:
        return f"GuardianSecretState({self.guardian_id!r}, {len(self._nonces)} nonces, used={self._used})"

    def __len__(self) -> int:
        return len(self._nonces)

    def nonces_to_store(self) -> tuple[ElementModQ, ...]:
        """The u_i, for a guardian who answers later: kept in a 0600 file destroyed after use."""
        if self._used:
            raise DecryptionError(f"guardian {self.guardian_id!r}: these commitments were already answered")
        return self._nonces


def _base_of(item: DecryptionItem) -> ElementModP:
    if isinstance(item, Ciphertext):
        return item.pad
    if isinstance(item, HashedCiphertext):
        return item.c0
    raise DecryptionError(f"cannot decrypt a {type(item).__name__}")


def guardian_partial_decrypt(
    trustee: DecryptingTrustee,
    items: Sequence[DecryptionItem],
    *,
    nonces: Sequence[ElementModQ] | None = None,
) -> tuple[GuardianShares, GuardianSecretState]:
    """Step 1 for guardian G_i: M_i = A^P(i) (eq. 66 / 77) and (a_i, b_i) = (g^u_i, A^u_i) (eq. 69 / 79).

    Runs on the guardian's machine with its own secret only. Every A is checked to be in the
    order-q subgroup first: raising an element outside it to P(i) would leak bits of P(i).
    ``nonces`` injects the u_i (known-answer tests only); otherwise they come from ``secrets``.
    """
    share = trustee.key_share
    group = share.group
    bases = [_base_of(item) for item in items]
    if any(a.group is not group for a in bases):
        raise DecryptionError(f"guardian {trustee.guardian_id!r}: a ciphertext is of another group")
    if not group.all_in_subgroup(bases):
        raise DecryptionError(
            f"guardian {trustee.guardian_id!r}: a ciphertext component is not in the order-q subgroup"
        )
    if share.value == 0:
        raise DecryptionError(f"guardian {trustee.guardian_id!r}: the key share P(i) is zero")
    if nonces is None:
        us = tuple(group.random_q() for _ in bases)
    else:
        us = tuple(nonces)
        if len(us) != len(bases) or any(u.group is not group for u in us):
            raise DecryptionError(f"guardian {trustee.guardian_id!r}: need one nonce mod q per ciphertext")
    shares = tuple(
        PartialDecryption(base.pow_secret(share), group.g_pow_secret(u), base.pow_secret(u))
        for base, u in zip(bases, us)
    )
    return (
        GuardianShares(trustee.guardian_id, trustee.x_coordinate, shares),
        GuardianSecretState(trustee.guardian_id, trustee.x_coordinate, share, us),
    )


# ------------------------------------------------------------------------------- step 2: combiner


@dataclass(frozen=True)
class GuardianChallenges:
    """c_i = c w_i mod q (eq. 72), one per item, for one guardian."""

    guardian_id: str
    challenges: tuple[ElementModQ, ...]


@dataclass(frozen=True)
class DecryptionCombination:
    """The combiner's state after step 2: M (eq. 68), (a, b) (eq. 70), c (eq. 71 / 81) per item."""

    items: tuple[DecryptionItem, ...]
    guardian_shares: tuple[GuardianShares, ...]
    weights: tuple[ElementModQ, ...]  # w_i, aligned with guardian_shares
    values: tuple[ElementModP, ...]  # M (or beta)
    commitments: tuple[tuple[ElementModP, ElementModP], ...]  # (a, b)
    challenges: tuple[ElementModQ, ...]  # c

    def challenges_for(self, guardian_id: str) -> GuardianChallenges:
        for shares, w in zip(self.guardian_shares, self.weights):
            if shares.guardian_id == guardian_id:
                return GuardianChallenges(guardian_id, tuple(c * w for c in self.challenges))
        raise QuorumError(f"guardian {guardian_id!r} took no part in this decryption")


def contest_data_challenge(
    h_e: UInt256,
    public_key: ElementModP,
    encrypted: HashedCiphertext,
    a: ElementModP,
    b: ElementModP,
    beta: ElementModP,
) -> ElementModQ:
    """c = H(H_E; 0x31, K, C0, C1, C2, a, b, beta), eq. 81, as egk computes it.

    egk deviation (DESIGN.md item 3): C1 enters as the ASCII bytes of its upper-case hex text,
    without a length prefix.
    """
    c1_text = encrypted.c1.hex().upper().encode("ascii")
    return hash_elems(
        h_e, TAG_CONTEST_DATA_DECRYPTION, public_key, encrypted.c0, c1_text, encrypted.c2, a, b, beta
    ).to_q(public_key.group)


def verify_contest_data_decryption(
    h_e: UInt256,
    public_key: ElementModP,
    encrypted: HashedCiphertext,
    beta: ElementModP,
    proof: DecryptionProof,
) -> bool:
    """Verification 11: a = g^v K^c (11.1), b = C0^v beta^c (11.2), c recomputes (11.B)."""
    group = public_key.group
    c, v = proof.challenge, proof.response
    a = group.g_pow(v) * ElementModP(group.table_for(public_key).pow(c.value), group)
    b = group.multi_pow([encrypted.c0, beta], [v, c])
    return contest_data_challenge(h_e, public_key, encrypted, a, b, beta) == c


def _challenge(
    context: DecryptionContext, item: DecryptionItem, a: ElementModP, b: ElementModP, m: ElementModP
) -> ElementModQ:
    if isinstance(item, Ciphertext):
        return decryption_challenge(context.extended_base_hash, context.public_key, item, a, b, m)
    return contest_data_challenge(context.extended_base_hash, context.public_key, item, a, b, m)


def _check_participants(context: DecryptionContext, shares: Sequence[GuardianShares], n_items: int) -> None:
    if len(shares) < context.quorum:
        raise QuorumError(f"{len(shares)} guardians are available; the quorum is k = {context.quorum}")
    ids = [s.guardian_id for s in shares]
    if len(set(ids)) != len(ids):
        raise QuorumError("a guardian appears twice among the available guardians")
    group = context.group
    for s in shares:
        record = context.guardian(s.guardian_id)
        if record.x_coordinate != s.x_coordinate:
            raise QuorumError(
                f"guardian {s.guardian_id!r} claims x coordinate {s.x_coordinate}, "
                f"the record says {record.x_coordinate}"
            )
        if len(s.shares) != n_items:
            raise GuardianShareError(
                f"guardian {s.guardian_id!r} gave {len(s.shares)} partial decryptions for {n_items} items",
                [s.guardian_id],
            )
        elements = [e for d in s.shares for e in (d.value, d.a, d.b)]
        if any(e.group is not group for e in elements) or not group.all_in_subgroup(elements):
            raise GuardianShareError(
                f"guardian {s.guardian_id!r} gave a partial decryption or commitment outside the order-q subgroup",
                [s.guardian_id],
            )


def compute_challenges(
    context: DecryptionContext, items: Sequence[DecryptionItem], shares: Sequence[GuardianShares]
) -> DecryptionCombination:
    """Step 2: w_i (eq. 67), M = prod M_i^w_i (eq. 68 / 78), a, b (eq. 70 / 80), c (eq. 71 / 81)."""
    items = tuple(items)
    for item in items:
        if _base_of(item).group is not context.group:
            raise DecryptionError("a ciphertext is of another group than the election's")
    shares = tuple(sorted(shares, key=lambda s: s.x_coordinate))
    _check_participants(context, shares, len(items))
    group = context.group
    xs = [s.x_coordinate for s in shares]
    weights = tuple(lagrange_coefficient(x, xs, group) for x in xs)
    values, commitments, challenges = [], [], []
    for j, item in enumerate(items):
        parts = [s.shares[j] for s in shares]
        m = group.multi_pow([d.value for d in parts], list(weights))
        a = group.product([d.a for d in parts])
        b = group.product([d.b for d in parts])
        values.append(m)
        commitments.append((a, b))
        challenges.append(_challenge(context, item, a, b, m))
    return DecryptionCombination(items, shares, weights, tuple(values), tuple(commitments), tuple(challenges))


# ------------------------------------------------------------------------------- step 3: guardian


@dataclass(frozen=True)
class GuardianResponses:
    """v_i = u_i - c_i P(i) mod q (eq. 73 / 82), one per item."""

    guardian_id: str
    responses: tuple[ElementModQ, ...]


def guardian_respond(state: GuardianSecretState, challenges: GuardianChallenges) -> GuardianResponses:
    """Step 3 for guardian G_i: v_i = u_i - c_i P(i) mod q, eq. 73 / 82. The state is used up."""
    if challenges.guardian_id != state.guardian_id:
        raise DecryptionError(
            f"challenges for guardian {challenges.guardian_id!r} sent to guardian {state.guardian_id!r}"
        )
    if state._used:
        raise DecryptionError(
            f"guardian {state.guardian_id!r}: these commitments were already answered; "
            "answering again would reveal P(i)"
        )
    if len(challenges.challenges) != len(state._nonces):
        raise DecryptionError(
            f"guardian {state.guardian_id!r}: {len(challenges.challenges)} challenges for "
            f"{len(state._nonces)} commitments"
        )
    state._used = True
    group = state._key_share.group
    if any(c.group is not group for c in challenges.challenges):
        raise DecryptionError(f"guardian {state.guardian_id!r}: a challenge is of another group")
    p_i = state._key_share
    responses = tuple(u - c * p_i for u, c in zip(state._nonces, challenges.challenges))
    state._nonces = ()
    return GuardianResponses(state.guardian_id, responses)


# ------------------------------------------------------------------------------- step 4: combiner


@dataclass(frozen=True)
class CombinedDecryption:
    """M = A^s (eq. 63, 68) or beta = C0^s (eq. 78), with the proof (c, v) of eq. 71-76 / 81-85."""

    item: DecryptionItem
    value: ElementModP
    proof: DecryptionProof


def combine_decryptions(
    context: DecryptionContext,
    combination: DecryptionCombination,
    responses: Sequence[GuardianResponses],
) -> tuple[CombinedDecryption, ...]:
    """Step 4: check every v_i (eq. 74-75 / 83-84) and publish (c, v = sum v_i) (eq. 76 / 85).

    a'_i = g^v_i (g^P(i))^c_i with g^P(i) from the commitments K_j,m, b'_i = A^v_i M_i^c_i; a
    guardian whose a'_i != a_i or b'_i != b_i for any item is named in the GuardianShareError
    (together with every other failing guardian).
    """
    by_id = {r.guardian_id: r for r in responses}
    expected = [s.guardian_id for s in combination.guardian_shares]
    missing = [gid for gid in expected if gid not in by_id]
    if missing:
        raise GuardianShareError(f"no responses from guardians {', '.join(missing)}", missing)
    extra = [gid for gid in by_id if gid not in expected]
    if extra:
        raise QuorumError(f"responses from guardians that gave no partial decryption: {', '.join(extra)}")
    group = context.group
    failures: list[tuple[str, int]] = []
    for shares, w in zip(combination.guardian_shares, combination.weights):
        bad = _first_bad_response(context, combination, shares, w, by_id[shares.guardian_id])
        if bad is not None:
            failures.append((shares.guardian_id, bad))
    if failures:
        named = ", ".join(f"{gid} (item {j})" for gid, j in failures)
        raise GuardianShareError(
            f"the partial decryption or response of guardian(s) {named} does not verify (eq. 74-75)",
            [gid for gid, _ in failures],
        )
    out = []
    for j, item in enumerate(combination.items):
        v = group.element_q(sum(int(by_id[gid].responses[j].value) for gid in expected) % int(group.q))
        out.append(CombinedDecryption(item, combination.values[j], DecryptionProof(combination.challenges[j], v)))
    return tuple(out)


def _first_bad_response(
    context: DecryptionContext,
    combination: DecryptionCombination,
    shares: GuardianShares,
    weight: ElementModQ,
    response: GuardianResponses,
) -> int | None:
    """The index of the first item whose response fails eq. 74-75, or None if all verify."""
    group = context.group
    if len(response.responses) != len(combination.items):
        return 0
    if any(v.group is not group for v in response.responses):
        return 0
    share_key = guardian_share_key(context, shares.x_coordinate)
    for j, item in enumerate(combination.items):
        c_i = combination.challenges[j] * weight
        v_i = response.responses[j]
        part = shares.shares[j]
        a_i = group.g_pow(v_i) * share_key**c_i
        b_i = group.multi_pow([_base_of(item), part.value], [v_i, c_i])
        if a_i != part.a or b_i != part.b:
            return j
    return None


# ------------------------------------------------------------------------------- in-process runs


def decrypt_items(
    context: DecryptionContext,
    trustees: Sequence[DecryptingTrustee],
    items: Sequence[DecryptionItem],
    *,
    nonces: Mapping[str, Sequence[ElementModQ]] | None = None,
) -> tuple[CombinedDecryption, ...]:
    """Steps 1-4 in one process, for guardians that are all present here."""
    items = tuple(items)
    if nonces is not None:
        absent = [t.guardian_id for t in trustees if t.guardian_id not in nonces]
        if absent:
            raise DecryptionError(f"no injected nonces for guardians {', '.join(absent)}")
    results = [
        guardian_partial_decrypt(t, items, nonces=None if nonces is None else nonces[t.guardian_id]) for t in trustees
    ]
    combination = compute_challenges(context, items, [shares for shares, _ in results])
    responses = [guardian_respond(state, combination.challenges_for(state.guardian_id)) for _, state in results]
    return combine_decryptions(context, combination, responses)


def tally_value(
    ciphertext: Ciphertext, m: ElementModP, public_key: ElementModP, bound: int, what: str
) -> tuple[ElementModP, int]:
    """T = B M^-1 (eq. 64) and t with T = K^t, 0 <= t <= bound (baby-step giant-step)."""
    if isinstance(bound, bool) or not isinstance(bound, int) or bound < 0:
        raise DecryptionError(f"the search bound must be a non-negative integer, not {bound!r}")
    t_elem = ciphertext.data / m
    try:
        t = exponent_of(t_elem, public_key, bound)
    except DecryptionError as exc:
        raise DecryptionError(f"{what}: {exc}") from exc
    return t_elem, t


def tally_items(encrypted_tally: EncryptedTally) -> list[DecryptionItem]:
    """The (A, B) of every option of the tally, contest by contest, in record order."""
    return [s.ciphertext for c in encrypted_tally.contests for s in c.selections]


def assemble_tally(
    init: ElectionInitialized,
    encrypted_tally: EncryptedTally,
    decryptions: Sequence[CombinedDecryption],
    *,
    bound: int | None = None,
    max_votes: int = 1,
) -> DecryptedTallyOrBallot:
    """tally.json from the combined decryptions of ``tally_items`` (T = B / M, t, proof), eq. 63-76.

    t is searched in 0..bound; by default bound = (number of cast ballots) * max_votes, the most
    one option can receive when a ballot gives it at most ``max_votes`` (the option limit R,
    1 in egk records). A t beyond the bound raises DecryptionError naming the option.
    """
    if encrypted_tally.election_id != init.extended_base_hash:
        raise DecryptionError(f"tally {encrypted_tally.tally_id!r} is of another election")
    if bound is None:
        bound = len(encrypted_tally.cast_ballot_ids) * max_votes
    if len(decryptions) != len(tally_items(encrypted_tally)):
        raise DecryptionError("the decryptions do not match the tally's options")
    it = iter(decryptions)
    contests = []
    for contest in encrypted_tally.contests:
        selections = []
        for s in contest.selections:
            d = next(it)
            where = f"contest {contest.contest_id!r}, selection {s.selection_id!r}"
            t_elem, t = tally_value(s.ciphertext, d.value, init.joint_public_key, bound, where)
            selections.append(DecryptedSelection(s.selection_id, t, t_elem, s.ciphertext, d.proof))
        contests.append(DecryptedContest(contest.contest_id, tuple(selections)))
    return DecryptedTallyOrBallot(encrypted_tally.tally_id, tuple(contests), init.extended_base_hash)


def decrypt_tally(
    init: ElectionInitialized,
    trustees_available: Sequence[DecryptingTrustee],
    encrypted_tally: EncryptedTally,
    *,
    bound: int | None = None,
    max_votes: int = 1,
    nonces: Mapping[str, Sequence[ElementModQ]] | None = None,
) -> DecryptedTallyOrBallot:
    """Decrypt every option's (A, B) of the tally with the available guardians, in one process."""
    if encrypted_tally.election_id != init.extended_base_hash:
        raise DecryptionError(f"tally {encrypted_tally.tally_id!r} is of another election")
    context = DecryptionContext.from_init(init)
    decryptions = decrypt_items(context, trustees_available, tally_items(encrypted_tally), nonces=nonces)
    return assemble_tally(init, encrypted_tally, decryptions, bound=bound, max_votes=max_votes)


def challenged_ballot_items(init: ElectionInitialized, ballot: EncryptedBallot) -> list[DecryptionItem]:
    """Contest data, then selections, contest by contest (egk's order), of a SPOILED ballot.

    A CAST ballot is refused: decrypting it would reveal a counted vote.
    """
    if ballot.state is not BallotState.SPOILED:
        raise DecryptionError(
            f"ballot {ballot.ballot_id!r} is {getattr(ballot.state, 'value', ballot.state)}, "
            "not challenged; only challenged (SPOILED) ballots are decrypted"
        )
    if ballot.election_id != init.extended_base_hash:
        raise DecryptionError(f"ballot {ballot.ballot_id!r} is of another election")
    items: list[DecryptionItem] = []
    for contest in ballot.contests:
        items.append(contest.contest_data)
        items.extend(s.ciphertext for s in contest.selections)
    return items


def assemble_challenged_ballot(
    init: ElectionInitialized,
    ballot: EncryptedBallot,
    decryptions: Sequence[CombinedDecryption],
    *,
    bound: int = 1,
) -> DecryptedTallyOrBallot:
    """dballot-<id>.json from the combined decryptions of ``challenged_ballot_items``, section 3.6.5.

    Each selection: S = beta M^-1 = K^sigma with sigma in 0..bound (1: a 0/1 selection), with
    its proof; each contest's data: beta (eq. 78) with its proof (eq. 81, egk form) and the
    decoded contest data.
    """
    if len(decryptions) != len(challenged_ballot_items(init, ballot)):
        raise DecryptionError(f"the decryptions do not match ballot {ballot.ballot_id!r}")
    it = iter(decryptions)
    contests = []
    for contest in ballot.contests:
        data = next(it)
        where = f"ballot {ballot.ballot_id!r}, contest {contest.contest_id!r}"
        selections = []
        for s in contest.selections:
            d = next(it)
            t_elem, t = tally_value(
                s.ciphertext, d.value, init.joint_public_key, bound, f"{where}, selection {s.selection_id!r}"
            )
            selections.append(DecryptedSelection(s.selection_id, t, t_elem, s.ciphertext, d.proof))
        contest_data = decrypt_contest_data(
            contest.contest_data,
            data.value,
            init.extended_base_hash,
            init.joint_public_key,
            contest.contest_id,
        )
        contests.append(
            DecryptedContest(
                contest.contest_id,
                tuple(selections),
                DecryptedContestData(contest_data, contest.contest_data, data.proof, data.value),
            )
        )
    return DecryptedTallyOrBallot(ballot.ballot_id, tuple(contests), init.extended_base_hash)


def decrypt_challenged_ballot(
    init: ElectionInitialized,
    trustees: Sequence[DecryptingTrustee],
    ballot: EncryptedBallot,
    *,
    bound: int = 1,
    nonces: Mapping[str, Sequence[ElementModQ]] | None = None,
) -> DecryptedTallyOrBallot:
    """Decrypt a challenged ballot with the available guardians' keys in one process, section 3.6.5."""
    items = challenged_ballot_items(init, ballot)
    decryptions = decrypt_items(DecryptionContext.from_init(init), trustees, items, nonces=nonces)
    return assemble_challenged_ballot(init, ballot, decryptions, bound=bound)


@dataclass(frozen=True)
class DecryptionJob:
    """Everything one decryption session decrypts: the tally and the challenged ballots.

    Guardians on separate machines compute their shares over ``items`` in this order; the
    ``fingerprint`` binds every exchanged file to the same list of ciphertexts.
    """

    encrypted_tally: EncryptedTally
    challenged: tuple[EncryptedBallot, ...] = ()

    def items(self, init: ElectionInitialized) -> list[DecryptionItem]:
        out = tally_items(self.encrypted_tally)
        for ballot in self.challenged:
            out.extend(challenged_ballot_items(init, ballot))
        return out

    def fingerprint(self, init: ElectionInitialized) -> UInt256:
        digest = hashlib.sha256(init.extended_base_hash.data)
        for item in self.items(init):
            if isinstance(item, Ciphertext):
                digest.update(item.pad.to_bytes() + item.data.to_bytes())
            else:
                digest.update(item.c0.to_bytes() + item.c1 + item.c2.data)
        return UInt256(digest.digest())

    def assemble(
        self, init: ElectionInitialized, decryptions: Sequence[CombinedDecryption], *, max_votes: int = 1
    ) -> tuple[DecryptedTallyOrBallot, tuple[DecryptedTallyOrBallot, ...]]:
        """tally.json and one dballot per challenged ballot from the combined decryptions."""
        n_tally = len(tally_items(self.encrypted_tally))
        tally = assemble_tally(init, self.encrypted_tally, decryptions[:n_tally], max_votes=max_votes)
        ballots = []
        start = n_tally
        for ballot in self.challenged:
            size = len(challenged_ballot_items(init, ballot))
            ballots.append(assemble_challenged_ballot(init, ballot, decryptions[start : start + size]))
            start += size
        if start != len(decryptions):
            raise DecryptionError("more decryptions than items in the decryption job")
        return tally, tuple(ballots)


__all__ = [
    "CombinedDecryption",
    "DecryptionJob",
    "assemble_challenged_ballot",
    "assemble_tally",
    "challenged_ballot_items",
    "tally_items",
    "DecryptionCombination",
    "DecryptionContext",
    "DecryptionItem",
    "GuardianChallenges",
    "GuardianResponses",
    "GuardianSecretState",
    "GuardianShareError",
    "GuardianShares",
    "PartialDecryption",
    "QuorumError",
    "TAG_CONTEST_DATA_DECRYPTION",
    "combine_decryptions",
    "compute_challenges",
    "contest_data_challenge",
    "decrypt_challenged_ballot",
    "decrypt_items",
    "decrypt_tally",
    "guardian_partial_decrypt",
    "guardian_respond",
    "guardian_share_key",
    "tally_value",
    "verify_contest_data_decryption",
]
