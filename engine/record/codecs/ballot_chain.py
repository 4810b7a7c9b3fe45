"""encrypted_ballots/<device>/ballot_chain.json: one device's chain of confirmation codes, spec 2.0.0 section 3.4.3."""

from __future__ import annotations

from typing import Any

from engine.election import BallotChain
from engine.record.codecs.values import hex_bytes
from engine.record.cursor import JsonCursor
from engine.record.layout import BALLOT_CHAIN

CHAIN_KEYS = (
    "encrypting_device",
    "baux0",
    "ballot_ids",
    "last_confirmation_code",
    "chaining",
    "closing_hash",
)


def decode_ballot_chain(obj: Any, file: str = BALLOT_CHAIN, notes: list[str] | None = None) -> BallotChain:
    """One device's chain, spec 3.4.3 in egk's form (docs/PROTOCOL.md deviation 2: baux0 holds H_0)."""
    o = JsonCursor.root(obj, file, notes, CHAIN_KEYS)
    closing = o.opt("closing_hash")
    return BallotChain(
        encrypting_device=o.get("encrypting_device").ident(),
        baux0=o.get("baux0").hex_bytes(),
        ballot_ids=o.get("ballot_ids").idents(),
        last_confirmation_code=o.get("last_confirmation_code").uint256(),
        chaining=o.get("chaining").boolean(),
        closing_hash=None if closing is None else closing.uint256(),
    )


def encode_ballot_chain(chain: BallotChain) -> dict[str, Any]:
    out: dict[str, Any] = {
        "encrypting_device": chain.encrypting_device,
        "baux0": hex_bytes(chain.baux0),
        "ballot_ids": list(chain.ballot_ids),
        "last_confirmation_code": chain.last_confirmation_code.hex(),
        "chaining": chain.chaining,
    }
    if chain.closing_hash is not None:
        out["closing_hash"] = chain.closing_hash.hex()
    return out
