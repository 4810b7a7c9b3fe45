"""Verifications 5-7.B of each encrypted ballot, spec 2.0.0 section 6.2.4, and its shape (R.*).

One ballot at a time and independent of every other ballot, so that ballots are verified in
parallel, in chunks: ``verify_ballot_chunk`` runs in a worker process and returns one picklable
outcome per ballot. Subgroup membership (5.A, 6.A) is tested for the whole chunk in one batch.

The spec asks 5 and 6 of cast ballots; they are checked on challenged ballots too (a challenged
ballot with a bad proof shows a faulty or dishonest encrypting device just the same).
A ballot given with its published proof commitments has its range proofs (5.D, 6.D) verified in
batch (engine.verify.batch_proofs); the others proof by proof ("strict"); the report counts each mode.
Cross-ballot checks (7.C-7.G, aggregation) are the runner's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from gmpy2 import mpz

from engine import domains
from engine.election import EncryptedBallot, EncryptedContest, indicator_bytes
from engine.elgamal import Ciphertext
from engine.group import ElementModP, Group
from engine.hash import UInt256, hash_bytes
from engine.proofs import RangeProof, verify_range
from engine.proofs.proof_commitments import BallotCommitments, ContestCommitments
from engine.verify.batch_proofs import COMMITMENTS_CHECK, STRICT, PendingProof, RangeProofBatch, fixed_bytes
from engine.verify.hashes import CODE_FORMS, confirmation_code
from engine.verify.layout import LayoutContest, ManifestLayout
from engine.verify.report import Finding, Recorder
from engine.verify.subgroup import SubgroupBatch

TWO_256 = 1 << 256

# Labels of elements in the subgroup batch: (slot in chunk, contest index, selection index);
# selection index CONTEST_DATA for a contest's C0, contest index SERIAL for the encrypted sn.
CONTEST_DATA = -1
SERIAL = -1
R = TypeVar("R", bound=Recorder)


@dataclass(frozen=True)
class BallotContext:
    """What every ballot is verified against: the group, K, H_E and the manifest's layout."""

    group: Group
    joint_key: ElementModP
    h_e: UInt256
    layout: ManifestLayout
    cache_key: tuple[Any, ...]


# ---------------------------------------------------------------- worker entry points

_WORKER_CONTEXT: BallotContext | None = None


def init_worker(ctx: BallotContext) -> None:
    """Process-pool initializer: keep the context and warm the fixed-base tables of g and K."""
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = ctx
    ctx.group.g_pow(1)
    ctx.group.table_for(ctx.joint_key)


def verify_chunk_in_worker(
    chunk: list[tuple[str, EncryptedBallot]], commitments: list[BallotCommitments | None] | None = None
) -> list[dict[str, Any]]:
    if _WORKER_CONTEXT is None:
        raise RuntimeError("the worker was not initialized with a ballot context")
    return verify_ballot_chunk(_WORKER_CONTEXT, chunk, commitments)


def verify_ballot_chunk(
    ctx: BallotContext,
    chunk: list[tuple[str, EncryptedBallot]],
    commitments: list[BallotCommitments | None] | None = None,
) -> list[dict[str, Any]]:
    """Verify each (file label, ballot); one Recorder snapshot per ballot, in order.

    commitments: per ballot, its published proof commitments (batch mode) or None (strict mode);
    None for the whole chunk: strict mode.
    """
    return [rec.snapshot() for rec in _verified_chunk(ctx, chunk, commitments, Recorder)]


class DoorRecorder(Recorder):
    """A Recorder for a board's door check, which keeps a ballot's findings only: what passed, its forms and notes
    are not counted, nothing is timed (a clock read of the process's CPU time is a system call, several a
    ballot). The same checks run and fail with the same findings (``failed`` is Recorder's)."""

    @contextmanager
    def timed(self, check_id: str) -> Iterator[None]:
        yield

    def add_seconds(self, check_id: str, seconds: float) -> None:
        return None

    def passed(self, check_id: str, n: int = 1) -> None:
        return None

    def form(self, check_id: str, form: str, n: int = 1) -> None:
        return None

    def note(self, check_id: str, text: str) -> None:
        return None

    def finding_lines(self) -> list[str]:
        """The findings, one line each, in the order a snapshot lists them."""
        return [str(f) for found in self._findings.values() for f in found]


def chunk_finding_lines(
    ctx: BallotContext,
    chunk: list[tuple[str, EncryptedBallot]],
    commitments: list[BallotCommitments | None] | None = None,
) -> list[list[str]]:
    """``verify_ballot_chunk``'s findings of each ballot, one line each (as ``ballot_problems`` words them),
    without its counts and timings: the board's door check of the ballots queued together."""
    return [rec.finding_lines() for rec in _verified_chunk(ctx, chunk, commitments, DoorRecorder)]


def _verified_chunk(
    ctx: BallotContext,
    chunk: list[tuple[str, EncryptedBallot]],
    commitments: list[BallotCommitments | None] | None,
    recorder: type[R],
) -> list[R]:
    batch: SubgroupBatch[tuple[int, int, int]] = SubgroupBatch(ctx.group)
    proofs = RangeProofBatch.new(ctx.group, ctx.joint_key, ctx.h_e)
    recorders: list[R] = []
    for slot, (label, ballot) in enumerate(chunk):
        rec = recorder()
        committed = commitments[slot] if commitments is not None else None
        verify_ballot(ctx, label, ballot, rec, batch, slot, proofs if committed is not None else None, committed)
        recorders.append(rec)
    start = time.process_time()
    offenders = set(batch.offenders())
    share = (time.process_time() - start) / max(len(chunk), 1)
    for slot, (label, ballot) in enumerate(chunk):
        rec = recorders[slot]
        rec.add_seconds("5.A", share)
        if not ballot.is_preencrypt:
            settle_subgroup(rec, label, ballot, slot, offenders)
    proofs.settle(recorders, offenders, lambda item, rec: verify_range_proof(rec, item.check_id, ctx, item))
    return recorders


def ballot_problems(ctx: BallotContext, ballot: EncryptedBallot, label: str = "") -> list[str]:
    """What is wrong with one ballot on its own (5.A-7.B, R.*; no cross-ballot check): [] when nothing.

    The door check of a bulletin board: every finding of ``verify_ballot_chunk`` for this ballot,
    as one line each ("[5.D] ... (contest c, selection s)"). Pre-encrypted ballots are refused.
    """
    if ballot.is_preencrypt:
        return ["[R.ballot_manifest] pre-encrypted ballots (spec 4) are not accepted"]
    snapshot = verify_ballot_chunk(ctx, [(label, ballot)])[0]
    return [str(f) for findings in snapshot["findings"].values() for f in findings]


# ---------------------------------------------------------------- one ballot


def verify_ballot(
    ctx: BallotContext,
    label: str,
    ballot: EncryptedBallot,
    rec: Recorder,
    batch: SubgroupBatch[tuple[int, int, int]],
    slot: int,
    proofs: RangeProofBatch | None = None,
    commitments: BallotCommitments | None = None,
) -> None:
    """Everything about one ballot that needs no other ballot; subgroup elements go to ``batch``, and
    the range proofs to ``proofs`` when given (batch mode, with the ballot's published commitments)."""
    where = {"file": label, "ballot_id": ballot.ballot_id}
    rec.expect(
        ballot.election_id == ctx.h_e,
        "R.election_id",
        f"the ballot names H_E {ballot.election_id.hex()}, not the record's",
        **where,
    )
    with rec.timed("R.ballot_manifest"):
        verify_ballot_shape(ctx.layout, label, ballot, rec)
    if ballot.is_preencrypt:
        rec.note("R.ballot_manifest", "pre-encrypted ballots are verified by 15-18 (spec 4.5), not by 5-7.B")
        return
    if commitments is not None:
        verify_commitments_shape(label, ballot, commitments, rec)
    for ci, contest in enumerate(ballot.contests):
        known = ctx.layout.contest(contest.contest_id)
        for si, selection in enumerate(contest.selections):
            batch.add(selection.ciphertext.pad, (slot, ci, si))
            batch.add(selection.ciphertext.data, (slot, ci, si))
        batch.add(contest.contest_data.c0, (slot, ci, CONTEST_DATA))
        committed = commitments.contest(contest.contest_id) if commitments is not None else None
        batching = ContestBatching(proofs, committed, slot, ci) if proofs is not None else None
        verify_contest(ctx, label, ballot.ballot_id, contest, known, rec, batching)
    if ballot.encrypted_sn is not None:
        batch.add(ballot.encrypted_sn.pad, (slot, SERIAL, SERIAL))
        batch.add(ballot.encrypted_sn.data, (slot, SERIAL, SERIAL))
    with rec.timed("7.B"):
        verify_confirmation_code(ctx.h_e, label, ballot, rec)


def verify_contest(
    ctx: BallotContext,
    label: str,
    ballot_id: str,
    contest: EncryptedContest,
    known: LayoutContest | None,
    rec: Recorder,
    batching: ContestBatching | None = None,
) -> None:
    """5.B-5.D for each selection, 6.B-6.D and 7.A for the contest; 5.D and 6.D wait in the batch if any."""
    option_limit = known.option_limit if known is not None else 1
    selection_limit = known.votes_allowed if known is not None else contest.votes_allowed
    for si, selection in enumerate(contest.selections):
        where = {
            "file": label,
            "ballot_id": ballot_id,
            "contest_id": contest.contest_id,
            "selection_id": selection.selection_id,
        }
        verify_proof_ranges(rec, "5.B", "5.C", selection.proof, where)
        item = PendingProof(
            "5.D",
            batching.slot if batching is not None else 0,
            selection.ciphertext,
            (selection.ciphertext.pad,),
            (selection.ciphertext.data,),
            selection.proof,
            option_limit,
            "selection",
            where,
            batching.committed.selection(selection.selection_id) if batching and batching.committed else None,
            ((batching.slot, batching.contest_index, si),) if batching is not None else (),
        )
        if batching is not None:
            batching.proofs.add(item)
        else:
            with rec.timed("5.D"):
                verify_range_proof(rec, "5.D", ctx, item)
    where = {"file": label, "ballot_id": ballot_id, "contest_id": contest.contest_id}
    verify_proof_ranges(rec, "6.B", "6.C", contest.proof, where)
    with rec.timed("6.D"):
        total = Ciphertext(
            _product(ctx.group, [s.ciphertext.pad for s in contest.selections]),
            _product(ctx.group, [s.ciphertext.data for s in contest.selections]),
        )
    item = PendingProof(
        "6.D",
        batching.slot if batching is not None else 0,
        total,
        tuple(s.ciphertext.pad for s in contest.selections),
        tuple(s.ciphertext.data for s in contest.selections),
        contest.proof,
        selection_limit,
        "contest limit",
        where,
        batching.committed.limit if batching and batching.committed else None,
        tuple((batching.slot, batching.contest_index, si) for si in range(len(contest.selections)))
        if batching is not None
        else (),
    )
    if batching is not None:
        batching.proofs.add(item)
    else:
        with rec.timed("6.D"):
            verify_range_proof(rec, "6.D", ctx, item)
    with rec.timed("7.A"):
        index = known.index if known is not None else contest.sequence_order
        chi = _contest_hash(ctx, index, [s.ciphertext for s in contest.selections])
        rec.expect(
            chi == contest.contest_hash,
            "7.A",
            f"the contest hash is {contest.contest_hash.hex()}, eq. 57 gives {chi.hex()}",
            **where,
        )


def _product(group: Group, xs: list[ElementModP]) -> ElementModP:
    """Group.product of a contest's few elements (the aggregate ciphertext of 6.D), multiplied as mpz values: the
    backend's prod_mod packs its inputs to bytes, about four times as long for five elements."""
    p = group.p
    value = xs[0].value if xs else mpz(1)
    for x in xs[1:]:
        value = value * x.value % p
    return ElementModP(value, group)


def _contest_hash(ctx: BallotContext, index: int | str, ciphertexts: list[Ciphertext]) -> UInt256:
    """engine.election.contest_hash, chi_l = H(H_E; 0x23, ind_c(Lambda_l), K, alpha_1, beta_1, ..., alpha_m, beta_m)
    (eq. 57), with the hash input (spec 5.1: each element as b(x, l_p)) built in one join from the mpz values."""
    width = ctx.group.p_bytes
    elements = [ctx.joint_key.value]
    for ct in ciphertexts:
        elements += (ct.pad.value, ct.data.value)
    data = b"".join([bytes([domains.CONTEST_HASH]), indicator_bytes(index), *(fixed_bytes(v, width) for v in elements)])
    return hash_bytes(ctx.h_e, data)


def verify_proof_ranges(rec: Recorder, c_id: str, v_id: str, proof: RangeProof, where: dict[str, str]) -> None:
    """c_j < 2^256 (5.B / 6.B) and v_j in Z_q (5.C / 6.C), one item per proof."""
    rec.expect(
        all(0 <= c.value < TWO_256 for c in proof.challenges),
        c_id,
        "a challenge c_j is not in 0..2^256-1",
        **where,
    )
    rec.expect(
        all(0 <= v.value < v.group.q for v in proof.responses),
        v_id,
        "a response v_j is not in Z_q",
        **where,
    )


@dataclass(frozen=True)
class ContestBatching:
    """Where a contest's range proofs go in batch mode: the chunk's batch, the contest's published
    commitments (None when the ballot's file has none for it) and its place in the subgroup batch."""

    proofs: RangeProofBatch
    committed: ContestCommitments | None
    slot: int
    contest_index: int


def verify_range_proof(rec: Recorder, check_id: str, ctx: BallotContext, item: PendingProof) -> bool:
    """5.D / 6.D for one proof on its own (strict mode): True when it holds."""
    proof, limit, what, where = item.proof, item.limit, item.what, item.where
    rec.form(check_id, STRICT)
    if len(proof.challenges) != limit + 1 or len(proof.responses) != limit + 1:
        rec.failed(
            Finding(
                check_id,
                f"the {what} proof has {len(proof.challenges)} challenges and {len(proof.responses)} "
                f"responses; the limit {limit} needs {limit + 1} of each",
                **where,
            )
        )
        return False
    return rec.expect(
        verify_range(ctx.h_e, ctx.joint_key, item.ciphertext, proof, limit),
        check_id,
        f"the {what} range proof 0..{limit} does not recompute: c != c_0 + ... + c_{limit} mod q",
        **where,
    )


def verify_commitments_shape(
    label: str, ballot: EncryptedBallot, commitments: BallotCommitments, rec: Recorder
) -> None:
    """R.proof_commitments: the commitments file has one entry per contest and selection of the ballot, no other.

    A proof without its commitments is verified strictly.
    """
    where = {"file": label, "ballot_id": ballot.ballot_id}
    have = [c.contest_id for c in commitments.contests]
    want = [c.contest_id for c in ballot.contests]
    problems = []
    if sorted(have) != sorted(want) or len(set(have)) != len(have):
        problems.append(_difference("contests", have, want, "the ballot"))
    for contest in ballot.contests:
        committed = commitments.contest(contest.contest_id)
        if committed is None:
            continue
        sids = [sid for sid, _ in committed.selections]
        expected = [s.selection_id for s in contest.selections]
        if sorted(sids) != sorted(expected) or len(set(sids)) != len(sids):
            problems.append(
                f"contest {contest.contest_id!r}: " + _difference("selections", sids, expected, "the ballot")
            )
    rec.expect(
        not problems,
        COMMITMENTS_CHECK,
        "the proof commitments file does not match the ballot: " + "; ".join(problems),
        **where,
    )


def verify_confirmation_code(h_e: UInt256, label: str, ballot: EncryptedBallot, rec: Recorder) -> None:
    """7.B: eq. 58 over the ballot's contest hashes (7.A checks those) and its B_aux, either form."""
    hashes = [c.contest_hash for c in ballot.contests]
    for form in CODE_FORMS:
        if confirmation_code(h_e, hashes, ballot.code_baux, form) == ballot.confirmation_code:
            rec.passed("7.B")
            rec.form("7.B", form)
            return
    rec.failed(
        Finding(
            "7.B",
            "the confirmation code is not H(H_E; 0x24, chi_1, ..., chi_mB, B_aux), spec or egk form",
            file=label,
            ballot_id=ballot.ballot_id,
        )
    )


def verify_ballot_shape(layout: ManifestLayout, label: str, ballot: EncryptedBallot, rec: Recorder) -> None:
    """R.ballot_manifest: the style exists; its contests, and their selections, exactly and in order."""
    where = {"file": label, "ballot_id": ballot.ballot_id}
    style = layout.styles.get(ballot.ballot_style_id)
    if style is None:
        rec.failed(Finding("R.ballot_manifest", f"unknown ballot style {ballot.ballot_style_id!r}", **where))
    else:
        have = [c.contest_id for c in ballot.contests]
        rec.expect(
            have == list(style),
            "R.ballot_manifest",
            _difference("contests", have, list(style), f"ballot style {ballot.ballot_style_id!r}"),
            **where,
        )
    for contest in ballot.contests:
        known = layout.contest(contest.contest_id)
        cwhere = dict(where, contest_id=contest.contest_id)
        if known is None:
            rec.failed(Finding("R.ballot_manifest", "the contest is not in the manifest", **cwhere))
            continue
        have = [s.selection_id for s in contest.selections]
        problems = []
        if have != list(known.selection_ids):
            problems.append(_difference("selections", have, list(known.selection_ids), "the manifest contest"))
        elif [s.sequence_order for s in contest.selections] != list(known.selection_orders):
            problems.append("selection sequence orders differ from the manifest's")
        if contest.sequence_order != known.index:
            problems.append(f"sequence_order {contest.sequence_order}, the manifest's is {known.index}")
        if contest.votes_allowed != known.votes_allowed:
            problems.append(f"votes_allowed {contest.votes_allowed}, the manifest's is {known.votes_allowed}")
        rec.expect(not problems, "R.ballot_manifest", "; ".join(problems), **cwhere)


def _difference(what: str, have: list[str], want: list[str], of: str) -> str:
    unknown = [x for x in have if x not in want]
    missing = [x for x in want if x not in have]
    dup = sorted({x for x in have if have.count(x) > 1})
    parts = []
    if unknown:
        parts.append(f"unknown {what} {unknown}")
    if missing:
        parts.append(f"missing {what} {missing}")
    if dup:
        parts.append(f"repeated {what} {dup}")
    if not parts:
        parts.append(f"{what} not in the order of {of}")
    return f"{', '.join(parts)} (against {of})"


def settle_subgroup(
    rec: Recorder, label: str, ballot: EncryptedBallot, slot: int, offenders: set[tuple[int, int, int]]
) -> None:
    """Record 5.A per selection, 6.A per contest and R.subgroup for C0 and the encrypted sn."""
    for ci, contest in enumerate(ballot.contests):
        where = {"file": label, "ballot_id": ballot.ballot_id, "contest_id": contest.contest_id}
        bad = [
            contest.selections[si].selection_id for si in range(len(contest.selections)) if (slot, ci, si) in offenders
        ]
        for selection in contest.selections:
            rec.expect(
                selection.selection_id not in bad,
                "5.A",
                "alpha or beta is not in Z_p^r",
                selection_id=selection.selection_id,
                **where,
            )
        rec.expect(not bad, "6.A", f"the ciphertexts of selections {bad} are not in Z_p^r", **where)
        rec.expect(
            (slot, ci, CONTEST_DATA) not in offenders,
            "R.subgroup",
            "the contest data's C0 is not in Z_p^r",
            **where,
        )
    if ballot.encrypted_sn is not None:
        rec.expect(
            (slot, SERIAL, SERIAL) not in offenders,
            "R.subgroup",
            "the encrypted serial number is not in Z_p^r",
            file=label,
            ballot_id=ballot.ballot_id,
        )
