"""receipt check's reading of the log (engine.client.board_client.find_replacement, ProofsOnce): the entries
after the receipt's leaf are proven the log's before the check says no later ballot replaced it, a board
that hides or changes one is caught, and each consistency proof is asked for once."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from engine.board.entries import BallotSuperseded, encode_entry
from engine.board.merkle import inclusion_proof, leaf_hash, root_of
from engine.client import board_client
from engine.client.board_client import BoardCheckFailed, Replacement, find_replacement
from engine.client.checkpoints import ProofsOnce

DID = "did:key:z6MkVoter"
LEAF = 3
RECEIPT_SIZE = 5
SUPERSEDED = encode_entry(BallotSuperseded(DID, "b1", "b2", 1_700_000_000_000))


def root(entries: list[bytes]) -> bytes:
    return root_of([leaf_hash(e) for e in entries])


def log(*, superseded_at: int | None = 6, size: int = 11) -> list[bytes]:
    entries = [b"entry %d" % i for i in range(size)]
    if superseded_at is not None:
        entries[superseded_at] = SUPERSEDED
    return entries


class Board:
    """Serves entries (possibly others than its tree's) and counts what it is asked."""

    def __init__(self, served: list[bytes]) -> None:
        self.served = served
        self.asked: list[tuple[Any, ...]] = []

    def entries(self, start: int, end: int) -> list[bytes]:
        self.asked.append(("entries", start, end))
        return self.served[start:end]

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        self.asked.append(("inclusion", index, size))
        return inclusion_proof([leaf_hash(e) for e in self.served], index, size)

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        self.asked.append(("consistency", old, new))
        return []

    def checkpoint(self) -> bytes:
        return b""


@pytest.fixture
def saved(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A receipt for the leaf LEAF of the log's first RECEIPT_SIZE entries (its leaf hash stands for the ballot's)."""
    hashes = [leaf_hash(e) for e in log()]
    monkeypatch.setattr(board_client, "receipt_leaf_hash", lambda *_args: hashes[LEAF])
    receipt = SimpleNamespace(
        leaf_index=LEAF,
        sth=SimpleNamespace(tree_size=RECEIPT_SIZE),
        inclusion_proof=tuple(inclusion_proof(hashes, LEAF, RECEIPT_SIZE)),
    )
    return SimpleNamespace(receipt=receipt, ballot=SimpleNamespace(ballot_id="b1"), did=DID, signature=b"", group=None,
                           contest_data_proofs=())  # fmt: skip


def test_a_replacement_is_found_in_the_proven_entries_without_more_requests(saved: Any) -> None:
    entries = log()
    board = Board(entries)
    assert find_replacement(board, saved, len(entries), root(entries)) == Replacement(6, "b2")
    assert board.asked == [("entries", LEAF + 1, len(entries))]


def test_no_replacement_in_an_honest_log(saved: Any) -> None:
    entries = log(superseded_at=None)
    assert find_replacement(Board(entries), saved, len(entries), root(entries)) is None
    assert find_replacement(Board(entries), saved, LEAF + 1, root(entries[: LEAF + 1])) is None


def test_a_board_hiding_or_changing_an_entry_is_caught(saved: Any) -> None:
    entries = log()
    tree_root = root(entries)
    hidden = [b"entry 6" if e == SUPERSEDED else e for e in entries]
    with pytest.raises(BoardCheckFailed, match="not those of its tree of 11 entries"):
        find_replacement(Board(hidden), saved, len(entries), tree_root)
    other_did = [encode_entry(BallotSuperseded("did:key:z6MkOther", "b1", "b2", 1)) if e == SUPERSEDED else e
                 for e in entries]  # fmt: skip
    with pytest.raises(BoardCheckFailed, match="not those"):
        find_replacement(Board(other_did), saved, len(entries), tree_root)


def test_a_receipt_whose_proof_is_not_of_its_leaf_is_refused(saved: Any) -> None:
    entries = log()
    saved.receipt.inclusion_proof = saved.receipt.inclusion_proof[:-1]
    with pytest.raises(BoardCheckFailed, match="receipt itself"):
        find_replacement(Board(entries), saved, len(entries), root(entries))


def test_each_consistency_proof_is_asked_once() -> None:
    board = Board([])
    proofs = ProofsOnce(board)
    assert proofs.consistency_proof(4, 4) == []
    for _ in range(3):
        proofs.consistency_proof(4, 9)
    proofs.consistency_proof(5, 9)
    assert board.asked == [("consistency", 4, 9), ("consistency", 5, 9)]
