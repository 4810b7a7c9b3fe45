"""A small test-group election for pre-encrypted ballots: a key pair, H_E and a two-contest manifest
(one contest with L = 1, one with L = 2, options out of sequence order in the manifest)."""

from __future__ import annotations

from engine.manifest import BallotStyle, ContestDescription, Manifest, validate_manifest
from tests.support.small_election import CTX, KEYS, contest

__all__ = ["CTX", "KEYS", "MANIFEST", "contest", "manifest_of"]


def manifest_of(contests: list[ContestDescription]) -> Manifest:
    return validate_manifest(
        Manifest(
            "test", "v2.0.0", "general", "s", "e", ("d1", "d2"), tuple(contests), (BallotStyle("both", ("d1", "d2")),)
        )
    )


MANIFEST = manifest_of(
    [
        contest("mayor", 2, "d1", [("ann", 1), ("bob", 0), ("cy", 2)], 1),
        contest("council", 1, "d2", [("dee", 5), ("eve", 3), ("fay", 4)], 2),
    ]
)
