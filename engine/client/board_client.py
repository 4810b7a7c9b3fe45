"""The voter's and the monitor's side of the board's API (httpx): trust nothing the board says unchecked.

- ``BoardClient`` speaks the API (engine.server.app) and decodes its answers strictly.
- ``fetch_election`` gets the election, checks it with the verifier (1.A-4.A: parameters, hashes,
  the guardians' proofs, K and H_E), against its keys file and the caller's pins, and against the
  log's first entry under a signed tree head.
- ``cast_ballot`` encrypts on the voter's machine (engine.ballot), proves knowledge of each contest
  data's nonce (engine.ballot.prove_contest_data_knowledge: without it the board refuses the ballot),
  signs (H_E, the whole ballot, the proofs) with the voter's DID key, submits, and checks the receipt:
  the board's signature on the tree head and the inclusion proof of exactly this submission.
- ``check_receipt`` proves a saved receipt's ballot is in the board's latest tree head: inclusion in
  the receipt's head, and consistency of that head with the latest one.
- ``monitor`` fetches the latest head and proves the log only grew since the last head it saw.
- With witnesses fixed in board_keys.json, a receipt also holds the board's checkpoint cosigned by k
  of them (engine.client.checkpoints), ``check_receipt`` and ``monitor`` require the latest checkpoint
  to carry k cosignatures and to extend the one held, and ``monitor`` raises ``BoardForked`` with the
  two signed checkpoints as evidence when it does not.
- Every answer is parsed with the record's strict JSON reader (depth-limited): a board cannot crash
  the client with deeply nested JSON.

The trust anchors are the board's and the registrar's public keys, fixed in the election record
before voting opens (board_keys.json, engine.board.election_keys) and served with the election. The
client checks that the board signs its heads with the board key of that file and serves a roster
signed by its registrar key; a caller who knows the keys from elsewhere (the officials' announcement)
pins them, and a board whose keys file, heads or roster differ from the pins is refused.
"""

from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from engine.ballot import encrypt_ballot, prove_contest_data_knowledge
from engine.board.board import Receipt, receipt_leaf_hash, verify_receipt
from engine.board.election_keys import ELECTION_KEYS_FILE, ElectionKeys, decode_election_keys
from engine.board.entries import (
    BallotSuperseded,
    ElectionPublished,
    EntryError,
    decode_contest_data_proofs,
    decode_entry,
    encode_contest_data_proofs,
)
from engine.board.merkle import IncrementalRoot, leaf_hash, left_subtrees, verify_consistency, verify_inclusion
from engine.board.note import VerifierKey
from engine.board.sth import SignedTreeHead, TreeHeadError, verify_sth
from engine.client.checkpoints import (
    CheckpointCheckFailed,
    ForkDetected,
    ProofsOnce,
    check_extends,
    fetch_cosigned,
    open_held,
    prove_prefix,
)
from engine.credentials.did import VoterCredential, sign_submission
from engine.credentials.roster import RosterError, SignedRoster, roster_from_json, verify_roster
from engine.election import BallotState, EncryptedBallot, PlaintextBallot
from engine.errors import BallotchainError
from engine.group import Group, group_by_name
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.proofs.proof_commitments import BallotCommitments
from engine.record import RecordError
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot, encode_encrypted_ballot
from engine.record.codecs.proof_commitments import decode_ballot_commitments, encode_ballot_commitments
from engine.record.jsonio import dumps, loads
from engine.record.reader import read_bytes
from engine.record.writer import atomic_write
from engine.server.service import ELECTION_FILES, Election
from engine.verify import verify_record

DEFAULT_TIMEOUT = 60.0
RECEIPT_KIND = "ballotchain-receipt-v2"
PENDING_KIND = "ballotchain-pending-submission-v2"
DEFINITION_FILES = tuple(name for name in ELECTION_FILES if name != ELECTION_KEYS_FILE)


class BoardClientError(BallotchainError):
    """A request that did not go through: the board refused it (``status``, its reason), the board
    cannot be reached, or the caller's own input (URL, saved receipt, state file) is malformed."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BoardCheckFailed(BoardClientError):
    """The board answered something that does not check: a bad signature or proof, a rewritten log,
    another election than the one it publishes, a malformed answer."""


class BoardForked(BoardCheckFailed):
    """The board signed two checkpoints that no one log has: ``evidence`` (engine.board.fork_evidence)."""

    def __init__(self, message: str, evidence: Any) -> None:
        super().__init__(message)
        self.evidence = evidence


def _checkpoint_step(step: Any) -> Any:
    """Run a checkpoint check; its failures are the board's (BoardCheckFailed, BoardForked for a fork)."""
    try:
        return step()
    except ForkDetected as exc:
        raise BoardForked(str(exc), exc.evidence) from None
    except CheckpointCheckFailed as exc:
        raise BoardCheckFailed(str(exc)) from None


# ---------------------------------------------------------------- decoding answers


def _hashes(values: Any, what: str) -> list[bytes]:
    if not isinstance(values, list):
        raise BoardCheckFailed(f"the board's {what} is not a list")
    out = []
    for v in values:
        try:
            h = bytes.fromhex(v)
        except (TypeError, ValueError):
            raise BoardCheckFailed(f"the board's {what} holds a value that is not hex") from None
        if len(h) != 32:
            raise BoardCheckFailed(f"the board's {what} holds a value that is not a 32-byte hash")
        out.append(h)
    return out


def _key(value: Any) -> bytes:
    try:
        key = bytes.fromhex(value)
    except (TypeError, ValueError):
        raise BoardCheckFailed("the board's public key is not hex") from None
    if len(key) != 32:
        raise BoardCheckFailed("the board's public key is not 32 bytes")
    return key


def _head(obj: Any) -> SignedTreeHead:
    try:
        return SignedTreeHead.from_json(obj)
    except TreeHeadError as exc:
        raise BoardCheckFailed(f"the board's tree head is malformed: {exc}") from None


class BoardClient:
    """The board's API at ``url`` (synchronous; one client per thread or shared, httpx is thread-safe)."""

    def __init__(
        self, url: str, *, timeout: float = DEFAULT_TIMEOUT, transport: httpx.BaseTransport | None = None
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise BoardClientError(f"the board's URL must start with http:// or https://, not {url[:40]!r}")
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BoardClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _answer(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = loads(response.content, "the board's answer")
        except RecordError:
            body = None
        if response.status_code != 200:
            reason = body.get("error") if isinstance(body, dict) else None
            raise BoardClientError(
                f"the board refused ({response.status_code}): {reason or response.text[:200]}", response.status_code
            )
        if not isinstance(body, dict):
            raise BoardCheckFailed("the board's answer is not a JSON object")
        return body

    def _get(self, path: str, **params: int) -> dict[str, Any]:
        try:
            return self._answer(self._http.get(path, params=params))
        except httpx.HTTPError as exc:
            raise BoardClientError(f"cannot reach the board at {self.url}: {exc}") from None

    def election(self) -> dict[str, Any]:
        return self._get("/election")

    def roster(self) -> SignedRoster:
        try:
            return roster_from_json(self._get("/roster"))
        except RosterError as exc:
            raise BoardCheckFailed(f"the board's roster is malformed: {exc}") from None

    def sth(self) -> tuple[SignedTreeHead, bytes]:
        """The latest signed tree head and the public key the board says signed it."""
        body = self._get("/sth")
        return _head(body.get("sth")), _key(body.get("board_public_key"))

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        return _hashes(self._get("/proof/inclusion", index=index, size=size).get("inclusion_proof"), "inclusion proof")

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        body = self._get("/proof/consistency", old=old, new=new)
        return _hashes(body.get("consistency_proof"), "consistency proof")

    def checkpoint(self) -> bytes:
        """The board's latest checkpoint, a signed note with its witnesses' cosignatures (not yet checked)."""
        try:
            response = self._http.get("/checkpoint")
        except httpx.HTTPError as exc:
            raise BoardClientError(f"cannot reach the board at {self.url}: {exc}") from None
        if response.status_code != 200:
            raise BoardClientError(f"the board refused ({response.status_code}): {response.text[:200]}")
        return response.content

    def entries(self, start: int, end: int) -> list[bytes]:
        """Entries start..end-1, page after page (the board bounds each page in entries and in bytes)."""
        out: list[bytes] = []
        while start + len(out) < end:
            position = start + len(out)
            body = self._get("/entries", start=position, end=end)
            page = body.get("entries")
            if not isinstance(page, list) or not page or len(page) > end - position:
                raise BoardCheckFailed(f"the board has no entries from {position}")
            if body.get("start") != position or body.get("end") != position + len(page):
                raise BoardCheckFailed(f"the board's page of entries from {position} names another range")
            try:
                out.extend(base64.b64decode(e, validate=True) for e in page)
            except (TypeError, ValueError):
                raise BoardCheckFailed("the board's entries are not base64") from None
        return out

    def submit(
        self,
        ballot: EncryptedBallot,
        did: str,
        signature: bytes,
        contest_data_proofs: tuple[PadKnowledgeProof, ...],
        proof_commitments: BallotCommitments | None = None,
    ) -> Receipt:
        """POST /ballots; with ``proof_commitments`` (the range proofs' commitments, spec 2.0.0 eq. 46, neither
        logged nor signed) the board checks the ballot's proofs in a batch with others."""
        body = {
            "ballot": encode_encrypted_ballot(ballot),
            "did": did,
            "signature": signature.hex(),
            "contest_data_proofs": encode_contest_data_proofs(contest_data_proofs),
        }
        if proof_commitments is not None:
            body["proof_commitments"] = encode_ballot_commitments(proof_commitments)
        try:
            answer = self._answer(self._http.post("/ballots", json=body))
        except httpx.HTTPError as exc:
            raise BoardClientError(f"cannot reach the board at {self.url}: {exc}") from None
        try:
            return Receipt.from_json(answer)
        except BallotchainError as exc:
            raise BoardCheckFailed(f"the board's receipt is malformed: {exc}") from None


# ---------------------------------------------------------------- the election


@dataclass(frozen=True)
class OnlineElection:
    """The election as the board serves it, checked; with the board's pinned key and signed head."""

    election: Election
    roster: SignedRoster
    board_public_key: bytes
    sth: SignedTreeHead


def fetch_election(
    client: BoardClient,
    *,
    board_public_key: bytes | None = None,
    registrar_public_key: bytes | None = None,
    allow_test_group: bool = False,
    witness_keys: tuple[VerifierKey, ...] | None = None,
) -> OnlineElection:
    """The board's election, checked by the verifier (1.A-4.A), against its keys file (board_keys.json) and
    the keys the caller pins, and against the log's first entry under a signed tree head."""
    doc = client.election()
    record = doc.get("record")
    if isinstance(record, dict) and ELECTION_KEYS_FILE not in record:
        raise BoardCheckFailed(f"the board serves no {ELECTION_KEYS_FILE}: its election has no fixed board key")
    if not isinstance(record, dict) or set(record) != set(ELECTION_FILES):
        raise BoardCheckFailed(f"the board's election must carry the record files {', '.join(ELECTION_FILES)}")
    if not all(isinstance(v, str) for v in record.values()):
        raise BoardCheckFailed("the board's election files are not text")
    files = {name: text.encode("utf-8") for name, text in record.items()}
    try:
        election = Election.from_files(files)
    except BallotchainError as exc:
        raise BoardCheckFailed(f"the board's election does not read: {exc}") from None
    keys = election.keys
    check_pinned_keys(keys, board_public_key, registrar_public_key, witness_keys)
    _verify_definition({name: files[name] for name in DEFINITION_FILES}, allow_test_group)
    sth, served_key = client.sth()
    check_board_key(served_key, keys, "signs its tree heads")
    if doc.get("board_public_key") != keys.board_public_key.hex().upper():
        raise BoardCheckFailed(f"the board's election names another board key than its {ELECTION_KEYS_FILE}")
    if not verify_sth(sth, keys.board_public_key) or sth.tree_size < 1:
        raise BoardCheckFailed("the board's tree head is not signed by its key")
    roster = client.roster()
    check_roster_key(roster, keys)
    init = election.initialized
    if not roster.is_bound_to(init.extended_base_hash, init.config.manifest_hash):
        raise BoardCheckFailed("the board's roster is for another election")
    first = client.entries(0, 1)[0]
    try:
        published = decode_entry(first, election.group)
    except EntryError as exc:
        raise BoardCheckFailed(f"the log's first entry does not decode: {exc}") from None
    expected = ElectionPublished(
        init.extended_base_hash, init.joint_public_key, init.config.manifest_hash, roster.root, 0
    )
    if not isinstance(published, ElectionPublished) or (
        published.h_e,
        published.joint_key,
        published.manifest_hash,
        published.roster_root,
    ) != (expected.h_e, expected.joint_key, expected.manifest_hash, expected.roster_root):
        raise BoardCheckFailed("the log's first entry publishes another election or roster")
    if not verify_inclusion(leaf_hash(first), 0, sth.tree_size, client.inclusion_proof(0, sth.tree_size), sth.root):
        raise BoardCheckFailed("the log's first entry is not in the board's signed tree")
    return OnlineElection(election, roster, keys.board_public_key, sth)


def check_pinned_keys(
    keys: ElectionKeys,
    board_public_key: bytes | None,
    registrar_public_key: bytes | None,
    witness_keys: tuple[VerifierKey, ...] | None = None,
) -> None:
    """Does the election's keys file name the keys the caller pins? (BoardCheckFailed saying which differs)"""
    if witness_keys is not None and set(witness_keys) != set(keys.witnesses):
        names = ", ".join(sorted(w.name for w in witness_keys)) or "none"
        raise BoardCheckFailed(
            f"witnesses differ: pinned {names}, the board's {ELECTION_KEYS_FILE} names "
            f"{', '.join(w.name for w in keys.witnesses) or 'none'}"
        )
    for what, pinned, fixed in (
        ("board key", board_public_key, keys.board_public_key),
        ("registrar key", registrar_public_key, keys.registrar_public_key),
    ):
        if pinned is not None and pinned != fixed:
            raise BoardCheckFailed(
                f"{what} differs: pinned {pinned.hex()}, the board's {ELECTION_KEYS_FILE} names {fixed.hex()}"
            )


def served_keys(client: BoardClient) -> ElectionKeys:
    """The election's keys file as the board serves it at /election (decoded, not yet compared)."""
    record = client.election().get("record")
    text = record.get(ELECTION_KEYS_FILE) if isinstance(record, dict) else None
    if not isinstance(text, str):
        raise BoardCheckFailed(f"the board serves no {ELECTION_KEYS_FILE}: its election has no fixed board key")
    try:
        return decode_election_keys(text.encode("utf-8"))
    except BallotchainError as exc:
        raise BoardCheckFailed(f"the board's {exc}") from None


def check_roster_key(roster: SignedRoster, keys: ElectionKeys) -> None:
    """Is the roster signed by the registrar key of the election's keys file?"""
    if roster.registrar_public_key != keys.registrar_public_key:
        raise BoardCheckFailed(
            f"registrar key differs: the board's roster is signed by {roster.registrar_public_key.hex()}, "
            f"{ELECTION_KEYS_FILE} fixes {keys.registrar_public_key.hex()}"
        )
    if not verify_roster(roster, keys.registrar_public_key):
        raise BoardCheckFailed("the board's roster does not verify (registrar signature, DIDs, root)")


def check_board_key(served_key: bytes, keys: ElectionKeys, doing: str) -> None:
    """Is the key the board presents the board key of the election's keys file?"""
    if served_key != keys.board_public_key:
        raise BoardCheckFailed(
            f"board key differs: the board {doing} with {served_key.hex()}, {ELECTION_KEYS_FILE} fixes "
            f"{keys.board_public_key.hex()}"
        )


def _verify_definition(files: dict[str, bytes], allow_test_group: bool) -> None:
    """Run the verifier over egk's four definition files: every check it can make must pass (1.A-4.A)."""
    with tempfile.TemporaryDirectory(prefix="ballotchain-election-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        try:
            report = verify_record(tmp, accept_test_group=allow_test_group)
        except RecordError as exc:
            raise BoardCheckFailed(f"the board's election does not read: {exc}") from None
    if report.failed_ids:
        first = report.findings[0] if report.findings else report.failed_ids[0]
        raise BoardCheckFailed(f"the board's election does not verify: {first}")


# ---------------------------------------------------------------- casting


@dataclass(frozen=True)
class CastResult:
    """What a voter keeps: the ballot and its contest data proofs, the signature, the board's receipt
    (checked)."""

    ballot: EncryptedBallot
    did: str
    signature: bytes
    receipt: Receipt
    board_public_key: bytes
    board_url: str
    group: Group
    contest_data_proofs: tuple[PadKnowledgeProof, ...]
    checkpoint: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        document = {
            "kind": RECEIPT_KIND,
            "board": self.board_url,
            "group": self.group.name,
            "board_public_key": self.board_public_key.hex().upper(),
            "did": self.did,
            "signature": self.signature.hex().upper(),
            "receipt": self.receipt.to_json(),
            "ballot": encode_encrypted_ballot(self.ballot),
            "contest_data_proofs": encode_contest_data_proofs(self.contest_data_proofs),
        }
        if self.checkpoint is not None:
            document["checkpoint"] = self.checkpoint.decode("utf-8")
        return document

    @classmethod
    def from_json(cls, obj: Any) -> CastResult:
        fields = {
            "kind", "board", "group", "board_public_key", "did", "signature", "receipt", "ballot",
            "contest_data_proofs",
        }  # fmt: skip
        if isinstance(obj, dict):
            obj = dict(obj)
        checkpoint = obj.pop("checkpoint", None) if isinstance(obj, dict) else None
        if checkpoint is not None and not isinstance(checkpoint, str):
            raise BoardClientError("the saved receipt's checkpoint is a signed note (text)")
        if not isinstance(obj, dict) or set(obj) != fields or obj["kind"] != RECEIPT_KIND:
            raise BoardClientError(f"a saved receipt ({RECEIPT_KIND}) is an object with {', '.join(sorted(fields))}")
        try:
            group = group_by_name(obj["group"])
            signature = bytes.fromhex(obj["signature"])
            ballot = decode_encrypted_ballot(obj["ballot"], group, "receipt.ballot")
            proofs = decode_contest_data_proofs(obj["contest_data_proofs"], group, "receipt.contest_data_proofs")
            receipt = Receipt.from_json(obj["receipt"])
        except (TypeError, ValueError, BallotchainError) as exc:
            raise BoardClientError(f"the saved receipt is malformed: {exc}") from None
        if not isinstance(obj["did"], str) or not isinstance(obj["board"], str):
            raise BoardClientError("the saved receipt's did and board are strings")
        held = None if checkpoint is None else checkpoint.encode("utf-8")
        return cls(
            ballot, obj["did"], signature, receipt, _key(obj["board_public_key"]), obj["board"], group, proofs, held
        )


@dataclass(frozen=True)
class SignedSubmission:
    """An encrypted ballot with its contest data proofs, signed by its voter, not yet acknowledged: kept so
    that a submission whose answer was lost can be sent again as it was (the board answers a replay with
    its receipt)."""

    ballot: EncryptedBallot
    did: str
    signature: bytes
    group: Group
    contest_data_proofs: tuple[PadKnowledgeProof, ...]
    proof_commitments: BallotCommitments | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": PENDING_KIND,
            "group": self.group.name,
            "did": self.did,
            "signature": self.signature.hex().upper(),
            "ballot": encode_encrypted_ballot(self.ballot),
            "contest_data_proofs": encode_contest_data_proofs(self.contest_data_proofs),
        }
        if self.proof_commitments is not None:
            out["proof_commitments"] = encode_ballot_commitments(self.proof_commitments)
        return out

    @classmethod
    def from_json(cls, obj: Any) -> SignedSubmission:
        fields = {"kind", "group", "did", "signature", "ballot", "contest_data_proofs"}
        if not isinstance(obj, dict) or set(obj) - {"proof_commitments"} != fields or obj["kind"] != PENDING_KIND:
            raise BoardClientError(
                f"a pending submission ({PENDING_KIND}) is an object with {', '.join(sorted(fields))}"
            )
        try:
            group = group_by_name(obj["group"])
            return cls(
                decode_encrypted_ballot(obj["ballot"], group, "pending.ballot"),
                obj["did"],
                bytes.fromhex(obj["signature"]),
                group,
                decode_contest_data_proofs(obj["contest_data_proofs"], group, "pending.contest_data_proofs"),
                decode_ballot_commitments(obj["proof_commitments"], group, "pending.proof_commitments")
                if "proof_commitments" in obj
                else None,
            )
        except (TypeError, ValueError, BallotchainError) as exc:
            raise BoardClientError(f"the pending submission is malformed: {exc}") from None


def prepare_submission(
    online: OnlineElection,
    credential: VoterCredential,
    plaintext: PlaintextBallot,
    *,
    challenge: bool = False,
    device: str = "online",
) -> SignedSubmission:
    """Encrypt (spec 3.3) on this machine, prove knowledge of each contest data's nonce, and sign (H_E, the
    whole ballot, the proofs) with the voter's DID key."""
    election = online.election
    init = election.initialized
    state = BallotState.SPOILED if challenge else BallotState.CAST
    encrypted = encrypt_ballot(
        election.manifest, init, plaintext, device=device, code_baux=election.config.baux0, state=state
    )
    ballot, proofs = encrypted.ballot, prove_contest_data_knowledge(encrypted)
    signature = sign_submission(credential, init.extended_base_hash, ballot, proofs)
    return SignedSubmission(ballot, credential.did, signature, election.group, proofs, encrypted.proof_commitments)


def submit_signed(client: BoardClient, online: OnlineElection, submission: SignedSubmission) -> CastResult:
    """Submit; check that the receipt proves this very submission under the board's pinned key."""
    ballot, did, signature = submission.ballot, submission.did, submission.signature
    proofs = submission.contest_data_proofs
    receipt = client.submit(ballot, did, signature, proofs, submission.proof_commitments)
    if not verify_receipt(receipt, online.board_public_key, ballot, did, signature, proofs):
        raise BoardCheckFailed(
            f"the board's receipt for {ballot.ballot_id!r} does not prove the submission "
            "(tree head signature or inclusion proof)"
        )
    keys = online.election.keys
    checkpoint = None
    if keys.witnesses:
        cosigned = _checkpoint_step(lambda: fetch_cosigned(client, keys))
        _checkpoint_step(lambda: prove_prefix(client, receipt.sth.tree_size, receipt.sth.root, cosigned))
        checkpoint = cosigned.note.to_bytes()
    return CastResult(
        ballot, did, signature, receipt, online.board_public_key, client.url, online.election.group, proofs, checkpoint
    )


def cast_ballot(
    client: BoardClient,
    online: OnlineElection,
    credential: VoterCredential,
    plaintext: PlaintextBallot,
    *,
    challenge: bool = False,
    device: str = "online",
) -> CastResult:
    """Encrypt, sign, submit, and check the receipt."""
    submission = prepare_submission(online, credential, plaintext, challenge=challenge, device=device)
    return submit_signed(client, online, submission)


# ---------------------------------------------------------------- receipts and monitoring


@dataclass(frozen=True)
class ReceiptCheck:
    leaf_index: int
    receipt_size: int
    latest: SignedTreeHead
    replaced_by: Replacement | None = None
    witnesses: tuple[str, ...] = ()
    checkpoint_size: int | None = None


@dataclass(frozen=True)
class Replacement:
    """The board's ballot_superseded entry (at ``entry_index``) that replaces a receipt's ballot by
    ``new_ballot_id``, a later CAST ballot of the same DID: the receipt's ballot no longer counts."""

    entry_index: int
    new_ballot_id: str


def find_replacement(client: BoardClient, saved: CastResult, size: int, root: bytes) -> Replacement | None:
    """The first ballot_superseded entry after the receipt's leaf that names its ballot and DID, or None, from
    every entry after the leaf in the tree of ``size`` entries and root ``root``.

    Telling that no entry replaces the ballot takes every entry after it (a log proves what it holds, not what
    it lacks), and they are proven the log's: the receipt's inclusion proof holds the complete subtrees before
    its leaf (engine.board.merkle.left_subtrees), which with its leaf and the entries served must hash to
    ``root`` (RFC 9162 2.1.1). A board that leaves out, changes or adds an entry is caught, and a replacement
    found is in the tree with no further proof. Only entries that mention ``ballot_superseded`` are decoded."""
    receipt = saved.receipt
    start = receipt.leaf_index + 1
    if start >= size:
        return None
    entries = client.entries(start, size)
    leaf = receipt_leaf_hash(receipt, saved.ballot, saved.did, saved.signature, saved.contest_data_proofs)
    before = left_subtrees(receipt.leaf_index, receipt.sth.tree_size, list(receipt.inclusion_proof))
    if leaf is None or before is None:
        raise BoardCheckFailed("the receipt itself does not verify (inclusion proof)")
    tree = IncrementalRoot(receipt.leaf_index, before)
    tree.append(leaf)
    for data in entries:
        tree.append(leaf_hash(data))
    if tree.root() != root:
        raise BoardCheckFailed(f"the board's entries {start} to {size - 1} are not those of its tree of {size} entries")
    for offset, data in enumerate(entries):
        if b"ballot_superseded" not in data:
            continue
        index = start + offset
        try:
            entry = decode_entry(data, saved.group)
        except EntryError as exc:
            raise BoardCheckFailed(f"the board's log entry {index} is malformed: {exc}") from None
        if not isinstance(entry, BallotSuperseded):
            continue
        if entry.old_ballot_id != saved.ballot.ballot_id or entry.did != saved.did:
            continue
        return Replacement(index, entry.new_ballot_id)
    return None


def check_receipt(
    client: BoardClient,
    saved: CastResult,
    *,
    board_public_key: bytes | None = None,
    registrar_public_key: bytes | None = None,
    witness_keys: tuple[VerifierKey, ...] | None = None,
) -> ReceiptCheck:
    """Is the saved submission in the board's latest signed tree? (RFC 9162 2.1.3.2 and 2.1.4.2)
    And does it still count: ``replaced_by`` names the log's ballot_superseded entry if a later CAST
    ballot of the same DID replaced it (``find_replacement``, up to the latest signed head or, with witnesses,
    the cosigned checkpoint if it is as large).

    The receipt's inclusion proof puts the leaf in the receipt's tree, and a consistency proof from that tree
    to a later one keeps every leaf at its index (RFC 9162 2.1.4), so no inclusion proof in the later tree is
    asked for; each distinct consistency proof is asked for once (``ProofsOnce``).

    The receipt's board key must be the one the election's keys file fixes (and the pinned one), and
    the board's roster must be signed by the registrar key of that file (and the pinned one).
    """
    key, receipt = saved.board_public_key, saved.receipt
    if board_public_key is not None and board_public_key != key:
        raise BoardCheckFailed(f"board key differs: pinned {board_public_key.hex()}, the receipt's is {key.hex()}")
    if not verify_receipt(receipt, key, saved.ballot, saved.did, saved.signature, saved.contest_data_proofs):
        raise BoardCheckFailed("the receipt itself does not verify (tree head signature or inclusion proof)")
    keys = served_keys(client)
    if keys.h_e != saved.ballot.election_id:
        raise BoardCheckFailed(f"the board's {ELECTION_KEYS_FILE} is of another election than the receipt's ballot")
    check_pinned_keys(keys, board_public_key, registrar_public_key, witness_keys)
    if keys.board_public_key != key:
        raise BoardCheckFailed(
            f"board key differs: the receipt is signed by {key.hex()}, {ELECTION_KEYS_FILE} fixes "
            f"{keys.board_public_key.hex()}"
        )
    check_roster_key(client.roster(), keys)
    latest, served_key = client.sth()
    check_board_key(served_key, keys, "now signs its tree heads")
    if not verify_sth(latest, key):
        raise BoardCheckFailed("the board's latest tree head is not signed by its key")
    old = receipt.sth
    if latest.tree_size < old.tree_size:
        raise BoardCheckFailed(
            f"the board's latest tree ({latest.tree_size} entries) is smaller than the receipt's ({old.tree_size})"
        )
    proofs = ProofsOnce(client)
    proof = proofs.consistency_proof(old.tree_size, latest.tree_size)
    if not verify_consistency(old.tree_size, latest.tree_size, old.root, latest.root, proof):
        raise BoardCheckFailed("the board's latest tree is not an extension of the receipt's: the log was rewritten")
    cast = saved.ballot.state is BallotState.CAST
    if not keys.witnesses:
        replaced_by = find_replacement(client, saved, latest.tree_size, latest.root) if cast else None
        return ReceiptCheck(receipt.leaf_index, old.tree_size, latest, replaced_by)
    cosigned = _checkpoint_step(lambda: fetch_cosigned(client, keys))
    _checkpoint_step(lambda: prove_prefix(proofs, old.tree_size, old.root, cosigned))
    if saved.checkpoint is not None:
        held = _checkpoint_step(lambda: open_held(saved.checkpoint or b"", keys))
        _checkpoint_step(lambda: check_extends(proofs, held, cosigned, keys))
    tree = cosigned.checkpoint
    size, root = (tree.size, tree.root) if tree.size >= latest.tree_size else (latest.tree_size, latest.root)
    replaced_by = find_replacement(client, saved, size, root) if cast else None
    return ReceiptCheck(receipt.leaf_index, old.tree_size, latest, replaced_by, cosigned.witness_names, tree.size)


@dataclass(frozen=True)
class MonitorState:
    """What a monitor remembers between runs: the board's key, the last head it checked and, with
    witnesses, the last cosigned checkpoint (``witnesses``: who cosigned it, not saved)."""

    board_public_key: bytes
    sth: SignedTreeHead
    checkpoint: bytes | None = None
    witnesses: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        document = {"board_public_key": self.board_public_key.hex().upper(), "sth": self.sth.to_json()}
        if self.checkpoint is not None:
            document["checkpoint"] = self.checkpoint.decode("utf-8")
        return document

    @classmethod
    def from_json(cls, obj: Any) -> MonitorState:
        if not isinstance(obj, dict) or set(obj) - {"checkpoint"} != {"board_public_key", "sth"}:
            raise BoardClientError("a monitor state is an object with board_public_key, sth and checkpoint")
        checkpoint = obj.get("checkpoint")
        if checkpoint is not None and not isinstance(checkpoint, str):
            raise BoardClientError("a monitor state's checkpoint is a signed note (text)")
        held = None if checkpoint is None else checkpoint.encode("utf-8")
        return cls(_key(obj["board_public_key"]), _head(obj["sth"]), held)


def monitor(
    client: BoardClient,
    state: MonitorState | None,
    *,
    board_public_key: bytes | None = None,
    witness_keys: tuple[VerifierKey, ...] | None = None,
) -> MonitorState:
    """Fetch the latest head; prove it extends the last one seen (RFC 9162 2.1.4.2). The new state.

    The board's key comes from the state, else from the election's keys file (which must name the
    pinned key, if one is given).
    """
    if state is not None:
        key = state.board_public_key
        if board_public_key is not None and board_public_key != key:
            raise BoardCheckFailed(f"board key differs: pinned {board_public_key.hex()}, the state's is {key.hex()}")
    keys = served_keys(client)
    check_pinned_keys(keys, None, None, witness_keys)
    if state is None:
        check_pinned_keys(keys, board_public_key, None)
        key = keys.board_public_key
    elif keys.board_public_key != key:
        raise BoardCheckFailed(
            f"board key differs: the board's {ELECTION_KEYS_FILE} fixes {keys.board_public_key.hex()}, the state's "
            f"is {key.hex()}"
        )
    checkpoint, witnesses = _monitor_checkpoint(client, state, keys)
    latest, served_key = client.sth()
    if served_key != key:
        raise BoardCheckFailed(f"board key differs: the board signs with {served_key.hex()}, not {key.hex()}")
    if not verify_sth(latest, key):
        raise BoardCheckFailed("the board's latest tree head is not signed by its key")
    if state is not None:
        old = state.sth
        if latest.tree_size < old.tree_size:
            raise BoardCheckFailed(f"the log shrank from {old.tree_size} to {latest.tree_size} entries")
        proof = client.consistency_proof(old.tree_size, latest.tree_size)
        if not verify_consistency(old.tree_size, latest.tree_size, old.root, latest.root, proof):
            raise BoardCheckFailed(
                f"the tree of {latest.tree_size} entries does not extend the one of {old.tree_size}: "
                "the log was rewritten"
            )
    return MonitorState(key, latest, checkpoint, witnesses)


def _monitor_checkpoint(
    client: BoardClient, state: MonitorState | None, keys: ElectionKeys
) -> tuple[bytes | None, tuple[str, ...]]:
    """With witnesses: the board's checkpoint, which must extend the one the state holds (else BoardForked,
    with both) and carry k cosignatures; the note and who cosigned it."""
    if not keys.witnesses:
        return None, ()
    current = _checkpoint_step(lambda: open_held(client.checkpoint(), keys))
    if state is not None and state.checkpoint is not None:
        held = _checkpoint_step(lambda: open_held(state.checkpoint or b"", keys))
        _checkpoint_step(lambda: check_extends(client, held, current, keys))
    cosigned = _checkpoint_step(lambda: fetch_cosigned(_Fixed(current.note.to_bytes(), client), keys))
    return cosigned.note.to_bytes(), cosigned.witness_names


@dataclass(frozen=True)
class _Fixed:
    """A checkpoint already fetched, with the board's proofs."""

    note: bytes
    client: BoardClient

    def checkpoint(self) -> bytes:
        return self.note

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        return self.client.consistency_proof(old, new)


def save_json(path: Path, document: dict[str, Any], *, overwrite: bool, secret: bool = False) -> None:
    """Write a receipt or monitor state (atomically; JSON as the record writes it; 0600 if secret)."""
    atomic_write(path, dumps(document) + b"\n", label=str(path), overwrite=overwrite, secret=secret)


def load_json(path: Path) -> Any:
    return loads(read_bytes(path, str(path)), str(path))
