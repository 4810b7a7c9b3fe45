"""The served board's cosigned checkpoints: engine.board.cosigning.BoardCosigner over the board's log,
its witnesses reached over HTTP (engine.server.witness_link), the latest cosigned note kept in the
board's database (key ``meta/cosigned-checkpoint``) so that a restarted server, ``board close`` and
``board export`` find it.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.board.checkpoint import BoardCheckpoints
from engine.board.cosigning import BoardCosigner, WitnessLink
from engine.board.election_keys import ElectionKeys
from engine.board.log import TransparencyLog
from engine.board.storage import LogStorage

COSIGNED_KEY = "meta/cosigned-checkpoint"


def stored_cosigned_checkpoint(storage: LogStorage) -> bytes | None:
    """The latest cosigned checkpoint the board kept, if any."""
    text = storage.get(COSIGNED_KEY)
    return None if text is None else text.encode("utf-8")


class LogWitnessing:
    """Cosigned checkpoints of one board's log."""

    def __init__(
        self,
        storage: LogStorage,
        log: TransparencyLog,
        checkpoints: BoardCheckpoints,
        keys: ElectionKeys,
        links: Sequence[WitnessLink],
    ) -> None:
        self.log = log
        self._storage = storage
        self.cosigner = BoardCosigner(
            checkpoints,
            keys,
            links,
            log.consistency_proof,
            store=self._keep,
            latest=stored_cosigned_checkpoint(storage),
        )

    def _keep(self, note: bytes) -> None:
        self._storage.append_many([], kv={COSIGNED_KEY: note.decode("utf-8")})

    def _head(self) -> tuple[int, bytes]:
        sth = self.log.signed_tree_head()
        return sth.tree_size, sth.root

    def cover(self, size: int | None = None) -> bytes:
        """A cosigned checkpoint of at least ``size`` entries (default: the whole log), cosigned now if needed."""
        return self.cosigner.cover(self.log.size if size is None else size, self._head)


def log_witnessing(
    storage: LogStorage,
    log: TransparencyLog,
    checkpoints: BoardCheckpoints,
    keys: ElectionKeys,
    links: Sequence[WitnessLink],
) -> LogWitnessing | None:
    """The board's witnessing if its election fixes witnesses, else None (checkpoints stay uncosigned)."""
    if not keys.witnesses:
        return None
    return LogWitnessing(storage, log, checkpoints, keys, links)
