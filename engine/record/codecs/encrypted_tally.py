"""encrypted_tally.json: the encrypted tally, spec 2.0.0 section 3.5."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.election import EncryptedTally, EncryptedTallyContest, EncryptedTallySelection
from engine.group import Group
from engine.record.codecs.values import decode_ciphertext, encode_ciphertext
from engine.record.cursor import JsonCursor
from engine.record.errors import RecordError
from engine.record.layout import ENCRYPTED_TALLY

TALLY_KEYS = ("tally_id", "contests", "cast_ballot_ids", "election_id")
TALLY_CONTEST_KEYS = ("contest_id", "sequence_order", "selections")
TALLY_SELECTION_KEYS = ("selection_id", "sequence_order", "encrypted_vote")


def decode_encrypted_tally(
    obj: Any, group: Group, file: str = ENCRYPTED_TALLY, notes: list[str] | None = None
) -> EncryptedTally:
    """The products of the cast ballots' ciphertexts per selection, spec 3.5 (eq. 60)."""
    return _decode(obj, group, file, notes, lambda ids: ids.idents())


def decode_encrypted_tally_without_ids(
    obj: Any, group: Group, file: str, notes: list[str] | None, ids_problem: RecordError | None
) -> EncryptedTally:
    """encrypted_tally.json as engine.record.jsonstream leaves it, cast_ballot_ids empty (spec 3.5): each id was
    checked as it streamed past; the first bad one, ``ids_problem``, is raised where decode_encrypted_tally
    would have raised it. The tally's cast_ballot_ids are then ()."""

    def checked(ids: JsonCursor) -> tuple[str, ...]:
        ids.items()
        if ids_problem is not None:
            raise ids_problem
        return ()

    return _decode(obj, group, file, notes, checked)


def _decode(
    obj: Any, group: Group, file: str, notes: list[str] | None, cast_ids: Callable[[JsonCursor], tuple[str, ...]]
) -> EncryptedTally:
    o = JsonCursor.root(obj, file, notes, TALLY_KEYS)
    contests = []
    for c in o.get("contests").items():
        c.obj(TALLY_CONTEST_KEYS)
        selections = []
        for s in c.get("selections").items():
            s.obj(TALLY_SELECTION_KEYS)
            selections.append(
                EncryptedTallySelection(
                    s.get("selection_id").ident(),
                    s.get("sequence_order").integer(),
                    decode_ciphertext(s.get("encrypted_vote"), group),
                )
            )
        contests.append(
            EncryptedTallyContest(c.get("contest_id").ident(), c.get("sequence_order").integer(), tuple(selections))
        )
    return EncryptedTally(
        tally_id=o.get("tally_id").text(),
        contests=tuple(contests),
        cast_ballot_ids=cast_ids(o.get("cast_ballot_ids")),
        election_id=o.get("election_id").uint256(),
    )


def encode_encrypted_tally(tally: EncryptedTally) -> dict[str, Any]:
    return {
        "tally_id": tally.tally_id,
        "contests": [
            {
                "contest_id": c.contest_id,
                "sequence_order": c.sequence_order,
                "selections": [
                    {
                        "selection_id": s.selection_id,
                        "sequence_order": s.sequence_order,
                        "encrypted_vote": encode_ciphertext(s.ciphertext),
                    }
                    for s in c.selections
                ],
            }
            for c in tally.contests
        ],
        "cast_ballot_ids": list(tally.cast_ballot_ids),
        "election_id": tally.election_id.hex(),
    }
