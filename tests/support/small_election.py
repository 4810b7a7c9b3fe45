"""A test-group key pair, an H_E and a contest maker that the small in-memory elections of the protocol
and verifier tests share (no ceremony: the key pair stands for the joint key)."""

from __future__ import annotations

from engine.ballot import EncryptionContext
from engine.elgamal import KeyPair
from engine.group import TEST_GROUP
from engine.hash import UInt256
from engine.manifest import ContestDescription, SelectionDescription

G = TEST_GROUP
KEYS = KeyPair.from_secret(G.element_q(0x0FED_CBA9_8765_4321))
H_E = UInt256(bytes(range(100, 132)))
CTX = EncryptionContext(H_E, KEYS.public)


def contest(
    cid: str, seq: int, district: str, options: list[tuple[str, int]], limit: int, r: int = 1
) -> ContestDescription:
    """An n-of-m contest ``cid`` with selection limit ``limit``, option limit ``r`` and the options
    (selection id, sequence order) in the order given."""
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
