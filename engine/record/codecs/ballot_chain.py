"""encrypted_ballots/<device>/ballot_chain.json: one device's chain of confirmation codes, spec 2.0.0 section 3.4.3."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.election import BallotChain
from engine.record.codecs.values import hex_bytes
from engine.record.cursor import JsonCursor
from engine.record.errors import RecordError
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
    return _decode(obj, file, notes, lambda ids: ids.idents())


def decode_ballot_chain_without_ids(
    obj: Any, file: str, notes: list[str] | None, ids_problem: RecordError | None
) -> BallotChain:
    """ballot_chain.json as engine.record.jsonstream leaves it, ballot_ids empty (spec 3.4.3): each id was checked
    as it streamed past; the first bad one, ``ids_problem``, is raised where decode_ballot_chain would have
    raised it. The chain's ballot_ids are then ()."""

    def checked(ids: JsonCursor) -> tuple[str, ...]:
        ids.items()
        if ids_problem is not None:
            raise ids_problem
        return ()

    return _decode(obj, file, notes, checked)


def _decode(
    obj: Any, file: str, notes: list[str] | None, ballot_ids: Callable[[JsonCursor], tuple[str, ...]]
) -> BallotChain:
    o = JsonCursor.root(obj, file, notes, CHAIN_KEYS)
    closing = o.opt("closing_hash")
    return BallotChain(
        encrypting_device=o.get("encrypting_device").ident(),
        baux0=o.get("baux0").hex_bytes(),
        ballot_ids=ballot_ids(o.get("ballot_ids")),
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
