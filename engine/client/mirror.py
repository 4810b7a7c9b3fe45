"""`board mirror`: a verified copy of a board's log, entry by entry (issue 12, item 4).

``mirror_board`` brings a mirror database (engine.server.mirror_service serves it) up to the board's
latest cosigned checkpoint:

1. the election is fetched and checked as a voter's client does (engine.client.board_client.
   fetch_election: the verifier's checks of the definition, the fixed keys and the caller's pins, the
   roster, the log's first entry); a mirror of another election's board is refused;
2. the target is the board's checkpoint with k cosignatures of the election's witnesses (without
   witnesses, its signed tree head); its signed tree head is fetched after it, and both again (up to
   three times) until they are of the same size, so that the copy's /sth keeps up with its /checkpoint;
3. the new entries are fetched page by page and hashed onto the copy's tree (RFC 9162 2.1.1, from the
   copy's frontier): the root must be the checkpoint's, else nothing is written;
4. they are fetched again and written page by page, each entry's leaf hash equal to the one checked in
   step 3 (so the copy is always a prefix of the checked log), the cosigned checkpoint with the last
   page; the board's signed tree head is kept if its root is the copy's at its size.

Memory stays at 32 bytes per new entry; the price of streaming is that the entries are fetched twice.
A board that changes its log between the two passes is caught in step 4: what was written is a prefix
of the checked log, and the next run goes on from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from engine.board.merkle import IncrementalRoot, leaf_hash, tree_root
from engine.board.note import VerifierKey
from engine.board.sth import verify_sth
from engine.board.storage import SQLiteLogStorage
from engine.client.board_client import BoardCheckFailed, BoardClient, _checkpoint_step, fetch_election
from engine.client.checkpoints import fetch_cosigned
from engine.server.board_witnessing import COSIGNED_KEY
from engine.server.service import keep_election

PAGE = 1000


@dataclass(frozen=True)
class MirrorProgress:
    """After a run: entries copied now, the copy's size, who cosigned the checkpoint it reached."""

    copied: int
    size: int
    witnesses: tuple[str, ...]


def _frontier(storage: SQLiteLogStorage, size: int) -> IncrementalRoot:
    """The copy's tree as an IncrementalRoot: its complete subtrees at the right edge."""
    levels = {h: storage.subtree_hash(h, (size >> h) - 1) for h in range(size.bit_length()) if size >> h & 1}
    return IncrementalRoot(size, levels)


def _pages(client: BoardClient, start: int, end: int) -> Iterator[list[bytes]]:
    for first in range(start, end, PAGE):
        yield client.entries(first, min(end, first + PAGE))


def mirror_board(
    client: BoardClient,
    storage: SQLiteLogStorage,
    *,
    allow_test_group: bool = False,
    board_public_key: bytes | None = None,
    registrar_public_key: bytes | None = None,
    witness_keys: tuple[VerifierKey, ...] | None = None,
) -> MirrorProgress:
    """Copy the board's new entries up to its latest cosigned checkpoint (module docstring)."""
    online = fetch_election(
        client,
        board_public_key=board_public_key,
        registrar_public_key=registrar_public_key,
        allow_test_group=allow_test_group,
        witness_keys=witness_keys,
    )
    keep_election(storage, online.election, online.roster)
    keys = online.election.keys
    note: bytes | None = None
    witnesses: tuple[str, ...] = ()
    for _attempt in range(3):
        cosigned = _checkpoint_step(lambda: fetch_cosigned(client, keys)) if keys.witnesses else None
        sth, served_key = client.sth()
        if served_key != keys.board_public_key or not verify_sth(sth, keys.board_public_key):
            raise BoardCheckFailed("the board's latest tree head is not signed by the election's board key")
        if cosigned is None or sth.tree_size == cosigned.checkpoint.size:
            break
    if cosigned is not None:
        target, root = cosigned.checkpoint.size, cosigned.checkpoint.root
        note, witnesses = cosigned.note.to_bytes(), cosigned.witness_names
    else:
        target, root = sth.tree_size, sth.root
    have = storage.size()
    if target < have:
        raise BoardCheckFailed(f"the board's checkpoint is of {target} entries; the copy holds {have} already")
    tree = _frontier(storage, have)
    leaves: list[bytes] = []
    for page in _pages(client, have, target):
        for data in page:
            leaves.append(leaf_hash(data))
            tree.append(leaves[-1])
    if tree.root() != root:
        raise BoardCheckFailed(
            f"the board's entries {have}..{target - 1} with the copy's do not give the checkpoint's root: "
            "the board's log is not the one its checkpoint signs (nothing copied)"
        )
    position = have
    for page in _pages(client, have, target):
        items = [(data, leaf_hash(data)) for data in page]
        for offset, (_, leaf) in enumerate(items):
            if leaf != leaves[position - have + offset]:
                raise BoardCheckFailed(f"the board's entry {position + offset} changed while it was copied")
        position += len(items)
        last = position == target
        storage.append_many(items, kv={COSIGNED_KEY: note.decode("utf-8")} if last and note is not None else None)
    if target == have and note is not None:
        storage.append_many([], kv={COSIGNED_KEY: note.decode("utf-8")})
    size = storage.size()
    if (
        sth.tree_size <= size
        and verify_sth(sth, keys.board_public_key)
        and tree_root(storage, sth.tree_size) == sth.root
    ):
        storage.store_tree_head(sth)
    return MirrorProgress(target - have, storage.size(), witnesses)
