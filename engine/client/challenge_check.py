"""The second device's check of a challenged ballot (Benaloh's cast-or-challenge, spec 2.0.0 section 3.4).

From the ballot nonce xi_B the voter took away, every nonce of the ballot follows (eq. 25, 50). The check
decrypts the ballot with them (alpha = g^xi, beta / K^xi = K^sigma for every option; the contest data with
beta = K^xi, eq. 50-55), compares the result with the choices the voting device claims, encrypts those
choices again with the same nonce (eq. 24, 50-57) and compares every ciphertext, contest hash and the
confirmation code (eq. 58) with the ballot's, and runs the verifier's checks of a single ballot (its range
proofs, eq. 46 and 56, and its shape). A device that encrypted anything but the voter's choices fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.ballot import BallotError, decrypt_ballot_with_nonce, encrypt_ballot, validate_plaintext_ballot
from engine.election import BallotState, ElectionInitialized, EncryptedBallot, PlaintextBallot
from engine.manifest import Manifest
from engine.record.codecs.challenged_ballot import ChallengedBallot
from engine.server.checker import ballot_context
from engine.verify.ballots import ballot_problems


@dataclass(frozen=True)
class ChallengeCheck:
    """The choices decrypted with the nonce (None if the nonce does not open the ballot) and what failed."""

    decrypted: PlaintextBallot | None
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.decrypted is not None and not self.problems


def check_challenged_ballot(
    manifest: Manifest, initialized: ElectionInitialized, challenged: ChallengedBallot
) -> ChallengeCheck:
    """Every check of a challenged ballot against the election (manifest, H_E, K); problems in words."""
    ballot = challenged.ballot
    h_e = initialized.extended_base_hash
    problems: list[str] = []
    if challenged.election != h_e or ballot.election_id != h_e:
        problems.append("the challenged ballot is for another election (H_E differs)")
    if ballot.confirmation_code != challenged.confirmation_code:
        problems.append("the ballot's confirmation code is not the one the voter was shown")
    if ballot.state is not BallotState.SPOILED:
        problems.append("the ballot is not marked challenged (SPOILED): a cast ballot's nonce must stay secret")
    if challenged.choices.ballot_id != ballot.ballot_id:
        problems.append(f"the choices are for ballot {challenged.choices.ballot_id!r}, not {ballot.ballot_id!r}")
    problems += ballot_problems(ballot_context(manifest, initialized), ballot, ballot.ballot_id)
    try:
        decrypted = decrypt_ballot_with_nonce(manifest, initialized, ballot, challenged.ballot_nonce)
    except BallotError as exc:
        return ChallengeCheck(None, (*problems, f"the nonce does not open the ballot: {exc}"))
    try:
        claimed = validate_plaintext_ballot(manifest, challenged.choices)
    except BallotError as exc:
        return ChallengeCheck(decrypted, (*problems, f"the claimed choices do not fit the manifest: {exc}"))
    problems += _choice_differences(claimed, decrypted)
    problems += _encryption_differences(manifest, initialized, challenged, claimed)
    return ChallengeCheck(decrypted, tuple(problems))


def _choice_differences(claimed: PlaintextBallot, decrypted: PlaintextBallot) -> list[str]:
    opened = {c.contest_id: c for c in decrypted.contests}
    out: list[str] = []
    for contest in claimed.contests:
        found = opened.pop(contest.contest_id, None)
        if found is None:
            out.append(f"contest {contest.contest_id!r} is not on the encrypted ballot")
            continue
        votes = {s.selection_id: s.vote for s in found.selections}
        for selection in contest.selections:
            if votes.get(selection.selection_id) != selection.vote:
                out.append(
                    f"contest {contest.contest_id!r}, option {selection.selection_id!r}: the ballot encrypts "
                    f"{votes.get(selection.selection_id)}, the device claims {selection.vote}"
                )
        if tuple(found.write_ins) != tuple(contest.write_ins):
            out.append(f"contest {contest.contest_id!r}: the encrypted write-ins are not the claimed ones")
    out += [f"contest {cid!r} is encrypted but not among the claimed choices" for cid in opened]
    return out


def _encryption_differences(
    manifest: Manifest, initialized: ElectionInitialized, challenged: ChallengedBallot, claimed: PlaintextBallot
) -> list[str]:
    ballot = challenged.ballot
    again: EncryptedBallot = encrypt_ballot(
        manifest,
        initialized,
        claimed,
        device=ballot.encrypting_device,
        ballot_nonce=challenged.ballot_nonce,
        timestamp=ballot.timestamp,
        code_baux=ballot.code_baux,
        state=ballot.state,
    ).ballot
    out: list[str] = []
    mine = {c.contest_id: c for c in ballot.contests}
    for contest in again.contests:
        theirs = mine.get(contest.contest_id)
        if theirs is None:
            continue
        ciphertexts = [s.ciphertext for s in contest.selections]
        if [s.ciphertext for s in theirs.selections] != ciphertexts:
            out.append(f"contest {contest.contest_id!r}: the ciphertexts are not the choices encrypted with the nonce")
        if theirs.contest_data != contest.contest_data:
            out.append(f"contest {contest.contest_id!r}: the contest data is not the choices' encrypted with the nonce")
        if theirs.contest_hash != contest.contest_hash:
            out.append(f"contest {contest.contest_id!r}: the contest hash (eq. 57) does not recompute")
    if again.confirmation_code != ballot.confirmation_code:
        out.append("the confirmation code (eq. 58) does not recompute from the choices and the nonce")
    return out
