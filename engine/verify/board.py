"""Verification of the bulletin board's log carried by a record (checks B.0-B.9; no spec section:
ElectionGuard leaves the board out of scope, docs/PROTOCOL.md says what we add).

A record exported from an online election (``ballotchain board export``) holds, besides the usual
files, the election's keys fixed before voting opened (``board_keys.json``, engine.board.election_keys)
and a folder ``board/``:

    board/entries.jsonl   the log: entry i on line i, its canonical bytes (engine.board.entries)
    board/board.json      {"board_public_key": hex, "tree_head": the final signed tree head}
    board/roster.json     the registrar's signed roster of eligible DIDs (engine.credentials.roster)
    board/checkpoint.txt  with witnesses: the final checkpoint, cosigned (engine.board.cosigning)

The checks, each independent of the code that ran the board (they replay the log from its bytes):

- B.0 board_keys.json is there, well formed and bound to this election's H_E, and its keys are those
  the user pinned (``--board-key``, ``--registrar-key``); a record with ballots and fixed keys but no
  log, or pinned keys and none fixed, fails too (the log of an online election cannot be dropped);
- B.1 the final tree head is signed by the election's board key, and board/board.json names that key;
- B.2 the tree recomputed from the entries (RFC 9162 MTH) has the head's size and root, and every
  entry is the canonical encoding of a log entry;
- B.3 the record's CAST ballots are exactly the log's counted ballots (ids, and ballots identical in
  every ciphertext, proof and confirmation code), its challenged ballots are exactly the log's
  challenged submissions, and each of them is published decrypted (challenged_ballots/): a tallyer
  cannot hide the audit of a cheating device by leaving a challenged ballot out;
- B.4 every submission's Ed25519 signature by its DID over (H_E, the whole encrypted ballot, its contest
  data proofs) verifies;
- B.5 the roster is well formed and signed by the election's registrar key, bound to this election,
  and every submitting DID is on it;
- B.6 no DID is counted twice: a second CAST ballot of a DID comes right after a supersession entry
  that names the DID's counted ballot;
- B.7 the log opens with this election (H_E, K, H_M, the roster's root) and ends with the close of
  voting, whose count and root are those of the counted ballots;
- B.8 every submission carries, for each contest in the ballot's order and for no other, a proof that
  the voter knows the nonce xi of the contest data, C0 = g^xi (engine.proofs.pad_knowledge, tag 0xB0):
  a voter cannot have another voter's pad (times g^t) decrypted as the C0 of a challenged ballot. (C0 in
  the order-q subgroup, which the proof needs, is R.subgroup's check of the record's ballots.)
- B.9 with witnesses fixed in board_keys.json: board/checkpoint.txt is a checkpoint of the election's
  origin, signed by the board key, of the whole log (its size and root), carrying valid cosignatures of
  at least k of those witnesses; the report names the witnesses that cosigned. A board that showed
  another log to anyone could not have had both cosigned by k honest witnesses.

A record without ``board/`` (and without fixed or pinned keys) leaves B.0-B.9 not applicable. The
trust anchors are the board's and the registrar's public keys: a pinned key first, else the one
fixed in board_keys.json. A record whose keys were all replaced (a new board key, a re-signed head,
a new roster) is consistent in itself; only a pinned key tells it from the real one. The report
says which keys it checked against and whether they were pinned.

The log is streamed line by line (the one file the verifier opens itself rather than through
engine.record: it is the board's format, not egk's), so memory stays at one small record per ballot.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from engine.board.cosigning import CosigningError, check_cosigned
from engine.board.election_keys import ELECTION_KEYS_FILE, ElectionKeys, ElectionKeysError, decode_election_keys
from engine.board.entries import (
    BallotSubmitted,
    BallotSuperseded,
    ElectionPublished,
    EntryError,
    VotingClosed,
    canonical_json,
    counted_ids_root,
    decode_entry,
)
from engine.board.merkle import IncrementalRoot, leaf_hash
from engine.board.note import VerifierKey
from engine.board.sth import SignedTreeHead, TreeHeadError, verify_sth
from engine.credentials.did import verify_submission
from engine.credentials.roster import RosterError, SignedRoster, decode_roster, roster_problems
from engine.election import BallotState, EncryptedBallot
from engine.errors import BallotchainError
from engine.hash import UInt256
from engine.proofs.pad_knowledge import verify_pad_knowledge
from engine.record import ElectionRecord, RecordError
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from engine.record.jsonio import loads
from engine.record.layout import ENCRYPTED_TALLY, challenged_ballot_label
from engine.record.reader import read_bytes
from engine.verify.ballots import BallotContext
from engine.verify.report import Finding, KeyUse, Recorder

BOARD_DIR = "board"
ENTRIES_FILE = f"{BOARD_DIR}/entries.jsonl"
BOARD_FILE = f"{BOARD_DIR}/board.json"
ROSTER_FILE = f"{BOARD_DIR}/roster.json"
CHECKPOINT_FILE = f"{BOARD_DIR}/checkpoint.txt"
BOARD_FILE_KEYS = frozenset({"board_public_key", "tree_head"})
BOARD_CHECKS = ("B.0", "B.1", "B.2", "B.3", "B.4", "B.5", "B.6", "B.7", "B.8", "B.9")


@dataclass(frozen=True)
class PinnedKeys:
    """The keys a user pins: the board's and the registrar's (32 raw bytes each, or None), and the
    witnesses' cosignature keys (None: not pinned; a tuple: board_keys.json must fix exactly these)."""

    board: bytes | None = None
    registrar: bytes | None = None
    witnesses: tuple[VerifierKey, ...] | None = None

    def __bool__(self) -> bool:
        return self.board is not None or self.registrar is not None or self.witnesses is not None


@dataclass(frozen=True)
class _Anchor:
    """The key a check trusts: pinned, else fixed in board_keys.json, else None."""

    role: str
    pinned: bytes | None
    fixed: bytes | None

    @property
    def key(self) -> bytes | None:
        return self.pinned if self.pinned is not None else self.fixed

    def use(self, named: bytes | None, named_in: str) -> KeyUse:
        """The report's line: the anchor, or (without one) the key the record merely names."""
        if self.pinned is not None:
            return KeyUse(self.role, self.pinned, "pinned", True)
        if self.fixed is not None:
            return KeyUse(self.role, self.fixed, ELECTION_KEYS_FILE, False)
        return KeyUse(self.role, named, named_in if named is not None else "none", False)


def ballot_digest(ballot: EncryptedBallot) -> bytes:
    """SHA-256 of the ballot's canonical JSON: equal digests, identical ballots (every field)."""
    return hashlib.sha256(canonical_json(encode_encrypted_ballot(ballot))).digest()


def has_board(record: ElectionRecord) -> bool:
    return (record.root / BOARD_DIR).is_dir()


# ---------------------------------------------------------------- replaying the log


@dataclass
class _Logged:
    did: str
    state: BallotState
    digest: bytes
    index: int


@dataclass
class _Replay:
    """What the log says, entry by entry: the counted ballot of each DID, every submission."""

    h_e: UInt256
    roster: SignedRoster | None
    counted: dict[str, str] = field(default_factory=dict)  # DID -> counted ballot id
    logged: dict[str, _Logged] = field(default_factory=dict)  # ballot id -> submission
    pending: dict[str, tuple[str, int]] = field(default_factory=dict)  # DID -> (superseding ballot id, entry)
    published: ElectionPublished | None = None
    closed: VotingClosed | None = None
    closed_at: int = -1


def _entry_lines(path: Path) -> Iterator[tuple[bytes, bool]]:
    """(entry bytes, whether a newline ended the line) for each line of entries.jsonl."""
    with path.open("rb") as f:
        for line in f:
            yield (line[:-1], True) if line.endswith(b"\n") else (line, False)


def verify_board(
    record: ElectionRecord,
    rec: Recorder,
    ctx: BallotContext,
    pins: PinnedKeys = PinnedKeys(),
    decrypted_ids: Collection[str] = (),
) -> tuple[KeyUse, ...]:
    """Checks B.0-B.9 of the record's keys and board/ folder; the keys it checked against.

    decrypted_ids: the ids of the record's challenged-ballot decryptions (B.3). Without board/,
    board_keys.json or pins, nothing is checked (not applicable) and no key is used.
    """
    online = has_board(record)
    fixed = _check_election_keys(record, rec, ctx.h_e, pins, online)
    board_anchor = _Anchor("board", pins.board, fixed.board_public_key if fixed else None)
    registrar_anchor = _Anchor("registrar", pins.registrar, fixed.registrar_public_key if fixed else None)
    if not online:
        if fixed is None and not pins:
            return ()
        return (board_anchor.use(None, BOARD_FILE), registrar_anchor.use(None, ROSTER_FILE))
    h_m = record.config.manifest_hash
    named_key, head = _read_board_file(record, rec)
    roster = _read_roster(record, rec, ctx.h_e, h_m, registrar_anchor)
    _check_head_key(rec, board_anchor, named_key, head)
    keys = (
        board_anchor.use(named_key, BOARD_FILE),
        registrar_anchor.use(roster.registrar_public_key if roster is not None else None, ROSTER_FILE),
    )
    replay = _Replay(ctx.h_e, roster)
    tree = IncrementalRoot()
    path = record.root / ENTRIES_FILE
    if not path.is_file():
        rec.failed(Finding("B.2", "the board folder has no log", file=ENTRIES_FILE))
        return keys
    group = ctx.group
    for index, (data, terminated) in enumerate(_entry_lines(path)):
        tree.append(leaf_hash(data))
        if not terminated:
            rec.failed(Finding("B.2", f"entry {index}: the line does not end with a newline", file=ENTRIES_FILE))
        with rec.timed("B.2"):
            try:
                entry = decode_entry(data, group)
            except (EntryError, RecordError) as exc:
                rec.failed(Finding("B.2", f"entry {index}: {_one_line(str(exc))}", file=ENTRIES_FILE))
                continue
            rec.passed("B.2")
        _replay_entry(rec, replay, index, entry)
    with rec.timed("B.2"):
        _check_root(rec, head, tree)
    if fixed is not None and fixed.witnesses:
        with rec.timed("B.9"):
            _check_cosigned_checkpoint(record, rec, fixed, tree)
    _finish_replay(rec, replay, tree.size, ctx, h_m)
    with rec.timed("B.3"):
        _compare_ballots(record, rec, replay, decrypted_ids)
    return keys


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _hex(key: bytes) -> str:
    return key.hex().upper()


def _check_election_keys(
    record: ElectionRecord, rec: Recorder, h_e: UInt256, pins: PinnedKeys, online: bool
) -> ElectionKeys | None:
    """B.0: board_keys.json present (if the election is online or keys are pinned), bound to H_E, and
    equal to the pins; the keys it fixes, or None."""
    where = {"file": ELECTION_KEYS_FILE}
    with rec.timed("B.0"):
        if not record.has(ELECTION_KEYS_FILE):
            if online:
                rec.failed_at("B.0", "the record of an online election fixes no keys (no board_keys.json)", where)
            elif pins:
                rec.failed_at(
                    "B.0", "keys are pinned, but the record fixes none (no board_keys.json, no board/ log)", where
                )
            return None
        try:
            fixed = decode_election_keys(read_bytes(record.root / ELECTION_KEYS_FILE, ELECTION_KEYS_FILE), h_e)
        except (RecordError, ElectionKeysError) as exc:
            rec.failed_at("B.0", f"the election's keys cannot be used: {_one_line(str(exc))}", where)
            return None
        rec.passed("B.0")
        if not online and _has_votes(record):
            rec.failed_at(
                "B.0",
                "the election is online (board_keys.json) and the record holds ballots, but it has no board/ log",
                where,
            )
        for role, pinned, key in (
            ("board", pins.board, fixed.board_public_key),
            ("registrar", pins.registrar, fixed.registrar_public_key),
        ):
            if pinned is not None:
                rec.expect(
                    pinned == key,
                    "B.0",
                    f"the {role} key fixed in the record is {_hex(key)}, not the pinned {role} key {_hex(pinned)}",
                    **where,
                )
        if pins.witnesses is not None:
            rec.expect(
                set(pins.witnesses) == set(fixed.witnesses),
                "B.0",
                f"the record fixes the witnesses {_names(fixed.witnesses)}, not the pinned witnesses "
                f"{_names(pins.witnesses)} (a witness is its name and its key)",
                **where,
            )
    return fixed


def _names(witnesses: Collection[VerifierKey]) -> str:
    return ", ".join(sorted(w.name for w in witnesses)) or "none"


def _has_votes(record: ElectionRecord) -> bool:
    return record.has(ENCRYPTED_TALLY) or next(iter(record.encrypted_ballot_paths()), None) is not None


def _check_head_key(rec: Recorder, anchor: _Anchor, named: bytes | None, head: SignedTreeHead | None) -> None:
    """B.1: board.json names the election's board key, and the final head is signed by it."""
    if named is None or head is None:
        return
    with rec.timed("B.1"):
        trusted = anchor.key
        if trusted is None:
            trusted = named
            rec.note("B.1", "no board key is fixed or pinned: the head is checked against the key board.json names")
        else:
            rec.expect(
                named == trusted,
                "B.1",
                f"board/board.json names the board key {_hex(named)}; the election's board key is {_hex(trusted)}",
                file=BOARD_FILE,
            )
        rec.expect(
            verify_sth(head, trusted),
            "B.1",
            f"the final tree head (size {head.tree_size}) is not signed by the board key {_hex(trusted)}",
            file=BOARD_FILE,
        )


def _read_board_file(record: ElectionRecord, rec: Recorder) -> tuple[bytes | None, SignedTreeHead | None]:
    try:
        obj = loads(read_bytes(record.root / BOARD_FILE, BOARD_FILE), BOARD_FILE)
        if not isinstance(obj, dict) or set(obj) != BOARD_FILE_KEYS:
            raise TreeHeadError("expected an object with board_public_key and tree_head")
        key_hex = obj["board_public_key"]
        if not isinstance(key_hex, str) or len(key_hex) != 64:
            raise TreeHeadError("board_public_key: 64 hex digits are required")
        key = bytes.fromhex(key_hex)
        return key, SignedTreeHead.from_json(obj["tree_head"])
    except (BallotchainError, ValueError) as exc:
        rec.failed(Finding("B.1", f"no readable final tree head: {_one_line(str(exc))}", file=BOARD_FILE))
        return None, None


def _read_roster(
    record: ElectionRecord, rec: Recorder, h_e: UInt256, h_m: UInt256, anchor: _Anchor
) -> SignedRoster | None:
    try:
        roster = decode_roster(read_bytes(record.root / ROSTER_FILE, ROSTER_FILE))
    except (RecordError, RosterError) as exc:
        rec.failed(Finding("B.5", f"no readable roster: {_one_line(str(exc))}", file=ROSTER_FILE))
        return None
    with rec.timed("B.5"):
        problems = roster_problems(roster)
        if not roster.is_bound_to(h_e, h_m):
            problems.append(f"the roster is bound to another election ({roster.binding} {roster.election_hash.hex()})")
        trusted = anchor.key
        if trusted is not None and roster.registrar_public_key != trusted:
            problems.append(
                f"the roster is signed by registrar key {_hex(roster.registrar_public_key)}; the election's "
                f"registrar key is {_hex(trusted)}"
            )
        rec.expect(not problems, "B.5", "; ".join(problems), file=ROSTER_FILE)
        rec.note("B.5", f"roster of {len(roster)} DIDs signed by registrar key {_hex(roster.registrar_public_key)}")
    return roster


def _check_root(rec: Recorder, head: SignedTreeHead | None, tree: IncrementalRoot) -> None:
    if head is None:
        return
    if head.tree_size != tree.size:
        rec.failed(
            Finding(
                "B.2",
                f"the final tree head is of {head.tree_size} entries; the log has {tree.size}",
                file=ENTRIES_FILE,
            )
        )
        return
    rec.expect(
        tree.root() == head.root,
        "B.2",
        f"the root of the entries is {tree.root().hex()}, the final tree head's is {head.root.hex()}",
        file=ENTRIES_FILE,
    )


def _check_cosigned_checkpoint(
    record: ElectionRecord, rec: Recorder, keys: ElectionKeys, tree: IncrementalRoot
) -> None:
    """B.9: the final checkpoint, of the whole log, with k cosignatures of the fixed witnesses."""
    where = {"file": CHECKPOINT_FILE}
    if not (record.root / CHECKPOINT_FILE).is_file():
        rec.failed_at("B.9", "the election fixes witnesses but the record holds no cosigned checkpoint", where)
        return
    try:
        opened = check_cosigned(read_bytes(record.root / CHECKPOINT_FILE, CHECKPOINT_FILE), keys)
    except (RecordError, CosigningError) as exc:
        rec.failed_at("B.9", _one_line(str(exc)), where)
        return
    checkpoint = opened.checkpoint
    if rec.expect(
        (checkpoint.size, checkpoint.root) == (tree.size, tree.root()),
        "B.9",
        f"the checkpoint is of {checkpoint.size} entries, root {checkpoint.root.hex()}; the log has {tree.size} "
        f"entries, root {tree.root().hex()}",
        **where,
    ):
        rec.note(
            "B.9",
            f"checkpoint of {checkpoint.size} entries cosigned by {len(opened.witnesses)} of "
            f"{len(keys.witnesses)} witnesses (quorum {keys.witness_quorum}): {', '.join(opened.witness_names)}",
        )


def _replay_entry(
    rec: Recorder,
    replay: _Replay,
    index: int,
    entry: ElectionPublished | BallotSubmitted | BallotSuperseded | VotingClosed,
) -> None:
    where = f"entry {index}"
    if replay.closed is not None:
        rec.failed(Finding("B.7", f"{where}: an entry after the close of voting", file=ENTRIES_FILE))
    if isinstance(entry, ElectionPublished):
        if index == 0:
            replay.published = entry
        else:
            rec.failed(Finding("B.7", f"{where}: a second election_published entry", file=ENTRIES_FILE))
    elif index == 0:
        rec.failed(Finding("B.7", "the log does not open with election_published", file=ENTRIES_FILE))
    if isinstance(entry, BallotSubmitted):
        _replay_submission(rec, replay, index, entry)
    elif isinstance(entry, BallotSuperseded):
        _replay_supersession(rec, replay, index, entry)
    elif isinstance(entry, VotingClosed) and replay.closed is None:
        replay.closed, replay.closed_at = entry, index


def _replay_submission(rec: Recorder, replay: _Replay, index: int, entry: BallotSubmitted) -> None:
    bid, did = entry.ballot_id, entry.did
    where = {"file": ENTRIES_FILE, "ballot_id": bid}
    with rec.timed("B.4"):
        rec.expect(
            verify_submission(did, replay.h_e, entry.ballot, entry.contest_data_proofs, entry.signature),
            "B.4",
            f"entry {index}: the signature of {did} over (H_E, the ballot, its contest data proofs) does not verify",
            **where,
        )
    with rec.timed("B.8"):
        problems = contest_data_proof_problems(replay.h_e, entry)
        rec.expect(not problems, "B.8", f"entry {index}: " + "; ".join(problems), **where)
    if replay.roster is not None:
        rec.expect(replay.roster.contains(did), "B.5", f"entry {index}: {did} is not on the roster", **where)
    if bid in replay.logged:
        rec.failed(
            Finding(
                "B.6", f"entry {index}: the ballot id was submitted before (entry {replay.logged[bid].index})", **where
            )
        )
        return
    replay.logged[bid] = _Logged(did, entry.ballot.state, ballot_digest(entry.ballot), index)
    pending = replay.pending.pop(did, None)
    if entry.ballot.state is not BallotState.CAST:
        if pending is not None:
            rec.failed(Finding("B.6", f"entry {index}: a challenged ballot cannot replace a counted one", **where))
        return
    if did not in replay.counted:
        rec.expect(pending is None, "B.6", f"entry {index}: superseded, though {did} had no counted ballot", **where)
    else:
        rec.expect(
            pending is not None and pending[0] == bid and pending[1] == index - 1,
            "B.6",
            f"entry {index}: {did} already has the counted ballot {replay.counted[did]!r} and the log does not "
            "supersede it right before",
            **where,
        )
    replay.counted[did] = bid


def contest_data_proof_problems(h_e: UInt256, entry: BallotSubmitted) -> list[str]:
    """B.8 for one submission: a proof of knowledge of the nonce per contest, in order, each verifying."""
    ballot, proofs = entry.ballot, entry.contest_data_proofs
    problems = [
        f"contest {contest.contest_id!r}: the proof of knowledge of the contest data's nonce does not verify"
        for contest, proof in zip(ballot.contests, proofs)
        if not verify_pad_knowledge(h_e, ballot.confirmation_code, contest.sequence_order, contest.contest_data, proof)
    ]
    problems += [
        f"contest {contest.contest_id!r}: no proof of knowledge of the contest data's nonce"
        for contest in ballot.contests[len(proofs) :]
    ]
    if len(proofs) > len(ballot.contests):
        problems.append(f"{len(proofs) - len(ballot.contests)} contest data proof(s) for no contest of the ballot")
    return problems


def _replay_supersession(rec: Recorder, replay: _Replay, index: int, entry: BallotSuperseded) -> None:
    counted = replay.counted.get(entry.did)
    rec.expect(
        counted == entry.old_ballot_id,
        "B.6",
        f"entry {index}: supersedes {entry.old_ballot_id!r}, but the counted ballot of {entry.did} is {counted!r}",
        file=ENTRIES_FILE,
        ballot_id=entry.old_ballot_id,
    )
    replay.pending[entry.did] = (entry.new_ballot_id, index)


def _finish_replay(rec: Recorder, replay: _Replay, size: int, ctx: BallotContext, h_m: UInt256) -> None:
    for _did, (bid, index) in sorted(replay.pending.items()):
        rec.failed(Finding("B.6", f"entry {index}: supersedes with {bid!r}, which never follows", file=ENTRIES_FILE))
    published = replay.published
    if published is not None:
        problems = []
        if published.h_e != ctx.h_e:
            problems.append(f"H_E {published.h_e.hex()} is not the record's")
        if published.joint_key != ctx.joint_key:
            problems.append("the joint key K is not the record's")
        if published.manifest_hash != h_m:
            problems.append(f"H_M {published.manifest_hash.hex()} is not the record's")
        if replay.roster is not None and published.roster_root != replay.roster.root:
            problems.append("the roster root is not the root of board/roster.json")
        rec.expect(not problems, "B.7", "the log's election: " + "; ".join(problems), file=ENTRIES_FILE)
    elif size == 0:
        rec.failed(Finding("B.7", "the log is empty", file=ENTRIES_FILE))
    closed = replay.closed
    if closed is None:
        rec.failed(Finding("B.7", "the log does not end with the close of voting", file=ENTRIES_FILE))
        return
    counted = set(replay.counted.values())
    rec.expect(
        closed.counted_count == len(counted) and closed.counted_root == counted_ids_root(counted),
        "B.7",
        f"entry {replay.closed_at}: the close counts {closed.counted_count} ballots; the log's counted ballots "
        f"are {len(counted)}" + ("" if closed.counted_count != len(counted) else " with another root"),
        file=ENTRIES_FILE,
    )


def _compare_ballots(record: ElectionRecord, rec: Recorder, replay: _Replay, decrypted_ids: Collection[str]) -> None:
    """B.3: the record's ballots against the log's (by digest), streaming the record's ballots; then
    every challenged ballot of the log in the record, with its decryption."""
    counted = set(replay.counted.values())
    seen: set[str] = set()
    challenged: set[str] = set()
    for path in record.encrypted_ballot_paths():
        label = path.relative_to(record.root).as_posix()
        try:
            ballot = record.read_encrypted_ballot(path)
        except RecordError:
            continue  # reported by the ballot checks (5.A-6.C) already
        bid = ballot.ballot_id
        seen.add(bid)
        if ballot.state is BallotState.SPOILED:
            challenged.add(bid)
        logged = replay.logged.get(bid)
        where = {"file": label, "ballot_id": bid}
        if logged is None:
            rec.failed(Finding("B.3", "the ballot is not on the board's log", **where))
        elif ballot.state is BallotState.CAST and bid not in counted:
            why = "superseded on the log" if logged.state is BallotState.CAST else "challenged on the log"
            rec.failed(Finding("B.3", f"a CAST ballot of the record is not counted: it is {why}", **where))
        elif ballot.state is not logged.state:
            rec.failed(Finding("B.3", f"{ballot.state.value} in the record, {logged.state.value} on the log", **where))
        else:
            rec.expect(
                ballot_digest(ballot) == logged.digest,
                "B.3",
                f"the ballot differs from the one submitted in entry {logged.index}",
                **where,
            )
    for bid in sorted(counted - seen):
        rec.failed(
            Finding("B.3", "a counted ballot of the log is missing from the record", file=ENTRIES_FILE, ballot_id=bid)
        )
    _check_challenged_published(rec, replay, seen, challenged, decrypted_ids)


def _check_challenged_published(
    rec: Recorder, replay: _Replay, seen: set[str], challenged: set[str], decrypted_ids: Collection[str]
) -> None:
    """B.3: every challenged submission of the log is a challenged ballot of the record, decrypted."""
    decrypted = set(decrypted_ids)
    for bid, logged in sorted(replay.logged.items()):
        if logged.state is not BallotState.SPOILED or (bid in seen and bid not in challenged):
            continue  # a CAST ballot of the record under a challenged id is reported above
        where = {"file": challenged_ballot_label(bid), "ballot_id": bid}
        if bid not in seen:
            rec.failed_at(
                "B.3",
                f"the ballot challenged in entry {logged.index} of the log is missing from the record",
                dict(where, file=ENTRIES_FILE),
            )
        else:
            rec.expect(
                bid in decrypted,
                "B.3",
                f"the ballot challenged in entry {logged.index} of the log is not published decrypted",
                **where,
            )
