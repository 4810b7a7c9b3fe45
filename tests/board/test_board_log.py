"""The transparency log on SQLite: entries, signed tree heads, O(log n) proofs, durability."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from engine.board.entries import (
    BallotSuperseded,
    ElectionPublished,
    EntryError,
    VotingClosed,
    counted_ids_root,
    decode_entry,
    encode_entry,
)
from engine.board.log import LogError, TransparencyLog
from engine.board.merkle import (
    MemoryTree,
    MerkleError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from engine.board.sth import BoardKey, SignedTreeHead, TreeHeadError, sth_message, verify_sth
from engine.board.storage import SQLiteLogStorage, StorageError
from engine.group import TEST_GROUP
from engine.hash import UInt256

ROOT = Path(__file__).resolve().parents[2]


def data(i: int) -> bytes:
    return f"entry {i}".encode()


@pytest.fixture()
def key() -> BoardKey:
    return BoardKey.generate()


@pytest.fixture()
def storage(tmp_path: Path):  # type: ignore[no-untyped-def]
    with SQLiteLogStorage(tmp_path / "log.db") as s:
        yield s


# ---------------------------------------------------------------- storage


def test_storage_keeps_every_complete_subtree(storage: SQLiteLogStorage) -> None:
    leaves = []
    for i in range(70):
        leaves.append(leaf_hash(data(i)))
        assert storage.append(data(i), leaves[-1]) == i
    memory = MemoryTree(leaves)
    assert storage.size() == 70 and storage.entry(69) == data(69)
    assert storage.entries(3, 7) == [data(i) for i in range(3, 7)]
    for level in range(7):
        for index in range(70 >> level):
            assert storage.subtree_hash(level, index) == memory.subtree_hash(level, index)
    with pytest.raises(MerkleError):
        storage.subtree_hash(1, 35)  # leaves 70, 71 are not there yet
    for n in range(71):
        assert tree_root(storage, n) == root_of(leaves[:n])
        for m in range(n):
            assert inclusion_proof(storage, m, n) == inclusion_proof(memory, m, n)
        for m in range(n + 1):
            assert consistency_proof(storage, m, n) == consistency_proof(memory, m, n)


def test_storage_batches_index_and_checks(storage: SQLiteLogStorage) -> None:
    items = [(data(i), leaf_hash(data(i))) for i in range(5)]
    assert storage.append_many(items, kv={"a/1": "x", "a/2": "y", "b": "z"}) == 0
    assert storage.get("a/1") == "x" and storage.get("missing") is None
    assert storage.items("a/") == [("a/1", "x"), ("a/2", "y")]
    with pytest.raises(StorageError, match="leaf hash"):
        storage.append(data(5), leaf_hash(data(6)))
    with pytest.raises(StorageError):
        storage.append("text", leaf_hash(b"text"))  # type: ignore[arg-type]
    with pytest.raises(StorageError):
        storage.entries(3, 9)
    with pytest.raises(StorageError):
        storage.entry(5)

    def failing_signer(size: int, root: bytes) -> SignedTreeHead:
        raise RuntimeError("signer down")

    with pytest.raises(RuntimeError):
        storage.append(data(5), leaf_hash(data(5)), kv={"c": "1"}, sign_head=failing_signer)
    assert storage.size() == 5 and storage.get("c") is None  # nothing of the failed append remains
    assert storage.append(data(5), leaf_hash(data(5))) == 5
    assert tree_root(storage, 6) == root_of([leaf_hash(data(i)) for i in range(6)])


def test_storage_is_durable_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    with SQLiteLogStorage(path) as s:
        for i in range(13):
            s.append(data(i), leaf_hash(data(i)))
        mode = s._writer.execute("PRAGMA journal_mode").fetchone()[0]
        sync = s._writer.execute("PRAGMA synchronous").fetchone()[0]
        assert mode == "wal" and sync == 2  # FULL
    with SQLiteLogStorage(path) as s:
        assert s.size() == 13
        for i in range(13, 40):  # the frontier is reloaded from the stored subtrees
            s.append(data(i), leaf_hash(data(i)))
        assert tree_root(s, 40) == root_of([leaf_hash(data(i)) for i in range(40)])


# ---------------------------------------------------------------- signed tree heads


def test_signed_tree_heads(key: BoardKey, tmp_path: Path) -> None:
    root = bytes(range(32))
    sth = key.sign_tree_head(7, root, 1_700_000_000_000)
    assert verify_sth(sth, key.public_key)
    assert sth_message(7, root, 1_700_000_000_000) == (
        b"ballotchain-sth-v1" + (7).to_bytes(8, "big") + root + (1_700_000_000_000).to_bytes(8, "big")
    )
    assert SignedTreeHead.from_json(json.loads(json.dumps(sth.to_json()))) == sth
    for forged in (
        SignedTreeHead(8, sth.root, sth.timestamp, sth.signature),
        SignedTreeHead(7, bytes(32), sth.timestamp, sth.signature),
        SignedTreeHead(7, sth.root, sth.timestamp + 1, sth.signature),
        SignedTreeHead(7, sth.root, sth.timestamp, bytes([sth.signature[0] ^ 1]) + sth.signature[1:]),
    ):
        assert not verify_sth(forged, key.public_key)
    assert not verify_sth(sth, BoardKey.generate().public_key)
    assert not verify_sth(sth, b"short")
    with pytest.raises(TreeHeadError):
        SignedTreeHead.from_json({"tree_size": 1})
    with pytest.raises(TreeHeadError):
        SignedTreeHead(-1, root, 0, bytes(64))
    path = tmp_path / "board.key"
    key.save(path)
    assert BoardKey.load(path).public_key == key.public_key


# ---------------------------------------------------------------- the log


def test_log_appends_sign_heads_and_prove(storage: SQLiteLogStorage, key: BoardKey) -> None:
    log = TransparencyLog(storage, key)
    heads = []
    for i in range(20):
        assert log.append(data(i)) == i
        heads.append(log.signed_tree_head())
        assert heads[-1].tree_size == i + 1 and verify_sth(heads[-1], key.public_key)
    first, head = log.append_many([data(20), data(21), data(22)])
    assert first == 20 and head.tree_size == 23 and log.size == 23
    leaves = [leaf_hash(data(i)) for i in range(23)]
    assert log.root() == root_of(leaves) == head.root
    assert log.entries(0, 23) == [data(i) for i in range(23)]
    for h in heads:
        assert log.tree_head(h.tree_size) == h
        assert verify_consistency(h.tree_size, 23, h.root, log.root(), log.consistency_proof(h.tree_size))
        for i in (0, h.tree_size - 1):
            assert verify_inclusion(leaves[i], i, h.tree_size, log.inclusion_proof(i, h.tree_size), h.root)
    assert log.audit(heads) == []
    with pytest.raises(LogError):
        log.root(24)


def test_log_keys(storage: SQLiteLogStorage, key: BoardKey) -> None:
    TransparencyLog(storage, key).append(data(0))
    with pytest.raises(LogError, match="another board key"):
        TransparencyLog(storage, BoardKey.generate())
    reader = TransparencyLog(storage)
    assert reader.public_key == key.public_key and reader.size == 1
    with pytest.raises(LogError, match="read-only"):
        reader.append(data(1))


def test_audit_finds_a_rewritten_entry(tmp_path: Path, key: BoardKey) -> None:
    path = tmp_path / "log.db"
    with SQLiteLogStorage(path) as s:
        log = TransparencyLog(s, key)
        for i in range(10):
            log.append(data(i))
        assert log.audit() == []
    db = sqlite3.connect(path)
    db.execute("UPDATE entries SET data = ? WHERE idx = 4", (b"rewritten",))
    db.commit()
    db.close()
    with SQLiteLogStorage(path) as s:
        problems = TransparencyLog(s).audit()
    assert any("entry 4" in p for p in problems)


# ---------------------------------------------------------------- entries


def test_entries_round_trip_and_are_canonical() -> None:
    joint_key = TEST_GROUP.g_pow(12345)
    published = ElectionPublished(UInt256(bytes(32)), joint_key, UInt256(bytes([1]) * 32), bytes([2]) * 32, 5)
    superseded = BallotSuperseded("did:key:z6Mkabc", "b-1", "b-2", 6)
    closed = VotingClosed(7, 2, counted_ids_root(["b-2", "b-9"]))
    for entry in (published, superseded, closed):
        raw = encode_entry(entry)
        assert decode_entry(raw, TEST_GROUP) == entry
        assert b" " not in raw and raw.startswith(b"{")
    assert decode_entry(encode_entry(published)).group is TEST_GROUP
    assert closed.counted_root == root_of([leaf_hash(b"b-2"), leaf_hash(b"b-9")])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"did":"d","new_ballot_id":"b","old_ballot_id":"a","timestamp":1,"type":"ballot_superseded"} ', "canonical"),
        (b'{"type":"ballot_superseded","did":"d","new_ballot_id":"b","old_ballot_id":"a","timestamp":1}', "canonical"),
        (b'{"did":"d","new_ballot_id":"b","old_ballot_id":"a","timestamp":1.0,"type":"ballot_superseded"}', "integer"),
        (b'{"did":"d","did":"d","old_ballot_id":"a","timestamp":1,"type":"ballot_superseded"}', "duplicate"),
        (b'{"did":"d","new_ballot_id":"b","old_ballot_id":"a","type":"ballot_superseded"}', "missing"),
        (
            b'{"did":"d","new_ballot_id":"b","old_ballot_id":"a","timestamp":1,"type":"ballot_superseded","x":1}',
            "unknown",
        ),
        (b'{"did":"d","new_ballot_id":"a","old_ballot_id":"a","timestamp":1,"type":"ballot_superseded"}', "itself"),
        (b'{"did":"d","new_ballot_id":"b","old_ballot_id":"a","timestamp":-1,"type":"ballot_superseded"}', "timestamp"),
        (b'{"type":"vote"}', "unknown type"),
        (b"[1,2]", "not a JSON object"),
        (b'{"counted_count":1,"counted_root":"ab","timestamp":1,"type":"voting_closed"}', "32 bytes"),
        (b"\xff", "UTF-8"),
        (b"{", "not JSON"),
    ],
)
def test_malformed_entries_are_refused(raw: bytes, message: str) -> None:
    with pytest.raises(EntryError, match=message):
        decode_entry(raw)


def test_hex_case_is_canonical() -> None:
    closed = VotingClosed(7, 0, counted_ids_root([]))
    raw = encode_entry(closed)
    lower = raw.replace(closed.counted_root.hex().upper().encode(), closed.counted_root.hex().encode())
    assert lower != raw
    with pytest.raises(EntryError, match="canonical"):
        decode_entry(lower)


# ---------------------------------------------------------------- crash safety

WRITER = textwrap.dedent(
    """
    import sys
    from engine.board.log import TransparencyLog
    from engine.board.sth import BoardKey
    from engine.board.storage import SQLiteLogStorage

    log = TransparencyLog(SQLiteLogStorage(sys.argv[1]), BoardKey.load(sys.argv[2]))
    run, batch = sys.argv[3], 0
    while True:
        if batch % 3 == 2:
            entries = [f"batch {run}.{batch} item {k} of 40".encode() for k in range(40)]
        else:
            entries = [f"batch {run}.{batch} item 0 of 1".encode()]
        first, head = log.append_many(entries)
        print(first, len(entries), head.tree_size, head.root.hex(), flush=True)
        batch += 1
    """
)


def _acknowledged(output: str) -> list[tuple[int, int, int, bytes]]:
    acks = []
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 4:  # a line cut by the kill is not an acknowledgement
            acks.append((int(parts[0]), int(parts[1]), int(parts[2]), bytes.fromhex(parts[3])))
    return acks


def test_sigkill_mid_append_loses_nothing_acknowledged(tmp_path: Path, key: BoardKey) -> None:
    db, key_file = tmp_path / "log.db", tmp_path / "board.key"
    key.save(key_file)
    rng = random.Random(6)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    previous_heads: list[tuple[int, bytes]] = []
    for run in range(3):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db), str(key_file), str(run)], stdout=subprocess.PIPE, text=True, env=env
        )
        assert child.stdout is not None
        first_ack = child.stdout.readline()  # the kill lands after one acknowledgement, however slow the machine
        time.sleep(rng.uniform(0.0, 0.6))
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate()
        acks = _acknowledged(first_ack + output)
        assert acks, f"run {run}: the writer acknowledged nothing"
        with SQLiteLogStorage(db) as storage:
            log = TransparencyLog(storage, key)
            size = log.size
            assert size >= acks[-1][2]
            entries = log.entries(0, size)
            for first, count, _, _ in acks:
                assert all(e.startswith(b"batch ") for e in entries[first : first + count])
            # Whole batches only: every batch present has all its items.
            batches: dict[str, int] = {}
            for e in entries:
                words = e.split()
                batches[words[1].decode()] = batches.get(words[1].decode(), 0) + 1
                assert int(words[5]) >= 1
            for e in entries:
                words = e.split()
                assert batches[words[1].decode()] == int(words[5]), "a batch was half written"
            assert log.audit() == []
            heads = previous_heads + [(s, r) for _, _, s, r in acks]
            for s, r in heads:
                assert log.root(s) == r
                assert verify_consistency(s, size, r, log.root(), log.consistency_proof(s))
                assert verify_sth(log.tree_head(s), key.public_key)  # type: ignore[arg-type]
            log.append(f"batch restart-{run} item 0 of 1".encode())
            new_head = log.signed_tree_head()
            assert verify_consistency(
                size, new_head.tree_size, log.root(size), new_head.root, log.consistency_proof(size)
            )
            previous_heads = heads + [(new_head.tree_size, new_head.root)]
