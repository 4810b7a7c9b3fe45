"""R.unique_ciphertexts: no two ballots share a selection ciphertext (ballot copying).

Cortier and Smyth's attack on Helios: a voter re-submits a victim's ciphertexts with their proofs
under a new ballot id (and another B_aux, so another confirmation code); the proofs of spec 2.0.0
are bound to H_E and the contest, not to the ballot, so the copy verifies and counts the victim's
vote twice, which reveals it in a small election. Honest encryptions share an alpha = g^xi only
with negligible probability, so a selection ciphertext (alpha, beta) that occurs twice in a record
(on two ballots, cast or challenged, or twice on one) is a copy. The board refuses such ballots;
the verifier checks that the record holds none.

Memory stays small while the ballots stream past: a 96-bit digest per selection. Only when two
digests meet are the ballots read again, to name the ballots that share the full ciphertext.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from engine.election import EncryptedBallot
from engine.elgamal import Ciphertext
from engine.verify.report import Recorder

CHECK = "R.unique_ciphertexts"
_DIGEST_BYTES = 12


def _key(ciphertext: Ciphertext) -> int:
    digest = hashlib.sha256(ciphertext.pad.to_bytes() + ciphertext.data.to_bytes()).digest()
    return int.from_bytes(digest[:_DIGEST_BYTES], "big")


@dataclass(frozen=True)
class _Place:
    file: str
    ballot_id: str
    contest_id: str
    selection_id: str


@dataclass
class CiphertextIndex:
    """The digests of every selection ciphertext seen so far, and those seen twice."""

    seen: set[int] = field(default_factory=set)
    repeated: set[int] = field(default_factory=set)
    count: int = 0

    def add(self, ballot: EncryptedBallot) -> None:
        for contest in ballot.contests:
            for selection in contest.selections:
                key = _key(selection.ciphertext)
                if key in self.seen:
                    self.repeated.add(key)
                else:
                    self.seen.add(key)
                self.count += 1


def verify_unique_ciphertexts(
    rec: Recorder, index: CiphertextIndex, reread: Iterable[tuple[str, EncryptedBallot]]
) -> None:
    """R.unique_ciphertexts over the index; ``reread`` streams the ballots again, and is read only if
    two digests met."""
    with rec.timed(CHECK):
        if not index.repeated:
            rec.passed(CHECK, index.count)
            return
        places: dict[Ciphertext, list[_Place]] = {}
        for label, ballot in reread:
            for contest in ballot.contests:
                for selection in contest.selections:
                    if _key(selection.ciphertext) in index.repeated:
                        place = _Place(label, ballot.ballot_id, contest.contest_id, selection.selection_id)
                        places.setdefault(selection.ciphertext, []).append(place)
        copies = 0
        for shared in places.values():
            first = shared[0]
            for place in shared[1:]:
                copies += 1
                rec.failed_at(
                    CHECK,
                    f"the selection's ciphertext (alpha, beta) is also ballot {first.ballot_id}'s, contest "
                    f"{first.contest_id}, selection {first.selection_id}: a copied ballot",
                    {
                        "file": place.file,
                        "ballot_id": place.ballot_id,
                        "contest_id": place.contest_id,
                        "selection_id": place.selection_id,
                    },
                )
        rec.passed(CHECK, index.count - copies)
