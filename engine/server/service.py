"""The board as the server runs it: the election, the roster, the log in SQLite, the door check.

``BoardService`` answers the API's requests (engine.server.app) from a ``BallotBoard`` over a
``TransparencyLog`` in an ``SQLiteLogStorage``, and counts what it does in its ``metrics``
(engine.server.metrics). On first start it keeps, in the log's database,
the election's record files (constants, manifest, configuration, initialization: byte for byte) and
the signed roster, so that the database alone is enough to close the board and export its record,
and a restart on the same database refuses another election or roster.

The election's files include ``board_keys.json`` (engine.board.election_keys): the board's and the
registrar's public keys, fixed in the record before voting opens. The board refuses to serve with
another board key or with a roster signed by another registrar, and serves the file with the others
at /election, so that voters' clients check the keys against it (and against keys they pin).

Online elections do not chain confirmation codes: spec 3.4.3 chains the ballots of one encrypting
device, and here every voter's device submits one ballot of its own; the service refuses an
election configured with chaining.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.board.board import DEFAULT_MAX_SUBMISSIONS_PER_DID, BallotBoard, BallotChecker, BoardError, Prechecked
from engine.board.checkpoint import BoardCheckpoints, election_origin
from engine.board.cosigning import WitnessLink
from engine.board.election_keys import ELECTION_KEYS_FILE, ElectionKeys, decode_election_keys
from engine.board.log import LogError, TransparencyLog
from engine.board.merkle import MerkleError
from engine.board.sequencer import GroupCommit
from engine.board.sth import BoardKey
from engine.board.storage import SQLiteLogStorage, StorageError
from engine.credentials.roster import SignedRoster, decode_roster, encode_roster, roster_problems, roster_to_json
from engine.election import ElectionConfig, ElectionInitialized
from engine.errors import BallotchainError
from engine.group import Group
from engine.manifest import Manifest
from engine.record import ElectionRecord, RecordError
from engine.record.codecs.constants import decode_constants
from engine.record.codecs.election_config import decode_config
from engine.record.codecs.election_initialized import decode_initialized
from engine.record.codecs.manifest import decode_manifest
from engine.record.codecs.values import hex_p
from engine.record.jsonio import loads
from engine.record.layout import CONFIG, CONSTANTS, INITIALIZED, MANIFEST, file_id
from engine.record.reader import read_bytes
from engine.server.app import Submission
from engine.server.board_witnessing import log_witnessing
from engine.server.checker import BallotChecker as ProofChecker
from engine.server.checker import CheckedSubmission, PreparedSubmission
from engine.server.errors import ApiError
from engine.server.metrics import BoardMetrics

ELECTION_FILES = (CONSTANTS, MANIFEST, CONFIG, INITIALIZED, ELECTION_KEYS_FILE)
ELECTION_KEY = "meta/election/"
ROSTER_KEY = "meta/roster"
ENTRIES_CHUNK = 16
NO_KEYS_FILE = (
    f"no {ELECTION_KEYS_FILE}: the board's and the registrar's keys are fixed in the election record before "
    "voting opens (ballotchain election keys)"
)


class ServiceError(BallotchainError, ValueError):
    """The board cannot be served or opened: a mismatched database, election or roster."""


@dataclass(frozen=True)
class Election:
    """The election a board serves: its record files (exact bytes) and their decoded values."""

    files: Mapping[str, bytes]
    manifest: Manifest
    initialized: ElectionInitialized
    keys: ElectionKeys

    @property
    def config(self) -> ElectionConfig:
        return self.initialized.config

    @property
    def group(self) -> Group:
        return self.config.group

    @classmethod
    def from_files(cls, files: Mapping[str, bytes]) -> Election:
        """Decode the record files (constants, manifest, configuration, initialization, the keys)."""
        if ELECTION_KEYS_FILE not in files:
            raise ServiceError(f"the election has {NO_KEYS_FILE}")
        missing = [name for name in ELECTION_FILES if name not in files]
        if missing:
            raise ServiceError(f"the election lacks {', '.join(missing)}")
        constants = decode_constants(loads(files[CONSTANTS], CONSTANTS), CONSTANTS)
        manifest_bytes = files[MANIFEST]
        manifest = decode_manifest(loads(manifest_bytes, MANIFEST), MANIFEST)
        config = decode_config(loads(files[CONFIG], CONFIG), constants.group, manifest_bytes, CONFIG)
        initialized = decode_initialized(loads(files[INITIALIZED], INITIALIZED), config, INITIALIZED)
        keys = decode_election_keys(files[ELECTION_KEYS_FILE], initialized.extended_base_hash)
        return cls({name: files[name] for name in ELECTION_FILES}, manifest, initialized, keys)

    @classmethod
    def from_record(cls, record_dir: Path) -> Election:
        record = ElectionRecord(record_dir)
        if not (record.root / ELECTION_KEYS_FILE).is_file():
            raise ServiceError(f"{record_dir}: {NO_KEYS_FILE}")
        files = {name: read_bytes(record.root / name, name) for name in ELECTION_FILES}
        return cls.from_files(files)


def open_storage(db: Path, *, create: bool) -> SQLiteLogStorage:
    """The log's SQLite database; without ``create`` a missing file is an error, not a new log."""
    if not create and not Path(db).is_file():
        raise ServiceError(f"{db}: no such board database")
    if create:
        Path(db).parent.mkdir(parents=True, exist_ok=True)
    return SQLiteLogStorage(db)


def stored_election(storage: SQLiteLogStorage) -> Election | None:
    """The election kept in the log's database by the first ``serve``, if any."""
    files = {}
    for name in ELECTION_FILES:
        text = storage.get(ELECTION_KEY + name)
        if text is None:
            return None
        files[name] = base64.b64decode(text)
    return Election.from_files(files)


def stored_roster(storage: SQLiteLogStorage) -> SignedRoster | None:
    text = storage.get(ROSTER_KEY)
    return None if text is None else decode_roster(text.encode("utf-8"))


def keep_election(storage: SQLiteLogStorage, election: Election, roster: SignedRoster) -> None:
    """Store the election and roster in the database, or check they are the ones stored."""
    stored = stored_election(storage)
    if stored is not None and dict(stored.files) != dict(election.files):
        raise ServiceError(f"{storage.path}: this board database belongs to another election")
    roster_text = encode_roster(roster).decode("utf-8")
    held = storage.get(ROSTER_KEY)
    if held is not None and held != roster_text:
        raise ServiceError(f"{storage.path}: this board database was opened with another roster")
    updates: dict[str, str] = {}
    if stored is None:
        updates.update({ELECTION_KEY + n: base64.b64encode(b).decode("ascii") for n, b in election.files.items()})
    if held is None:
        updates[ROSTER_KEY] = roster_text
    if updates:
        storage.append_many([], kv=updates)


def check_online_election(election: Election, roster: SignedRoster, board_public_key: bytes | None = None) -> None:
    """Can this election be served with this roster (and this board key)? (ServiceError saying why not)

    The roster must be signed by the registrar key, and the board key must be the board key, that the
    election's board_keys.json fixes.
    """
    if election.config.chain_confirmation_codes:
        raise ServiceError(
            "the election chains confirmation codes per device (spec 3.4.3); an online board takes "
            "elections made without chaining (election init --no-chain)"
        )
    problems = roster_problems(roster)
    if problems:
        raise ServiceError(f"the roster does not verify: {problems[0]}")
    init = election.initialized
    if not roster.is_bound_to(init.extended_base_hash, init.config.manifest_hash):
        raise ServiceError(f"the roster is for another election (its {roster.binding} is not this election's)")
    fixed = election.keys
    if roster.registrar_public_key != fixed.registrar_public_key:
        raise ServiceError(
            f"the roster is signed by registrar key {roster.registrar_public_key.hex()}, not the registrar key "
            f"{fixed.registrar_public_key.hex()} fixed in {ELECTION_KEYS_FILE}"
        )
    if board_public_key is not None and board_public_key != fixed.board_public_key:
        raise ServiceError(
            f"this board's key {board_public_key.hex()} is not the board key {fixed.board_public_key.hex()} "
            f"fixed in {ELECTION_KEYS_FILE}"
        )


def open_board(
    storage: SQLiteLogStorage,
    board_key: BoardKey | None,
    checker: BallotChecker,
    election: Election | None = None,
    roster: SignedRoster | None = None,
    *,
    max_submissions_per_did: int = DEFAULT_MAX_SUBMISSIONS_PER_DID,
    group_commit: GroupCommit | None = None,
) -> BallotBoard:
    """The board over an existing log database (election and roster from it unless given); ``group_commit``
    sets its batches (engine.board.sequencer)."""
    election = election or stored_election(storage)
    roster = roster or stored_roster(storage)
    if election is None or roster is None:
        raise ServiceError(f"{storage.path}: not a board database (no election or roster in it)")
    try:
        return BallotBoard(
            TransparencyLog(storage, board_key),
            election.initialized,
            roster,
            checker,
            max_submissions_per_did=max_submissions_per_did,
            group_commit=group_commit,
        )
    except (LogError, BallotchainError) as exc:
        raise ServiceError(f"{storage.path}: {exc}") from exc


class BoardService:
    """The API's answers (engine.server.app.BoardApi) over a ballot board kept in SQLite."""

    def __init__(
        self,
        election: Election,
        roster: SignedRoster,
        db: Path,
        board_key: BoardKey,
        *,
        check_workers: int = 0,
        group_commit: GroupCommit | None = None,
        max_submissions_per_did: int = DEFAULT_MAX_SUBMISSIONS_PER_DID,
        witness_links: Sequence[WitnessLink] = (),
    ) -> None:
        check_online_election(election, roster, board_key.public_key)
        self.election = election
        self.group: Group = election.group
        self.manifest: Manifest = election.manifest
        self.roster = roster
        self.storage = open_storage(db, create=True)
        try:
            keep_election(self.storage, election, roster)
            self.checker = ProofChecker(election.manifest, election.initialized, check_workers, roster.dids)
            self.board = open_board(
                self.storage,
                board_key,
                self.checker,
                election,
                roster,
                max_submissions_per_did=max_submissions_per_did,
                group_commit=group_commit,
            )
            self.board.publish_election()
        except BaseException:
            self.storage.close()
            raise
        self.log = self.board.log
        self.metrics = BoardMetrics()
        self.metrics.set_log_size(self.log.size)
        self.board.batch_listeners.append(self.metrics.observe_batch)
        self.public_key = board_key.public_key
        self.checkpoints = BoardCheckpoints(board_key, election_origin(election.initialized.extended_base_hash.data))
        self.witnessing = log_witnessing(self.storage, self.log, self.checkpoints, election.keys, witness_links)
        if self.witnessing is not None:
            self.witnessing.cosigner.listeners.append(self.metrics.observe_witness)
        self._election_doc = self._make_election_document()
        self._roster_doc = roster_to_json(roster)

    def close(self) -> None:
        self.checker.close()
        self.storage.close()

    def _make_election_document(self) -> dict[str, Any]:
        init = self.election.initialized
        return {
            "election_id": init.extended_base_hash.hex(),
            "manifest_hash": init.config.manifest_hash.hex(),
            "joint_public_key": hex_p(init.joint_public_key),
            "group": self.group.name,
            "board_public_key": self.public_key.hex().upper(),
            "registrar_public_key": self.roster.registrar_public_key.hex().upper(),
            "roster_root": self.roster.root.hex().upper(),
            "record": {name: data.decode("utf-8") for name, data in self.election.files.items()},
        }

    # -- BoardApi --------------------------------------------------------------------------
    def election_document(self) -> dict[str, Any]:
        return self._election_doc

    def roster_document(self) -> dict[str, Any]:
        return self._roster_doc

    def check_body(self, body: bytes) -> Future[CheckedSubmission]:
        """A POST /ballots body, parsed and given its stateless checks by the checker (engine.server.checker)."""
        return self.checker.check_body(body)

    def submit_checked(self, checked: CheckedSubmission) -> dict[str, Any]:
        """Submit a body ``check_body`` checked: its refusal (400), or the board's answer with its verdicts."""
        if checked.refusal is not None:
            raise ApiError(*checked.refusal)
        assert checked.submission is not None
        return self.submit(checked.submission, checked.prechecked)

    def submit(
        self, submission: Submission | PreparedSubmission, prechecked: Prechecked | None = None
    ) -> dict[str, Any]:
        ballot = submission.ballot
        try:
            file_id(ballot.ballot_id, "ballot_id")
            file_id(ballot.encrypting_device, "encrypting_device")
        except RecordError as exc:
            raise ApiError(400, f"ballot: {exc.file}: {exc.problem}") from None
        try:
            receipt = self.board.submit(
                ballot, submission.did, submission.signature, submission.contest_data_proofs, prechecked
            )
        except BoardError as exc:
            raise ApiError(exc.status, exc.reason) from None
        if self.witnessing is not None:
            self.witnessing.cover(receipt.sth.tree_size)
        return receipt.to_json()

    def sth_document(self) -> dict[str, Any]:
        return {"sth": self.log.signed_tree_head().to_json(), "board_public_key": self.public_key.hex().upper()}

    def checkpoint_note(self) -> bytes:
        if self.witnessing is not None:
            return self.witnessing.cover()
        sth = self.log.signed_tree_head()
        return self.checkpoints.signed(sth.tree_size, sth.root)

    def inclusion_document(self, index: int, size: int) -> dict[str, Any]:
        proof = self._answer(lambda: self.log.inclusion_proof(index, size))
        return {"leaf_index": index, "tree_size": size, "inclusion_proof": [p.hex().upper() for p in proof]}

    def consistency_document(self, old: int, new: int) -> dict[str, Any]:
        proof = self._answer(lambda: self.log.consistency_proof(old, new))
        return {"old_size": old, "new_size": new, "consistency_proof": [p.hex().upper() for p in proof]}

    def entries_document(self, start: int, end: int, max_bytes: int) -> dict[str, Any]:
        """Entries from ``start`` on, before ``end``, as many as fit in ``max_bytes`` of base64 (at least one):
        ``end`` in the answer is where the next page starts."""
        size = self.log.size
        if start > size:
            raise ApiError(404, f"the log has {size} entries; start {start} is beyond them")
        end = min(end, size)
        page: list[str] = []
        used = 0
        position = start
        while position < end:
            chunk = self._answer(functools.partial(self.log.entries, position, min(end, position + ENTRIES_CHUNK)))
            for data in chunk:
                text = base64.b64encode(data).decode("ascii")
                if page and used + len(text) > max_bytes:
                    return self._page(start, page)
                page.append(text)
                used += len(text)
            position += len(chunk)
        return self._page(start, page)

    @staticmethod
    def _page(start: int, page: list[str]) -> dict[str, Any]:
        return {"start": start, "end": start + len(page), "count": len(page), "entries": page}

    @staticmethod
    def _answer(compute: Any) -> Any:
        try:
            return compute()
        except (LogError, MerkleError, StorageError) as exc:
            raise ApiError(400, str(exc)) from None
