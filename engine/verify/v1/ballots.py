"""ElectionGuard 1.0 ballot checks (spec 1.0, "Ballot correctness", "Ballot chaining"):
V1.4 selection 0/1 proofs, V1.5 selection limits, V1.6.a crypto hashes, V1.12 ballot shape.

One ballot at a time; its proof equations are returned as claims for the caller's batches.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.record.v1 import V1Contest, V1Manifest, V1Selection, V1SubmittedBallot
from engine.verify.report import Recorder
from engine.verify.v1.equations import Claim, Equation, Membership
from engine.verify.v1.hash import h1, hx
from engine.verify.v1.manifest_hash import contest_description_hash, selection_description_hash


@dataclass(frozen=True, slots=True)
class BallotContext:
    """What every ballot check needs: the group, K, Q', the manifest hash and the manifest."""

    p: int
    q: int
    g: int
    joint_key: int
    extended_base_hash: int
    manifest_hash: int
    manifest: V1Manifest
    descriptions: tuple[tuple[tuple[str, str], int], ...]  # (contest, selection or "") -> description hash

    @classmethod
    def of(cls, p: int, q: int, g: int, joint_key: int, qbar: int, m_hash: int, manifest: V1Manifest) -> BallotContext:
        descriptions = [((c.object_id, ""), contest_description_hash(q, c)) for c in manifest.contests]
        descriptions += [
            ((c.object_id, s.object_id), selection_description_hash(q, s))
            for c in manifest.contests
            for s in c.descriptions
        ]
        return cls(p, q, g, joint_key, qbar, m_hash, manifest, tuple(descriptions))


@dataclass
class BallotWork:
    """A chunk's pending membership checks and proof claims, settled together."""

    memberships: list[Membership]
    claims: list[Claim]


def _where(file: str, ballot: str, contest: str = "", selection: str = "") -> tuple[tuple[str, str], ...]:
    pairs = (("file", file), ("ballot_id", ballot), ("contest_id", contest), ("selection_id", selection))
    return tuple((k, v) for k, v in pairs if v)


def check_selection(
    ctx: BallotContext, s: V1Selection, where: tuple[tuple[str, str], ...], rec: Recorder, work: BallotWork
) -> None:
    """V1.4.a-c for one selection: membership, challenge, and the four equations as one claim."""
    q, g, k = ctx.q, ctx.g, ctx.joint_key
    alpha, beta = s.ciphertext.pad, s.ciphertext.data
    pr = s.proof
    work.memberships.append(
        Membership(
            "V1.4.a", (alpha, beta, pr.a0, pr.b0, pr.a1, pr.b1), "a ciphertext or proof value is not in Z_p^r", where
        )
    )
    c = h1(q, hx(ctx.extended_base_hash), hx(alpha), hx(beta), hx(pr.a0), hx(pr.b0), hx(pr.a1), hx(pr.b1))
    ok = c == pr.c and (pr.c0 + pr.c1) % q == pr.c
    rec.expect(ok, "V1.4.b", "the challenge is not H(Q', alpha, beta, a0, b0, a1, b1) = c0 + c1", **dict(where))
    work.claims.append(
        Claim(
            "V1.4.c",
            (
                Equation(pr.a0, (g, alpha), (pr.v0, q - pr.c0)),
                Equation(pr.a1, (g, alpha), (pr.v1, q - pr.c1)),
                Equation(pr.b0, (k, beta), (pr.v0, q - pr.c0)),
                Equation(pr.b1, (g, k, beta), (pr.c1, pr.v1, q - pr.c1)),
            ),
            "the 0/1 proof's equations do not hold",
            where,
        )
    )


def check_contest(
    ctx: BallotContext,
    contest: V1Contest,
    limit: int,
    where: tuple[tuple[str, str], ...],
    rec: Recorder,
    work: BallotWork,
) -> None:
    """V1.5.a-c for one contest: the accumulation, the constant proof's constant, challenge and equations."""
    p, q, g, k = ctx.p, ctx.q, ctx.g, ctx.joint_key
    big_a, big_b = contest.accumulation.pad, contest.accumulation.data
    pad = data = 1
    for s in contest.selections:
        pad = pad * s.ciphertext.pad % p
        data = data * s.ciphertext.data % p
    rec.expect(
        (pad, data) == (big_a, big_b),
        "V1.5.a",
        "the accumulation is not the product of the selections' ciphertexts",
        **dict(where),
    )
    pr = contest.proof
    work.memberships.append(Membership("V1.5.b", (pr.a, pr.b), "a constant-proof commitment is not in Z_p^r", where))
    c = h1(q, hx(ctx.extended_base_hash), hx(big_a), hx(big_b), hx(pr.a), hx(pr.b))
    rec.expect(
        c == pr.c and pr.constant == limit,
        "V1.5.b",
        f"the constant proof's challenge is not H(Q', A, B, a, b), or its constant {pr.constant} is not {limit}",
        **dict(where),
    )
    work.claims.append(
        Claim(
            "V1.5.c",
            (
                Equation(pr.a, (g, big_a), (pr.v, q - pr.c)),
                Equation(pr.b, (g, k, big_b), (pr.constant * pr.c % q, pr.v, q - pr.c)),
            ),
            "the selection-limit proof's equations do not hold",
            where,
        )
    )


def contest_hash(q: int, contest: V1Contest) -> int:
    ordered = sorted(contest.selections, key=lambda s: s.sequence_order)
    return h1(q, contest.object_id, hx(contest.description_hash), *(hx(s.crypto_hash) for s in ordered))


def selection_hash(q: int, s: V1Selection) -> int:
    cipher = h1(q, hx(s.ciphertext.pad), hx(s.ciphertext.data))
    return h1(q, s.object_id, hx(s.description_hash), hx(cipher))


def ballot_hash(q: int, ballot: V1SubmittedBallot) -> int:
    ordered = sorted(ballot.contests, key=lambda c: c.sequence_order)
    return h1(q, ballot.object_id, hx(ballot.manifest_hash), *(hx(c.crypto_hash) for c in ordered))


def check_hashes(ctx: BallotContext, ballot: V1SubmittedBallot, file: str, rec: Recorder) -> None:
    """V1.6.a: every selection's, contest's and the ballot's crypto hash."""
    q = ctx.q
    bad = [
        f"selection {s.object_id}"
        for c in ballot.contests
        for s in c.selections
        if selection_hash(q, s) != s.crypto_hash
    ]
    bad += [f"contest {c.object_id}" for c in ballot.contests if contest_hash(q, c) != c.crypto_hash]
    if ballot_hash(q, ballot) != ballot.crypto_hash:
        bad.append("the ballot")
    rec.expect(
        not bad, "V1.6.a", f"crypto hash does not recompute: {', '.join(bad)}", file=file, ballot_id=ballot.object_id
    )


def check_shape(ctx: BallotContext, ballot: V1SubmittedBallot, file: str, rec: Recorder) -> dict[str, int]:
    """V1.12.a: the manifest hash, the style, the manifest's contests and selections (description hashes
    included) with L placeholders.

    Returns the votes allowed of each of the ballot's contests that the manifest knows."""
    problems = []
    if ballot.manifest_hash != ctx.manifest_hash:
        problems.append("its manifest hash is not the context's")
    if ballot.style_id not in ctx.manifest.ballot_styles:
        problems.append(f"style {ballot.style_id!r} is not the manifest's")
    limits: dict[str, int] = {}
    seen: set[str] = set()
    descriptions = dict(ctx.descriptions)
    for contest in ballot.contests:
        described = ctx.manifest.contest(contest.object_id)
        if described is None or contest.object_id in seen:
            problems.append(f"contest {contest.object_id!r} is not the manifest's or appears twice")
            continue
        seen.add(contest.object_id)
        limits[contest.object_id] = described.votes_allowed
        real = [s for s in contest.selections if not s.is_placeholder]
        placeholders = sum(1 for s in contest.selections if s.is_placeholder)
        if sorted(s.object_id for s in real) != sorted(described.selections) or placeholders != described.votes_allowed:
            problems.append(f"contest {contest.object_id!r} does not have the manifest's selections and L placeholders")
        hashes = [(contest.object_id, "", contest.description_hash)]
        hashes += [(contest.object_id, s.object_id, s.description_hash) for s in real]
        wrong = [f"{cid}/{sid}".rstrip("/") for cid, sid, h in hashes if descriptions.get((cid, sid)) != h]
        if wrong:
            problems.append(f"description hashes are not the manifest's: {', '.join(wrong)}")
    rec.expect(not problems, "V1.12.a", "; ".join(problems), file=file, ballot_id=ballot.object_id)
    return limits


def check_ballot(ctx: BallotContext, ballot: V1SubmittedBallot, file: str, rec: Recorder, work: BallotWork) -> None:
    """Every per-ballot check; the proof equations and memberships wait in ``work``."""
    with rec.timed("V1.12.a"):
        limits = check_shape(ctx, ballot, file, rec)
    with rec.timed("V1.6.a"):
        check_hashes(ctx, ballot, file, rec)
    for contest in ballot.contests:
        where = _where(file, ballot.object_id, contest.object_id)
        limit = limits.get(contest.object_id, contest.proof.constant)
        with rec.timed("V1.5.b"):
            check_contest(ctx, contest, limit, where, rec, work)
        with rec.timed("V1.4.b"):
            for s in contest.selections:
                check_selection(ctx, s, _where(file, ballot.object_id, contest.object_id, s.object_id), rec, work)
