"""A mirror's copy of a board, served with the board's read API (engine.server.app.BoardApi).

The copy is a log database like the board's (engine.board.storage: the election's files and roster,
the entries, the board's signed tree heads, the latest cosigned checkpoint), written only by
engine.client.mirror after it checked every entry against a cosigned checkpoint. The mirror holds no
key: it serves the board's signatures and its witnesses' cosignatures as it copied them, and refuses
ballots (405: a mirror is read-only; voters submit to the board).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.board.log import LogError, TransparencyLog
from engine.board.merkle import MerkleError
from engine.board.storage import StorageError
from engine.credentials.roster import roster_to_json
from engine.group import Group
from engine.manifest import Manifest
from engine.record.codecs.values import hex_p
from engine.server.app import Submission, create_app
from engine.server.board_witnessing import stored_cosigned_checkpoint
from engine.server.errors import ApiError
from engine.server.run import board_socket, socket_url, uvicorn_server
from engine.server.service import ServiceError, open_storage, stored_election, stored_roster

ENTRIES_CHUNK = 16


class MirrorService:
    """The read API over a mirror database (no key, no submissions)."""

    def __init__(self, db: Path) -> None:
        self.storage = open_storage(db, create=False)
        try:
            election, roster = stored_election(self.storage), stored_roster(self.storage)
            if election is None or roster is None:
                raise ServiceError(f"{db}: not a mirror of a board (no election or roster in it)")
            self.log = TransparencyLog(self.storage, None)
        except BaseException:
            self.storage.close()
            raise
        self.election = election
        self.group: Group = election.group
        self.manifest: Manifest = election.manifest
        init = election.initialized
        self._election_doc = {
            "election_id": init.extended_base_hash.hex(),
            "manifest_hash": init.config.manifest_hash.hex(),
            "joint_public_key": hex_p(init.joint_public_key),
            "group": self.group.name,
            "board_public_key": election.keys.board_public_key.hex().upper(),
            "registrar_public_key": roster.registrar_public_key.hex().upper(),
            "roster_root": roster.root.hex().upper(),
            "record": {name: data.decode("utf-8") for name, data in election.files.items()},
        }
        self._roster_doc = roster_to_json(roster)

    def close(self) -> None:
        self.storage.close()

    def election_document(self) -> dict[str, Any]:
        return self._election_doc

    def roster_document(self) -> dict[str, Any]:
        return self._roster_doc

    def submit(self, submission: Submission) -> dict[str, Any]:
        raise ApiError(405, "this is a mirror of the board: it takes no ballots; submit to the board")

    def sth_document(self) -> dict[str, Any]:
        head = self.storage.latest_tree_head()
        if head is None:
            raise ApiError(404, "the mirror holds no signed tree head yet")
        return {"sth": head.to_json(), "board_public_key": self.election.keys.board_public_key.hex().upper()}

    def checkpoint_note(self) -> bytes:
        note = stored_cosigned_checkpoint(self.storage)
        if note is None:
            raise ApiError(404, "the mirror holds no cosigned checkpoint yet")
        return note

    def inclusion_document(self, index: int, size: int) -> dict[str, Any]:
        proof = _answer(lambda: self.log.inclusion_proof(index, size))
        return {"leaf_index": index, "tree_size": size, "inclusion_proof": [p.hex().upper() for p in proof]}

    def consistency_document(self, old: int, new: int) -> dict[str, Any]:
        proof = _answer(lambda: self.log.consistency_proof(old, new))
        return {"old_size": old, "new_size": new, "consistency_proof": [p.hex().upper() for p in proof]}

    def entries_document(self, start: int, end: int, max_bytes: int) -> dict[str, Any]:
        """As the board's: entries from ``start``, at most ``max_bytes`` of base64 (at least one)."""
        size = self.log.size
        if start > size:
            raise ApiError(404, f"the log has {size} entries; start {start} is beyond them")
        end = min(end, size)
        page: list[str] = []
        used, position = 0, start
        while position < end:
            chunk = _answer(functools.partial(self.log.entries, position, min(end, position + ENTRIES_CHUNK)))
            for data in chunk:
                text = base64.b64encode(data).decode("ascii")
                if page and used + len(text) > max_bytes:
                    return {"start": start, "end": start + len(page), "count": len(page), "entries": page}
                page.append(text)
                used += len(text)
            position += len(chunk)
        return {"start": start, "end": start + len(page), "count": len(page), "entries": page}


def _answer(compute: Any) -> Any:
    try:
        return compute()
    except (LogError, MerkleError, StorageError) as exc:
        raise ApiError(400, str(exc)) from None


def serve_mirror(
    service: MirrorService,
    *,
    host: str,
    port: int,
    refresh: Callable[[], None] | None = None,
    every: float = 10.0,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the mirror's read API until interrupted; ``refresh()`` (the copying, which handles its own
    errors) runs every ``every`` seconds in a thread meanwhile."""
    with board_socket(host, port) as sock:
        stop = threading.Event()

        def keep_copying() -> None:
            while refresh is not None and not stop.wait(every):
                refresh()

        thread = threading.Thread(target=keep_copying, name="ballotchain-mirror", daemon=True)
        thread.start()
        try:
            server = uvicorn_server(create_app(service))
            if on_ready is not None:
                on_ready(socket_url(sock))
            with contextlib.suppress(KeyboardInterrupt):  # uvicorn raises SIGINT again once it has stopped
                server.run(sockets=[sock])
        finally:
            stop.set()
            thread.join(every + 60)
