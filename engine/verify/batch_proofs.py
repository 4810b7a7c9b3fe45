"""Batch verification of range proofs (5.D, 6.D) with their published commitments; docs/BATCH_VERIFICATION.md.

Per proof, spec 2.0.0 eq. 46 / 56: the challenge is checked by hashing the published commitments,
c = H(H_E; 0x21, K, alpha, beta, a_0, b_0, ..., a_R, b_R) = c_0 + ... + c_R mod q, and each a_j, b_j
must be a quadratic residue mod p (tested with the batch: Backend.multi_powmod_residues, one Jacobi
symbol per bit of the weights rather than one per commitment). Then the equations a_j = g^v_j alpha^c_j and
b_j = K^w_j beta^c_j (w_j = v_j - j c_j, verification 5.1-5.2) of all the proofs of a chunk are
checked at once, each raised to its own random 64-bit weight from ``secrets`` (one draw for a batch):

    prod a_j^r_j b_j^s_j = g^(sum r_j v_j) K^(sum s_j w_j) prod alpha^(sum r_j c_j) beta^(sum s_j c_j)

with equal bases merged (alpha of both branches of a selection; a contest-limit proof's product
ciphertext spread over its selections' alphas and betas). A batch that fails is halved, with fresh
weights, until single proofs are left; those are verified strictly, so every finding is the strict
mode's. A proof whose commitments are missing, malformed or do not hash to its challenge, or whose
ciphertext is outside Z_p^r (5.A), is verified strictly; when the strict check passes, the
published commitments were wrong, an R.proof_commitments finding.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gmpy2 import mpz

from engine import domains
from engine.elgamal import Ciphertext
from engine.group import ElementModP, Group
from engine.hash import UInt256
from engine.proofs import RangeProof
from engine.proofs.proof_commitments import Commitments
from engine.verify.report import Finding, Recorder

WEIGHT_BITS = 64
COMMITMENTS_CHECK = "R.proof_commitments"
BATCH = "batch"
STRICT = "strict"

SubgroupLabel = tuple[int, int, int]
StrictCheck = Callable[["PendingProof", Recorder], bool]


@dataclass(frozen=True)
class PendingProof:
    """One range proof that waits for its chunk's batch, with what its strict check and findings need.

    pads, datas: the alphas and betas whose products are the ciphertext's (one each for a selection,
    the contest's selections for a contest-limit proof). commitments: None when none were published.
    """

    check_id: str
    slot: int
    ciphertext: Ciphertext
    pads: tuple[ElementModP, ...]
    datas: tuple[ElementModP, ...]
    proof: RangeProof
    limit: int
    what: str
    where: dict[str, str]
    commitments: Commitments | None
    subgroup_labels: tuple[SubgroupLabel, ...]


@dataclass(frozen=True)
class RangeProofBatch:
    """The range proofs of one chunk of ballots, verified together once subgroup membership is known."""

    group: Group
    joint_key: ElementModP
    h_e: UInt256
    pending: list[PendingProof]

    @classmethod
    def new(cls, group: Group, joint_key: ElementModP, h_e: UInt256) -> RangeProofBatch:
        return cls(group, joint_key, h_e, [])

    def add(self, proof: PendingProof) -> None:
        self.pending.append(proof)

    def settle(self, recorders: Sequence[Recorder], offenders: set[SubgroupLabel], strict: StrictCheck) -> None:
        """Record every pending proof's check on the recorder of its slot, batched where possible."""
        pool: list[PendingProof] = []
        start = time.process_time()
        hashed = [
            None if any(label in offenders for label in item.subgroup_labels) else self.commitments_hash(item)
            for item in self.pending
        ]
        hash_share = (time.process_time() - start) / max(1, sum(h is not None for h in hashed))
        for item, usable in zip(self.pending, hashed, strict=True):
            rec = recorders[item.slot]
            if usable is None:
                strict(item, rec)
                continue
            rec.add_seconds(item.check_id, hash_share)
            if usable:
                pool.append(item)
                continue
            if strict(item, rec) and item.commitments is not None:
                rec.failed(
                    Finding(
                        COMMITMENTS_CHECK,
                        f"the published commitments of the {item.what} proof are not the proof's: "
                        "its challenge does not hash from them, or one is not in Z_p^r",
                        **item.where,
                    )
                )
        if not pool:
            return
        start = time.process_time()
        failed = self._failing(pool)
        share = (time.process_time() - start) / len(pool)
        failed_ids = {id(item) for item in failed}
        for item in pool:
            rec = recorders[item.slot]
            rec.add_seconds(item.check_id, share)
            if id(item) in failed_ids:
                if strict(item, rec):
                    rec.failed(
                        Finding(
                            COMMITMENTS_CHECK,
                            f"the {item.what} proof's published commitments hash to its challenge but are "
                            "not a_j = g^v_j alpha^c_j, b_j = K^w_j beta^c_j",
                            **item.where,
                        )
                    )
                continue
            rec.passed(item.check_id)
            rec.form(item.check_id, BATCH)
            rec.passed(COMMITMENTS_CHECK)

    def commitments_hash(self, item: PendingProof) -> bool:
        """The published commitments are 2(R+1) values in 1..p-1 and the challenge hashes from them (eq. 46).

        That they are quadratic residues is batch_equation_holds' test.
        """
        commitments = item.commitments
        proof = item.proof
        if commitments is None or len(commitments) != 2 * (item.limit + 1):
            return False
        if len(proof.challenges) != item.limit + 1 or len(proof.responses) != item.limit + 1:
            return False
        if any(x.value == 0 for x in commitments):
            return False
        return self._challenge(item.ciphertext, commitments) == sum(x.value for x in proof.challenges) % self.group.q

    @cached_property
    def _hash_prefix(self) -> bytes:
        return bytes([domains.RANGE_PROOF]) + self.joint_key.to_bytes()

    def _challenge(self, ciphertext: Ciphertext, commitments: Commitments) -> int:
        """engine.proofs.range_challenge, c = H(H_E; 0x21, K, alpha, beta, a_0, b_0, ..., a_R, b_R) mod q (eq. 46 /
        56), with the hash input (spec 5.1: each element as b(x, l_p)) built in one join, K's bytes made once."""
        width = self.group.p_bytes
        elements = (ciphertext.pad, ciphertext.data, *commitments)
        data = b"".join([self._hash_prefix, *(fixed_bytes(x.value, width) for x in elements)])
        return int.from_bytes(hmac.new(self.h_e.data, data, hashlib.sha256).digest(), "big") % self.group.q

    def _failing(self, pool: list[PendingProof]) -> list[PendingProof]:
        """The proofs of the pool that are in no batch that held: bisect the batches that fail."""
        if batch_equation_holds(self.group, self.joint_key, pool):
            return []
        if len(pool) == 1:
            return pool
        half = len(pool) // 2
        return self._failing(pool[:half]) + self._failing(pool[half:])


if hasattr(mpz(0), "to_bytes"):

    def fixed_bytes(value: mpz, width: int) -> bytes:
        """b(value, width), spec 5.1.1 (ElementModP.to_bytes without its conversion to a Python int)."""
        return value.to_bytes(width, "big")

else:  # gmpy2 < 2.2

    def fixed_bytes(value: mpz, width: int) -> bytes:
        return int(value).to_bytes(width, "big")


def batch_equation_holds(group: Group, joint_key: ElementModP, items: Sequence[PendingProof]) -> bool:
    """The randomized equation over the items' commitments, with fresh 64-bit weights (module docstring),
    and every commitment a quadratic residue mod p (multi_powmod_residues over the same weights)."""
    q, p = group.q, group.p
    lhs: dict[mpz, int] = {}  # the elements' own mpz values: equal values are equal keys, no conversion to int
    rhs: dict[mpz, Any] = {}
    e_g: Any = 0
    e_k: Any = 0
    weight_bytes = WEIGHT_BITS // 8
    weights = secrets.token_bytes(2 * weight_bytes * sum(len(item.proof.challenges) for item in items))
    at = 0
    for item in items:
        commitments = item.commitments
        if commitments is None:
            raise ValueError("a proof without commitments cannot be batched")
        pad_exp: Any = 0
        data_exp: Any = 0
        for j, (c, v) in enumerate(zip(item.proof.challenges, item.proof.responses)):
            r = int.from_bytes(weights[at : at + weight_bytes], "big")
            s = int.from_bytes(weights[at + weight_bytes : at + 2 * weight_bytes], "big")
            at += 2 * weight_bytes
            a, b = commitments[2 * j].value, commitments[2 * j + 1].value
            lhs[a] = lhs.get(a, 0) + r
            lhs[b] = lhs.get(b, 0) + s
            cv, vv = c.value, v.value
            e_g += r * vv
            e_k += s * (vv - j * cv)
            pad_exp += r * cv
            data_exp += s * cv
        for alpha in item.pads:
            rhs[alpha.value] = rhs.get(alpha.value, 0) + pad_exp
        for beta in item.datas:
            rhs[beta.value] = rhs.get(beta.value, 0) + data_exp
    backend = group.backend
    left, residues = backend.multi_powmod_residues(list(lhs), list(lhs.values()), p)
    if not residues:
        return False
    right = backend.multi_powmod(list(rhs), [e % q for e in rhs.values()], p)
    right = right * group.g_pow(e_g % q).value % p
    right = right * group.k_pow(joint_key, e_k % q).value % p
    return bool(left == right)
