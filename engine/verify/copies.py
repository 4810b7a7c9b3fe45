"""R.unique_ciphertexts: no two ballots share a ciphertext (ballot copying).

Cortier and Smyth's attack on Helios: a voter re-submits a victim's ciphertexts with their proofs
under a new ballot id (and another B_aux, so another confirmation code); the proofs of spec 2.0.0
are bound to H_E and the contest, not to the ballot, so the copy verifies and counts the victim's
vote twice, which reveals it in a small election. Contest data is no more bound to its ballot (its
KDF context is the contest id): a victim's (C0, C1, C2) copied into a ballot the copier then
challenges is decrypted and published, write-ins and all.

Honest encryptions share a pad (alpha = g^xi, C0 = g^xi') only with negligible probability, so a
selection ciphertext (alpha, beta), a contest data's C0 or an encrypted serial number that occurs
twice in a record (on two ballots, cast or challenged, or twice on one) is a copy. The board
refuses such ballots; the verifier checks that the record holds none.

Memory stays small while the ballots stream past: 8 bytes per ciphertext (the first 64 bits of its
SHA-256), sorted once at the end; past ``spill_at`` digests they go to temporary files, one per value
of their top SPILL_BITS bits, and each file is sorted on its own. Only when two digests meet are the
ballots read again, to compare the full values and name the ballots; a chance or contrived meeting of
digests costs that second reading and nothing else.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.election import EncryptedBallot
from engine.verify.report import Recorder

CHECK = "R.unique_ciphertexts"
_DIGEST_BYTES = 8
SPILL_BITS = 8
SPILL_BUCKETS = 1 << SPILL_BITS


@dataclass(frozen=True)
class _Place:
    file: str
    ballot_id: str
    contest_id: str
    selection_id: str
    what: str

    def describe(self) -> str:
        named = (("contest", self.contest_id), ("selection", self.selection_id))
        where = ", ".join(f"{name} {value}" for name, value in named if value)
        return f"ballot {self.ballot_id}'s {self.what}" + (f" ({where})" if where else "")


def _values(ballot: EncryptedBallot) -> Iterator[tuple[bytes, str, str, str]]:
    """(the value, with its kind first; contest id; selection id; what it is) of every ciphertext."""
    for contest in ballot.contests:
        for selection in contest.selections:
            c = selection.ciphertext
            yield b"S" + c.pad.to_bytes() + c.data.to_bytes(), contest.contest_id, selection.selection_id, "selection"
        yield b"D" + contest.contest_data.c0.to_bytes(), contest.contest_id, "", "contest data C0"
    if ballot.encrypted_sn is not None:
        sn = ballot.encrypted_sn
        yield b"N" + sn.pad.to_bytes() + sn.data.to_bytes(), "", "", "encrypted serial number"


def _key(value: bytes) -> int:
    return int.from_bytes(hashlib.sha256(value).digest()[:_DIGEST_BYTES], "big")


@dataclass
class CiphertextIndex:
    """The 64-bit digest of every ciphertext seen so far: in one flat array, or, given ``spill_at``, at most that
    many in memory, the others in SPILL_BUCKETS temporary files by their top bits (so that the verifying client's
    memory does not grow with the ballots; ``repeated`` then reads one bucket at a time)."""

    digests: array[int] = field(default_factory=lambda: array("Q"))
    spill_at: int | None = None
    spilled: int = 0
    _folder: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    def add(self, ballot: EncryptedBallot) -> None:
        self.digests.extend(_key(value) for value, _contest, _selection, _what in _values(ballot))
        self._maybe_spill()

    def extend(self, digests: bytes) -> None:
        """Digests computed elsewhere (a partition's, as bytes of native 64-bit words)."""
        self.digests.frombytes(digests)
        self._maybe_spill()

    @property
    def count(self) -> int:
        return self.spilled + len(self.digests)

    def repeated(self) -> set[int]:
        """The digests that occur more than once."""
        if self._folder is None:
            return _repeated(np.frombuffer(self.digests, dtype=np.uint64))
        self._spill()
        found: set[int] = set()
        for bucket in range(SPILL_BUCKETS):
            path = self._bucket_path(bucket)
            if os.path.exists(path):
                found |= _repeated(np.fromfile(path, dtype=np.uint64))
        return found

    def close(self) -> None:
        """Remove the spilled files."""
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def _maybe_spill(self) -> None:
        if self.spill_at is not None and len(self.digests) >= self.spill_at:
            self._spill()

    def _spill(self) -> None:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="ballotchain-digests-")
        words = np.frombuffer(self.digests, dtype=np.uint64)
        words.sort()  # in place: each bucket (the top SPILL_BITS bits) is then one run, and nothing is copied
        firsts = np.arange(SPILL_BUCKETS, dtype=np.uint64) << np.uint64(64 - SPILL_BITS)
        starts = [*np.searchsorted(words, firsts).tolist(), len(words)]
        for bucket in range(SPILL_BUCKETS):
            if starts[bucket] < starts[bucket + 1]:
                with open(self._bucket_path(bucket), "ab") as out:
                    words[starts[bucket] : starts[bucket + 1]].tofile(out)
        self.spilled += len(self.digests)
        self.digests = array("Q")

    def _bucket_path(self, bucket: int) -> str:
        assert self._folder is not None
        return os.path.join(self._folder.name, f"{bucket:03d}")


def _repeated(words: np.ndarray[Any, Any]) -> set[int]:
    ordered = np.sort(words)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    return {int(d) for d in np.unique(twice)}


def verify_unique_ciphertexts(
    rec: Recorder, index: CiphertextIndex, reread: Iterable[tuple[str, EncryptedBallot]]
) -> None:
    """R.unique_ciphertexts over the index; ``reread`` streams the ballots again, and is read only if
    two digests met."""
    with rec.timed(CHECK):
        repeated = index.repeated()
        if not repeated:
            rec.passed(CHECK, index.count)
            return
        places: dict[bytes, list[_Place]] = {}
        for label, ballot in reread:
            for value, contest_id, selection_id, what in _values(ballot):
                if _key(value) in repeated:
                    places.setdefault(value, []).append(_Place(label, ballot.ballot_id, contest_id, selection_id, what))
        copies = 0
        for shared in places.values():
            first = shared[0]
            for place in shared[1:]:
                copies += 1
                rec.failed_at(
                    CHECK,
                    f"the {place.what} is also {first.describe()}: one copies the other",
                    {
                        "file": place.file,
                        "ballot_id": place.ballot_id,
                        "contest_id": place.contest_id,
                        "selection_id": place.selection_id,
                    },
                )
        rec.passed(CHECK, index.count - copies)
