"""Verifications 2-4 (guardian keys, joint key, extended base hash), spec 2.0.0 sections 6.2.2-6.2.3.

The checks of each commitment (2.A-2.C, 3.A) are engine.proofs.schnorr.check_commitments, which the key
ceremony uses on every public record it receives; this module batches the subgroup test and reports.
"""

from __future__ import annotations

from operator import attrgetter

from engine.election import ElectionInitialized
from engine.group import ElementModP
from engine.hash import UInt256, extended_base_hash
from engine.proofs.schnorr import check_commitments
from engine.record.layout import INITIALIZED
from engine.verify.report import Recorder
from engine.verify.subgroup import SubgroupBatch


def verify_guardians(rec: Recorder, init: ElectionInitialized, h_p: UInt256) -> None:
    """Checks R.guardians, 2.A-2.C, 3.A-3.B and 4.A."""
    config = init.config
    group = config.group
    n, k = config.number_of_guardians, config.quorum
    where = {"file": INITIALIZED}

    with rec.timed("R.guardians"):
        rec.expect(
            len(init.guardians) == n,
            "R.guardians",
            f"{len(init.guardians)} guardians, the configuration says n = {n}",
            **where,
        )
        xs = [g.x_coordinate for g in init.guardians]
        rec.expect(
            len(set(xs)) == len(xs) and all(1 <= x <= n for x in xs),
            "R.guardians",
            f"the x coordinates {sorted(xs)} are not distinct values in 1..{n}",
            **where,
        )
        ids = [g.guardian_id for g in init.guardians]
        rec.expect(len(set(ids)) == len(ids), "R.guardians", "two guardians have the same id", **where)
        for g in init.guardians:
            rec.expect(
                len(g.coefficient_proofs) == k,
                "R.guardians",
                f"guardian {g.guardian_id} has {len(g.coefficient_proofs)} coefficient commitments, k = {k}",
                **where,
            )

    with rec.timed("2.A"):
        batch: SubgroupBatch[tuple[int, int]] = SubgroupBatch(group)
        for gi, g in enumerate(init.guardians):
            for j, proof in enumerate(g.coefficient_proofs):
                batch.add(proof.public_key, (gi, j))
        offenders = set(batch.offenders())

    with rec.timed("2.C"):
        checks = [
            check_commitments(
                h_p, g.x_coordinate, g.coefficient_proofs, [(gi, j) not in offenders for j in range(len(g.commitments))]
            )
            for gi, g in enumerate(init.guardians)
        ]

    per_commitment = (
        ("2.A", attrgetter("in_subgroup"), "commitment K_{i},{j} is not in Z_p^r"),
        ("2.B", attrgetter("response_in_range"), "response v_{i},{j} is not in Z_q"),
        ("2.C", attrgetter("proof_verifies"), "the proof of K_{i},{j} does not recompute"),
    )
    for check, holds, fault in per_commitment:
        with rec.timed(check):
            for g, guardian_checks in zip(init.guardians, checks):
                for c in guardian_checks:
                    says = fault.format(i=g.x_coordinate, j=c.j)
                    rec.expect(holds(c), check, f"guardian {g.guardian_id}: {says}", **where)

    with rec.timed("3.A"):
        for g, guardian_checks in zip(init.guardians, checks):
            first = guardian_checks[0]
            rec.expect(
                first.in_subgroup and not first.is_one,
                "3.A",
                f"guardian {g.guardian_id}: K_{g.x_coordinate} is " + ("1" if first.is_one else "not in Z_p^r"),
                **where,
            )

    with rec.timed("3.B"):
        product = group.product([g.public_key for g in init.guardians])
        k_joint: ElementModP = init.joint_public_key
        rec.expect(
            k_joint == product and k_joint.value != 1,
            "3.B",
            "the joint key K is 1"
            if k_joint.value == 1
            else "the joint key K is not the product of the guardians' keys",
            **where,
        )

    with rec.timed("4.A"):
        h_e = extended_base_hash(config.election_base_hash, init.joint_public_key)
        rec.expect(
            init.extended_base_hash == h_e,
            "4.A",
            f"H_E is {init.extended_base_hash.hex()}, expected H(H_B; 0x12, K) = {h_e.hex()}",
            **where,
        )
