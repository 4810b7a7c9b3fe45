"""Small elections on the test group for tally and decryption tests: a manifest of a given shape and
ballots with real encryptions of their votes and empty proofs (tests/protocol/test_tally.py, test_decrypt.py)."""

from __future__ import annotations

from engine.election import (
    BallotState,
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    HashedCiphertext,
)
from engine.elgamal import encrypt
from engine.group import TEST_GROUP, ElementModP
from engine.hash import UInt256
from engine.manifest import BallotStyle, ContestDescription, Manifest, SelectionDescription
from engine.proofs import RangeProof

T = TEST_GROUP
H_E = UInt256(bytes(range(32)))
_KEY = T.g_pow(T.element_q(123456789))


def small_manifest(shape: tuple[int, ...] = (2, 3)) -> Manifest:
    contests = tuple(
        ContestDescription(
            f"c{ci}",
            ci,
            "d",
            "n_of_m",
            n,
            n,
            f"c{ci}",
            tuple(SelectionDescription(f"c{ci}s{si}", si, f"cand{si}") for si in range(n)),
        )
        for ci, n in enumerate(shape)
    )
    return Manifest("small", "v2.0.0", "general", "", "", ("d",), contests, (BallotStyle("style", ("d",)),))


def small_ballot(
    manifest: Manifest,
    ballot_id: str,
    votes: dict[str, int],
    *,
    state: BallotState = BallotState.CAST,
    h_e: UInt256 = H_E,
    public_key: ElementModP = _KEY,
) -> EncryptedBallot:
    """A ballot with real encryptions of ``votes`` (missing ids: 0) and empty proofs."""
    contests = tuple(
        EncryptedContest(
            c.object_id,
            c.sequence_order,
            c.votes_allowed,
            UInt256(bytes(32)),
            tuple(
                EncryptedSelection(
                    s.object_id,
                    s.sequence_order,
                    encrypt(votes.get(s.object_id, 0), T.random_q(), public_key),
                    RangeProof((), ()),
                )
                for s in c.ballot_selections
            ),
            RangeProof((), ()),
            HashedCiphertext(T.one, b"", UInt256(bytes(32)), 0),
        )
        for c in manifest.contests
    )
    return EncryptedBallot(ballot_id, "style", "device", 0, b"", UInt256(bytes(32)), h_e, contests, state)
