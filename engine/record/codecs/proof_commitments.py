"""proof_commitments/<device>/commitments-<ballot id>.json: a ballot's range-proof commitments.

Outside egk's layout (an ElectionGuard reader never looks there): for every selection proof and
contest-limit proof of the ballot, the commitments (a_j, b_j) of spec 2.0.0 eq. 46 / 56, as
fixed-width hex like every element mod p (section 5.1). A record without these files is exactly
ElectionGuard 2.0.0; with them a verifier may batch-verify (docs/BATCH_VERIFICATION.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.group import ElementModP, Group
from engine.proofs.proof_commitments import BallotCommitments, Commitments, ContestCommitments
from engine.record.codecs.values import hex_p
from engine.record.cursor import JsonCursor, plain_element_p, plain_object
from engine.record.errors import RecordError
from engine.record.files import record_path
from engine.record.jsonio import dumps, loads
from engine.record.layout import COMMITMENTS_PREFIX, PROOF_COMMITMENTS, file_id, id_from_name, proof_commitments_label
from engine.record.reader import read_bytes
from engine.record.writer import atomic_write

BALLOT_KEYS = ("ballot_id", "contests")
CONTEST_KEYS = ("contest_id", "selections", "limit_commitments")
SELECTION_KEYS = ("selection_id", "commitments")
PAIR_KEYS = ("a", "b")
_PAIR = frozenset(PAIR_KEYS)
_SELECTION = frozenset(SELECTION_KEYS)


def encode_ballot_commitments(commitments: BallotCommitments) -> dict[str, Any]:
    return {
        "ballot_id": commitments.ballot_id,
        "contests": [
            {
                "contest_id": contest.contest_id,
                "selections": [
                    {"selection_id": sid, "commitments": _encode_pairs(values)} for sid, values in contest.selections
                ],
                "limit_commitments": _encode_pairs(contest.limit),
            }
            for contest in commitments.contests
        ],
    }


def decode_ballot_commitments(
    obj: Any, group: Group, file: str = "commitments.json", notes: list[str] | None = None
) -> BallotCommitments:
    o = JsonCursor.root(obj, file, notes, BALLOT_KEYS)
    contests = []
    for c in o.get("contests").items():
        co = c.obj(CONTEST_KEYS)
        selections = []
        for s in co.get("selections").items():
            plain = _plain_selection(s.value, group)
            if plain is not None:
                selections.append(plain)
                continue
            so = s.obj(SELECTION_KEYS)
            selections.append((so.get("selection_id").text(), _decode_pairs(so.get("commitments"), group)))
        contests.append(
            ContestCommitments(
                co.get("contest_id").text(), tuple(selections), _decode_pairs(co.get("limit_commitments"), group)
            )
        )
    return BallotCommitments(o.get("ballot_id").text(), tuple(contests))


def _encode_pairs(values: Commitments) -> list[dict[str, str]]:
    if len(values) % 2:
        raise ValueError("range-proof commitments come in pairs (a_j, b_j)")
    return [{"a": hex_p(values[i]), "b": hex_p(values[i + 1])} for i in range(0, len(values), 2)]


def _decode_pairs(n: JsonCursor, group: Group) -> tuple[ElementModP, ...]:
    plain = _plain_pairs(n.value, group)
    if plain is not None:
        return plain
    out: list[ElementModP] = []
    for pair in n.items(nonempty=True):
        po = pair.obj(PAIR_KEYS)
        out.append(po.get("a").element_p(group))
        out.append(po.get("b").element_p(group))
    return tuple(out)


def _plain_selection(value: Any, group: Group) -> tuple[str, tuple[ElementModP, ...]] | None:
    """A selection's (id, commitments) when plainly well formed, else None (the cursor's path then reads it)."""
    if not plain_object(value, _SELECTION) or type(value["selection_id"]) is not str:
        return None
    pairs = _plain_pairs(value["commitments"], group)
    return None if pairs is None else (value["selection_id"], pairs)


def _plain_pairs(value: Any, group: Group) -> tuple[ElementModP, ...] | None:
    """The lean path of _decode_pairs: the commitments when every pair is plainly well formed, else None (the
    cursor's path then names what is wrong)."""
    if type(value) is not list or not value:
        return None
    out: list[ElementModP] = []
    for pair in value:
        if not plain_object(pair, _PAIR):
            return None
        a, b = plain_element_p(pair["a"], group), plain_element_p(pair["b"], group)
        if a is None or b is None:
            return None
        out.append(a)
        out.append(b)
    return tuple(out)


def write_ballot_commitments(
    root: str | Path, device: str, commitments: BallotCommitments, *, overwrite: bool = False
) -> Path:
    """Write one ballot's commitments file atomically; returns its path."""
    label = proof_commitments_label(file_id(device, "encrypting device"), file_id(commitments.ballot_id, "ballot id"))
    path = Path(root) / label
    atomic_write(path, dumps(encode_ballot_commitments(commitments)), label=label, overwrite=overwrite)
    return path


def read_ballot_commitments(root: str | Path, device: str, ballot_id: str, group: Group) -> BallotCommitments | None:
    """One ballot's commitments, or None when the record has no file for it.

    Raises RecordError when the file is unreadable or malformed, or names another ballot.
    """
    label = proof_commitments_label(file_id(device, "encrypting device"), file_id(ballot_id, "ballot id"))
    path = record_path(root) / label
    if not path.is_file():
        return None
    commitments = decode_ballot_commitments(loads(read_bytes(path, label), label), group, label)
    if commitments.ballot_id != ballot_id:
        raise RecordError(label, "ballot_id", f"names ballot {commitments.ballot_id!r}, not {ballot_id!r}")
    return commitments


def has_proof_commitments(root: str | Path) -> bool:
    return (record_path(root) / PROOF_COMMITMENTS).is_dir()


def proof_commitments_files(root: str | Path) -> list[tuple[str, str]]:
    """(device, ballot id) of every commitments-<id>.json file under proof_commitments/, sorted."""
    base = Path(root) / PROOF_COMMITMENTS
    out: list[tuple[str, str]] = []
    if not base.is_dir():
        return out
    for device in sorted(p for p in base.iterdir() if p.is_dir()):
        for f in sorted(device.iterdir()):
            ballot_id = id_from_name(f.name, COMMITMENTS_PREFIX)
            if ballot_id is not None and f.is_file():
                out.append((device.name, ballot_id))
    return out
