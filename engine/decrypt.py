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

The challenges are engine.proofs' (eq. 71; eq. 81 in egk's form, engine.proofs.contest_data_decryption,
confirmed against DecryptBallotTestVector and the chainedJson challenged ballots).

The Lagrange coefficients w_i (eq. 67) are engine.ceremony's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Union

from engine.ceremony import lagrange_coefficient
from engine.contest_data import ContestDataError, decrypt_contest_data
from engine.election import (
    BallotState,
    ContestData,
    DecryptedContest,
    DecryptedContestData,
    DecryptedSelection,
    DecryptedTallyOrBallot,
    DecryptingTrustee,
    ElectionInitialized,
    EncryptedBallot,
    EncryptedContest,
    EncryptedTally,
    GuardianRecord,
    HashedCiphertext,
)
from engine.elgamal import Ciphertext, exponent_of
from engine.errors import DecryptionError
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import UInt256
from engine.proofs import DecryptionProof, decryption_challenge, decryption_commitments
from engine.proofs.contest_data_decryption import contest_data_challenge

# A GuardianFault's reason when the guardian sent no response at all (it may only be late).
NO_RESPONSE = "gave no response"
# The metadata key, in a challenged ballot's dballot, that says why a contest's data is not decrypted.
CONTEST_DATA_ERROR_KEY = "contest_data_error:"

# What the guardians can decrypt: a selection or tally ciphertext (A, B), or contest data (C0, C1, C2).
DecryptionItem = Union[Ciphertext, HashedCiphertext]


class GuardianShareError(DecryptionError):
    """One or more guardians gave a partial decryption or a response that does not check out."""

    def __init__(self, message: str, guardian_ids: Sequence[str]) -> None:
        super().__init__(message)
        self.guardian_ids = tuple(guardian_ids)


class QuorumError(DecryptionError):
    """Too few guardians, unknown guardians, or the same guardian twice."""


@dataclass(frozen=True)
class GuardianFault:
    """What is wrong with one guardian's partial decryptions or responses.

    ``reason`` reads after the guardian's name ("gave no response"); ``item`` is the first bad item.
    """

    guardian_id: str
    reason: str
    item: int | None = None


@dataclass(frozen=True)
class BallotProblem:
    """A challenged ballot, or part of one, that cannot be decrypted: the check it fails and why.

    The rest of the decryption goes on without it (see ``DecryptionJob``): one voter's bad ballot
    must not stop the tally or the other challenged ballots.
    """

    check_id: str
    ballot_id: str
    reason: str
    contest_id: str = ""
    selection_id: str = ""


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


def _challenge(
    context: DecryptionContext, item: DecryptionItem, a: ElementModP, b: ElementModP, m: ElementModP
) -> ElementModQ:
    if isinstance(item, Ciphertext):
        return decryption_challenge(context.extended_base_hash, context.public_key, item, a, b, m)
    return contest_data_challenge(context.extended_base_hash, context.public_key, item, a, b, m)


def _participant_problem(
    context: DecryptionContext, s: GuardianShares, n_items: int
) -> tuple[type[DecryptionError], str] | None:
    """Why one guardian's step-1 output cannot enter the combination (the error kind and a predicate
    on the guardian, e.g. "gave 3 partial decryptions for 5 items"), or None."""
    record = next((g for g in context.guardians if g.guardian_id == s.guardian_id), None)
    if record is None:
        return QuorumError, "is not a guardian of this election"
    if record.x_coordinate != s.x_coordinate:
        return QuorumError, f"claims x coordinate {s.x_coordinate}, the record says {record.x_coordinate}"
    if len(s.shares) != n_items:
        return GuardianShareError, f"gave {len(s.shares)} partial decryptions for {n_items} items"
    group = context.group
    elements = [e for d in s.shares for e in (d.value, d.a, d.b)]
    if any(e.group is not group for e in elements) or not group.all_in_subgroup(elements):
        return GuardianShareError, "gave a partial decryption or commitment outside the order-q subgroup"
    return None


def _check_participants(context: DecryptionContext, shares: Sequence[GuardianShares], n_items: int) -> None:
    if len(shares) < context.quorum:
        available = "1 guardian is" if len(shares) == 1 else f"{len(shares)} guardians are"
        raise QuorumError(f"{available} available; the quorum is k = {context.quorum}")
    ids = [s.guardian_id for s in shares]
    if len(set(ids)) != len(ids):
        raise QuorumError("a guardian appears twice among the available guardians")
    for s in shares:
        problem = _participant_problem(context, s, n_items)
        if problem is not None:
            kind, reason = problem
            message = f"guardian {s.guardian_id!r} {reason}"
            raise QuorumError(message) if kind is QuorumError else GuardianShareError(message, [s.guardian_id])


def screen_shares(
    context: DecryptionContext, shares: Sequence[GuardianShares], n_items: int
) -> tuple[tuple[GuardianShares, ...], tuple[GuardianFault, ...]]:
    """Split the guardians' step-1 outputs into usable ones and faults, before any challenge is issued.

    A guardian unknown to the election, with another x coordinate, with a partial decryption per
    item missing or extra, or with an element outside the order-q subgroup is left out (and named);
    so is every copy of a guardian that appears twice. Whether enough remain is the caller's call.
    """
    counts: dict[str, int] = {}
    for s in shares:
        counts[s.guardian_id] = counts.get(s.guardian_id, 0) + 1
    good: list[GuardianShares] = []
    faults: list[GuardianFault] = []
    for s in shares:
        if counts[s.guardian_id] > 1:
            faults.append(GuardianFault(s.guardian_id, "gave partial decryptions twice"))
            continue
        problem = _participant_problem(context, s, n_items)
        if problem is not None:
            faults.append(GuardianFault(s.guardian_id, problem[1]))
            continue
        good.append(s)
    return tuple(good), tuple(dict.fromkeys(faults))


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


def response_faults(
    context: DecryptionContext,
    combination: DecryptionCombination,
    responses: Sequence[GuardianResponses],
) -> tuple[GuardianFault, ...]:
    """Every guardian of the combination whose response is missing or fails eq. 74-75 / 83-84.

    a'_i = g^v_i (g^P(i))^c_i with g^P(i) from the commitments K_j,m, b'_i = A^v_i M_i^c_i; a
    guardian whose a'_i != a_i or b'_i != b_i for an item is named with the first such item.
    Responses from guardians outside the combination are refused (QuorumError).
    """
    by_id = {r.guardian_id: r for r in responses}
    expected = [s.guardian_id for s in combination.guardian_shares]
    extra = [gid for gid in by_id if gid not in expected]
    if extra:
        raise QuorumError(f"responses from guardians that gave no partial decryption: {', '.join(extra)}")
    faults = []
    for shares, w in zip(combination.guardian_shares, combination.weights):
        response = by_id.get(shares.guardian_id)
        if response is None:
            faults.append(GuardianFault(shares.guardian_id, NO_RESPONSE))
            continue
        bad = _first_bad_response(context, combination, shares, w, response)
        if bad is not None:
            faults.append(
                GuardianFault(
                    shares.guardian_id,
                    f"gave a response that does not verify for item {bad} (eq. 74-75): "
                    "its partial decryption or its response is wrong",
                    bad,
                )
            )
    return tuple(faults)


def combine_decryptions(
    context: DecryptionContext,
    combination: DecryptionCombination,
    responses: Sequence[GuardianResponses],
) -> tuple[CombinedDecryption, ...]:
    """Step 4: check every v_i (eq. 74-75 / 83-84) and publish (c, v = sum v_i) (eq. 76 / 85).

    Every guardian that fails (``response_faults``) is named in one GuardianShareError.
    """
    faults = response_faults(context, combination, responses)
    if faults:
        named = "; ".join(f"guardian {f.guardian_id}: {f.reason}" for f in faults)
        raise GuardianShareError(named, [f.guardian_id for f in faults])
    return combine_verified(context, combination, responses)


def combine_verified(
    context: DecryptionContext,
    combination: DecryptionCombination,
    responses: Sequence[GuardianResponses],
) -> tuple[CombinedDecryption, ...]:
    """(c, v = sum v_i) per item (eq. 76 / 85), for responses that ``response_faults`` passed."""
    by_id = {r.guardian_id: r for r in responses}
    group = context.group
    out = []
    for j, item in enumerate(combination.items):
        total = sum(int(by_id[s.guardian_id].responses[j].value) for s in combination.guardian_shares)
        v = group.element_q(total % int(group.q))
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
        proof = DecryptionProof(c_i, v_i)
        a_i, b_i = decryption_commitments(share_key, _base_of(item), part.value, proof, key_table=False)
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


@dataclass(frozen=True)
class ChallengedDecryption:
    """What the decryption gives for one challenged ballot: its dballot, or None when it cannot be
    published at all, and every problem found on the way."""

    ballot_id: str
    decrypted: DecryptedTallyOrBallot | None
    problems: tuple[BallotProblem, ...] = ()


def challenged_ballot_problem(init: ElectionInitialized, ballot: EncryptedBallot) -> BallotProblem | None:
    """Why no guardian can decrypt any part of this challenged ballot, or None.

    A ballot of another election, or one with an A or a C0 outside the order-q subgroup (which a
    guardian refuses to raise to its secret, ``guardian_partial_decrypt``), is left out of the
    decryption so that it cannot stop it.
    """
    if ballot.election_id != init.extended_base_hash:
        return BallotProblem("R.election_id", ballot.ballot_id, "the ballot names another election (H_E differs)")
    group = init.joint_public_key.group
    for contest in ballot.contests:
        bases = [contest.contest_data.c0, *(s.ciphertext.pad for s in contest.selections)]
        if any(b.group is not group for b in bases) or not group.all_in_subgroup(bases):
            return BallotProblem(
                "R.subgroup",
                ballot.ballot_id,
                "a selection's A or the contest data's C0 is not in the order-q subgroup; "
                "no guardian decrypts such an element",
                contest.contest_id,
            )
    return None


def _contest_data_of(
    init: ElectionInitialized, contest: EncryptedContest, data: CombinedDecryption
) -> tuple[DecryptedContestData, str | None]:
    """The decrypted contest data with its proof (eq. 77-89), and why it does not open, if it does not.

    beta = C0^s is proven whatever C1 and C2 hold. When C1 does not open under it (the MAC of eq. 55
    fails, C1 has the wrong length, the plaintext does not decode), the contest data is published
    as the empty ContestData beside the proven beta: anyone can recompute the MAC from beta and see
    that the ballot's own C1 and C2 open to nothing (the verifier's R.contest_data).
    """
    try:
        decoded = decrypt_contest_data(
            contest.contest_data, data.value, init.extended_base_hash, init.joint_public_key, contest.contest_id
        )
        reason = None
    except ContestDataError as exc:
        decoded, reason = ContestData(), str(exc)
    return DecryptedContestData(decoded, contest.contest_data, data.proof, data.value), reason


def assemble_challenged(
    init: ElectionInitialized,
    ballot: EncryptedBallot,
    decryptions: Sequence[CombinedDecryption],
    *,
    bound: int = 1,
) -> ChallengedDecryption:
    """dballot-<id>.json from the combined decryptions of ``challenged_ballot_items``, section 3.6.5,
    as far as the ballot allows.

    Each selection: S = beta M^-1 = K^sigma with sigma in 0..bound (1: a 0/1 selection), with its
    proof; each contest's data: beta (eq. 78) with its proof (eq. 81, egk form) and the decoded
    contest data. Contest data that does not open under the proven beta (R.contest_data: the MAC
    of eq. 55 fails, or the plaintext does not decode) is published as the empty ContestData with
    its beta and proof, and the ballot's metadata says why under ``contest_data_error:<contest id>``;
    its selections are published as usual. A selection outside 0..bound (13.B: the ballot's range
    proofs cannot hold) leaves the whole ballot unpublished.
    """
    if len(decryptions) != len(challenged_ballot_items(init, ballot)):
        raise DecryptionError(f"the decryptions do not match ballot {ballot.ballot_id!r}")
    bid = ballot.ballot_id
    it = iter(decryptions)
    contests, problems, notes = [], [], []
    for contest in ballot.contests:
        data = next(it)
        selections = []
        for s in contest.selections:
            d = next(it)
            try:
                t_elem, t = tally_value(
                    s.ciphertext, d.value, init.joint_public_key, bound, f"selection {s.selection_id!r}"
                )
            except DecryptionError as exc:
                problems.append(BallotProblem("13.B", bid, str(exc), contest.contest_id, s.selection_id))
                continue
            selections.append(DecryptedSelection(s.selection_id, t, t_elem, s.ciphertext, d.proof))
        contest_data, reason = _contest_data_of(init, contest, data)
        if reason is not None:
            problems.append(BallotProblem("R.contest_data", bid, reason, contest.contest_id))
            notes.append((CONTEST_DATA_ERROR_KEY + contest.contest_id, reason))
        contests.append(DecryptedContest(contest.contest_id, tuple(selections), contest_data))
    if any(p.check_id == "13.B" for p in problems):
        return ChallengedDecryption(bid, None, tuple(problems))
    decrypted = DecryptedTallyOrBallot(bid, tuple(contests), init.extended_base_hash, tuple(notes))
    return ChallengedDecryption(bid, decrypted, tuple(problems))


def assemble_challenged_ballot(
    init: ElectionInitialized,
    ballot: EncryptedBallot,
    decryptions: Sequence[CombinedDecryption],
    *,
    bound: int = 1,
) -> DecryptedTallyOrBallot:
    """``assemble_challenged``, strict: any problem raises DecryptionError naming it."""
    outcome = assemble_challenged(init, ballot, decryptions, bound=bound)
    if outcome.problems or outcome.decrypted is None:
        first = outcome.problems[0]
        where = f"ballot {first.ballot_id!r}, contest {first.contest_id!r}"
        raise DecryptionError(f"{where}: {first.reason}")
    return outcome.decrypted


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
class JobDecryption:
    """What one decryption session publishes: tally.json, the challenged ballots that can be
    published, and the problems of the challenged ballots (left out, or published in part)."""

    tally: DecryptedTallyOrBallot
    ballots: tuple[DecryptedTallyOrBallot, ...]
    problems: tuple[BallotProblem, ...]


@dataclass(frozen=True)
class DecryptionJob:
    """Everything one decryption session decrypts: the tally and the challenged ballots.

    Guardians on separate machines compute their shares over ``items`` in this order; the
    ``fingerprint`` binds every exchanged file to the same list of ciphertexts. ``left_out``
    holds the challenged ballots that no guardian can decrypt (``challenged_ballot_problem``).
    """

    encrypted_tally: EncryptedTally
    challenged: tuple[EncryptedBallot, ...] = ()
    left_out: tuple[BallotProblem, ...] = ()

    @classmethod
    def of(
        cls, init: ElectionInitialized, encrypted_tally: EncryptedTally, challenged: Iterable[EncryptedBallot]
    ) -> DecryptionJob:
        """The job every party derives alike from the record: the challenged ballots in id order,
        those that cannot be decrypted at all left out with their problem."""
        kept: list[EncryptedBallot] = []
        left_out: list[BallotProblem] = []
        for ballot in sorted(challenged, key=lambda b: b.ballot_id):
            problem = challenged_ballot_problem(init, ballot)
            if problem is None:
                kept.append(ballot)
            else:
                left_out.append(problem)
        return cls(encrypted_tally, tuple(kept), tuple(left_out))

    def items(self, init: ElectionInitialized) -> list[DecryptionItem]:
        out = tally_items(self.encrypted_tally)
        for ballot in self.challenged:
            out.extend(challenged_ballot_items(init, ballot))
        return out

    def item_labels(self) -> list[str]:
        """What each item is, in item order, for messages: "tally contest c, selection s", ..."""
        out = [
            f"tally contest {c.contest_id}, selection {s.selection_id}"
            for c in self.encrypted_tally.contests
            for s in c.selections
        ]
        for ballot in self.challenged:
            for contest in ballot.contests:
                out.append(f"ballot {ballot.ballot_id} contest {contest.contest_id}, contest data")
                out.extend(
                    f"ballot {ballot.ballot_id} contest {contest.contest_id}, selection {s.selection_id}"
                    for s in contest.selections
                )
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
    ) -> JobDecryption:
        """tally.json and the challenged ballots from the combined decryptions, with their problems.

        The tally is all or nothing (DecryptionError); a challenged ballot's problem only keeps
        that ballot (or that contest's data) out.
        """
        n_tally = len(tally_items(self.encrypted_tally))
        tally = assemble_tally(init, self.encrypted_tally, decryptions[:n_tally], max_votes=max_votes)
        ballots: list[DecryptedTallyOrBallot] = []
        problems: list[BallotProblem] = list(self.left_out)
        start = n_tally
        for ballot in self.challenged:
            size = len(challenged_ballot_items(init, ballot))
            outcome = assemble_challenged(init, ballot, decryptions[start : start + size])
            start += size
            problems.extend(outcome.problems)
            if outcome.decrypted is not None:
                ballots.append(outcome.decrypted)
        if start != len(decryptions):
            raise DecryptionError("more decryptions than items in the decryption job")
        return JobDecryption(tally, tuple(ballots), tuple(problems))


__all__ = [
    "BallotProblem",
    "CONTEST_DATA_ERROR_KEY",
    "ChallengedDecryption",
    "CombinedDecryption",
    "GuardianFault",
    "JobDecryption",
    "NO_RESPONSE",
    "assemble_challenged",
    "combine_verified",
    "challenged_ballot_problem",
    "response_faults",
    "screen_shares",
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
    "combine_decryptions",
    "compute_challenges",
    "decrypt_challenged_ballot",
    "decrypt_items",
    "decrypt_tally",
    "guardian_partial_decrypt",
    "guardian_respond",
    "guardian_share_key",
    "tally_value",
]
