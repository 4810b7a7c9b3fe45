"""tally.json and challenged_ballots/dballot-<ballot id>.json: a decrypted tally or ballot, spec 2.0.0 section 3.6."""

from __future__ import annotations

from typing import Any

from engine.election import (
    ContestData,
    DecryptedContest,
    DecryptedContestData,
    DecryptedSelection,
    DecryptedTallyOrBallot,
)
from engine.group import Group
from engine.record.codecs.values import (
    decode_ciphertext,
    decode_decryption_proof,
    decode_hashed_ciphertext,
    encode_ciphertext,
    encode_decryption_proof,
    encode_hashed_ciphertext,
    hex_p,
    set_metadata,
)
from engine.record.cursor import JsonCursor
from engine.record.layout import TALLY

CONTEST_DATA_STATUSES = ("normal", "null_vote", "over_vote", "under_vote")

DECRYPTED_KEYS = ("id", "contests", "election_id", "metadata")
DECRYPTED_CONTEST_KEYS = ("contest_id", "selections", "decrypted_contest_data")
DECRYPTED_SELECTION_KEYS = ("selection_id", "tally", "b_over_m", "encrypted_vote", "proof")
DECRYPTED_CONTEST_DATA_KEYS = ("contest_data", "encrypted_contest_data", "proof", "beta")
CONTEST_DATA_KEYS = ("over_votes", "write_ins", "status")


def decode_decrypted(
    obj: Any, group: Group, file: str = TALLY, notes: list[str] | None = None
) -> DecryptedTallyOrBallot:
    """A decrypted tally or challenged ballot: t, T = K^t (b_over_m) and the proof of eq. 71-76;
    for ballots also the decrypted contest data with its proof (spec 3.6.4, docs/PROTOCOL.md deviation 3)."""
    o = JsonCursor.root(obj, file, notes, DECRYPTED_KEYS)
    metadata = o.opt("metadata")
    return DecryptedTallyOrBallot(
        id=o.get("id").text(),
        contests=tuple(_decrypted_contest(c, group) for c in o.get("contests").items()),
        election_id=o.get("election_id").uint256(),
        metadata=() if metadata is None else metadata.string_map(),
    )


def _decrypted_contest(n: JsonCursor, group: Group) -> DecryptedContest:
    n.obj(DECRYPTED_CONTEST_KEYS)
    selections = []
    for s in n.get("selections").items():
        s.obj(DECRYPTED_SELECTION_KEYS)
        selections.append(
            DecryptedSelection(
                selection_id=s.get("selection_id").ident(),
                tally=s.get("tally").integer(),
                b_over_m=s.get("b_over_m").element_p(group),
                ciphertext=decode_ciphertext(s.get("encrypted_vote"), group),
                proof=decode_decryption_proof(s.get("proof"), group),
            )
        )
    data = n.opt("decrypted_contest_data")
    return DecryptedContest(
        contest_id=n.get("contest_id").ident(),
        selections=tuple(selections),
        decrypted_contest_data=None if data is None else _decrypted_contest_data(data, group),
    )


def _decrypted_contest_data(n: JsonCursor, group: Group) -> DecryptedContestData:
    n.obj(DECRYPTED_CONTEST_DATA_KEYS)
    cd = n.get("contest_data").obj(CONTEST_DATA_KEYS)
    status_node = cd.get("status")
    status = status_node.text()
    if status not in CONTEST_DATA_STATUSES:
        status_node.fail(f"unknown contest data status {status!r} (expected one of {', '.join(CONTEST_DATA_STATUSES)})")
    return DecryptedContestData(
        contest_data=ContestData(
            over_votes=tuple(v.integer() for v in cd.get("over_votes").items()),
            write_ins=cd.get("write_ins").strings(),
            status=status,
        ),
        encrypted_contest_data=decode_hashed_ciphertext(n.get("encrypted_contest_data"), group),
        proof=decode_decryption_proof(n.get("proof"), group),
        beta=n.get("beta").element_p(group),
    )


def encode_decrypted(decrypted: DecryptedTallyOrBallot) -> dict[str, Any]:
    contests = []
    for c in decrypted.contests:
        contest: dict[str, Any] = {
            "contest_id": c.contest_id,
            "selections": [
                {
                    "selection_id": s.selection_id,
                    "tally": s.tally,
                    "b_over_m": hex_p(s.b_over_m),
                    "encrypted_vote": encode_ciphertext(s.ciphertext),
                    "proof": encode_decryption_proof(s.proof),
                }
                for s in c.selections
            ],
        }
        d = c.decrypted_contest_data
        if d is not None:
            contest["decrypted_contest_data"] = {
                "contest_data": {
                    "over_votes": list(d.contest_data.over_votes),
                    "write_ins": list(d.contest_data.write_ins),
                    "status": d.contest_data.status,
                },
                "encrypted_contest_data": encode_hashed_ciphertext(d.encrypted_contest_data),
                "proof": encode_decryption_proof(d.proof),
                "beta": hex_p(d.beta),
            }
        contests.append(contest)
    out: dict[str, Any] = {
        "id": decrypted.id,
        "contests": contests,
        "election_id": decrypted.election_id.hex(),
    }
    set_metadata(out, decrypted.metadata)
    return out
