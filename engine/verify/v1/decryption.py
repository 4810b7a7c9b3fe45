"""ElectionGuard 1.0 decryption checks (spec 1.0, "Correctness of partial decryptions", "Correctness
of substitute data for missing guardians", "Validation of correct decryption of tallies"): V1.8
shares of present guardians, V1.9 compensated shares of missing ones with Lagrange coefficients,
V1.10.a the decrypted values. The same checks hold for the tally and for every spoiled ballot."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.backend import get_backend
from engine.record.v1 import V1Constants, V1DecryptedSelection, V1Decryption, V1Guardian, V1Share
from engine.verify.report import Recorder
from engine.verify.v1.equations import Claim, Equation, Membership
from engine.verify.v1.hash import h1, hx


@dataclass
class DecryptionContext:
    """The group, Q', the guardians by id, the Lagrange coefficients; recovery keys are cached per (l, i)."""

    constants: V1Constants
    extended_base_hash: int
    guardians: dict[str, V1Guardian]
    coefficients: dict[str, int]
    memberships: list[Membership] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    recovery_keys: dict[tuple[str, str], int] = field(default_factory=dict)

    def recovery_key(self, present: V1Guardian, missing: V1Guardian) -> int:
        """prod_j K_i,j^(l^j) mod p: the public key of the missing guardian i's polynomial at l."""
        key = (present.guardian_id, missing.guardian_id)
        if key not in self.recovery_keys:
            c = self.constants
            exponents = [pow(present.sequence_order, j, c.q) for j in range(len(missing.commitments))]
            self.recovery_keys[key] = int(get_backend().multi_powmod(list(missing.commitments), exponents, c.p))
        return self.recovery_keys[key]


def _at(where: tuple[tuple[str, str], ...], selection: str) -> tuple[tuple[str, str], ...]:
    """``where`` with its selection named ``selection`` (a share names its guardian too)."""
    return (*(kv for kv in where if kv[0] != "selection_id"), ("selection_id", selection))


def lagrange_coefficient(order: int, others: list[int], q: int) -> int | None:
    """w_l = prod_(j != l) j / (j - l) mod q (electionguard's compute_lagrange_coefficient); None if
    the denominator is not invertible (two guardians with one sequence order)."""
    numerator = denominator = 1
    for j in others:
        numerator = numerator * j % q
        denominator = denominator * (j - order) % q
    try:
        return numerator * pow(denominator, -1, q) % q
    except ValueError:
        return None


def check_coefficients(ctx: DecryptionContext, rec: Recorder) -> None:
    """V1.9.c, first half: each published w_l is the present guardians' Lagrange coefficient."""
    q = ctx.constants.q
    orders = {gid: ctx.guardians[gid].sequence_order for gid in ctx.coefficients if gid in ctx.guardians}
    for gid, w in ctx.coefficients.items():
        if gid not in orders:
            rec.failed_at(
                "V1.9.c", f"a coefficient for guardian {gid!r}, who is not a guardian", {"file": "coefficients.json"}
            )
            continue
        others = [o for g, o in orders.items() if g != gid]
        rec.expect(
            lagrange_coefficient(orders[gid], others, q) == w,
            "V1.9.c",
            f"the Lagrange coefficient of guardian {gid} is not prod j / (j - l) over the present guardians",
            file="coefficients.json",
        )


def _share_claim(
    ctx: DecryptionContext,
    check: tuple[str, str],
    public_key: int,
    share: int,
    proof_values: tuple[int, int, int, int],
    selection: V1DecryptedSelection,
    where: tuple[tuple[str, str], ...],
    rec: Recorder,
) -> None:
    """The Chaum-Pedersen proof that share = A^s with g^s = public_key: hash now, membership and equations later."""
    c = ctx.constants
    a, b, challenge, v = proof_values
    big_a, big_b = selection.message.pad, selection.message.data
    member_id, equation_id = check
    ctx.memberships.append(
        Membership(member_id, (share, a, b), "the share or its proof's (a, b) is not in Z_p^r", where)
    )
    expected = h1(c.q, hx(ctx.extended_base_hash), hx(big_a), hx(big_b), hx(a), hx(b), hx(share))
    rec.expect(
        expected == challenge, member_id, "the share proof's challenge is not H(Q', A, B, a, b, M)", **dict(where)
    )
    ctx.claims.append(
        Claim(
            equation_id,
            (
                Equation(a, (c.g, public_key), (v, c.q - challenge)),
                Equation(b, (big_a, share), (v, c.q - challenge)),
            ),
            "the share proof's equations g^v = a K^c, A^v = b M^c do not hold",
            where,
        )
    )


def _check_missing_share(
    ctx: DecryptionContext,
    share: V1Share,
    selection: V1DecryptedSelection,
    where: tuple[tuple[str, str], ...],
    rec: Recorder,
) -> None:
    """V1.9.a-c for a missing guardian's share."""
    c = ctx.constants
    missing = ctx.guardians.get(share.guardian_id)
    helpers = sorted(part.guardian_id for part in share.recovered_parts)
    if missing is None or helpers != sorted(ctx.coefficients) or not set(helpers) <= set(ctx.guardians):
        rec.failed_at("V1.9.c", "the compensated shares are not from exactly the present guardians", dict(where))
        return
    for part in share.recovered_parts:
        present = ctx.guardians[part.guardian_id]
        part_where = _at(where, f"{selection.object_id} (guardian {part.guardian_id} for {missing.guardian_id})")
        rec.expect(
            part.recovery_key == ctx.recovery_key(present, missing) and part.missing_guardian_id == missing.guardian_id,
            "V1.9.a",
            "the recovery key is not prod_j K_i,j^(l^j)",
            **dict(part_where),
        )
        pr = part.proof
        _share_claim(
            ctx,
            ("V1.9.a", "V1.9.b"),
            part.recovery_key,
            part.share,
            (pr.a, pr.b, pr.c, pr.v),
            selection,
            part_where,
            rec,
        )
    parts = share.recovered_parts
    combined = int(
        get_backend().multi_powmod([x.share for x in parts], [ctx.coefficients[x.guardian_id] for x in parts], c.p)
    )
    rec.expect(combined == share.share, "V1.9.c", "the missing share is not prod_l M_i,l^w_l", **dict(where))


def check_selection(
    ctx: DecryptionContext, selection: V1DecryptedSelection, where: tuple[tuple[str, str], ...], rec: Recorder
) -> None:
    """V1.8-V1.10.a for one decrypted selection."""
    c = ctx.constants
    ids = sorted(share.guardian_id for share in selection.shares)
    product = 1
    for share in selection.shares:
        product = product * share.share % c.p
        guardian = ctx.guardians.get(share.guardian_id)
        if share.proof is not None and guardian is not None:
            pr = share.proof
            sw = _at(where, f"{selection.object_id} (guardian {share.guardian_id})")
            _share_claim(
                ctx,
                ("V1.8.a", "V1.8.b"),
                guardian.election_public_key,
                share.share,
                (pr.a, pr.b, pr.c, pr.v),
                selection,
                sw,
                rec,
            )
        elif share.proof is None:
            _check_missing_share(ctx, share, selection, where, rec)
    value_ok = (
        ids == sorted(ctx.guardians)
        and selection.message.data == selection.value * product % c.p
        and selection.value == get_backend().powmod(c.g, selection.tally, c.p)
    )
    rec.expect(
        value_ok, "V1.10.a", "M is not B / prod M_i, or not g^t, or a guardian's share is missing", **dict(where)
    )


def check_decryption(
    ctx: DecryptionContext, decryption: V1Decryption, file: str, ballot_id: str, rec: Recorder
) -> None:
    with rec.timed("V1.10.a"):
        _check_contests(ctx, decryption, file, ballot_id, rec)


def _check_contests(ctx: DecryptionContext, decryption: V1Decryption, file: str, ballot_id: str, rec: Recorder) -> None:
    for contest_id, selections in decryption.contests:
        for selection in selections:
            where = tuple(
                (k, v)
                for k, v in (
                    ("file", file),
                    ("ballot_id", ballot_id),
                    ("contest_id", contest_id),
                    ("selection_id", selection.object_id),
                )
                if v
            )
            check_selection(ctx, selection, where, rec)
