"""The decrypted results of an election record and the checks they are shown after: the tally.json against the
encrypted tally (R.tally_copy, 9.A-9.B, 10.A-10.E, 11.A-11.B, R.contest_data) and the encrypted tally against the
record's cast ballots (8.A, 8.B, R.cast_set), the verifier's own checks (engine.verify.tally); the names the
manifest gives contests and candidates (spec 2.0.0 section 3.1.3). Used by `ballotchain results` and by the board
that serves a published record (engine.server.published_record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.election import BallotState, DecryptedTallyOrBallot
from engine.manifest import Manifest
from engine.record import ElectionRecord
from engine.record.layout import ENCRYPTED_TALLY
from engine.verify.layout import ManifestLayout
from engine.verify.report import Finding, Recorder
from engine.verify.tally import Aggregator, verify_aggregation, verify_cast_set, verify_tally


def candidate_names(manifest: Manifest) -> dict[str, str]:
    """candidate object_id -> the name the manifest gives it (spec 3.1.3 candidates; the id when unnamed)."""
    names: dict[str, str] = {}
    listed = dict(manifest.extra).get("candidates")
    for candidate in listed if isinstance(listed, tuple | list) else ():
        if isinstance(candidate, Mapping) and isinstance(candidate.get("object_id"), str):
            name = candidate.get("name")
            names[candidate["object_id"]] = name if isinstance(name, str) and name else candidate["object_id"]
    return names


def selection_names(manifest: Manifest) -> dict[tuple[str, str], str]:
    """(contest id, selection id) -> the name of the selection's candidate (the selection id if none)."""
    people = candidate_names(manifest)
    return {
        (c.object_id, s.object_id): people.get(s.candidate_id, s.object_id)
        for c in manifest.contests
        for s in c.ballot_selections
    }


def contest_names(manifest: Manifest) -> dict[str, str]:
    return {c.object_id: c.name or c.object_id for c in manifest.contests}


@dataclass(frozen=True)
class TallyCheck:
    """The verifier's tally checks over a record, and the number of cast and challenged ballots."""

    findings: tuple[Finding, ...]
    cast: int
    challenged: int

    @property
    def failed_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.check_id for f in self.findings))


def check_tally(record: ElectionRecord, tally: DecryptedTallyOrBallot) -> TallyCheck:
    """8.A, 8.B, R.cast_set (engine.verify.tally) and the checks of tally.json (verify_tally), in one
    pass over the record's encrypted ballots."""
    init = record.initialized
    layout = ManifestLayout.from_manifest(record.manifest)
    aggregator = Aggregator(record.group)
    cast_ids: list[str] = []
    challenged = 0
    contests_on_ballots: set[str] = set()
    for ballot in record.encrypted_ballots():
        contests_on_ballots.update(c.contest_id for c in ballot.contests)
        if ballot.state is BallotState.CAST:
            aggregator.add(ballot)
            cast_ids.append(ballot.ballot_id)
        elif ballot.state is BallotState.SPOILED:
            challenged += 1
    encrypted = record.encrypted_tally
    rec = Recorder()
    rec.expect(
        encrypted.election_id == init.extended_base_hash,
        "R.election_id",
        "the encrypted tally names another H_E",
        file=ENCRYPTED_TALLY,
    )
    verify_cast_set(rec, encrypted, cast_ids)
    verify_aggregation(rec, layout, encrypted, aggregator)
    verify_tally(rec, layout, init.extended_base_hash, init.joint_public_key, encrypted, tally, contests_on_ballots)
    return TallyCheck(rec.build("record", 0.0, 1).findings, len(cast_ids), challenged)


def results_rows(manifest: Manifest, tally: DecryptedTallyOrBallot) -> list[tuple[str, str, int, float]]:
    """(contest, candidate, votes, share of the contest's votes) in tally order."""
    contests, selections = contest_names(manifest), selection_names(manifest)
    rows = []
    for contest in tally.contests:
        total = sum(s.tally for s in contest.selections)
        for s in contest.selections:
            rows.append(
                (
                    contests.get(contest.contest_id, contest.contest_id),
                    selections.get((contest.contest_id, s.selection_id), s.selection_id),
                    s.tally,
                    s.tally / total if total else 0.0,
                )
            )
    return rows
