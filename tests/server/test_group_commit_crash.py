"""Group commit under SIGKILL: a served board loaded by several client threads is killed mid-load and restarted;
every acknowledged receipt still checks, and the log is consistent with every head the board published.

No timing: the kill comes after a number of acknowledgements, whenever they arrive.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

from engine.board.board import Receipt, receipt_leaf_hash, verify_receipt
from engine.board.log import TransparencyLog
from engine.board.sth import SignedTreeHead
from engine.board.storage import SQLiteLogStorage
from engine.cli.demo_cmd import stop_process
from engine.election import EncryptedBallot
from engine.proofs.pad_knowledge import PadKnowledgeProof
from tests.adversarial.online_board import make_online_election, submission_body
from tests.support.contest_data_nonces import proofs_for
from tests.support.served_board import start_board

CLIENTS = 6
LOAD = 48
KILL_AFTER = 16


@dataclass(frozen=True)
class Signed:
    ballot: EncryptedBallot
    did: str
    signature: bytes
    proofs: tuple[PadKnowledgeProof, ...]

    def body(self) -> bytes:
        return submission_body(self.ballot, self.did, self.signature)


def post(url: str, items: list[tuple[int, Signed]], on_receipt: object) -> None:
    """POST each submission in turn until the server goes away."""
    with httpx.Client(base_url=url, timeout=120) as client:
        for i, item in items:
            try:
                response = client.post("/ballots", content=item.body(), headers={"content-type": "application/json"})
            except httpx.HTTPError:
                return
            if response.status_code == 200:
                on_receipt(i, Receipt.from_json(response.json()))  # type: ignore[operator]


def test_sigkill_under_threaded_load_loses_no_acknowledged_ballot(tmp_path: Path) -> None:
    e = make_online_election(tmp_path, voters=LOAD)
    ballots = []
    for i in range(LOAD):
        ballot = e.encrypt(i)
        ballots.append(Signed(ballot, e.credentials[i].did, e.sign(i, ballot), proofs_for(ballot)))
    db = e.db
    server = start_board(e, db, "--check-workers", 0)
    acknowledged: dict[int, Receipt] = {}
    guard = threading.Lock()

    def on_receipt(i: int, receipt: Receipt) -> None:
        with guard:
            acknowledged[i] = receipt
            if len(acknowledged) == KILL_AFTER:
                os.kill(server.process.pid, signal.SIGKILL)

    shares = [[(i, ballots[i]) for i in range(c, LOAD, CLIENTS)] for c in range(CLIENTS)]
    threads = [threading.Thread(target=post, args=(server.url, share, on_receipt)) for share in shares]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.process.kill()
        server.process.wait()
        stop_process(server.process)
    assert server.process.returncode == -signal.SIGKILL
    assert KILL_AFTER <= len(acknowledged) < LOAD
    key = e.election.keys.board_public_key
    for i, receipt in acknowledged.items():
        item = ballots[i]
        assert verify_receipt(receipt, key, item.ballot, item.did, item.signature, item.proofs)

    restarted = start_board(e, db, "--check-workers", 0)
    try:
        with httpx.Client(base_url=restarted.url, timeout=120) as client:
            for i, receipt in acknowledged.items():  # a replay gets the receipt's leaf back
                response = client.post(
                    "/ballots", content=ballots[i].body(), headers={"content-type": "application/json"}
                )
                assert response.status_code == 200
                assert Receipt.from_json(response.json()).leaf_index == receipt.leaf_index
    finally:
        stop_process(restarted.process)

    published: set[SignedTreeHead] = {r.sth for r in acknowledged.values()}
    with SQLiteLogStorage(db) as storage:
        log = TransparencyLog(storage)
        for i, receipt in acknowledged.items():
            item = ballots[i]
            leaf = receipt_leaf_hash(receipt, item.ballot, item.did, item.signature, item.proofs)
            assert log.leaf_hash(receipt.leaf_index) == leaf
            stored = log.tree_head(receipt.sth.tree_size)
            assert stored is not None and stored.root == receipt.sth.root
        stored_heads = [log.tree_head(size) for size in range(1, log.size + 1)]
        published |= {h for h in stored_heads if h is not None}
        assert log.audit(sorted(published, key=lambda h: h.tree_size)) == []
