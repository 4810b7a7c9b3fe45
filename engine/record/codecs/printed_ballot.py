"""A pre-encrypted ballot as the printer receives it (Ballotchain's own file, outside egk's record layout).

It holds what goes on paper (ballot id, confirmation code, each option's short code) and the primary
nonce that regenerates the whole ballot (spec 4.2.1), so it is a secret file: written 0600, kept out
of the public record, and read back only by the recording tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.hash import UInt256
from engine.preencrypt import PreEncryptedBallot
from engine.record.codecs.values import hex_bytes
from engine.record.cursor import JsonCursor
from engine.record.jsonio import dumps, loads
from engine.record.reader import read_bytes
from engine.record.writer import atomic_write

KIND = "ballotchain-preencrypted-ballot"
KEYS = (
    "kind",
    "election",
    "ballot_id",
    "ballot_style_id",
    "primary_nonce",
    "code_baux",
    "confirmation_code",
    "contests",
)
CONTEST_KEYS = ("contest_id", "votes_allowed", "selections")
SELECTION_KEYS = ("selection_id", "short_code")


@dataclass(frozen=True)
class PrintedBallot:
    """What the recording tool needs back: the ids, the primary nonce, B_aux, and the printed code to compare."""

    election: UInt256  # H_E
    ballot_id: str
    ballot_style_id: str
    primary_nonce: UInt256
    code_baux: bytes
    confirmation_code: UInt256
    short_codes: tuple[tuple[str, str, str], ...] = ()  # (contest id, option id or "nullJ", short code), as printed

    def codes_by_contest(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for contest_id, label, code in self.short_codes:
            out.setdefault(contest_id, {})[label] = code
        return out


def encode_printed_ballot(h_e: UInt256, ballot: PreEncryptedBallot) -> dict[str, Any]:
    return {
        "kind": KIND,
        "election": h_e.hex(),
        "ballot_id": ballot.ballot_id,
        "ballot_style_id": ballot.ballot_style_id,
        "primary_nonce": ballot.primary_nonce.hex(),
        "code_baux": hex_bytes(ballot.code_baux),
        "confirmation_code": ballot.confirmation_code.hex(),
        "contests": [
            {
                "contest_id": c.contest_id,
                "votes_allowed": c.votes_allowed,
                "selections": [{"selection_id": s.selection_id, "short_code": s.short_code} for s in c.selections],
            }
            for c in ballot.contests
        ],
    }


def write_printed_ballot(path: Path, h_e: UInt256, ballot: PreEncryptedBallot) -> None:
    atomic_write(path, dumps(encode_printed_ballot(h_e, ballot)), label=str(path), overwrite=False, secret=True)


def read_printed_ballot(path: Path) -> PrintedBallot:
    label = str(path)
    o = JsonCursor.root(loads(read_bytes(path, label), label), label, None, KEYS)
    kind = o.get("kind").text()
    if kind != KIND:
        o.get("kind").fail(f"not a pre-encrypted ballot file ({kind!r})")
    short_codes = []
    for contest in o.get("contests").items():
        contest.obj(CONTEST_KEYS)
        contest_id = contest.get("contest_id").ident()
        for selection in contest.get("selections").items():
            selection.obj(SELECTION_KEYS)
            short_codes.append((contest_id, selection.get("selection_id").ident(), selection.get("short_code").text()))
    return PrintedBallot(
        election=o.get("election").uint256(),
        ballot_id=o.get("ballot_id").ident(),
        ballot_style_id=o.get("ballot_style_id").ident(),
        primary_nonce=o.get("primary_nonce").uint256(),
        code_baux=o.get("code_baux").hex_bytes(),
        confirmation_code=o.get("confirmation_code").uint256(),
        short_codes=tuple(short_codes),
    )
