"""Verifications 8-11 (aggregation, tally decryption, labels), spec 2.0.0 sections 6.2.5-6.2.6.

The cast ballots' ciphertexts are multiplied here, as the runner streams the ballots (two
multiplications per selection); the record's encrypted tally must equal the products (8.A, 8.B)
and cover exactly the CAST ballots (R.cast_set). Decryption proofs (9) are checked against the
encrypted tally's (A, B), and tally.json's copies of them must be the same (R.tally_copy).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from gmpy2 import mpz

from engine.election import DecryptedTallyOrBallot, EncryptedBallot, EncryptedTally
from engine.elgamal import Ciphertext
from engine.group import ElementModP, Group
from engine.hash import UInt256
from engine.record.layout import ENCRYPTED_TALLY, TALLY
from engine.verify.contest_data import verify_published_contest_data
from engine.verify.decryption import (
    Memo,
    settle_contest_data_subgroup,
    verify_contest_data_decryption,
    verify_selection_decryption,
)
from engine.verify.layout import ManifestLayout
from engine.verify.listed import ListedIds
from engine.verify.report import Finding, Recorder
from engine.verify.subgroup import SubgroupBatch


class Aggregator:
    """The running products prod alpha_j, prod beta_j per (contest, selection) over cast ballots."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self._products: dict[tuple[str, str], list[mpz]] = {}
        self.ballots = 0

    def add(self, ballot: EncryptedBallot) -> None:
        p = self.group.p
        for contest in ballot.contests:
            for selection in contest.selections:
                key = (contest.contest_id, selection.selection_id)
                acc = self._products.get(key)
                if acc is None:
                    self._products[key] = [selection.ciphertext.pad.value, selection.ciphertext.data.value]
                else:
                    acc[0] = acc[0] * selection.ciphertext.pad.value % p
                    acc[1] = acc[1] * selection.ciphertext.data.value % p
        self.ballots += 1

    def partial(self) -> dict[tuple[str, str], tuple[int, int]]:
        """The running products as plain integers, for another process's Aggregator to ``merge``."""
        return {key: (int(acc[0]), int(acc[1])) for key, acc in self._products.items()}

    def merge(self, products: dict[tuple[str, str], tuple[int, int]], ballots: int) -> None:
        """Multiply in the products of ``ballots`` other cast ballots (a worker's ``partial``)."""
        p = self.group.p
        for key, (pad, data) in products.items():
            acc = self._products.get(key)
            if acc is None:
                self._products[key] = [mpz(pad), mpz(data)]
            else:
                acc[0] = acc[0] * pad % p
                acc[1] = acc[1] * data % p
        self.ballots += ballots

    def product(self, contest_id: str, selection_id: str) -> Ciphertext:
        acc = self._products.get((contest_id, selection_id))
        if acc is None:
            return Ciphertext(self.group.one, self.group.one)
        return Ciphertext(ElementModP(acc[0], self.group), ElementModP(acc[1], self.group))

    def keys(self) -> Iterable[tuple[str, str]]:
        return self._products.keys()


def verify_cast_set(rec: Recorder, tally: EncryptedTally, cast_ids: Collection[str]) -> None:
    """R.cast_set: cast_ballot_ids lists every CAST ballot once and nothing else."""
    verify_cast_list(rec, tally.cast_ballot_ids, cast_ids, set())


def verify_cast_list(
    rec: Recorder, cast_ballot_ids: Iterable[str], cast_ids: Collection[str], listed: ListedIds
) -> None:
    """R.cast_set over encrypted_tally.json's cast_ballot_ids as they stream past, ``listed`` (empty) keeping the
    ids met, so that neither list need be held (issue 11, item 4)."""
    where = {"file": ENCRYPTED_TALLY}
    for ballot_id in cast_ballot_ids:
        if ballot_id in listed:
            rec.failed(
                Finding(
                    "R.cast_set",
                    "the ballot is listed twice in cast_ballot_ids",
                    ballot_id=ballot_id,
                    **where,
                )
            )
            continue
        listed.add(ballot_id)
        rec.expect(
            ballot_id in cast_ids,
            "R.cast_set",
            "cast_ballot_ids lists a ballot that is not a CAST ballot of the record",
            ballot_id=ballot_id,
            **where,
        )
    for ballot_id in cast_ids:
        if ballot_id not in listed:
            rec.failed(
                Finding(
                    "R.cast_set",
                    "a CAST ballot is missing from cast_ballot_ids",
                    ballot_id=ballot_id,
                    **where,
                )
            )


def verify_aggregation(rec: Recorder, layout: ManifestLayout, tally: EncryptedTally, agg: Aggregator) -> None:
    """8.A and 8.B for every selection of the encrypted tally and of the manifest."""
    where = {"file": ENCRYPTED_TALLY}
    present: set[tuple[str, str]] = set()
    with rec.timed("8.A"):
        for contest in tally.contests:
            for selection in contest.selections:
                key = (contest.contest_id, selection.selection_id)
                swhere = dict(where, contest_id=key[0], selection_id=key[1])
                if key in present:
                    for check_id in ("8.A", "8.B"):
                        rec.failed_at(check_id, "the selection is twice in the encrypted tally", swhere)
                    continue
                present.add(key)
                expected = agg.product(*key)
                rec.expect(
                    selection.ciphertext.pad == expected.pad,
                    "8.A",
                    "A is not the product of the cast ballots' alphas",
                    **swhere,
                )
                rec.expect(
                    selection.ciphertext.data == expected.data,
                    "8.B",
                    "B is not the product of the cast ballots' betas",
                    **swhere,
                )
        wanted = {(c.contest_id, s) for c in layout.contests for s in c.selection_ids} | set(agg.keys())
        for key in sorted(wanted - present):
            swhere = dict(where, contest_id=key[0], selection_id=key[1])
            for check_id in ("8.A", "8.B"):
                rec.failed_at(check_id, "the selection has no aggregate in the encrypted tally", swhere)


def verify_tally(
    rec: Recorder,
    layout: ManifestLayout,
    h_e: UInt256,
    joint_key: ElementModP,
    encrypted: EncryptedTally | None,
    tally: DecryptedTallyOrBallot,
    contests_on_ballots: Collection[str],
    memo: Memo | None = None,
) -> None:
    """R.tally_copy, 9.A-9.B, 10.A-10.E, 11.A-11.B and R.contest_data over tally.json."""
    where = {"file": TALLY}
    rec.expect(tally.election_id == h_e, "R.election_id", "the tally names another H_E", **where)
    aggregates: dict[tuple[str, str], Ciphertext] = {}
    if encrypted is not None:
        for ec in encrypted.contests:
            for es in ec.selections:
                aggregates.setdefault((ec.contest_id, es.selection_id), es.ciphertext)
    tallied: set[str] = set()
    batch: SubgroupBatch[tuple[str, str, str]] = SubgroupBatch(joint_key.group)
    for contest in tally.contests:
        cwhere = dict(where, contest_id=contest.contest_id)
        tallied.add(contest.contest_id)
        known = layout.contest(contest.contest_id)
        rec.expect(known is not None, "10.B", "the tally contest is not a manifest contest", **cwhere)
        labels = [s.selection_id for s in contest.selections]
        for selection in contest.selections:
            swhere = dict(cwhere, selection_id=selection.selection_id)
            rec.expect(
                known is not None and selection.selection_id in known.selection_ids,
                "10.C",
                "the tally option is not an option of the manifest contest",
                **swhere,
            )
            aggregate = aggregates.get((contest.contest_id, selection.selection_id))
            if aggregate is None:
                aggregate = selection.ciphertext
            else:
                rec.expect(
                    selection.ciphertext == aggregate,
                    "R.tally_copy",
                    "the ciphertext in tally.json is not the encrypted tally's",
                    **swhere,
                )
            verify_selection_decryption(rec, ("9.A", "9.B", "10.A"), h_e, joint_key, aggregate, selection, swhere, memo)
        if known is not None:
            for selection_id in known.selection_ids:
                rec.expect(
                    selection_id in labels,
                    "10.D",
                    "a manifest option of the contest is missing from the tally",
                    selection_id=selection_id,
                    **cwhere,
                )
        if contest.decrypted_contest_data is not None:
            data = contest.decrypted_contest_data
            batch.add(data.encrypted_contest_data.c0, (TALLY, contest.contest_id, "C0"))
            batch.add(data.beta, (TALLY, contest.contest_id, "beta"))
            if verify_contest_data_decryption(rec, ("11.A", "11.B"), h_e, joint_key, data, cwhere, memo):
                verify_published_contest_data(rec, h_e, joint_key, contest.contest_id, data, cwhere)
    with rec.timed("R.subgroup"):
        settle_contest_data_subgroup(rec, batch)
    for contest_id in sorted(contests_on_ballots):
        rec.expect(
            contest_id in tallied,
            "10.E",
            "a contest of the submitted ballots is missing from the tally",
            contest_id=contest_id,
            **where,
        )
