"""Ballot encryption, confirmation codes and ballot chaining, spec 2.0.0 sections 3.3 and 3.4.

A plaintext ballot is validated against the manifest, then every option of every contest on its
ballot style is encrypted (eq. 24) with a nonce derived from one ballot nonce (eq. 25) and a 0..R
range proof (eq. 46); each contest gets a 0..L proof on the product of its ciphertexts (eq. 56),
its encrypted contest data (eq. 50-55, engine.contest_data) and its hash chi_l (eq. 57); the
confirmation code hashes the contest hashes with B_aux (eq. 58). Ballots of one device can be
chained (eq. 59-61).

Where egk's records and vectors differ from the spec text, this module writes what egk writes:
- eq. 58: B_aux is hashed without its 4-byte length prefix (docs/PROTOCOL.md deviation 1);
- eq. 59-61: H_0 = H(H_E; 0x24, B_aux,0) without length prefix; the first ballot's B_aux is H_0
  alone (the spec has H_0 || B_aux,0); the closing hash is H(H_E; 0x24, H_l || B_aux,0 || "CLOSE")
  without length prefixes; ballot_chain.json's baux0 field holds H_0 (deviation 2);
- eq. 25, 50, 57: egk has used two forms of ind_c / ind_o, both supported through IdForm. The
  INDEX form (b(sequence_order, 4), the spec's) is the default: it is what the egk records'
  contest hashes and BallotChainingTestVector use. The LABEL form (the ids' raw UTF-8 bytes)
  reproduces BallotEncryption-, ConfirmationCode-, DecryptWithNonce- and DecryptBallotTestVector.
  Eq. 50 hashes the raw 12 bytes "contest_data" in both forms (the spec: b(12, 4) || "contest_data").
- section 3.3.7: overvoted contests are encrypted as all zeros and their contest data lists the
  sequence orders of the marked options with status "over_vote", as egk does; the status of other
  contests is null_vote / under_vote / normal from the number of votes (egk also counts write-ins).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, Union

from gmpy2 import mpz

from engine import domains
from engine.contest_data import (
    IdForm,
    contest_data_nonce,
    contest_data_status,
    decrypt_contest_data_with_nonce,
    seal_contest_data,
)
from engine.election import (
    BallotChain,
    BallotState,
    ContestData,
    ElectionInitialized,
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    PlaintextBallot,
    PlaintextContest,
    PlaintextSelection,
    contest_hash,
    indicator_bytes,
)
from engine.elgamal import Ciphertext, add_all, decrypt_with_nonce, encrypt
from engine.errors import BallotchainError, DecryptionError
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import UInt256, hash_bytes, hash_elems
from engine.manifest import ContestDescription, Manifest, ManifestError
from engine.proofs.pad_knowledge import PadKnowledgeProof, prove_pad_knowledge
from engine.proofs.proof_commitments import BallotCommitments, ContestCommitments
from engine.proofs.range_proof import (
    encryption_commitment_exponents,
    finish_range_proof,
    range_commitment_exponents,
    range_randomness,
)

__all__ = [
    "BallotChainer",
    "BallotEncryptionResult",
    "BallotError",
    "EncryptionContext",
    "IdForm",
    "ProofRandomness",
    "cast",
    "chain_closing_hash",
    "chain_code_baux",
    "chain_initial_hash",
    "challenge",
    "confirmation_code",
    "contest_hash",
    "decrypt_ballot_with_nonce",
    "encrypt_ballot",
    "encryption_context",
    "make_ballot_chain",
    "prove_contest_data_knowledge",
    "selection_nonce",
    "validate_plaintext_ballot",
]

CLOSE_MARK = b"CLOSE"

OvervotePolicy = Literal["reject", "record"]


class BallotError(BallotchainError, ValueError):
    """A plaintext ballot does not fit the manifest, or a ballot operation was given bad input."""


# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class EncryptionContext:
    """What ballot encryption needs of the election: H_E (eq. 23) and the joint key K (eq. 8)."""

    extended_base_hash: UInt256
    joint_public_key: ElementModP

    @property
    def group(self) -> Group:
        return self.joint_public_key.group


ElectionLike = Union[
    ElectionInitialized,
    EncryptionContext,
    tuple[UInt256, ElementModP],
    tuple[UInt256, ElementModP, Group],
]


def encryption_context(election: ElectionLike) -> EncryptionContext:
    """An EncryptionContext from an ElectionInitialized, a context, or (H_E, K[, group])."""
    if isinstance(election, EncryptionContext):
        ctx = election
    elif isinstance(election, ElectionInitialized):
        ctx = EncryptionContext(election.extended_base_hash, election.joint_public_key)
    elif isinstance(election, tuple) and len(election) in (2, 3):
        ctx = EncryptionContext(election[0], election[1])
        if len(election) == 3 and election[2] is not ctx.joint_public_key.group:  # type: ignore[misc]
            raise BallotError("the joint key is not an element of the given group")
    else:
        raise BallotError(f"expected an ElectionInitialized or (H_E, K), not {type(election).__name__}")
    if not isinstance(ctx.extended_base_hash, UInt256) or not isinstance(ctx.joint_public_key, ElementModP):
        raise BallotError("the encryption context needs H_E as UInt256 and K as ElementModP")
    return ctx


@dataclass(frozen=True)
class ProofRandomness:
    """Fixed (u_0..u_R, c_0..c_R) for range proofs, keyed by (contest id, selection id) for the
    selection proofs and by contest id for the contest-limit proofs. For known-answer tests only:
    a real encryption draws them fresh from ``secrets``."""

    selections: Mapping[tuple[str, str], tuple[Sequence[ElementModQ], Sequence[ElementModQ]]] = field(
        default_factory=dict
    )
    contests: Mapping[str, tuple[Sequence[ElementModQ], Sequence[ElementModQ]]] = field(default_factory=dict)


@dataclass(frozen=True)
class BallotEncryptionResult:
    """The encrypted ballot plus what only the voter's device holds: the ballot nonce xi_B (from
    which every selection nonce and contest data nonce follows, for a challenged ballot's audit),
    the plaintext contest data of each contest and the nonce xi of each contest's data (eq. 50,
    C0 = g^xi), both in the ballot's contest order; and the commitments of its range proofs (eq. 46),
    which the device may publish beside the record for batch verification."""

    ballot: EncryptedBallot
    ballot_nonce: UInt256
    contest_data: tuple[ContestData, ...]
    contest_data_nonces: tuple[ElementModQ, ...]
    proof_commitments: BallotCommitments | None = None


# ---------------------------------------------------------------- validation (section 3.3.3)


def validate_plaintext_ballot(
    manifest: Manifest, ballot: PlaintextBallot, *, overvotes: OvervotePolicy = "reject"
) -> PlaintextBallot:
    """Check a plaintext ballot against the manifest and return it in normal form.

    The normal form has every contest of the ballot style and every option of each, in manifest
    sequence order, with absent ones voted 0. Raises BallotError for an unknown ballot style,
    contest or selection, a contest not on the ballot's style, duplicates, a sequence order that
    differs from the manifest's, a vote outside 0..R, and, when overvotes == "reject", a contest with
    more than L votes (section 3.3.3); with "record" such a contest is kept for encrypt_ballot to
    record as an overvote (section 3.3.7).
    """
    if overvotes not in ("reject", "record"):
        raise BallotError(f"overvotes must be 'reject' or 'record', not {overvotes!r}")
    if not isinstance(ballot, PlaintextBallot):
        raise BallotError(f"expected a PlaintextBallot, not {type(ballot).__name__}")
    _require_text(ballot.ballot_id, "ballot id")
    if ballot.sn is not None and (isinstance(ballot.sn, bool) or not isinstance(ballot.sn, int) or ballot.sn < 0):
        raise BallotError(f"ballot {ballot.ballot_id!r}: the serial number must be a non-negative integer")
    style_contests = _style_contests(manifest, ballot.ballot_style, ballot.ballot_id)
    on_style = {c.object_id for c in style_contests}
    given: dict[str, PlaintextContest] = {}
    for contest in ballot.contests:
        if not isinstance(contest, PlaintextContest):
            raise BallotError(f"ballot {ballot.ballot_id!r}: a contest is not a PlaintextContest")
        cid = contest.contest_id
        if cid in given:
            raise BallotError(f"ballot {ballot.ballot_id!r}: duplicate contest {cid!r}")
        if cid not in on_style:
            try:
                manifest.contest(cid)
            except ManifestError:
                raise BallotError(f"ballot {ballot.ballot_id!r}: unknown contest {cid!r}") from None
            raise BallotError(
                f"ballot {ballot.ballot_id!r}: contest {cid!r} is not on ballot style {ballot.ballot_style!r}"
            )
        given[cid] = contest
    normal = tuple(
        _normal_contest(desc, given.get(desc.object_id), ballot.ballot_id, overvotes) for desc in style_contests
    )
    return PlaintextBallot(ballot.ballot_id, ballot.ballot_style, normal, ballot.sn)


def _style_contests(manifest: Manifest, style_id: str, ballot_id: str) -> tuple[ContestDescription, ...]:
    try:
        contests = manifest.contests_for_style(style_id)
    except ManifestError:
        raise BallotError(f"ballot {ballot_id!r}: unknown ballot style {style_id!r}") from None
    if not contests:
        raise BallotError(f"ballot {ballot_id!r}: ballot style {style_id!r} has no contests")
    return tuple(sorted(contests, key=lambda c: c.sequence_order))


def _normal_contest(
    desc: ContestDescription, contest: PlaintextContest | None, ballot_id: str, overvotes: OvervotePolicy
) -> PlaintextContest:
    where = f"ballot {ballot_id!r}, contest {desc.object_id!r}"
    options = sorted(desc.ballot_selections, key=lambda s: s.sequence_order)
    if contest is None:
        return PlaintextContest(
            desc.object_id,
            desc.sequence_order,
            tuple(PlaintextSelection(s.object_id, s.sequence_order, 0) for s in options),
        )
    if contest.sequence_order != desc.sequence_order:
        raise BallotError(f"{where}: sequence order {contest.sequence_order!r}, the manifest {desc.sequence_order}")
    known = {s.object_id: s for s in options}
    votes: dict[str, int] = {}
    for sel in contest.selections:
        if not isinstance(sel, PlaintextSelection):
            raise BallotError(f"{where}: a selection is not a PlaintextSelection")
        sid = sel.selection_id
        if sid not in known:
            raise BallotError(f"{where}: unknown selection {sid!r}")
        if sid in votes:
            raise BallotError(f"{where}: duplicate selection {sid!r}")
        if sel.sequence_order != known[sid].sequence_order:
            raise BallotError(
                f"{where}: selection {sid!r} has sequence order {sel.sequence_order!r}, "
                f"the manifest {known[sid].sequence_order}"
            )
        if isinstance(sel.vote, bool) or not isinstance(sel.vote, int) or not 0 <= sel.vote <= desc.option_limit:
            raise BallotError(f"{where}: the vote for {sid!r} is {sel.vote!r}, not in 0..{desc.option_limit} (R)")
        votes[sid] = sel.vote
    total = sum(votes.values())
    if total > desc.votes_allowed and overvotes == "reject":
        raise BallotError(f"{where}: {total} votes exceed the selection limit L = {desc.votes_allowed}")
    if not isinstance(contest.write_ins, tuple) or not all(isinstance(w, str) for w in contest.write_ins):
        raise BallotError(f"{where}: write-ins must be a tuple of strings")
    return PlaintextContest(
        desc.object_id,
        desc.sequence_order,
        tuple(PlaintextSelection(s.object_id, s.sequence_order, votes.get(s.object_id, 0)) for s in options),
        contest.write_ins,
    )


def _require_text(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise BallotError(f"the {what} must be a non-empty string, not {value!r}")


# ---------------------------------------------------------------- nonces and hashes


def selection_nonce(
    h_e: UInt256, ballot_nonce: UInt256, contest_ind: int | str, selection_ind: int | str, group: Group
) -> ElementModQ:
    """xi_i,j = H(H_E; 0x20, xi_B, ind_c(Lambda_i), ind_o(lambda_j)), eq. 25.

    Indices (int) enter as b(sequence_order, 4), the spec's form; labels (str) as their raw UTF-8
    bytes with no length prefix, egk's earlier form (IdForm.LABEL).
    """
    return hash_elems(
        h_e, domains.SELECTION_NONCE, ballot_nonce, indicator_bytes(contest_ind), indicator_bytes(selection_ind)
    ).to_q(group)


def confirmation_code(h_e: UInt256, contest_hashes: Sequence[UInt256], code_baux: bytes) -> UInt256:
    """H(B) = H(H_E; 0x24, chi_1, ..., chi_mB, B_aux), eq. 58, with B_aux as raw bytes (egk;
    the spec prefixes b(len(B_aux), 4): docs/PROTOCOL.md deviation 1)."""
    if not isinstance(code_baux, bytes):
        raise BallotError("B_aux must be bytes")
    return hash_elems(h_e, domains.CONFIRMATION, *contest_hashes, code_baux)


def chain_initial_hash(h_e: UInt256, baux0: bytes) -> UInt256:
    """H_0 = H(H_E; 0x24, B_aux,0), eq. 59, without the length prefix (egk, deviation 2)."""
    return hash_bytes(h_e, bytes([domains.CONFIRMATION]) + _as_bytes(baux0, "B_aux,0"))


def chain_code_baux(initial_hash: UInt256, previous_code: UInt256 | None, baux0: bytes) -> bytes:
    """B_aux,j of eq. 60: H_(j-1) || B_aux,0; for the first ballot egk uses H_0 alone (deviation 2)."""
    if previous_code is None:
        return initial_hash.data
    return previous_code.data + _as_bytes(baux0, "B_aux,0")


def chain_closing_hash(h_e: UInt256, last_code: UInt256, baux0: bytes) -> UInt256:
    """H = H(H_E; 0x24, H(B_l) || B_aux,0 || "CLOSE"), eq. 61, all without length prefixes (egk)."""
    return hash_bytes(h_e, bytes([domains.CONFIRMATION]) + last_code.data + _as_bytes(baux0, "B_aux,0") + CLOSE_MARK)


def _as_bytes(value: object, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise BallotError(f"{what} must be bytes, not {type(value).__name__}")
    return value


def _contest_ind(desc: ContestDescription, form: IdForm) -> int | str:
    return desc.sequence_order if form is IdForm.INDEX else desc.object_id


# ---------------------------------------------------------------- encryption


def encrypt_ballot(
    manifest: Manifest,
    election: ElectionLike,
    ballot: PlaintextBallot,
    *,
    device: str,
    ballot_nonce: UInt256 | None = None,
    timestamp: int | None = None,
    code_baux: bytes = b"",
    state: BallotState = BallotState.CAST,
    overvotes: OvervotePolicy = "reject",
    form: IdForm = IdForm.INDEX,
    proof_randomness: ProofRandomness | None = None,
) -> BallotEncryptionResult:
    """Encrypt a plaintext ballot, spec 3.3 and 3.4.

    Validates the ballot (validate_plaintext_ballot with the overvote policy), then for each contest
    of its style in manifest order: Enc(sigma, xi_i,j) per option (eq. 24, 25) with its 0..R proof
    (eq. 46), the 0..L proof on the product of the contest's ciphertexts with the summed nonce
    (section 3.3.8, eq. 56), the contest data (eq. 50-55), chi_l (eq. 57); then H(B) (eq. 58) over
    B_aux = code_baux. A ballot serial number, if any, is encrypted under K with a fresh nonce
    (egk's encrypted_sn).

    The manifest is expected to have passed validate_manifest. ballot_nonce defaults to 32 fresh
    random bytes, timestamp to now (seconds). For egk-style records pass code_baux = the config's
    baux0 when not chaining, BallotChainer.next_code_baux() when chaining.
    """
    ctx = encryption_context(election)
    _require_text(device, "encrypting device")
    if not isinstance(state, BallotState):
        raise BallotError(f"state must be a BallotState, not {state!r}")
    if not isinstance(form, IdForm):
        raise BallotError(f"form must be an IdForm, not {form!r}")
    _as_bytes(code_baux, "B_aux")
    if ballot_nonce is None:
        ballot_nonce = UInt256(secrets.token_bytes(32))
    elif not isinstance(ballot_nonce, UInt256):
        raise BallotError("the ballot nonce must be a UInt256")
    if timestamp is None:
        timestamp = int(time.time())
    elif isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise BallotError(f"the timestamp must be a non-negative integer, not {timestamp!r}")
    randomness = proof_randomness or ProofRandomness()
    normal = validate_plaintext_ballot(manifest, ballot, overvotes=overvotes)
    contests: list[EncryptedContest] = []
    data: list[ContestData] = []
    data_nonces: list[ElementModQ] = []
    commitments: list[ContestCommitments] = []
    for pcontest in normal.contests:
        desc = manifest.contest(pcontest.contest_id)
        encrypted, contest_data, data_nonce, committed = _encrypt_contest(
            ctx, desc, pcontest, ballot_nonce, form, randomness
        )
        contests.append(encrypted)
        commitments.append(committed)
        data.append(contest_data)
        data_nonces.append(data_nonce)
    code = confirmation_code(ctx.extended_base_hash, [c.contest_hash for c in contests], code_baux)
    encrypted_sn = None
    if normal.sn is not None:
        encrypted_sn = encrypt(normal.sn, ctx.group.random_q(), ctx.joint_public_key)
    result = EncryptedBallot(
        ballot_id=normal.ballot_id,
        ballot_style_id=normal.ballot_style,
        encrypting_device=device,
        timestamp=timestamp,
        code_baux=code_baux,
        confirmation_code=code,
        election_id=ctx.extended_base_hash,
        contests=tuple(contests),
        state=state,
        encrypted_sn=encrypted_sn,
    )
    return BallotEncryptionResult(
        result, ballot_nonce, tuple(data), tuple(data_nonces), BallotCommitments(normal.ballot_id, tuple(commitments))
    )


def _encrypt_contest(
    ctx: EncryptionContext,
    desc: ContestDescription,
    contest: PlaintextContest,
    ballot_nonce: UInt256,
    form: IdForm,
    randomness: ProofRandomness,
) -> tuple[EncryptedContest, ContestData, ElementModQ, ContestCommitments]:
    """One contest of encrypt_ballot, its plaintext contest data, the nonce xi of that data (eq. 50) and
    its range proofs' commitments (eq. 46); ``contest`` is in normal form (validate_plaintext_ballot)."""
    h_e, k, group = ctx.extended_base_hash, ctx.joint_public_key, ctx.group
    limit = desc.votes_allowed
    total = sum(s.vote for s in contest.selections)
    status = contest_data_status(total, limit)
    overvoted = status == "over_vote"
    over_votes = tuple(s.sequence_order for s in contest.selections if s.vote > 0) if overvoted else ()
    contest_data = ContestData(over_votes, contest.write_ins, status)
    contest_ind = _contest_ind(desc, form)
    option_limit = desc.option_limit
    votes = [0 if overvoted else s.vote for s in contest.selections]
    nonces = [
        selection_nonce(
            h_e, ballot_nonce, contest_ind, s.sequence_order if form is IdForm.INDEX else s.selection_id, group
        )
        for s in contest.selections
    ]
    witnesses = [
        range_randomness(
            group, option_limit, *randomness.selections.get((desc.object_id, s.selection_id), (None, None))
        )
        for s in contest.selections
    ]
    ell = 0 if overvoted else total
    contest_us, contest_cs = range_randomness(group, limit, *randomness.contests.get(desc.object_id, (None, None)))
    aggregate_nonce = group.reduce_q(sum(int(x) for x in nonces))
    data_nonce = contest_data_nonce(h_e, ballot_nonce, contest_ind, group)
    g_powers, k_powers = _contest_powers(k, nonces, votes, witnesses, contest_us, contest_cs, ell, data_nonce)
    selections: list[EncryptedSelection] = []
    committed: list[tuple[str, tuple[ElementModP, ...]]] = []
    step = option_limit + 2
    for i, (sel, xi, vote, (us, cs)) in enumerate(zip(contest.selections, nonces, votes, witnesses)):
        at = i * step
        ciphertext = Ciphertext(ElementModP(g_powers[at], group), ElementModP(k_powers[at], group))
        proof, commitments = finish_range_proof(
            h_e, k, ciphertext, xi, vote, us, cs, g_powers[at + 1 : at + step], k_powers[at + 1 : at + step]
        )
        committed.append((sel.selection_id, commitments))
        selections.append(EncryptedSelection(sel.selection_id, sel.sequence_order, ciphertext, proof))
    ciphertexts = [s.ciphertext for s in selections]
    aggregate = add_all(ciphertexts, group)
    at = len(nonces) * step
    limit_proof, limit_commitments = finish_range_proof(
        h_e,
        k,
        aggregate,
        aggregate_nonce,
        ell,
        contest_us,
        contest_cs,
        g_powers[at : at + limit + 1],
        k_powers[at : at + limit + 1],
    )
    at += limit + 1
    c0, data_beta = ElementModP(g_powers[at], group), ElementModP(k_powers[at], group)
    encrypted_data = seal_contest_data(contest_data, limit, c0, data_beta, h_e, k, desc.object_id)
    encrypted = EncryptedContest(
        contest_id=desc.object_id,
        sequence_order=desc.sequence_order,
        votes_allowed=limit,
        contest_hash=contest_hash(h_e, contest_ind, k, ciphertexts),
        selections=tuple(selections),
        proof=limit_proof,
        contest_data=encrypted_data,
    )
    return encrypted, contest_data, data_nonce, ContestCommitments(desc.object_id, tuple(committed), limit_commitments)


def _contest_powers(
    k: ElementModP,
    nonces: Sequence[ElementModQ],
    votes: Sequence[int],
    witnesses: Sequence[tuple[Sequence[ElementModQ], Sequence[ElementModQ]]],
    contest_us: Sequence[ElementModQ],
    contest_cs: Sequence[ElementModQ],
    ell: int,
    data_nonce: ElementModQ,
) -> tuple[list[mpz], list[mpz]]:
    """Every power of g and of K one contest's encryption needs, by one constant-time batch per base.

    None of the exponents depends on a ciphertext or a challenge. In both lists, per selection:
    alpha = g^xi and beta = K^(sigma + xi) (eq. 24), then a_j = g^u_j and b_j = K^t_j of its range
    proof (eq. 44-45); then the contest proof's a_j and b_j (eq. 56); last C0 = g^xi and K^xi of the
    contest data (eq. 50-51). The exponents with the vote come from the backend's fixed-width
    range_exponents (encryption_commitment_exponents); the others are nonces and u_j as drawn.
    """
    group = k.group
    g_exponents: list[mpz] = []
    k_exponents: list[mpz] = []
    for xi, vote, (us, cs) in zip(nonces, votes, witnesses):
        g_exponents.append(xi.value)
        g_exponents.extend(u.value for u in us)
        k_exponents.extend(encryption_commitment_exponents(xi, vote, us, cs))
    g_exponents.extend(u.value for u in contest_us)
    k_exponents.extend(range_commitment_exponents(contest_us, contest_cs, ell))
    g_exponents.append(data_nonce.value)
    k_exponents.append(data_nonce.value)
    return group.g_secret_table.pow_secret_many(g_exponents), group.secret_table_for(k).pow_secret_many(k_exponents)


def prove_contest_data_knowledge(result: BallotEncryptionResult) -> tuple[PadKnowledgeProof, ...]:
    """For each contest of the encrypted ballot, in its order, the proof that the voter knows xi with
    C0 = g^xi (engine.proofs.pad_knowledge, bound to H_E, H(B), the contest's sequence order and its
    whole contest data ciphertext). Ballotchain's addition to spec 3.3.6 for online submissions: it
    keeps a voter from submitting another voter's pad as C0 to have it decrypted (docs/PROTOCOL.md)."""
    ballot = result.ballot
    if len(result.contest_data_nonces) != len(ballot.contests):
        raise BallotError(f"ballot {ballot.ballot_id!r}: one contest data nonce per contest is needed")
    return tuple(
        prove_pad_knowledge(ballot.election_id, ballot.confirmation_code, c.sequence_order, c.contest_data, xi)
        for c, xi in zip(ballot.contests, result.contest_data_nonces)
    )


# ---------------------------------------------------------------- casting, challenging, auditing


def cast(ballot: EncryptedBallot) -> EncryptedBallot:
    """The ballot with state CAST (section 3.4, "Ballot casting or challenging")."""
    return replace(ballot, state=BallotState.CAST)


def challenge(ballot: EncryptedBallot) -> EncryptedBallot:
    """The ballot challenged: egk's state SPOILED (docs/PROTOCOL.md deviation 6)."""
    return replace(ballot, state=BallotState.SPOILED)


def decrypt_ballot_with_nonce(
    manifest: Manifest,
    election: ElectionLike,
    ballot: EncryptedBallot,
    ballot_nonce: UInt256,
    *,
    form: IdForm = IdForm.INDEX,
) -> PlaintextBallot:
    """The plaintext of an encrypted ballot from its ballot nonce xi_B (a challenged ballot's audit).

    Re-derives every nonce (eq. 25, 50), checks alpha = g^xi for each, and reads each vote from
    beta / K^xi; write-ins come from the contest data. In an overvoted contest (status over_vote) the
    options listed in the contest data are reported with one vote each, as the voter marked them.
    Raises BallotError when the nonce does not fit the ballot.
    """
    ctx = encryption_context(election)
    h_e, k, group = ctx.extended_base_hash, ctx.joint_public_key, ctx.group
    contests: list[PlaintextContest] = []
    for ec in ballot.contests:
        try:
            desc = manifest.contest(ec.contest_id)
        except ManifestError:
            raise BallotError(f"ballot {ballot.ballot_id!r}: unknown contest {ec.contest_id!r}") from None
        contest_ind = _contest_ind(desc, form)
        votes: list[PlaintextSelection] = []
        for es in ec.selections:
            selection_ind = es.sequence_order if form is IdForm.INDEX else es.selection_id
            xi = selection_nonce(h_e, ballot_nonce, contest_ind, selection_ind, group)
            try:
                vote = decrypt_with_nonce(es.ciphertext, xi, k, desc.option_limit)
            except DecryptionError as exc:
                raise BallotError(f"ballot {ballot.ballot_id!r}, selection {es.selection_id!r}: {exc}") from None
            votes.append(PlaintextSelection(es.selection_id, es.sequence_order, vote))
        data_nonce = contest_data_nonce(h_e, ballot_nonce, contest_ind, group)
        try:
            data = decrypt_contest_data_with_nonce(ec.contest_data, data_nonce, h_e, k, ec.contest_id)
        except ValueError as exc:
            raise BallotError(f"ballot {ballot.ballot_id!r}, contest {ec.contest_id!r}: {exc}") from None
        if data.status == "over_vote":
            marked = set(data.over_votes)
            votes = [replace(v, vote=1 if v.sequence_order in marked else 0) for v in votes]
        contests.append(PlaintextContest(ec.contest_id, ec.sequence_order, tuple(votes), data.write_ins))
    return PlaintextBallot(ballot.ballot_id, ballot.ballot_style_id, tuple(contests))


# ---------------------------------------------------------------- ballot chaining (section 3.4.3)


@dataclass(frozen=True)
class BallotChainer:
    """The state of one device's confirmation-code chain, eq. 59-61 in egk's form (deviation 2).

    Immutable: ``append`` returns the next state. Typical use::

        chain = BallotChainer.start(h_e, device, baux0)
        result = encrypt_ballot(..., device=device, code_baux=chain.next_code_baux())
        chain = chain.append(result.ballot)
        ...
        record = chain.close()
    """

    extended_base_hash: UInt256
    encrypting_device: str
    baux0: bytes
    initial_hash: UInt256
    ballot_ids: tuple[str, ...] = ()
    last_confirmation_code: UInt256 | None = None

    @classmethod
    def start(cls, h_e: UInt256, device: str, baux0: bytes) -> BallotChainer:
        """A new chain: H_0 of eq. 59 from B_aux,0 (which should identify the device)."""
        _require_text(device, "encrypting device")
        return cls(h_e, device, baux0, chain_initial_hash(h_e, baux0))

    def next_code_baux(self) -> bytes:
        """B_aux for the next ballot on this device (eq. 60)."""
        return chain_code_baux(self.initial_hash, self.last_confirmation_code, self.baux0)

    def append(self, ballot: EncryptedBallot) -> BallotChainer:
        """The chain with this ballot as its newest link; its B_aux must be next_code_baux()."""
        if ballot.encrypting_device != self.encrypting_device:
            raise BallotError(
                f"ballot {ballot.ballot_id!r} comes from device {ballot.encrypting_device!r}, "
                f"not {self.encrypting_device!r}"
            )
        if ballot.code_baux != self.next_code_baux():
            raise BallotError(f"ballot {ballot.ballot_id!r}: B_aux does not continue the chain (eq. 60)")
        if ballot.election_id != self.extended_base_hash:
            raise BallotError(f"ballot {ballot.ballot_id!r} belongs to another election")
        return replace(
            self,
            ballot_ids=self.ballot_ids + (ballot.ballot_id,),
            last_confirmation_code=ballot.confirmation_code,
        )

    def close(self) -> BallotChain:
        """The device's ballot_chain record with the closing hash of eq. 61."""
        last = self.last_confirmation_code or self.initial_hash
        return BallotChain(
            encrypting_device=self.encrypting_device,
            baux0=self.initial_hash.data,
            ballot_ids=self.ballot_ids,
            last_confirmation_code=last,
            chaining=True,
            closing_hash=chain_closing_hash(self.extended_base_hash, last, self.baux0),
        )


def make_ballot_chain(h_e: UInt256, device: str, baux0: bytes, ballots: Iterable[EncryptedBallot]) -> BallotChain:
    """The closed chain of one device's ballots, in the order they were encrypted (eq. 59-61)."""
    chain = BallotChainer.start(h_e, device, baux0)
    for ballot in ballots:
        chain = chain.append(ballot)
    return chain.close()
