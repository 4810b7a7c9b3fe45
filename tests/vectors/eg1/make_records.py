"""Make ElectionGuard 1.0 election records with electionguard-python 1.4.0 (Python 3.10 only).

Not part of the test suite: the tests read the records this script wrote, vendored beside it
(PROVENANCE.md says how they were made). It runs electionguard-python's documented workflow: a key
ceremony of n guardians with quorum k, ballots encrypted on two devices, cast or spoiled in the
ballot box, the homomorphic tally, its decryption (with the last guardians missing, whose shares
the others compensate) and electionguard_tools' export of the public record.

    PRIME_OPTION=TestOnly python make_records.py OUT --guardians 3 --quorum 2 --present 2 --ballots 6

PRIME_OPTION=TestOnly selects electionguard-python's small test group (LARGE_TEST_CONSTANTS);
without it, the standard 4096-bit group of spec 1.0.
"""

from __future__ import annotations

import argparse
import shutil
from datetime import datetime, timezone
from random import Random

from electionguard.ballot import BallotBoxState, PlaintextBallot, PlaintextBallotContest, PlaintextBallotSelection
from electionguard.ballot_box import BallotBox, get_ballots
from electionguard.constants import get_constants
from electionguard.data_store import DataStore
from electionguard.decryption_mediator import DecryptionMediator
from electionguard.election_polynomial import LagrangeCoefficientsRecord
from electionguard.encrypt import EncryptionDevice, EncryptionMediator
from electionguard.key_ceremony import CeremonyDetails
from electionguard.key_ceremony_mediator import KeyCeremonyMediator
from electionguard.manifest import (
    BallotStyle,
    Candidate,
    CandidateContestDescription,
    ElectionType,
    GeopoliticalUnit,
    Manifest,
    Party,
    ReportingUnitType,
    SelectionDescription,
    SpecVersion,
    VoteVariationType,
)
from electionguard.tally import tally_ballots
from electionguard.utils import get_optional
from electionguard_tools.helpers.election_builder import ElectionBuilder
from electionguard_tools.helpers.export import export_record
from electionguard_tools.helpers.key_ceremony_orchestrator import KeyCeremonyOrchestrator
from electionguard_tools.helpers.tally_ceremony_orchestrator import TallyCeremonyOrchestrator

DISTRICT = "district-1"
STYLE = "style-1"
CONTESTS = (("mayor", 1, ("kim", "lee", "park")), ("council", 2, ("ann", "bo", "cy")))


def make_manifest() -> Manifest:
    """Two contests: a 1-of-3 and a 2-of-3 (n-of-m), one ballot style."""
    candidates = [Candidate(name) for _, _, names in CONTESTS for name in names]
    contests = [
        CandidateContestDescription(
            contest_id,
            order,
            DISTRICT,
            VoteVariationType.one_of_m if limit == 1 else VoteVariationType.n_of_m,
            limit,
            limit,
            contest_id,
            [SelectionDescription(f"{contest_id}-{name}", i, name) for i, name in enumerate(names)],
        )
        for order, (contest_id, limit, names) in enumerate(CONTESTS)
    ]
    start = datetime(2026, 11, 3, 7, 0, tzinfo=timezone.utc)
    end = datetime(2026, 11, 3, 20, 0, tzinfo=timezone.utc)
    return Manifest(
        election_scope_id="ballotchain-eg1-test",
        spec_version=SpecVersion.EG0_95,
        type=ElectionType.general,
        start_date=start,
        end_date=end,
        geopolitical_units=[GeopoliticalUnit(DISTRICT, "District 1", ReportingUnitType.city)],
        parties=[Party("party-1")],
        candidates=candidates,
        contests=contests,
        ballot_styles=[BallotStyle(STYLE, [DISTRICT])],
    )


def make_ballot(ballot_id: str, rng: Random) -> PlaintextBallot:
    """A ballot voting for a random choice within each contest's limit (under-votes included)."""
    contests = []
    for contest_id, limit, names in CONTESTS:
        chosen = set(rng.sample(names, rng.randint(0, limit)))
        selections = [PlaintextBallotSelection(f"{contest_id}-{n}", int(n in chosen)) for n in names]
        contests.append(PlaintextBallotContest(contest_id, selections))
    return PlaintextBallot(ballot_id, STYLE, contests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--guardians", type=int, default=3)
    parser.add_argument("--quorum", type=int, default=2)
    parser.add_argument("--present", type=int, default=2)
    parser.add_argument("--ballots", type=int, default=6)
    parser.add_argument("--spoil-every", type=int, default=3)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    rng = Random(args.seed)

    manifest = make_manifest()
    details = CeremonyDetails(args.guardians, args.quorum)
    guardians = KeyCeremonyOrchestrator.create_guardians(details)
    key_mediator = KeyCeremonyMediator("key-ceremony-mediator", details)
    KeyCeremonyOrchestrator.perform_full_ceremony(guardians, key_mediator)
    joint_key = get_optional(key_mediator.publish_joint_key())
    builder = ElectionBuilder(args.guardians, args.quorum, manifest)
    builder.set_public_key(joint_key.joint_public_key)
    builder.set_commitment_hash(joint_key.commitment_hash)
    internal_manifest, context = get_optional(builder.build())

    devices = [EncryptionDevice(1001 + i, 2001 + i, 3001 + i, f"polling-place-{i + 1}") for i in range(2)]
    encrypters = [EncryptionMediator(internal_manifest, context, device) for device in devices]
    store: DataStore = DataStore()
    box = BallotBox(internal_manifest, context, store)
    submitted = []
    for i in range(args.ballots):
        ballot = make_ballot(f"ballot-{i + 1}", rng)
        encrypted = get_optional(encrypters[i % len(encrypters)].encrypt(ballot))
        spoil = (i + 1) % args.spoil_every == 0
        submitted.append(get_optional(box.spoil(encrypted) if spoil else box.cast(encrypted)))

    ciphertext_tally = get_optional(tally_ballots(store, internal_manifest, context))
    spoiled = list(get_ballots(store, BallotBoxState.SPOILED).values())
    decrypter = DecryptionMediator("decryption-mediator", context)
    present = guardians[: args.present]
    if args.present < args.guardians:
        TallyCeremonyOrchestrator.perform_compensated_decryption_setup(
            present, [g.share_key() for g in guardians], decrypter, context, ciphertext_tally, spoiled
        )
    else:
        TallyCeremonyOrchestrator.perform_decryption_setup(present, decrypter, context, ciphertext_tally, spoiled)
    plaintext_tally = get_optional(decrypter.get_plaintext_tally(ciphertext_tally, manifest))
    spoiled_tallies = list(get_optional(decrypter.get_plaintext_ballots(spoiled, manifest)).values())

    shutil.rmtree(args.out, ignore_errors=True)
    export_record(
        manifest,
        context,
        get_constants(),
        devices,
        submitted,
        spoiled_tallies,
        ciphertext_tally.publish(),
        plaintext_tally,
        [g.publish() for g in guardians],
        LagrangeCoefficientsRecord(decrypter.get_lagrange_coefficients()),
        args.out,
    )


if __name__ == "__main__":
    main()
