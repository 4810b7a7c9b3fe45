"""Verifications 12-14 (challenged ballots), spec 2.0.0 section 6.2.7, and R.challenged.

A decryption proves what a ciphertext decrypts to, not whose ciphertext it is: each challenged
ballot's decryption must be of that ballot's own ciphertexts (docs/PROTOCOL.md, "Weaknesses we guard against"). The
runner keeps a fingerprint of each SPOILED ballot (digests of its ciphertexts and contest data)
while it streams the ballots; ``verify_challenged_ballot`` compares the decryption's copies to it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from engine.election import DecryptedTallyOrBallot, EncryptedBallot, HashedCiphertext
from engine.elgamal import Ciphertext
from engine.group import ElementModP
from engine.hash import UInt256
from engine.verify.contest_data import verify_published_contest_data
from engine.verify.decryption import Memo, verify_contest_data_decryption, verify_selection_decryption
from engine.verify.layout import ManifestLayout
from engine.verify.report import Finding, Recorder
from engine.verify.subgroup import SubgroupBatch


def _digest_ciphertext(c: Ciphertext) -> bytes:
    return hashlib.sha256(c.pad.to_bytes() + c.data.to_bytes()).digest()


def _digest_contest_data(h: HashedCiphertext) -> bytes:
    """Over C0, C1, C2 and numBytes: numBytes is in the KDF (eq. 52), though not in the proof (eq. 81)."""
    body = h.c0.to_bytes() + len(h.c1).to_bytes(4, "big") + h.c1 + h.c2.data
    return hashlib.sha256(body + str(h.num_bytes).encode("ascii")).digest()


@dataclass(frozen=True)
class BallotFingerprint:
    """Digests of a SPOILED ballot's ciphertexts: contest id -> (contest data, {selection id: digest})."""

    contests: dict[str, tuple[bytes, dict[str, bytes]]]

    @classmethod
    def of(cls, ballot: EncryptedBallot) -> BallotFingerprint:
        return cls(
            {
                c.contest_id: (
                    _digest_contest_data(c.contest_data),
                    {s.selection_id: _digest_ciphertext(s.ciphertext) for s in c.selections},
                )
                for c in ballot.contests
            }
        )


def verify_challenged_ballot(
    rec: Recorder,
    layout: ManifestLayout,
    h_e: UInt256,
    joint_key: ElementModP,
    label: str,
    decrypted: DecryptedTallyOrBallot,
    fingerprint: BallotFingerprint | None,
    batch: SubgroupBatch[tuple[str, str, str]],
    memo: Memo | None = None,
) -> None:
    """R.election_id, R.challenged, 12.A-12.B, 13.A-13.F, 14.A-14.B and R.contest_data for one decrypted ballot."""
    ballot_id = decrypted.id
    where = {"file": label, "ballot_id": ballot_id}
    rec.expect(decrypted.election_id == h_e, "R.election_id", "the decryption names another H_E", **where)
    if fingerprint is not None:
        verify_own_ciphertexts(rec, where, decrypted, fingerprint)
    for contest in decrypted.contests:
        cwhere = dict(where, contest_id=contest.contest_id)
        known = layout.contest(contest.contest_id)
        rec.expect(known is not None, "13.D", "the contest is not a manifest contest", **cwhere)
        option_limit = known.option_limit if known is not None else 1
        total = 0
        for selection in contest.selections:
            swhere = dict(cwhere, selection_id=selection.selection_id)
            rec.expect(
                known is not None and selection.selection_id in known.selection_ids,
                "13.E",
                "the option is not an option of the manifest contest",
                **swhere,
            )
            verify_selection_decryption(
                rec, ("12.A", "12.B", "13.A"), h_e, joint_key, selection.ciphertext, selection, swhere, memo
            )
            rec.expect(
                0 <= selection.tally <= option_limit,
                "13.B",
                f"the selection value {selection.tally} is not in 0..{option_limit}",
                **swhere,
            )
            total += selection.tally
        if known is not None:
            rec.expect(
                total <= known.votes_allowed,
                "13.C",
                f"the selections sum to {total}, more than the limit L = {known.votes_allowed}",
                **cwhere,
            )
            labels = {s.selection_id for s in contest.selections}
            for selection_id in known.selection_ids:
                rec.expect(
                    selection_id in labels,
                    "13.F",
                    "a manifest option of the contest is missing from the decryption",
                    selection_id=selection_id,
                    **cwhere,
                )
        data = contest.decrypted_contest_data
        if data is None:
            rec.failed(Finding("14.B", "the contest data of the challenged contest is not decrypted", **cwhere))
        else:
            batch.add(data.encrypted_contest_data.c0, (label, contest.contest_id, "C0"))
            batch.add(data.beta, (label, contest.contest_id, "beta"))
            if verify_contest_data_decryption(rec, ("14.A", "14.B"), h_e, joint_key, data, cwhere, memo):
                verify_published_contest_data(rec, h_e, joint_key, contest.contest_id, data, cwhere)


def verify_own_ciphertexts(
    rec: Recorder, where: dict[str, str], decrypted: DecryptedTallyOrBallot, fingerprint: BallotFingerprint
) -> None:
    """R.challenged: every decrypted ciphertext and contest data is the SPOILED ballot's own."""
    seen: set[str] = set()
    for contest in decrypted.contests:
        cwhere = dict(where, contest_id=contest.contest_id)
        entry = fingerprint.contests.get(contest.contest_id)
        if entry is None or contest.contest_id in seen:
            rec.failed(Finding("R.challenged", "the ballot has no such contest, or it is decrypted twice", **cwhere))
            continue
        seen.add(contest.contest_id)
        data_digest, selections = entry
        decrypted_ids = set()
        for selection in contest.selections:
            decrypted_ids.add(selection.selection_id)
            rec.expect(
                selections.get(selection.selection_id) == _digest_ciphertext(selection.ciphertext),
                "R.challenged",
                "the decrypted ciphertext is not the ballot's ciphertext for this selection",
                selection_id=selection.selection_id,
                **cwhere,
            )
        for selection_id in selections:
            if selection_id not in decrypted_ids:
                rec.failed_at(
                    "R.challenged",
                    "a selection of the ballot is not decrypted",
                    dict(cwhere, selection_id=selection_id),
                )
        if contest.decrypted_contest_data is not None:
            rec.expect(
                _digest_contest_data(contest.decrypted_contest_data.encrypted_contest_data) == data_digest,
                "R.challenged",
                "the decrypted contest data is not the ballot's contest data",
                **cwhere,
            )
    for contest_id in fingerprint.contests:
        if contest_id not in seen:
            rec.failed_at(
                "R.challenged", "a contest of the ballot is not decrypted", dict(where, contest_id=contest_id)
            )
