"""Checks of one decrypted value, shared by tallies (9-11) and challenged ballots (12-14).

Selection decryptions, spec 2.0.0 eq. 69-76 (verification 9 / 12): M = B / T, a = g^v K^c,
b = A^v M^c, c = H(H_E; 0x30, K, A, B, a, b, M), then T = K^t (10.A / 13.A). Contest-data
decryptions, eq. 79-81 (verification 11 / 14): a = g^v K^c, b = C0^v beta^c and
c = H(H_E; 0x31, K, C0, C1, C2, a, b, beta) in the spec's or egk's form (docs/PROTOCOL.md deviation 3).

``memo`` (the runner's cache, or None) keeps each proof's verdict under all of its inputs.
"""

from __future__ import annotations

from collections.abc import Hashable, MutableMapping
from typing import Any

from engine.election import DecryptedContestData, DecryptedSelection
from engine.elgamal import Ciphertext
from engine.group import ElementModP
from engine.hash import UInt256
from engine.proofs import contest_data_proof_form, verify_decryption
from engine.verify.report import Finding, Recorder
from engine.verify.subgroup import SubgroupBatch

Memo = MutableMapping[Hashable, Any]


def verify_selection_decryption(
    rec: Recorder,
    ids: tuple[str, str, str],
    h_e: UInt256,
    joint_key: ElementModP,
    ciphertext: Ciphertext,
    selection: DecryptedSelection,
    where: dict[str, str],
    memo: Memo | None = None,
) -> None:
    """ids = (range check, proof check, T = K^t check), e.g. ("9.A", "9.B", "10.A")."""
    v_id, proof_id, value_id = ids
    group = joint_key.group
    proof = selection.proof
    rec.expect(0 <= proof.response.value < group.q, v_id, "the response v is not in Z_q", **where)
    with rec.timed(proof_id):
        t = selection.b_over_m
        if t.value == 0:
            rec.failed_at(proof_id, "T (b_over_m) is 0, so M = B / T does not exist", where)
        else:
            key = ("decryption", h_e, joint_key, ciphertext, t, proof)
            ok = memo.get(key) if memo is not None else None
            if ok is None:
                ok = verify_decryption(h_e, joint_key, ciphertext, ciphertext.data / t, proof)
                if memo is not None:
                    memo[key] = ok
            rec.expect(
                ok,
                proof_id,
                "the decryption proof does not recompute: c != H(H_E; 0x30, K, A, B, a, b, M)",
                **where,
            )
    with rec.timed(value_id):
        value = selection.tally
        expected = group.k_pow(joint_key, value) if value >= 0 else None
        rec.expect(
            expected is not None and selection.b_over_m == expected,
            value_id,
            f"T is not K^t for t = {value}",
            **where,
        )


def verify_contest_data_decryption(
    rec: Recorder,
    ids: tuple[str, str],
    h_e: UInt256,
    joint_key: ElementModP,
    data: DecryptedContestData,
    where: dict[str, str],
    memo: Memo | None = None,
) -> bool:
    """ids = (range check, proof check), ("11.A", "11.B") or ("14.A", "14.B"); whether beta is proven."""
    v_id, proof_id = ids
    group = joint_key.group
    rec.expect(0 <= data.proof.response.value < group.q, v_id, "the response v is not in Z_q", **where)
    with rec.timed(proof_id):
        key = ("contest data", h_e, joint_key, data.encrypted_contest_data, data.beta, data.proof)
        if memo is not None and key in memo:
            form = memo[key]
        else:
            form = contest_data_proof_form(h_e, joint_key, data.encrypted_contest_data, data.beta, data.proof)
            if memo is not None:
                memo[key] = form
        if rec.expect(
            form is not None,
            proof_id,
            "the contest-data decryption proof does not recompute (eq. 81, 0x31)",
            **where,
        ):
            rec.form(proof_id, str(form))
            return True
        return False


def settle_contest_data_subgroup(rec: Recorder, batch: SubgroupBatch[tuple[str, str, str]]) -> None:
    """R.subgroup for the C0 and beta of decrypted contest data, labelled (file, contest id, name)."""
    n = len(batch)
    offenders = batch.offenders()
    for label, contest_id, what in offenders:
        rec.failed(
            Finding("R.subgroup", f"the contest data's {what} is not in Z_p^r", file=label, contest_id=contest_id)
        )
    rec.passed("R.subgroup", n - len(offenders))
