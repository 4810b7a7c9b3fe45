"""private_data/input/pballot-<ballot id>.json: a voter's plaintext ballot, egk's PlaintextBallot (never public)."""

from __future__ import annotations

from typing import Any

from engine.election import PlaintextBallot, PlaintextContest, PlaintextSelection
from engine.record.cursor import LONG_MAX, JsonCursor

PLAINTEXT_BALLOT_KEYS = ("ballot_id", "ballot_style", "contests", "sn")
PLAINTEXT_CONTEST_KEYS = ("contest_id", "sequence_order", "selections", "write_ins")
PLAINTEXT_SELECTION_KEYS = ("selection_id", "sequence_order", "vote")


def decode_plaintext_ballot(obj: Any, file: str = "pballot.json", notes: list[str] | None = None) -> PlaintextBallot:
    o = JsonCursor.root(obj, file, notes, PLAINTEXT_BALLOT_KEYS)
    contests = []
    for c in o.get("contests").items():
        c.obj(PLAINTEXT_CONTEST_KEYS)
        selections = []
        for s in c.get("selections").items():
            s.obj(PLAINTEXT_SELECTION_KEYS)
            selections.append(
                PlaintextSelection(
                    s.get("selection_id").ident(), s.get("sequence_order").integer(), s.get("vote").integer()
                )
            )
        write_ins = c.opt("write_ins")
        contests.append(
            PlaintextContest(
                contest_id=c.get("contest_id").ident(),
                sequence_order=c.get("sequence_order").integer(),
                selections=tuple(selections),
                write_ins=() if write_ins is None else write_ins.strings(),
            )
        )
    sn = o.opt("sn")
    return PlaintextBallot(
        ballot_id=o.get("ballot_id").ident(),
        ballot_style=o.get("ballot_style").ident(),
        contests=tuple(contests),
        sn=None if sn is None else sn.integer(0, LONG_MAX),
    )


def encode_plaintext_ballot(ballot: PlaintextBallot) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ballot_id": ballot.ballot_id,
        "ballot_style": ballot.ballot_style,
        "contests": [
            {
                "contest_id": c.contest_id,
                "sequence_order": c.sequence_order,
                "selections": [
                    {"selection_id": s.selection_id, "sequence_order": s.sequence_order, "vote": s.vote}
                    for s in c.selections
                ],
                "write_ins": list(c.write_ins),
            }
            for c in ballot.contests
        ],
    }
    if ballot.sn is not None:
        out["sn"] = ballot.sn
    return out
