"""The ballot board: the rules by which submissions become entries of the transparency log.

``BallotBoard`` accepts a submission (encrypted ballot, voter DID, voter signature, and the voter's
proofs of knowledge of the contest data nonces) only when

1. the election is published on the log and voting is not closed (409 otherwise);
2. the DID is a well-formed did:key (400) on the registrar's signed roster (403);
3. the ballot is for this election: its election id is H_E, spec 2.0.0 eq. 23 (422);
4. the voter's signature over (H_E, the whole encrypted ballot, its contest data proofs) verifies
   (``engine.credentials.did``) (403): nobody between the voter and the board can change its state, id,
   ciphertexts, proofs, contest data or B_aux;
5. its B_aux is the election's B_aux,0 (``election_config.json``), the one every online ballot
   carries (online elections do not chain codes, ``engine.server.service``) (422);
6. the ballot id is new (409), unless the submission is an exact replay of one already accepted,
   which gets the same receipt and adds nothing; its confirmation code H(B) (eq. 58) is new too
   (409: refuses a copy of another voter's ballot under a fresh id);
7. none of its ciphertexts is already on the board (409; nor twice in the ballot, 422): the pad
   alpha = g^xi of every selection's ciphertext (eq. 24), C0 = g^xi of every contest's data (eq. 50)
   and of the serial number's ciphertext. A fresh encryption has fresh nonces, so this refuses
   exactly the copies: Cortier and Smyth's ballot copying (a voter re-submitting another's
   ciphertexts and proofs under a new id and B_aux, which counts that vote twice and reveals it in
   a small election) and a re-vote that re-uses the voter's own earlier ciphertexts. Indexing the
   pads rather than (alpha, beta) pairs also refuses contest data whose C0 is another ballot's
   alpha, whose decryption (of a challenged ballot) would publish K^xi and with it that vote;
8. its DID has made fewer than ``max_submissions_per_did`` accepted submissions (429; a replay does
   not count): one voter cannot fill the log;
9. the injected ``ballot_checker`` finds nothing wrong (422): the server passes the verifier's
   per-ballot checks (subgroup membership, range proofs eq. 46 and 56, contest hashes, H(B));
10. every contest's data comes with a proof that the voter knows its nonce xi, C0 = g^xi
   (``engine.proofs.pad_knowledge``), one per contest in the ballot's order, none missing, none extra
   (422, naming the contest). The spec gives contest data no proof, and decrypting a challenged
   ballot publishes C0^s (eq. 81): without this rule a voter could submit C0 = alpha_A g^t, alpha_A the
   pad of another voter's selection, and learn that voter's vote from the decryption. (Rule 7 refuses
   C0 = alpha_A itself, not its multiples.) It runs after the checker, which has put C0 in the
   order-q subgroup (the proof is sound only there).

An accepted CAST ballot from a DID that already has one appends ``BallotSuperseded`` and then
``BallotSubmitted`` in one transaction: one counted ballot per DID, and the log says which one was
replaced. A SPOILED (challenged, docs/PROTOCOL.md deviation 6) ballot is logged but never counted and
supersedes nothing. Every refusal raises ``BoardError(reason, status)`` before anything is written.

The board keeps its index (ballot id -> leaf, DID -> counted ballot id, H(B) -> ballot id,
ciphertext pad -> ballot id, DID -> number of submissions) in the log's storage, written in the same
transaction as the entries, so it survives restarts and crashes. The checks that depend on the
board's state and the append run under one lock per storage object: one process writes a board's
database (several processes would need their own coordination).

Group commit: the submissions that passed every check go to a sequencer (``engine.board.sequencer``)
that appends them in batches, one transaction, one fsync and one signed head per batch. Under the
lock it checks each submission of the batch again, in arrival order, against the board *and the
batch so far* (rules 1, 6, 7, 8; a submission whose stateless checks, rules 9 and 10, were made before
and passed, has rules 6-8 checked there only, which words their refusals the same): a copy of a
ballot earlier in the batch is refused 409, an exact
replay gets the earlier one's receipt, a DID's later CAST ballot supersedes its earlier one, the cap
counts the batch's submissions. A submission is acknowledged only once its batch is durable; a
crash before that loses the whole batch, none of it acknowledged. ``_append`` is the one place the
board makes a new head: ``head_listeners`` are called there with it, once per batch, after it is
durable and before any submission of the batch is acknowledged.
Each acceptance returns a ``Receipt``: the leaf index, the board's signed head of its batch's tree
(the first head that covers the leaf), and the RFC 9162 inclusion proof of the leaf in that tree.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engine.board.entries import (
    BallotSubmitted,
    BallotSuperseded,
    ElectionPublished,
    EntryError,
    PreparedSubmitted,
    VotingClosed,
    canonical_json,
    check_contest_data_proofs,
    counted_ids_root,
    decode_entry,
    encode_entry,
)
from engine.board.log import TransparencyLog
from engine.board.merkle import leaf_hash, verify_inclusion
from engine.board.sequencer import GroupCommit, Sequencer, Ticket
from engine.board.sth import SignedTreeHead, TreeHeadError, verify_sth
from engine.credentials.did import CredentialError, public_key_from_did, verify_submission
from engine.credentials.roster import SignedRoster, verify_roster
from engine.election import BallotState, ElectionInitialized, EncryptedBallot
from engine.errors import BallotchainError
from engine.group import ElementModP
from engine.hash import UInt256
from engine.proofs.pad_knowledge import PadKnowledgeProof, verify_pad_knowledge
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot

BallotChecker = Callable[[EncryptedBallot], list[str]]

BALLOT_INDEX = "ballot/"
COUNTED_INDEX = "cast/"
CODE_INDEX = "code/"
PAD_INDEX = "pad/"
SUBMISSIONS_INDEX = "submissions/"
CLOSED_INDEX = "state/closed"
DEFAULT_MAX_SUBMISSIONS_PER_DID = 5
INDEX_READ_CHUNK = 900  # keys a query (SQLite builds before 3.32 take at most 999 parameters)


class BoardError(BallotchainError):
    """A refused submission or request: ``reason`` for the client, ``status`` an HTTP 4xx code.

    400 malformed input; 403 not allowed to vote (not on the roster, bad signature); 409 conflicts
    with the board's state (closed, not published, ballot id, confirmation code or a ciphertext
    already used); 422 the ballot itself is wrong (another election, another B_aux, a failed proof or
    check); 429 the DID has made as many submissions as one voter may.
    """

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class BoardSetupError(BallotchainError, ValueError):
    """The board cannot run with this log, election and roster (they do not belong together)."""


@dataclass(frozen=True)
class Receipt:
    """Proof for a voter that a submission is on the board (the leaf, its tree, the way up)."""

    ballot_id: str
    confirmation_code: UInt256
    leaf_index: int
    inclusion_proof: tuple[bytes, ...]
    sth: SignedTreeHead
    entry_timestamp: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ballot_id": self.ballot_id,
            "confirmation_code": self.confirmation_code.hex(),
            "leaf_index": self.leaf_index,
            "inclusion_proof": [p.hex().upper() for p in self.inclusion_proof],
            "sth": self.sth.to_json(),
        }
        if self.entry_timestamp is not None:
            out["entry_timestamp"] = self.entry_timestamp
        return out

    @classmethod
    def from_json(cls, obj: Any) -> Receipt:
        """A receipt from its JSON object; BoardError(400) if malformed."""
        required = {"ballot_id", "confirmation_code", "leaf_index", "inclusion_proof", "sth"}
        if not isinstance(obj, dict) or not required <= obj.keys() or not obj.keys() <= required | {"entry_timestamp"}:
            raise BoardError(f"a receipt is an object with {', '.join(sorted(required))} (and entry_timestamp)")
        try:
            proof = obj["inclusion_proof"]
            if not isinstance(proof, list):
                raise ValueError("inclusion_proof is a list")
            ballot_id, index, stamp = obj["ballot_id"], obj["leaf_index"], obj.get("entry_timestamp")
            if not isinstance(ballot_id, str) or not ballot_id:
                raise ValueError("ballot_id is a non-empty string")
            if not isinstance(obj["confirmation_code"], str):
                raise ValueError("confirmation_code is a hex string")
            if isinstance(index, bool) or not isinstance(index, int) or index < 0:
                raise ValueError("leaf_index is a non-negative integer")
            if stamp is not None and (isinstance(stamp, bool) or not isinstance(stamp, int)):
                raise ValueError("entry_timestamp is an integer")
            return cls(
                ballot_id=ballot_id,
                confirmation_code=UInt256.from_hex(obj["confirmation_code"]),
                leaf_index=index,
                inclusion_proof=tuple(bytes.fromhex(p) for p in proof),
                sth=SignedTreeHead.from_json(obj["sth"]),
                entry_timestamp=stamp,
            )
        except (TypeError, ValueError, TreeHeadError) as exc:
            raise BoardError(f"malformed receipt: {exc}") from exc


def receipt_leaf_hash(
    receipt: Receipt,
    ballot: EncryptedBallot,
    did: str,
    signature: bytes,
    contest_data_proofs: tuple[PadKnowledgeProof, ...],
) -> bytes | None:
    """The leaf hash the submission (ballot, did, signature, contest data proofs) has on the board, per the
    receipt."""
    if receipt.entry_timestamp is None:
        return None
    try:
        entry = BallotSubmitted(
            ballot.ballot_id,
            did,
            ballot.confirmation_code,
            signature,
            ballot,
            receipt.entry_timestamp,
            contest_data_proofs,
        )
    except EntryError:
        return None
    return leaf_hash(encode_entry(entry))


def verify_receipt(
    receipt: Receipt,
    board_public_key: bytes,
    ballot: EncryptedBallot,
    did: str,
    signature: bytes,
    contest_data_proofs: tuple[PadKnowledgeProof, ...],
) -> bool:
    """Does the receipt prove that this exact submission is a leaf of a head signed by the board?"""
    if receipt.ballot_id != ballot.ballot_id or receipt.confirmation_code != ballot.confirmation_code:
        return False
    leaf = receipt_leaf_hash(receipt, ballot, did, signature, contest_data_proofs)
    if leaf is None or not verify_sth(receipt.sth, board_public_key):
        return False
    return verify_inclusion(
        leaf, receipt.leaf_index, receipt.sth.tree_size, list(receipt.inclusion_proof), receipt.sth.root
    )


_LOCKS: weakref.WeakKeyDictionary[object, threading.RLock] = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def _lock_for(storage: object) -> threading.RLock:
    """One lock per storage object, shared by every board on it (checks and append are atomic)."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(storage)
        if lock is None:
            lock = _LOCKS[storage] = threading.RLock()
        return lock


def _ballot_bytes(ballot: BoardBallot) -> bytes:
    if isinstance(ballot, PreparedBallot):
        return ballot.ballot_json
    return canonical_json(encode_encrypted_ballot(ballot))


def ciphertext_pads(ballot: EncryptedBallot) -> list[tuple[str, ElementModP]]:
    """Where each ciphertext of the ballot is, and its pad g^xi: every selection's alpha (eq. 24), every
    contest data's C0 (eq. 50), the serial number's alpha."""
    out: list[tuple[str, ElementModP]] = []
    for contest in ballot.contests:
        for selection in contest.selections:
            out.append((f"selection {contest.contest_id}/{selection.selection_id}", selection.ciphertext.pad))
        out.append((f"the contest data of {contest.contest_id}", contest.contest_data.c0))
    if ballot.encrypted_sn is not None:
        out.append(("the serial number", ballot.encrypted_sn.pad))
    return out


def pad_key(pad: ElementModP) -> str:
    """The index key of a ciphertext pad: SHA-256 of b(alpha, l_p), spec 5.1.1."""
    return PAD_INDEX + hashlib.sha256(pad.to_bytes()).hexdigest()


@dataclass(frozen=True)
class PreparedBallot:
    """What the board's rules look at in an encrypted ballot (spec 2.0.0 section 3.3): its ids, election id H_E,
    confirmation code H(B) (eq. 58), B_aux, state, the index keys of its ciphertext pads (rule 7, with where each
    is), and its canonical egk JSON for its entry. Made where the ballot is decoded and checked (the server's
    checking processes), so that the serving process never holds nor unpickles the decoded ballot."""

    ballot_id: str
    encrypting_device: str
    election_id: UInt256
    confirmation_code: UInt256
    code_baux: bytes
    state: BallotState
    pad_keys: tuple[tuple[str, str], ...]
    ballot_json: bytes

    @classmethod
    def of(cls, ballot: EncryptedBallot, ballot_json: bytes | None = None) -> PreparedBallot:
        """``ballot_json``: the ballot's canonical egk JSON when the caller has already encoded it."""
        return cls(
            ballot.ballot_id,
            ballot.encrypting_device,
            ballot.election_id,
            ballot.confirmation_code,
            ballot.code_baux,
            ballot.state,
            tuple(_pad_keys(ballot)),
            _ballot_bytes(ballot) if ballot_json is None else ballot_json,
        )


BoardBallot = EncryptedBallot | PreparedBallot


def _pad_keys(ballot: BoardBallot) -> Sequence[tuple[str, str]]:
    if isinstance(ballot, PreparedBallot):
        return ballot.pad_keys
    return [(where, pad_key(pad)) for where, pad in ciphertext_pads(ballot)]


def contest_data_proof_problems(
    h_e: UInt256, ballot: EncryptedBallot, proofs: tuple[PadKnowledgeProof, ...]
) -> list[str]:
    """What is wrong with the proofs of knowledge of the ballot's contest data nonces (rule 10), naming the
    contest: a proof missing, malformed or not verifying; proofs beyond the ballot's contests. [] if none."""
    if not isinstance(proofs, tuple):
        return ["the contest data proofs are not a list of proofs"]
    problems: list[str] = []
    for i, contest in enumerate(ballot.contests):
        where = f"the contest data of contest {contest.contest_id!r}"
        if i >= len(proofs):
            problems.append(f"no proof of knowledge of the nonce of {where}")
        elif not isinstance(proofs[i], PadKnowledgeProof):
            problems.append(f"the proof of knowledge of the nonce of {where} is malformed")
        elif not verify_pad_knowledge(
            h_e, ballot.confirmation_code, contest.sequence_order, contest.contest_data, proofs[i]
        ):
            problems.append(
                f"the proof of knowledge of the nonce of {where} does not verify (C0 must be g^xi for a xi the "
                "voter knows)"
            )
    if len(proofs) > len(ballot.contests):
        problems.append(
            f"{len(proofs)} contest data proofs for {len(ballot.contests)} contests: proof "
            f"{len(ballot.contests)} and beyond are for no contest of the ballot"
        )
    return problems


@dataclass(frozen=True)
class BatchCommitted:
    """What one batch did (for the server's metrics): submissions in it, accepted ones, entries appended, the
    seconds its append took (one transaction, fsync and signed head included), the new tree size."""

    submissions: int
    accepted: int
    entries: int
    seconds: float
    tree_size: int


@dataclass(frozen=True)
class Prechecked:
    """The stateless checks of a submission made before it reaches the board (the server's checking processes,
    engine.server.checker): rule 4's signature, rule 9's checker findings, rule 10's proof problems. The board
    applies them at their rules' places, so a submission is refused for the same reason as if the board had
    made them. ``ballot_problems``/``contest_data_problems`` None: not made (the board makes them)."""

    signature_valid: bool
    ballot_problems: tuple[str, ...] | None
    contest_data_problems: tuple[str, ...] | None


@dataclass(frozen=True)
class _Submission:
    """A submission that passed the checks and waits for its batch."""

    ballot: BoardBallot
    did: str
    signature: bytes
    proofs: tuple[PadKnowledgeProof, ...]


@dataclass(frozen=True)
class _LoggedSubmission:
    """A logged ballot_submitted entry as the board compares replays with it and acknowledges it: its fields,
    the ballot as its canonical egk JSON."""

    ballot_id: str
    did: str
    confirmation_code: UInt256
    signature: bytes
    proofs: tuple[PadKnowledgeProof, ...]
    ballot_json: bytes
    timestamp: int

    @classmethod
    def of(cls, entry: BallotSubmitted) -> _LoggedSubmission:
        return cls(
            entry.ballot_id,
            entry.did,
            entry.confirmation_code,
            entry.signature,
            entry.contest_data_proofs,
            _ballot_bytes(entry.ballot),
            entry.timestamp,
        )

    def is_replayed_by(self, s: _Submission) -> bool:
        """Is ``s`` this very submission again (DID, signature, proofs, ballot bytes)?"""
        return (
            self.did == s.did
            and self.signature == s.signature
            and self.proofs == s.proofs
            and self.ballot_json == _ballot_bytes(s.ballot)
        )


@dataclass(frozen=True)
class _Logged:
    """Where the sequencer logged a submission: its leaf and the signed head of its batch."""

    leaf_index: int
    entry: _LoggedSubmission
    head: SignedTreeHead


class BallotBoard:
    """The election's bulletin board: submissions in, entries and receipts out (see module doc)."""

    def __init__(
        self,
        log: TransparencyLog,
        election: ElectionInitialized,
        roster: SignedRoster,
        ballot_checker: BallotChecker,
        *,
        max_submissions_per_did: int = DEFAULT_MAX_SUBMISSIONS_PER_DID,
        group_commit: GroupCommit | None = None,
    ) -> None:
        if not isinstance(election, ElectionInitialized):
            raise BoardSetupError("the election must be an ElectionInitialized")
        if not isinstance(roster, SignedRoster) or not verify_roster(roster):
            raise BoardSetupError("the roster does not verify (registrar signature, sorted DIDs, root)")
        self.h_e: UInt256 = election.extended_base_hash
        if not roster.is_bound_to(self.h_e, election.config.manifest_hash):
            raise BoardSetupError(f"the roster is bound to another election ({roster.binding} differs)")
        if not callable(ballot_checker):
            raise BoardSetupError("the ballot checker must be callable")
        if isinstance(max_submissions_per_did, bool) or not isinstance(max_submissions_per_did, int):
            raise BoardSetupError("the number of submissions per DID is an integer")
        if max_submissions_per_did < 1:
            raise BoardSetupError(f"a DID must be allowed at least one submission, not {max_submissions_per_did}")
        self.max_submissions_per_did = max_submissions_per_did
        self.log = log
        self.election = election
        self.roster = roster
        self.group = election.joint_public_key.group
        self.baux: bytes = election.config.baux0
        self._checker = ballot_checker
        self._lock = _lock_for(log.storage)
        self._published = False
        self._open_as_of: int | None = None
        self._sequencer: Sequencer[_Submission, _Logged | Receipt] = Sequencer(self._commit_batch, group_commit)
        self.head_listeners: list[Callable[[SignedTreeHead], None]] = []
        self.batch_listeners: list[Callable[[BatchCommitted], None]] = []
        if log.size > 0:
            self._check_published(decode_entry(log.entry(0), self.group))

    # -- state ----------------------------------------------------------------------------
    def _index(self, key: str) -> str | None:
        return self.log.storage.get(key)

    @property
    def is_published(self) -> bool:
        """Is the election_published entry on the log? (once it is, it stays: the log only grows)"""
        if not self._published:
            self._published = self.log.size > 0
        return self._published

    @property
    def is_closed(self) -> bool:
        return self._index(CLOSED_INDEX) is not None

    def _election_entry(self, timestamp: int) -> ElectionPublished:
        return ElectionPublished(
            h_e=self.h_e,
            joint_key=self.election.joint_public_key,
            manifest_hash=self.election.config.manifest_hash,
            roster_root=self.roster.root,
            timestamp=timestamp,
        )

    def _check_published(self, first: object) -> ElectionPublished:
        if not isinstance(first, ElectionPublished):
            raise BoardSetupError("the log's first entry is not election_published")
        expected = self._election_entry(first.timestamp)
        if first != expected:
            raise BoardSetupError("this log belongs to another election or roster (H_E, K, H_M or roster root differ)")
        return first

    def publish_election(self) -> ElectionPublished:
        """Append the election_published entry (the first leaf); idempotent."""
        with self._lock:
            if self.log.size == 0:
                self._append([self._election_entry(self.log.timestamp())], {})
            return self._check_published(decode_entry(self.log.entry(0), self.group))

    # -- submissions ----------------------------------------------------------------------
    def submit(
        self,
        ballot: BoardBallot,
        did: str,
        signature: bytes,
        contest_data_proofs: tuple[PadKnowledgeProof, ...],
        prechecked: Prechecked | None = None,
    ) -> Receipt:
        """Accept a signed ballot with its contest data proofs and return its receipt once its batch is durable,
        or raise BoardError (nothing of it logged). ``prechecked``: its stateless checks, already made; with a
        PreparedBallot they must be given (the board cannot check a ballot it does not hold)."""
        with self._sequencer.arriving():
            replay = self._check_submission(ballot, did, signature, contest_data_proofs, prechecked)
        if replay is not None:
            return replay
        return self._acknowledge(self._sequencer.run(_Submission(ballot, did, signature, contest_data_proofs)))

    def submit_batch(
        self, submissions: Sequence[tuple[EncryptedBallot, str, bytes, tuple[PadKnowledgeProof, ...]]]
    ) -> list[Receipt | BoardError]:
        """Submit (ballot, did, signature, contest data proofs) tuples as one batch: one transaction and one
        signed head for all that are accepted; each one's receipt or refusal, in order."""
        outcomes: list[Receipt | BoardError | Ticket[_Submission, _Logged | Receipt]] = []
        for ballot, did, signature, proofs in submissions:
            try:
                replay = self._check_submission(ballot, did, signature, proofs)
                outcomes.append(replay if replay is not None else Ticket(_Submission(ballot, did, signature, proofs)))
            except BoardError as exc:
                outcomes.append(exc)
        tickets = [t for t in outcomes if isinstance(t, Ticket)]
        if tickets:
            self._commit_batch(tickets)
        out: list[Receipt | BoardError] = []
        for outcome in outcomes:
            if not isinstance(outcome, Ticket):
                out.append(outcome)
                continue
            try:
                out.append(self._acknowledge(outcome.outcome()))
            except BoardError as exc:
                out.append(exc)
        return out

    def _acknowledge(self, logged: _Logged | Receipt) -> Receipt:
        """The receipt of a submission its batch logged (inclusion in the batch's head)."""
        if isinstance(logged, Receipt):
            return logged
        proof = self.log.inclusion_proof(logged.leaf_index, logged.head.tree_size)
        entry = logged.entry
        return Receipt(
            entry.ballot_id, entry.confirmation_code, logged.leaf_index, tuple(proof), logged.head, entry.timestamp
        )

    def _check_submission(
        self,
        ballot: BoardBallot,
        did: str,
        signature: bytes,
        contest_data_proofs: tuple[PadKnowledgeProof, ...],
        prechecked: Prechecked | None = None,
    ) -> Receipt | None:
        """Every check that needs no lock (rules 1-10 against the board as it is now); the receipt of a replay."""
        self._check_input(ballot, did, signature, contest_data_proofs)
        if isinstance(ballot, PreparedBallot) and prechecked is None:
            raise BoardError("a prepared ballot comes with its checks (Prechecked)", 400)
        self._check_open(fresh=False)
        if not self.roster.contains(did):
            raise BoardError("the DID is not on the roster of eligible voters", 403)
        if ballot.election_id != self.h_e:
            raise BoardError("the ballot is for another election (its election id is not H_E)", 422)
        signed = (
            prechecked.signature_valid
            if prechecked is not None
            else verify_submission(did, self.h_e, ballot, contest_data_proofs, signature)  # type: ignore[arg-type]
        )
        if not signed:
            raise BoardError(
                "the signature does not verify for this DID over (H_E, the whole ballot, its contest data proofs)",
                403,
            )
        if ballot.code_baux != self.baux:
            raise BoardError(
                "the ballot's B_aux is not the election's (B_aux,0 of election_config.json, which every online "
                "ballot's confirmation code uses)",
                422,
            )
        if prechecked is not None and prechecked.ballot_problems == () and prechecked.contest_data_problems == ():
            # Rules 9 and 10 hold, so rules 6-8 decide: its batch checks them (a replay, a reused id, code or
            # ciphertext, the cap), in the same order and words, against the board and the batch (_commit_batch).
            return None
        submission = _Submission(ballot, did, signature, contest_data_proofs)
        replay = self._replay(submission)
        if replay is not None:
            return replay
        try:
            self._check_new(ballot, did, self.log.storage.get_many)
        except BoardError:
            # The same submission may have been logged by another thread since the replay check.
            replay = self._replay(submission)
            if replay is not None:
                return replay
            raise
        self._run_checker(ballot, prechecked.ballot_problems if prechecked is not None else None)
        self._check_contest_data_proofs(
            ballot, contest_data_proofs, prechecked.contest_data_problems if prechecked is not None else None
        )
        return None

    def _commit_batch(self, batch: list[Ticket[_Submission, _Logged | Receipt]]) -> None:
        """The sequencer's commit: re-check each submission in order against the board and the batch so far
        (rules 1, 6, 7, 8), append the accepted ones in one transaction with one signed head, settle each."""
        with self._lock:
            try:
                self._check_open()
            except BoardError as exc:
                for ticket in batch:
                    ticket.refuse(exc)
                return
            batch_index: dict[str, str] = {}
            batch_entries: dict[int, _LoggedSubmission] = {}
            stored = self._stored_index(batch)

            def lookup(keys: list[str]) -> dict[str, str]:
                found = {key: batch_index[key] for key in keys if key in batch_index}
                unread = []
                for key in keys:
                    if key in found:
                        continue
                    if key not in stored:
                        unread.append(key)
                    elif stored[key] is not None:
                        found[key] = stored[key]  # type: ignore[assignment]
                if unread:
                    found.update(self.log.storage.get_many(unread))
                return found

            def index(key: str) -> str | None:
                return lookup([key]).get(key)

            def entry_at(leaf: int) -> _LoggedSubmission | None:
                found = batch_entries.get(leaf)
                return found if found is not None else self._logged_at(leaf)

            size = self.log.size
            entries: list[PreparedSubmitted | BallotSuperseded] = []
            logged: list[tuple[Ticket[_Submission, _Logged | Receipt], int]] = []
            for ticket in batch:
                s = ticket.item
                try:
                    earlier = self._replayed_leaf(s, index, entry_at)
                    if earlier is None:
                        self._check_new(s.ballot, s.did, lookup)
                        new, logged_submission, updates = self._submission_entries(s, size + len(entries), index)
                        entries.extend(new)
                        batch_index.update(updates)
                        earlier = size + len(entries) - 1
                        batch_entries[earlier] = logged_submission
                    logged.append((ticket, earlier))
                except BoardError as exc:
                    ticket.refuse(exc)
            head = None
            if entries:
                started = time.perf_counter()
                head = self._append(
                    [e.encode() if isinstance(e, PreparedSubmitted) else e for e in entries], batch_index
                )
                committed = BatchCommitted(
                    len(batch), len(logged), len(entries), time.perf_counter() - started, head.tree_size
                )
                for listener in tuple(self.batch_listeners):
                    listener(committed)
            for ticket, leaf in logged:
                entry = entry_at(leaf)
                assert entry is not None
                if head is not None and leaf >= size:
                    ticket.accept(_Logged(leaf, entry, head))
                else:
                    ticket.accept(self._receipt(leaf, entry))

    def _stored_index(self, batch: list[Ticket[_Submission, _Logged | Receipt]]) -> dict[str, str | None]:
        """The index entries the rules read for the batch's submissions (None: no entry), read in a few queries
        before the batch is checked (under the lock: nothing else writes while it is)."""
        keys: list[str] = []
        for ticket in batch:
            s = ticket.item
            keys += [BALLOT_INDEX + s.ballot.ballot_id, CODE_INDEX + s.ballot.confirmation_code.hex()]
            keys += [SUBMISSIONS_INDEX + s.did, COUNTED_INDEX + s.did, *(key for _, key in _pad_keys(s.ballot))]
        keys = list(dict.fromkeys(keys))
        out: dict[str, str | None] = dict.fromkeys(keys)
        for at in range(0, len(keys), INDEX_READ_CHUNK):
            out.update(self.log.storage.get_many(keys[at : at + INDEX_READ_CHUNK]))
        return out

    def _append(self, entries: list[Any], kv: dict[str, str]) -> SignedTreeHead:
        """Append entries with their index updates in one durable transaction and sign the new head: the one
        place the board makes a head (``on_new_head`` listeners are called here, once per batch)."""
        size = self.log.size
        first, head = self.log.append_many(entries, kv=kv)
        if first != size:
            raise BoardSetupError("the log grew while the board held its lock: two writers on one log?")
        for listener in tuple(self.head_listeners):
            listener(head)
        return head

    def _check_input(self, ballot: object, did: object, signature: object, proofs: object) -> None:
        if not isinstance(ballot, (EncryptedBallot, PreparedBallot)):
            raise BoardError("the ballot is not an encrypted ballot", 400)
        try:
            check_contest_data_proofs(proofs)
        except EntryError as exc:
            raise BoardError(f"the ballot is invalid: {exc}", 422) from exc
        if not isinstance(signature, bytes) or len(signature) != 64:
            raise BoardError("the signature is not 64 bytes (Ed25519)", 400)
        if isinstance(did, str) and self.roster.contains(did):
            return  # every DID of a verified roster is a well-formed did:key (roster_problems)
        try:
            public_key_from_did(did)  # type: ignore[arg-type]
        except CredentialError as exc:
            raise BoardError(f"malformed DID: {exc}", 400) from exc

    def _check_open(self, *, fresh: bool = True) -> None:
        """Rule 1. ``fresh`` False: the board may be taken as open when it was open at the storage's last write
        (only an append closes it; each batch checks again, from the database, before it appends)."""
        if not self.is_published:
            raise BoardError("the election is not published on the board yet", 409)
        writes = self.log.storage.writes
        if not fresh and self._open_as_of == writes:
            return
        if self.is_closed:
            raise BoardError("voting is closed", 409)
        self._open_as_of = writes

    def _check_new(self, ballot: BoardBallot, did: str, lookup: Callable[[list[str]], dict[str, str]]) -> None:
        """Refuse a reused confirmation code or ciphertext, and a DID over its number of submissions, per
        ``lookup`` (the board's index, or the board's with the batch so far), read in one query."""
        code_key, made_key = CODE_INDEX + ballot.confirmation_code.hex(), SUBMISSIONS_INDEX + did
        pads = _pad_keys(ballot)
        found = lookup([code_key, made_key, *(key for _, key in pads)])
        if code_key in found:
            raise BoardError("a ballot with this confirmation code is already on the board", 409)
        seen: dict[str, str] = {}
        for where, key in pads:
            if key in seen:
                raise BoardError(f"the ballot uses one ciphertext nonce twice ({seen[key]} and {where})", 422)
            seen[key] = where
            other = found.get(key)
            if other is not None:
                raise BoardError(
                    f"the ciphertext of {where} is already on the board (ballot {other!r}): a ballot's "
                    "ciphertexts must be fresh encryptions, not copies",
                    409,
                )
        made = int(found.get(made_key, "0"))
        if made >= self.max_submissions_per_did:
            raise BoardError(f"this DID has made {made} submissions, the most one voter may make on this board", 429)

    def _submissions(self, did: str, index: Callable[[str], str | None]) -> int:
        found = index(SUBMISSIONS_INDEX + did)
        return 0 if found is None else int(found)

    def _run_checker(self, ballot: BoardBallot, found: Sequence[str] | None = None) -> None:
        """Rule 9: the checker's findings (``found``: those it already made)."""
        if found is None:
            if isinstance(ballot, PreparedBallot):
                raise BoardError("the ballot is invalid: it was not checked", 422)
            try:
                found = self._checker(ballot)
            except BallotchainError as exc:
                raise BoardError(f"the ballot is invalid: {exc}", 422) from exc
        if found:
            raise BoardError("the ballot is invalid: " + "; ".join(str(p) for p in found), 422)

    def _check_contest_data_proofs(
        self, ballot: BoardBallot, proofs: tuple[PadKnowledgeProof, ...], found: Sequence[str] | None = None
    ) -> None:
        """Rule 10 (``found``: its problems, already looked for)."""
        if found is None and isinstance(ballot, PreparedBallot):
            raise BoardError("the ballot is invalid: its contest data proofs were not checked", 422)
        problems = contest_data_proof_problems(self.h_e, ballot, proofs) if found is None else found  # type: ignore[arg-type]
        if problems:
            raise BoardError("the ballot is invalid: " + "; ".join(problems), 422)

    def _replay(self, s: _Submission) -> Receipt | None:
        """The receipt of an identical accepted submission; BoardError(409) if the id is taken."""
        leaf = self._replayed_leaf(s, self._index, self._logged_at)
        if leaf is None:
            return None
        logged = self._logged_at(leaf)
        assert logged is not None
        return self._receipt(leaf, logged)

    def _logged_at(self, leaf: int) -> _LoggedSubmission | None:
        decoded = decode_entry(self.log.entry(leaf), self.group)
        return _LoggedSubmission.of(decoded) if isinstance(decoded, BallotSubmitted) else None

    def _replayed_leaf(
        self,
        s: _Submission,
        index: Callable[[str], str | None],
        entry_at: Callable[[int], _LoggedSubmission | None],
    ) -> int | None:
        """The leaf of an identical accepted submission (on the board or earlier in the batch), None if the
        ballot id is new; BoardError(409) if the id is taken by another submission."""
        found = index(BALLOT_INDEX + s.ballot.ballot_id)
        if found is None:
            return None
        entry = entry_at(int(found))
        if entry is not None and entry.is_replayed_by(s):
            return int(found)
        raise BoardError(f"the ballot id {s.ballot.ballot_id!r} is already used on the board", 409)

    def _submission_entries(
        self, s: _Submission, next_leaf: int, index: Callable[[str], str | None]
    ) -> tuple[list[PreparedSubmitted | BallotSuperseded], _LoggedSubmission, dict[str, str]]:
        """The entries an accepted submission appends from leaf ``next_leaf`` on (a ballot_superseded first if
        a CAST ballot replaces the DID's counted one), the submission as logged, and the index updates that
        describe them."""
        ballot, did = s.ballot, s.did
        timestamp = self.log.timestamp()
        ballot_json = _ballot_bytes(ballot)
        entry = PreparedSubmitted(
            ballot.ballot_id, did, ballot.confirmation_code, s.signature, ballot_json, timestamp, s.proofs
        )
        entries: list[PreparedSubmitted | BallotSuperseded] = []
        updates: dict[str, str] = {
            CODE_INDEX + ballot.confirmation_code.hex(): ballot.ballot_id,
            SUBMISSIONS_INDEX + did: str(self._submissions(did, index) + 1),
        }
        updates.update({key: ballot.ballot_id for _, key in _pad_keys(ballot)})
        if ballot.state == BallotState.CAST:
            previous = index(COUNTED_INDEX + did)
            if previous is not None:
                entries.append(BallotSuperseded(did, previous, ballot.ballot_id, timestamp))
            updates[COUNTED_INDEX + did] = ballot.ballot_id
        entries.append(entry)
        updates[BALLOT_INDEX + ballot.ballot_id] = str(next_leaf + len(entries) - 1)
        logged = _LoggedSubmission(
            ballot.ballot_id, did, ballot.confirmation_code, s.signature, s.proofs, ballot_json, timestamp
        )
        return entries, logged, updates

    def _receipt(self, index: int, entry: BallotSubmitted | _LoggedSubmission) -> Receipt:
        """The receipt of a logged submission: its inclusion in the first signed head that covers it (the head
        of its batch)."""
        head = self.log.storage.tree_head_covering(index) or self.log.head_for(index + 1)
        proof = self.log.inclusion_proof(index, head.tree_size)
        return Receipt(entry.ballot_id, entry.confirmation_code, index, tuple(proof), head, entry.timestamp)

    def receipt(self, ballot_id: str) -> Receipt:
        """The receipt of an accepted ballot (the head of the tree that ends with it)."""
        found = self._index(BALLOT_INDEX + ballot_id)
        if found is None:
            raise BoardError(f"no ballot {ballot_id!r} on the board", 404)
        entry = decode_entry(self.log.entry(int(found)), self.group)
        assert isinstance(entry, BallotSubmitted)
        return self._receipt(int(found), entry)

    # -- closing and counting -------------------------------------------------------------
    def counted_ballot_ids(self) -> dict[str, str]:
        """DID -> the ballot id that counts for it (the latest CAST ballot), sorted by DID."""
        return {key[len(COUNTED_INDEX) :]: value for key, value in self.log.storage.items(COUNTED_INDEX)}

    def counted_ballots(self) -> dict[str, EncryptedBallot]:
        """DID -> the CAST ballot that counts for it (superseded and SPOILED ballots excluded)."""
        out: dict[str, EncryptedBallot] = {}
        for did, ballot_id in self.counted_ballot_ids().items():
            found = self._index(BALLOT_INDEX + ballot_id)
            assert found is not None
            entry = decode_entry(self.log.entry(int(found)), self.group)
            assert isinstance(entry, BallotSubmitted)
            out[did] = entry.ballot
        return out

    def close(self) -> VotingClosed:
        """Append voting_closed (count and root of the counted ballot ids); idempotent."""
        with self._lock:
            if not self.is_published:
                raise BoardError("the election is not published on the board yet", 409)
            found = self._index(CLOSED_INDEX)
            if found is None:
                ids = list(self.counted_ballot_ids().values())
                entry = VotingClosed(self.log.timestamp(), len(ids), counted_ids_root(ids))
                self._append([entry], {CLOSED_INDEX: str(self.log.size)})
                found = self._index(CLOSED_INDEX)
                assert found is not None
            closed = decode_entry(self.log.entry(int(found)), self.group)
            assert isinstance(closed, VotingClosed)
            return closed
