"""Verifications 15-18 (pre-encrypted ballots), spec 2.0.0 section 4.5 and 6.2.8, over egk's record layout.

A pre-encrypted ballot is an ordinary encrypted ballot (its selections and contests carry the proofs
of eq. 46 and 56) whose confirmation code is computed before the voter marks it: each contest has a
`pre_encryption` object with the contest hash of eq. 94, every selection hash of the contest (nulls
included) in increasing order, and the L selection vectors the voter's short codes chose (padded
with null vectors). The checks:

- 15.A-D: each selection's ciphertext is in Z_p^r and its 0..1 range proof holds (as 5.A-5.D);
- 16.A-C: each contest's 0..L proof on the product of its selections holds (as 6.B-6.D);
- 17.A: each selected vector's hash is eq. 92 over its encryptions;
- 17.B: the selection hashes are m + L distinct values in increasing order that include the selected
  vectors' hashes, and hash to the contest hash of eq. 94 (ind_c as b(sequence_order, 4) or, as egk's
  vectors have it, the contest id's raw bytes: the form found is reported);
- 17.C: the confirmation code is eq. 95 over the contest hashes and B_aux;
- 17.D: no two pre-encrypted ballots share a confirmation code (7.C covers every ballot);
- 18.A: each published short code is Omega of its selection hash (egk's Omega, first five hex digits);
- 18.B: there are L selected vectors of m encryptions, and their product, option by option, is the
  contest's selection vector (for L = 1 the one vector itself);
- 18.C (ours: section 4.5's paragraph on uncast ballots, which the spec does not number): a challenged
  (SPOILED) pre-encrypted ballot publishes its primary nonce (egk's `primary_nonce`), and the m + L
  vectors it regenerates (nonces of eq. 96, option j's vector a 1 at position j and 0 elsewhere, null
  vectors all 0) hash (eq. 92) to exactly the contest's published selection hashes and include its
  selected vectors; with 17.B and 17.C, the confirmation code the voter holds commits to vectors that
  decrypt to what the manifest says. A cast ballot publishes no primary nonce (it would open its votes);
- 18.D (ours, section 4.1.4): no two selection hashes of a contest have the same short code, so that a
  mark names one vector.

The eq. 57 contest hash a recorded contest also carries is checked under 7.A in either form, and
R.preencrypted fails every pre-encrypted ballot of an election whose manifest does not admit them
(`preencrypted_ballots`, ours: egk's manifests have no such option, docs/PROTOCOL.md).
"""

from __future__ import annotations

from collections.abc import Iterable

from engine import domains
from engine.election import (
    BallotState,
    EncryptedBallot,
    EncryptedContest,
    PreEncryption,
    contest_hash,
    preencryption_confirmation_code,
    preencryption_contest_hash,
    selection_hash,
    short_code,
)
from engine.elgamal import Ciphertext
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import UInt256, hash_elems
from engine.proofs import RangeProof, verify_range
from engine.verify.ballots import TWO_256, BallotContext
from engine.verify.catalog import PREENCRYPTED_CHECKS
from engine.verify.report import Finding, Recorder

INDEX_FORM = "ind_c = b(sequence_order, 4)"
LABEL_FORM = "ind_c = the contest id's bytes (egk's pre-encryption vectors)"


def verify_preencrypted(
    rec: Recorder, ctx: BallotContext, ballots: Iterable[tuple[str, EncryptedBallot]]
) -> frozenset[str]:
    """Run 15-18 on every pre-encrypted ballot of ``ballots``; the ids left unchecked (none)."""
    codes: dict[bytes, str] = {}
    for label, ballot in ballots:
        if not ballot.is_preencrypt:
            continue
        rec.expect(
            ctx.layout.preencrypted_ballots,
            "R.preencrypted",
            "a pre-encrypted ballot in an election whose manifest does not admit them (preencrypted_ballots)",
            file=label,
            ballot_id=ballot.ballot_id,
        )
        verify_preencrypted_ballot(rec, ctx, label, ballot)
        verify_opening(rec, ctx, label, ballot)
        first = codes.setdefault(ballot.confirmation_code.data, ballot.ballot_id)
        rec.expect(
            first == ballot.ballot_id,
            "17.D",
            f"the confirmation code is also ballot {first!r}'s",
            file=label,
            ballot_id=ballot.ballot_id,
        )
    return frozenset()


def verify_preencrypted_ballot(rec: Recorder, ctx: BallotContext, label: str, ballot: EncryptedBallot) -> None:
    where = {"file": label, "ballot_id": ballot.ballot_id}
    contest_hashes = []
    for contest in ballot.contests:
        contest_where = {**where, "contest_id": contest.contest_id}
        _verify_selections(rec, ctx, contest, contest_where)
        _verify_limit(rec, ctx, contest, contest_where)
        _verify_record_contest_hash(rec, ctx, contest, contest_where)
        if contest.pre_encryption is None:
            rec.failed(Finding("17.B", "the contest of a pre-encrypted ballot has no pre_encryption", **contest_where))
            continue
        _verify_pre_encryption(rec, ctx, contest, contest.pre_encryption, contest_where)
        contest_hashes.append(contest.pre_encryption.preencryption_hash)
    code = preencryption_confirmation_code(ctx.h_e, contest_hashes, ballot.code_baux)
    rec.expect(
        code == ballot.confirmation_code,
        "17.C",
        f"the confirmation code is {ballot.confirmation_code.hex()}, eq. 95 gives {code.hex()}",
        **where,
    )


def _proof_ranges(rec: Recorder, c_id: str, v_id: str, proof: RangeProof, where: dict[str, str]) -> None:
    rec.expect(all(0 <= c.value < TWO_256 for c in proof.challenges), c_id, "a challenge is not in 0..2^256-1", **where)
    rec.expect(all(0 <= v.value < v.group.q for v in proof.responses), v_id, "a response is not in Z_q", **where)


def _proof_holds(
    rec: Recorder,
    check_id: str,
    ctx: BallotContext,
    ct: Ciphertext,
    proof: RangeProof,
    limit: int,
    where: dict[str, str],
) -> None:
    sized = len(proof.challenges) == len(proof.responses) == limit + 1
    in_range = all(0 <= c.value < TWO_256 for c in proof.challenges) and all(
        0 <= v.value < v.group.q for v in proof.responses
    )
    rec.expect(
        sized and in_range and verify_range(ctx.h_e, ctx.joint_key, ct, proof, limit),
        check_id,
        f"the 0..{limit} range proof does not recompute (eq. 46 / 56)",
        **where,
    )


def _verify_selections(rec: Recorder, ctx: BallotContext, contest: EncryptedContest, where: dict[str, str]) -> None:
    group = ctx.group
    for selection in contest.selections:
        here = {**where, "selection_id": selection.selection_id}
        ct = selection.ciphertext
        rec.expect(
            group.in_subgroup(ct.pad) and group.in_subgroup(ct.data), "15.A", "alpha or beta is not in Z_p^r", **here
        )
        _proof_ranges(rec, "15.B", "15.C", selection.proof, here)
        _proof_holds(rec, "15.D", ctx, ct, selection.proof, 1, here)


def _product(group: Group, cts: Iterable[Ciphertext]) -> Ciphertext:
    cts = list(cts)
    return Ciphertext(group.product([c.pad for c in cts]), group.product([c.data for c in cts]))


def _limit(ctx: BallotContext, contest: EncryptedContest) -> int:
    known = ctx.layout.contest(contest.contest_id)
    return known.votes_allowed if known is not None else contest.votes_allowed


def _index(ctx: BallotContext, contest: EncryptedContest) -> int:
    known = ctx.layout.contest(contest.contest_id)
    return known.index if known is not None else contest.sequence_order


def _verify_limit(rec: Recorder, ctx: BallotContext, contest: EncryptedContest, where: dict[str, str]) -> None:
    _proof_ranges(rec, "16.A", "16.B", contest.proof, where)
    total = _product(ctx.group, (s.ciphertext for s in contest.selections))
    _proof_holds(rec, "16.C", ctx, total, contest.proof, _limit(ctx, contest), where)


def _verify_record_contest_hash(
    rec: Recorder, ctx: BallotContext, contest: EncryptedContest, where: dict[str, str]
) -> None:
    """7.A for a pre-encrypted contest: its eq. 57 hash, in either form of ind_c."""
    cts = [s.ciphertext for s in contest.selections]
    for ind, form in ((_index(ctx, contest), INDEX_FORM), (contest.contest_id, LABEL_FORM)):
        if contest_hash(ctx.h_e, ind, ctx.joint_key, cts) == contest.contest_hash:
            rec.passed("7.A")
            rec.form("7.A", form)
            return
    rec.failed(Finding("7.A", "the pre-encrypted contest's hash is not eq. 57 in either form of ind_c", **where))


def _verify_pre_encryption(
    rec: Recorder, ctx: BallotContext, contest: EncryptedContest, pre: PreEncryption, where: dict[str, str]
) -> None:
    limit = _limit(ctx, contest)
    m = len(contest.selections)
    for sv in pre.selected_vectors:
        here = {**where, "selection_id": sv.short_code}
        rec.expect(
            len(sv.encryptions) == m and selection_hash(ctx.h_e, ctx.joint_key, sv.encryptions) == sv.selection_hash,
            "17.A",
            f"the selected vector's hash {sv.selection_hash.hex()} is not eq. 92 over its {m} encryptions",
            **here,
        )
        rec.expect(
            sv.short_code == short_code(sv.selection_hash),
            "18.A",
            f"the short code {sv.short_code!r} is not Omega of its selection hash ({short_code(sv.selection_hash)!r})",
            **here,
        )
    hashes = [h.data for h in pre.all_selection_hashes]
    shaped = len(hashes) == m + limit and all(a < b for a, b in zip(hashes, hashes[1:]))
    included = all(sv.selection_hash.data in set(hashes) for sv in pre.selected_vectors)
    rec.expect(
        shaped and included,
        "17.B",
        f"the selection hashes are not {m + limit} distinct values in increasing order holding the selected vectors'",
        **where,
    )
    codes = [short_code(h) for h in pre.all_selection_hashes]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    rec.expect(not repeated, "18.D", f"the contest shows the short codes {repeated} twice", **where)
    for ind, form in ((_index(ctx, contest), INDEX_FORM), (contest.contest_id, LABEL_FORM)):
        chi = preencryption_contest_hash(ctx.h_e, ind, ctx.joint_key, pre.all_selection_hashes)
        if chi == pre.preencryption_hash:
            rec.passed("17.B")
            rec.form("17.B", form)
            break
    else:
        rec.failed(Finding("17.B", "the contest hash is not eq. 94 over the selection hashes in either form", **where))
    vectors_fit = len(pre.selected_vectors) == limit and all(len(sv.encryptions) == m for sv in pre.selected_vectors)
    products_match = vectors_fit and all(
        _product(ctx.group, (sv.encryptions[i] for sv in pre.selected_vectors)) == selection.ciphertext
        for i, selection in enumerate(contest.selections)
    )
    rec.expect(
        products_match,
        "18.B",
        f"the selection vector is not the product of the {limit} selected pre-encryption vectors",
        **where,
    )


def verify_opening(rec: Recorder, ctx: BallotContext, label: str, ballot: EncryptedBallot) -> None:
    """18.C: a challenged pre-encrypted ballot opens with its published primary nonce (section 4.5, uncast
    ballots); a cast one publishes none."""
    where = {"file": label, "ballot_id": ballot.ballot_id}
    nonce = ballot.primary_nonce
    if ballot.state is BallotState.CAST:
        rec.expect(nonce is None, "18.C", "the cast ballot publishes its primary nonce, which opens its votes", **where)
        return
    if nonce is None:
        rec.failed(Finding("18.C", "the challenged ballot publishes no primary nonce to open it", **where))
        return
    for contest in ballot.contests:
        contest_where = {**where, "contest_id": contest.contest_id}
        known = ctx.layout.contest(contest.contest_id)
        pre = contest.pre_encryption
        if known is None or pre is None:
            rec.failed(Finding("18.C", "the contest is not the manifest's or has no pre_encryption", **contest_where))
            continue
        options = [sid for _, sid in sorted(zip(known.selection_orders, known.selection_ids))]
        vectors = regenerated_vectors(ctx, nonce, contest.contest_id, options, known.votes_allowed)
        hashes_match = sorted(vectors) == [h.data for h in pre.all_selection_hashes]
        selected_match = all(vectors.get(sv.selection_hash.data) == sv.encryptions for sv in pre.selected_vectors)
        rec.expect(
            hashes_match and selected_match,
            "18.C",
            "the primary nonce does not regenerate the contest's selection vectors (eq. 91-93, 96)",
            **contest_where,
        )


def regenerated_vectors(
    ctx: BallotContext, primary_nonce: UInt256, contest_id: str, options: list[str], limit: int
) -> dict[bytes, tuple[Ciphertext, ...]]:
    """A contest's m + L selection vectors (eq. 91) from the primary nonce, by their hashes psi (eq. 92-93)."""
    return {
        selection_hash(ctx.h_e, ctx.joint_key, vector).data: vector
        for vector in _vectors_by_label(ctx, primary_nonce, contest_id, options, limit).values()
    }


def _vectors_by_label(
    ctx: BallotContext, primary_nonce: UInt256, contest_id: str, options: list[str], limit: int
) -> dict[str, tuple[Ciphertext, ...]]:
    """Each option's vector and each null vector ("null1".."nullL"), by label, from the primary nonce.

    Each encryption's nonce is xi_i,j,k = H(H_E; 0x43, xi, ind_c, ind_o(lambda_j), ind_o(lambda_k)) mod q
    (eq. 96), with the ids' raw UTF-8 bytes and null vectors "null1".."nullL", as egk writes them."""
    group, k = ctx.group, ctx.joint_key
    labels = options + [f"null{j}" for j in range(1, limit + 1)]
    return {
        label: tuple(
            _encrypt_public(group, k, int(option == label), _nonce(ctx, primary_nonce, contest_id, label, option))
            for option in options
        )
        for label in labels
    }


def opened_short_codes(ctx: BallotContext, ballot: EncryptedBallot) -> dict[str, dict[str, str]]:
    """The short code (section 4.1.4) of every option and null vector of a ballot that publishes its primary
    nonce, per contest id and label, from the vectors the nonce regenerates: what its paper must show."""
    if ballot.primary_nonce is None:
        return {}
    out = {}
    for contest in ballot.contests:
        known = ctx.layout.contest(contest.contest_id)
        if known is None:
            continue
        options = [sid for _, sid in sorted(zip(known.selection_orders, known.selection_ids))]
        vectors = _vectors_by_label(ctx, ballot.primary_nonce, contest.contest_id, options, known.votes_allowed)
        out[contest.contest_id] = {
            label: short_code(selection_hash(ctx.h_e, ctx.joint_key, v)) for label, v in vectors.items()
        }
    return out


def compare_printed_ballot(
    ctx: BallotContext,
    ballot: EncryptedBallot,
    confirmation_code: UInt256,
    printed_codes: dict[str, dict[str, str]],
    marks: dict[str, list[str]] | None,
) -> list[str]:
    """What a voter or auditor holding the paper checks against the record (section 4): the recorded
    ballot has the printed confirmation code, every printed short code is Omega of one of its contest's
    selection hashes, a cast ballot's selected vectors are the marked codes (when ``marks`` is given),
    and a challenged ballot's primary nonce gives every option exactly the code printed beside it.
    The differences found, none when the paper and the record agree."""
    problems = []
    if not ballot.is_preencrypt:
        return [f"ballot {ballot.ballot_id!r} of the record is not a pre-encrypted ballot"]
    if ballot.confirmation_code != confirmation_code:
        problems.append(f"the record's confirmation code is {ballot.confirmation_code.hex()}, not the printed one")
    recorded = {c.contest_id: c for c in ballot.contests}
    opened = opened_short_codes(ctx, ballot) if ballot.state is BallotState.SPOILED else {}
    for contest_id, codes in printed_codes.items():
        contest = recorded.get(contest_id)
        if contest is None or contest.pre_encryption is None:
            problems.append(f"contest {contest_id!r}: not on the recorded ballot")
            continue
        pre = contest.pre_encryption
        published = {short_code(h) for h in pre.all_selection_hashes}
        for label, code in codes.items():
            if code not in published:
                problems.append(f"contest {contest_id!r}, {label!r}: the printed code {code} is not in the record")
            elif contest_id in opened and opened[contest_id].get(label) != code:
                problems.append(
                    f"contest {contest_id!r}, {label!r}: printed {code}, the primary nonce gives "
                    f"{opened[contest_id].get(label)}"
                )
        if marks is not None and ballot.state is BallotState.CAST:
            option_codes = {code for label, code in codes.items() if not label.startswith("null")}
            chosen = {sv.short_code for sv in pre.selected_vectors} & option_codes
            if chosen != set(marks.get(contest_id, [])):
                problems.append(
                    f"contest {contest_id!r}: the record selects {sorted(chosen)}, the voter marked "
                    f"{sorted(marks.get(contest_id, []))}"
                )
    if ballot.state is BallotState.SPOILED and ballot.primary_nonce is None:
        problems.append("the challenged ballot publishes no primary nonce to open it")
    return problems


def _nonce(ctx: BallotContext, primary_nonce: UInt256, contest_id: str, vector_label: str, option: str) -> ElementModQ:
    return hash_elems(
        ctx.h_e,
        domains.PREENCRYPTION_NONCE,
        primary_nonce,
        contest_id.encode("utf-8"),
        vector_label.encode("utf-8"),
        option.encode("utf-8"),
    ).to_q(ctx.group)


def _encrypt_public(group: Group, k: ElementModP, vote: int, nonce: ElementModQ) -> Ciphertext:
    """(g^xi, K^(sigma + xi)), eq. 24, with a published nonce (the fixed-base tables' public path)."""
    return Ciphertext(group.g_pow(nonce), group.k_pow(k, int(nonce.value) + vote))


__all__ = [
    "PREENCRYPTED_CHECKS",
    "compare_printed_ballot",
    "opened_short_codes",
    "regenerated_vectors",
    "verify_opening",
    "verify_preencrypted",
    "verify_preencrypted_ballot",
]
