"""encrypted_ballots/<device>/eballot-<ballot id>.json: an encrypted ballot, spec 2.0.0 section 3.3."""

from __future__ import annotations

from typing import Any

from engine.election import BallotState, EncryptedBallot, EncryptedContest, EncryptedSelection
from engine.group import Group
from engine.ids import identifier_problem
from engine.record.codecs.pre_encryption import decode_pre_encryption, encode_pre_encryption
from engine.record.codecs.values import (
    decode_ciphertext,
    decode_hashed_ciphertext,
    decode_range_proof,
    encode_ciphertext,
    encode_hashed_ciphertext,
    encode_range_proof,
    hex_bytes,
    plain_ciphertext,
    plain_range_proof,
)
from engine.record.cursor import LONG_MAX, LONG_MIN, SMALL_INT_MAX, JsonCursor, plain_object

BALLOT_KEYS = (
    "ballot_id",
    "ballot_style_id",
    "encrypting_device",
    "timestamp",
    "code_baux",
    "confirmation_code",
    "election_id",
    "contests",
    "state",
    "encrypted_sn",
    "is_preencrypt",
    "primary_nonce",
)
BALLOT_CONTEST_KEYS = (
    "contest_id",
    "sequence_order",
    "votes_allowed",
    "contest_hash",
    "selections",
    "proof",
    "encrypted_contest_data",
    "pre_encryption",
)
BALLOT_SELECTION_KEYS = ("selection_id", "sequence_order", "encrypted_vote", "proof")
_SELECTION = frozenset(BALLOT_SELECTION_KEYS)


def decode_encrypted_ballot(
    obj: Any, group: Group, file: str = "eballot.json", notes: list[str] | None = None
) -> EncryptedBallot:
    """An encrypted ballot, spec 3.3: selections with 0..1 range proofs (eq. 46), contests with
    selection-limit proofs (eq. 56) and contest data (eq. 50-55), the confirmation code (eq. 58)."""
    o = JsonCursor.root(obj, file, notes, BALLOT_KEYS)
    state_node = o.get("state")
    state = state_node.text()
    if state not in BallotState.__members__:
        state_node.fail(f"unknown ballot state {state!r} (expected CAST or SPOILED)")
    nonce = o.opt("primary_nonce")
    sn = o.opt("encrypted_sn")
    return EncryptedBallot(
        ballot_id=o.get("ballot_id").ident(),
        ballot_style_id=o.get("ballot_style_id").ident(),
        encrypting_device=o.get("encrypting_device").ident(),
        timestamp=o.get("timestamp").integer(LONG_MIN, LONG_MAX),
        code_baux=o.get("code_baux").hex_bytes(),
        confirmation_code=o.get("confirmation_code").uint256(),
        election_id=o.get("election_id").uint256(),
        contests=tuple(_ballot_contest(n, group) for n in o.get("contests").items()),
        state=BallotState(state),
        encrypted_sn=None if sn is None else decode_ciphertext(sn, group),
        is_preencrypt=o.get("is_preencrypt").boolean(),
        primary_nonce=None if nonce is None else nonce.uint256(),
    )


def _ballot_contest(n: JsonCursor, group: Group) -> EncryptedContest:
    n.obj(BALLOT_CONTEST_KEYS)
    pre = n.opt("pre_encryption")
    return EncryptedContest(
        contest_id=n.get("contest_id").ident(),
        sequence_order=n.get("sequence_order").integer(),
        votes_allowed=n.get("votes_allowed").integer(),
        contest_hash=n.get("contest_hash").uint256(),
        selections=tuple(_ballot_selection(s, group) for s in n.get("selections").items()),
        proof=decode_range_proof(n.get("proof"), group),
        contest_data=decode_hashed_ciphertext(n.get("encrypted_contest_data"), group),
        pre_encryption=None if pre is None else decode_pre_encryption(pre, group),
    )


def _ballot_selection(n: JsonCursor, group: Group) -> EncryptedSelection:
    plain = _plain_selection(n.value, group)
    if plain is not None:
        return plain
    n.obj(BALLOT_SELECTION_KEYS)
    return EncryptedSelection(
        selection_id=n.get("selection_id").ident(),
        sequence_order=n.get("sequence_order").integer(),
        ciphertext=decode_ciphertext(n.get("encrypted_vote"), group),
        proof=decode_range_proof(n.get("proof"), group),
    )


def _plain_selection(value: Any, group: Group) -> EncryptedSelection | None:
    """The lean path of _ballot_selection: the selection when every part of it is plainly well formed (its id
    one of engine.ids, its sequence order a 4-byte integer), else None (the cursor's path names what is wrong)."""
    if not plain_object(value, _SELECTION):
        return None
    selection_id, order = value["selection_id"], value["sequence_order"]
    if type(selection_id) is not str or identifier_problem(selection_id) is not None:
        return None
    if type(order) is not int or not 0 <= order <= SMALL_INT_MAX:
        return None
    ciphertext = plain_ciphertext(value["encrypted_vote"], group)
    proof = plain_range_proof(value["proof"], group)
    if ciphertext is None or proof is None:
        return None
    return EncryptedSelection(selection_id, order, ciphertext, proof)


def encode_encrypted_ballot(ballot: EncryptedBallot) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ballot_id": ballot.ballot_id,
        "ballot_style_id": ballot.ballot_style_id,
        "encrypting_device": ballot.encrypting_device,
        "timestamp": ballot.timestamp,
        "code_baux": hex_bytes(ballot.code_baux),
        "confirmation_code": ballot.confirmation_code.hex(),
        "election_id": ballot.election_id.hex(),
        "contests": [
            {
                "contest_id": c.contest_id,
                "sequence_order": c.sequence_order,
                "votes_allowed": c.votes_allowed,
                "contest_hash": c.contest_hash.hex(),
                "selections": [
                    {
                        "selection_id": s.selection_id,
                        "sequence_order": s.sequence_order,
                        "encrypted_vote": encode_ciphertext(s.ciphertext),
                        "proof": encode_range_proof(s.proof),
                    }
                    for s in c.selections
                ],
                "proof": encode_range_proof(c.proof),
                "encrypted_contest_data": encode_hashed_ciphertext(c.contest_data),
                **({} if c.pre_encryption is None else {"pre_encryption": encode_pre_encryption(c.pre_encryption)}),
            }
            for c in ballot.contests
        ],
        "state": BallotState(ballot.state).value,
    }
    if ballot.encrypted_sn is not None:
        out["encrypted_sn"] = encode_ciphertext(ballot.encrypted_sn)
    out["is_preencrypt"] = ballot.is_preencrypt
    if ballot.primary_nonce is not None:
        out["primary_nonce"] = ballot.primary_nonce.hex()
    return out
