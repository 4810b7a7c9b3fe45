"""A small test-group election for pre-encrypted ballots: a key pair, H_E and a two-contest manifest
(one contest with L = 1, one with L = 2, options out of sequence order in the manifest)."""

from __future__ import annotations

from engine.ballot import EncryptionContext
from engine.elgamal import KeyPair
from engine.group import TEST_GROUP
from engine.hash import UInt256
from engine.manifest import BallotStyle, ContestDescription, Manifest, SelectionDescription, validate_manifest

G = TEST_GROUP
KEYS = KeyPair.from_secret(G.element_q(0x0FED_CBA9_8765_4321))
H_E = UInt256(bytes(range(100, 132)))
CTX = EncryptionContext(H_E, KEYS.public)


def contest(cid: str, seq: int, district: str, options: list[tuple[str, int]], limit: int, r: int = 1):
    return ContestDescription(
        object_id=cid,
        sequence_order=seq,
        electoral_district_id=district,
        vote_variation="n_of_m",
        number_elected=limit,
        votes_allowed=limit,
        name=cid,
        ballot_selections=tuple(SelectionDescription(sid, so, f"cand-{sid}") for sid, so in options),
        option_limit=r,
    )


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
