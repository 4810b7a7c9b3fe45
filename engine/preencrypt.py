"""Pre-encrypted ballots, spec 2.0.0 section 4: the ballot encrypting tool (4.2) and the recording tool (4.3).

Every option of every contest on a ballot style gets a selection vector: encryptions of 0 with a 1
at the option's position (eq. 91); each contest also gets L null vectors of zeros (L its selection
limit). Every encryption's nonce follows from one 256-bit primary nonce (eq. 96), so the recording
tool, given the primary nonce back, regenerates the whole ballot. Each vector is hashed (eq. 92-93),
the hashes of a contest are hashed in increasing order into its contest hash (eq. 94), and the
contest hashes into the confirmation code (eq. 95); a short code Omega(psi) is printed beside each
option (section 4.1.4).

Recording a marked ballot (section 4.3) multiplies the vectors of the chosen short codes (padded
with unchosen null vectors up to L) option by option, adds their nonces, and proves every resulting
selection in 0..1 and the contest in 0..L, as for an ordinary ballot (eq. 46, 56). A ballot the voter
challenges instead of casting (uncast, section 4.3) is recorded the same way with state SPOILED and
its primary nonce published (egk's `primary_nonce`), which opens every encryption of the ballot.

Where egk's vectors differ from the spec text, this module writes what egk writes (docs/PROTOCOL.md,
"Pre-encrypted ballots"):
- eq. 96 hashes ind_c and ind_o as the raw UTF-8 bytes of the contest and selection ids, and null
  vectors as "null1" .. "nullL" (the spec's names for them);
- eq. 94 hashes ind_c the same way (IdForm.LABEL, the default); IdForm.INDEX hashes b(sequence_order, 4);
- Omega is egk's: the first five hexadecimal digits (upper case) of psi;
- the recorded contest's eq. 57 hash and its contest data use the contest id's label form, the
  contest data with status "normal" and no write-ins, as egk's recorder does.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine import domains
from engine.ballot import BallotError, EncryptionContext, IdForm
from engine.contest_data import contest_data_nonce, encrypt_contest_data
from engine.election import (
    SHORT_CODE_DIGITS,
    BallotState,
    ContestData,
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    PreEncryption,
    SelectionVector,
    contest_hash,
    preencryption_confirmation_code,
    preencryption_contest_hash,
    selection_hash,
    short_code,
)
from engine.elgamal import Ciphertext, add_all, encrypt
from engine.group import ElementModQ, Group
from engine.hash import UInt256, hash_elems
from engine.manifest import ContestDescription, Manifest, ManifestError
from engine.proofs import prove_range

__all__ = [
    "MAX_ATTEMPTS",
    "SHORT_CODE_DIGITS",
    "PreEncryptedBallot",
    "PreEncryptedContest",
    "PreEncryptedSelection",
    "make_preencrypted_ballots",
    "null_label",
    "preencrypt_ballot",
    "preencryption_nonce",
    "record_marked_ballot",
    "short_code",
    "short_codes_unique",
]

MAX_ATTEMPTS = 1000


def null_label(position: int) -> str:
    """The label of the position-th null vector of a contest (1-based), section 4.2.1."""
    return f"null{position}"


def preencryption_nonce(
    h_e: UInt256, primary_nonce: UInt256, contest_label: str, vector_label: str, option_label: str, group: Group
) -> ElementModQ:
    """xi_i,j,k = H(H_E; 0x43, xi, ind_c(Lambda_i), ind_o(lambda_j), ind_o(lambda_k)) mod q, eq. 96, with the
    labels' raw UTF-8 bytes (egk's form)."""
    return hash_elems(
        h_e,
        domains.PREENCRYPTION_NONCE,
        primary_nonce,
        contest_label.encode("utf-8"),
        vector_label.encode("utf-8"),
        option_label.encode("utf-8"),
    ).to_q(group)


@dataclass(frozen=True)
class PreEncryptedSelection:
    """One selection vector Psi (eq. 91): an option's, or a null vector of zeros; with its hash and short code."""

    selection_id: str  # the option's id, or "null1".. for a null vector
    sequence_order: int  # the option's; a null vector's is the number of options plus its position - 1
    is_null: bool
    selection_hash: UInt256  # psi, eq. 92-93
    short_code: str
    vector: tuple[Ciphertext, ...]  # E_1..E_m, in the options' order
    nonces: tuple[ElementModQ, ...]  # xi_i,j,k of each E_k (eq. 96): secret until the ballot is opened


@dataclass(frozen=True)
class PreEncryptedContest:
    contest_id: str
    sequence_order: int
    votes_allowed: int  # L
    selections: tuple[PreEncryptedSelection, ...]  # the options in the manifest's order, then the L null vectors
    contest_hash: UInt256  # chi_l, eq. 94

    @property
    def options(self) -> tuple[PreEncryptedSelection, ...]:
        return tuple(s for s in self.selections if not s.is_null)

    def sorted_hashes(self) -> tuple[UInt256, ...]:
        return tuple(sorted((s.selection_hash for s in self.selections), key=lambda h: h.data))


@dataclass(frozen=True)
class PreEncryptedBallot:
    """The output of the encrypting tool for one ballot (section 4.2). The primary nonce is secret: it
    opens every encryption of the ballot."""

    ballot_id: str
    ballot_style_id: str
    primary_nonce: UInt256
    contests: tuple[PreEncryptedContest, ...]
    code_baux: bytes
    confirmation_code: UInt256  # H(B), eq. 95


def _preencrypt_contest(
    ctx: EncryptionContext, desc: ContestDescription, primary_nonce: UInt256, form: IdForm
) -> PreEncryptedContest:
    h_e, k, group = ctx.extended_base_hash, ctx.joint_public_key, ctx.group
    options = sorted(desc.ballot_selections, key=lambda s: s.sequence_order)
    labels = [o.object_id for o in options]
    vectors = [(o.object_id, o.sequence_order, False) for o in options]
    vectors += [(null_label(j), len(options) + j - 1, True) for j in range(1, desc.votes_allowed + 1)]
    selections = []
    for vector_label, sequence_order, is_null in vectors:
        nonces = tuple(
            preencryption_nonce(h_e, primary_nonce, desc.object_id, vector_label, label, group) for label in labels
        )
        vector = tuple(encrypt(int(label == vector_label), xi, k) for label, xi in zip(labels, nonces))
        psi = selection_hash(h_e, k, vector)
        selections.append(
            PreEncryptedSelection(vector_label, sequence_order, is_null, psi, short_code(psi), vector, nonces)
        )
    contest_ind: int | str = desc.sequence_order if form is IdForm.INDEX else desc.object_id
    chi = preencryption_contest_hash(h_e, contest_ind, k, [s.selection_hash for s in selections])
    return PreEncryptedContest(desc.object_id, desc.sequence_order, desc.votes_allowed, tuple(selections), chi)


def preencrypt_ballot(
    election: EncryptionContext,
    manifest: Manifest,
    ballot_id: str,
    ballot_style_id: str,
    primary_nonce: UInt256,
    *,
    code_baux: bytes = b"",
    form: IdForm = IdForm.LABEL,
) -> PreEncryptedBallot:
    """The encrypting tool (section 4.2): every vector, hash and code of one ballot, deterministic in the
    primary nonce (section 4.2.1); the contests in the manifest's order (eq. 95)."""
    if not isinstance(primary_nonce, UInt256):
        raise BallotError("the primary nonce is a 32-byte UInt256")
    try:
        contests = sorted(manifest.contests_for_style(ballot_style_id), key=lambda c: c.sequence_order)
    except ManifestError as exc:
        raise BallotError(f"ballot {ballot_id!r}: unknown ballot style {ballot_style_id!r}") from exc
    if not contests:
        raise BallotError(f"ballot {ballot_id!r}: ballot style {ballot_style_id!r} has no contests")
    for c in contests:
        if c.option_limit != 1:
            raise BallotError(
                f"contest {c.object_id!r}: a pre-encrypted vector holds one vote per option, not R = {c.option_limit}"
            )
    pre_contests = tuple(_preencrypt_contest(election, c, primary_nonce, form) for c in contests)
    code = preencryption_confirmation_code(
        election.extended_base_hash, [c.contest_hash for c in pre_contests], code_baux
    )
    return PreEncryptedBallot(ballot_id, ballot_style_id, primary_nonce, pre_contests, bytes(code_baux), code)


def short_codes_unique(ballot: PreEncryptedBallot) -> bool:
    """True when no contest shows the same short code twice (section 4.1.4 requires it)."""
    return all(len({s.short_code for s in c.selections}) == len(c.selections) for c in ballot.contests)


def make_preencrypted_ballots(
    election: EncryptionContext,
    manifest: Manifest,
    ballot_style_id: str,
    ballot_ids: Iterable[str],
    *,
    code_baux: bytes = b"",
    form: IdForm = IdForm.LABEL,
) -> list[PreEncryptedBallot]:
    """A batch of pre-encrypted ballots, each from a fresh primary nonce, drawn again while any contest
    has two equal short codes (section 4.2.2)."""
    ballots = []
    for ballot_id in ballot_ids:
        for _ in range(MAX_ATTEMPTS):
            nonce = UInt256(secrets.token_bytes(32))
            ballot = preencrypt_ballot(
                election, manifest, ballot_id, ballot_style_id, nonce, code_baux=code_baux, form=form
            )
            if short_codes_unique(ballot):
                ballots.append(ballot)
                break
        else:
            raise BallotError(f"ballot {ballot_id!r}: short codes collide in every attempt; a contest is too large")
    return ballots


# ---------------------------------------------------------------- the recording tool (section 4.3)


def _chosen_vectors(contest: PreEncryptedContest, codes: Sequence[str], ballot_id: str) -> list[PreEncryptedSelection]:
    """The vectors of the chosen short codes, padded with unchosen null vectors to L, in increasing hash order."""
    where = f"ballot {ballot_id!r}, contest {contest.contest_id!r}"
    by_code = {s.short_code: s for s in contest.selections}
    if len(set(codes)) != len(codes):
        raise BallotError(f"{where}: a short code is marked twice")
    if len(codes) > contest.votes_allowed:
        raise BallotError(f"{where}: {len(codes)} marks for at most {contest.votes_allowed}")
    chosen = []
    for code in codes:
        if code not in by_code:
            raise BallotError(f"{where}: no selection has the short code {code!r}")
        chosen.append(by_code[code])
    spare_nulls = [s for s in contest.selections if s.is_null and s not in chosen]
    chosen += spare_nulls[: contest.votes_allowed - len(chosen)]
    return sorted(chosen, key=lambda s: s.selection_hash.data)


def _record_contest(
    ctx: EncryptionContext,
    contest: PreEncryptedContest,
    codes: Sequence[str],
    primary_nonce: UInt256,
    ballot_id: str,
    form: IdForm,
) -> EncryptedContest:
    h_e, k, group = ctx.extended_base_hash, ctx.joint_public_key, ctx.group
    chosen = _chosen_vectors(contest, codes, ballot_id)
    chosen_ids = {s.selection_id for s in chosen}
    selections = []
    nonces = []
    for position, option in enumerate(contest.options):
        ciphertext = add_all([v.vector[position] for v in chosen], group)
        xi = group.reduce_q(sum(int(v.nonces[position]) for v in chosen))
        vote = int(option.selection_id in chosen_ids)
        proof = prove_range(h_e, k, ciphertext, xi, vote, 1)
        selections.append(EncryptedSelection(option.selection_id, option.sequence_order, ciphertext, proof))
        nonces.append(xi)
    ciphertexts = [s.ciphertext for s in selections]
    total = sum(int(o.selection_id in chosen_ids) for o in contest.options)
    aggregate_nonce = group.reduce_q(sum(int(x) for x in nonces))
    limit_proof = prove_range(h_e, k, add_all(ciphertexts, group), aggregate_nonce, total, contest.votes_allowed)
    contest_ind: int | str = contest.sequence_order if form is IdForm.INDEX else contest.contest_id
    data_nonce = contest_data_nonce(h_e, primary_nonce, contest_ind, group)
    data = encrypt_contest_data(
        ContestData((), (), "normal"), contest.votes_allowed, data_nonce, h_e, k, contest.contest_id
    )
    pre_encryption = PreEncryption(
        contest.contest_hash,
        contest.sorted_hashes(),
        tuple(SelectionVector(v.selection_hash, v.short_code, v.vector) for v in chosen),
    )
    return EncryptedContest(
        contest_id=contest.contest_id,
        sequence_order=contest.sequence_order,
        votes_allowed=contest.votes_allowed,
        contest_hash=contest_hash(h_e, contest_ind, k, ciphertexts),
        selections=tuple(selections),
        proof=limit_proof,
        contest_data=data,
        pre_encryption=pre_encryption,
    )


def record_marked_ballot(
    election: EncryptionContext,
    manifest: Manifest,
    ballot_id: str,
    ballot_style_id: str,
    primary_nonce: UInt256,
    marked_codes: Mapping[str, Sequence[str]],
    *,
    device: str,
    code_baux: bytes = b"",
    timestamp: int | None = None,
    form: IdForm = IdForm.LABEL,
    challenged: bool = False,
) -> EncryptedBallot:
    """The recording tool (section 4.3): the ballot regenerated from its primary nonce, the voter's short
    codes per contest id (a contest not named is an undervote), the encrypted ballot with its proofs and,
    per contest, the pre-encryption data of section 4.4. Cast, or with ``challenged`` uncast: SPOILED,
    with the primary nonce that lets anyone open it (section 4.5)."""
    pre = preencrypt_ballot(
        election, manifest, ballot_id, ballot_style_id, primary_nonce, code_baux=code_baux, form=form
    )
    unknown = set(marked_codes) - {c.contest_id for c in pre.contests}
    if unknown:
        raise BallotError(f"ballot {ballot_id!r}: contests not on style {ballot_style_id!r}: {sorted(unknown)}")
    contests = tuple(
        _record_contest(election, c, tuple(marked_codes.get(c.contest_id, ())), primary_nonce, ballot_id, form)
        for c in pre.contests
    )
    return EncryptedBallot(
        ballot_id=ballot_id,
        ballot_style_id=ballot_style_id,
        encrypting_device=device,
        timestamp=int(time.time()) if timestamp is None else timestamp,
        code_baux=pre.code_baux,
        confirmation_code=pre.confirmation_code,
        election_id=election.extended_base_hash,
        contests=contests,
        state=BallotState.SPOILED if challenged else BallotState.CAST,
        is_preencrypt=True,
        primary_nonce=primary_nonce if challenged else None,
    )
