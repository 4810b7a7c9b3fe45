"""What the cross-ballot checks keep of each ballot, out of memory: one row per ballot in a temporary SQLite file.

The verifying client sees every ballot once, in the record's order (engine.verify.runner); R.ballot_ids, 7.C,
7.D-7.G, R.cast_set and R.challenged (spec 2.0.0 sections 3.4.3, 6.2.4, 6.2.7) need, per ballot, its id and
state, its confirmation code, its chain link and, if it is SPOILED, the fingerprint of its ciphertexts. Held in
dicts these grow with the ballots (about 600 bytes each, 60 GB for 10^8 ballots); here they are rows of a
table whose pages SQLite keeps in a bounded cache (CACHE_KIB), sorting and grouping on disk, so that the
client's memory stays flat in the number of ballots (issue 11, item 4); a device's chain links too are looked
up one at a time.

The first ballot (in the record's order) with an id is the ballot of that id; a later one is a duplicate: it
fails R.ballot_ids and counts nowhere else, except in its own device's chain links when no ballot of that device
had its id before.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import tempfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from engine.election import BallotState
from engine.errors import BallotchainError
from engine.hash import UInt256
from engine.verify.chains import ChainLink
from engine.verify.challenged import BallotFingerprint
from engine.verify.partition import BallotEntry

__all__ = ["BallotTable", "BallotTableError", "table_errors"]

CACHE_KIB = 4096
LOOKUP_BATCH = 64  # ids per lookup query
_CAST = BallotState.CAST.value


class BallotTableError(BallotchainError):
    """The temporary table failed (e.g. its disk is full): the verification cannot go on."""


@contextmanager
def table_errors() -> Iterator[None]:
    """SQLite's errors as BallotTableError, one line for the CLI."""
    try:
        yield
    except sqlite3.Error as exc:
        raise BallotTableError(f"the verifier's temporary table of ballots failed: {exc}") from None


class BallotTable:
    """One row per ballot seen, in order; ``add`` tells whether the ballot's id came before."""

    def __init__(self) -> None:
        self.duplicates = 0
        self.devices: dict[str, int] = {}
        self.preencrypted = 0
        self._states: dict[str, int] = {}
        self._folder = tempfile.TemporaryDirectory(prefix="ballotchain-ballots-")
        self._db = sqlite3.connect(os.path.join(self._folder.name, "ballots.sqlite"))
        self._db.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA temp_store = FILE;
            PRAGMA cache_size = -{CACHE_KIB};
            CREATE TABLE ballots (
                ordinal INTEGER PRIMARY KEY, id TEXT NOT NULL, state TEXT NOT NULL, device TEXT NOT NULL,
                code BLOB NOT NULL, baux BLOB NOT NULL, duplicate INTEGER NOT NULL, fingerprint BLOB
            );
            CREATE INDEX ballot_ids ON ballots (id, duplicate);
            CREATE TABLE listed (listing TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (listing, id)) WITHOUT ROWID;
            """
        )
        self._indexed = False

    def add(self, entry: BallotEntry) -> bool:
        """Keep one ballot; True when a ballot before it had its id (R.ballot_ids)."""
        return self.add_all([entry])[0]

    def add_all(self, entries: Sequence[BallotEntry]) -> list[bool]:
        """Keep consecutive ballots, in order; for each, whether a ballot before it had its id. One query looks
        up the ids of up to LOOKUP_BATCH of them and one statement inserts them (a few microseconds a ballot)."""
        known: set[str] = set()
        ids = list({e.ballot_id: None for e in entries})
        for i in range(0, len(ids), LOOKUP_BATCH):
            batch = ids[i : i + LOOKUP_BATCH]
            marks = ", ".join("?" * len(batch))
            known.update(row[0] for row in self._db.execute(f"SELECT id FROM ballots WHERE id IN ({marks})", batch))
        duplicates = []
        rows = []
        for entry in entries:
            duplicate = entry.ballot_id in known
            known.add(entry.ballot_id)
            duplicates.append(duplicate)
            rows.append(self._row(entry, duplicate))
        self._db.executemany(
            "INSERT INTO ballots (id, state, device, code, baux, duplicate, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return duplicates

    def _row(self, entry: BallotEntry, duplicate: bool) -> tuple[Any, ...]:
        fingerprint = None
        if duplicate:
            self.duplicates += 1
        else:
            self._states[entry.state.value] = self._states.get(entry.state.value, 0) + 1
            self.devices[entry.device] = self.devices.get(entry.device, 0) + 1
            self.preencrypted += entry.preencrypted
            if entry.state is not BallotState.CAST and entry.fingerprint is not None:
                fingerprint = pickle.dumps(entry.fingerprint.contests, protocol=pickle.HIGHEST_PROTOCOL)
        code = entry.confirmation_code.data
        return (entry.ballot_id, entry.state.value, entry.device, code, entry.code_baux, duplicate, fingerprint)

    # -- counts ---------------------------------------------------------------------------
    @property
    def ballots(self) -> int:
        """Every ballot seen, duplicates included."""
        return sum(self._states.values()) + self.duplicates

    def count(self, state: BallotState) -> int:
        """The ballots (not duplicates) in ``state``."""
        return self._states.get(state.value, 0)

    # -- lookups by id --------------------------------------------------------------------
    def state(self, ballot_id: str) -> BallotState | None:
        row = self._db.execute("SELECT state FROM ballots WHERE id = ? AND duplicate = 0", (ballot_id,)).fetchone()
        return None if row is None else BallotState(row[0])

    def fingerprint(self, ballot_id: str) -> BallotFingerprint | None:
        """The SPOILED (or otherwise not CAST) ballot's fingerprint, None for any other id."""
        row = self._db.execute(
            "SELECT fingerprint FROM ballots WHERE id = ? AND duplicate = 0 AND fingerprint IS NOT NULL", (ballot_id,)
        ).fetchone()
        return None if row is None else BallotFingerprint(pickle.loads(row[0]))  # noqa: S301  (our own rows)

    def fingerprinted_ids(self) -> Iterator[str]:
        """The ids of the ballots with a fingerprint, sorted (as Python sorts str: UTF-8 byte order)."""
        rows = self._db.execute("SELECT id FROM ballots WHERE duplicate = 0 AND fingerprint IS NOT NULL ORDER BY id")
        for (bid,) in rows:
            yield bid

    def cast_ids(self) -> CastIds:
        return CastIds(self._db, self.count(BallotState.CAST))

    # -- 7.C ------------------------------------------------------------------------------
    def repeated_codes(self) -> tuple[int, dict[bytes, list[str]]]:
        """The codes held by one ballot each (a count), and the others with their ballots' ids in order, by the
        order in which each code was met a second time."""
        distinct = self._db.execute("SELECT COUNT(DISTINCT code) FROM ballots WHERE duplicate = 0").fetchone()[0]
        groups: list[tuple[int, bytes, list[str]]] = []
        repeated = self._db.execute(
            "SELECT code FROM ballots WHERE duplicate = 0 GROUP BY code HAVING COUNT(*) > 1"
        ).fetchall()
        for (code,) in repeated:
            rows = self._db.execute(
                "SELECT ordinal, id FROM ballots WHERE duplicate = 0 AND code = ? ORDER BY ordinal", (code,)
            ).fetchall()
            groups.append((rows[1][0], bytes(code), [bid for _, bid in rows]))
        groups.sort(key=lambda g: g[0])
        return distinct - len(groups), {code: ids for _, code, ids in groups}

    # -- 7.D-7.G --------------------------------------------------------------------------
    def chain_links(self, device: str) -> DeviceLinks:
        """The links of the ballots that name ``device``, by id, in order: the first ballot with each id."""
        if not self._indexed:
            self._db.execute("CREATE INDEX ballot_devices ON ballots (device, id, ordinal)")
            self._indexed = True
        return DeviceLinks(self._db, device)

    # -- R.cast_set, R.chain_cover ----------------------------------------------------------
    def listing(self, name: str) -> TableListedIds:
        """An empty set of the ids a listing of the record names (encrypted_tally.json's, a chain's), kept here."""
        self._db.execute("DELETE FROM listed WHERE listing = ?", (name,))
        return TableListedIds(self._db, name)

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()


class DeviceLinks(Mapping[str, ChainLink]):
    """One device's chain links by ballot id (7.D-7.G), looked up in the table instead of held."""

    def __init__(self, db: sqlite3.Connection, device: str) -> None:
        self._db = db
        self._device = device

    def __getitem__(self, ballot_id: str) -> ChainLink:
        row = self._db.execute(
            "SELECT code, baux FROM ballots WHERE device = ? AND id = ? ORDER BY ordinal LIMIT 1",
            (self._device, ballot_id),
        ).fetchone()
        if row is None:
            raise KeyError(ballot_id)
        return ChainLink(UInt256(bytes(row[0])), bytes(row[1]))

    def __iter__(self) -> Iterator[str]:
        rows = self._db.execute(
            "SELECT id FROM ballots WHERE device = ? GROUP BY id ORDER BY MIN(ordinal)", (self._device,)
        )
        for (bid,) in rows:
            yield bid

    def __len__(self) -> int:
        row = self._db.execute("SELECT COUNT(DISTINCT id) FROM ballots WHERE device = ?", (self._device,)).fetchone()
        return int(row[0])


class TableListedIds:
    """The ids a listing named so far (engine.verify.listed.ListedIds), rows of the table instead of a set."""

    def __init__(self, db: sqlite3.Connection, name: str) -> None:
        self._db = db
        self._name = name

    def __contains__(self, ballot_id: object) -> bool:
        row = self._db.execute("SELECT 1 FROM listed WHERE listing = ? AND id = ?", (self._name, ballot_id)).fetchone()
        return row is not None

    def add(self, ballot_id: str) -> None:
        self._db.execute("INSERT OR IGNORE INTO listed (listing, id) VALUES (?, ?)", (self._name, ballot_id))


class CastIds(Collection[str]):
    """The CAST ballots' ids (R.cast_set), looked up in the table instead of held."""

    def __init__(self, db: sqlite3.Connection, count: int) -> None:
        self._db = db
        self._count = count

    def __contains__(self, ballot_id: Any) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM ballots WHERE id = ? AND duplicate = 0 AND state = ? LIMIT 1", (ballot_id, _CAST)
        ).fetchone()
        return row is not None

    def __iter__(self) -> Iterator[str]:
        rows = self._db.execute("SELECT id FROM ballots WHERE duplicate = 0 AND state = ? ORDER BY ordinal", (_CAST,))
        for (bid,) in rows:
            yield bid

    def __len__(self) -> int:
        return self._count
