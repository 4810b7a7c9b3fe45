"""Voter credentials: Ed25519 key pairs named by ``did:key`` identifiers, and signed submissions.

A voter's DID is ``did:key:z`` followed by base58btc (Bitcoin alphabet) of the multicodec
``ed25519-pub`` prefix (0xed, 0x01: the varint of 0xed) and the raw 32-byte public key, as the
W3C CCG did:key method specifies for Ed25519 (identifiers start ``did:key:z6Mk``).
``public_key_from_did`` reverses it and refuses anything else (another method, another multibase,
another key type, a DID URL with path/query/fragment, a non-canonical base58 string, a wrong length).

A submission is signed with Ed25519 (RFC 8032, the ``cryptography`` package) over

    b"ballotchain-submission-v3" || H_E || SHA-256(canonical JSON of
        {"ballot": the encrypted ballot, "contest_data_proofs": the proofs of knowledge of its nonces})

H_E is the extended base hash (spec 2.0.0 eq. 23); the ballot is egk's object for an encrypted
ballot (``engine.record.codecs.encrypted_ballot.encode_encrypted_ballot``) and the proofs are the list the log holds
(``engine.board.entries.encode_contest_data_proofs``), both fields exactly as the ballot_submitted
entry carries them, in the board's canonical form (``engine.board.entries.canonical_json``: sorted
keys, compact, fixed-width hex). It covers everything the voter supplies: the ballot's id, style,
device, timestamp, state (CAST or SPOILED), B_aux, confirmation code H(B) (eq. 58), election id,
every contest's ciphertexts, range proofs (eq. 46, 56), contest hash and contest data (C0, C1, C2),
and the proof of knowledge of each contest data's nonce, so nothing in a submission can change
without the signature failing. (Signing H(B) alone, as v1 did, left the state, the id and the
contest data open to anyone between the voter and the board: H(B) covers none of them; v2 signed
the ballot alone, before submissions carried proofs.) The domain prefix keeps a submission signature
from being valid for any other message this engine signs, and older signatures from being read as
v3 ones.

Credential files are canonical JSON {"kind": "ballotchain-voter-credential-v1", "public_key",
"private_key"} (raw keys in hex) written with mode 0600 (``engine.credentials.keys.save_key``).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TypeVar

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.entries import EntryError, canonical_json, encode_contest_data_proofs
from engine.credentials.keys import ed25519_verify, load_key, private_key_bytes, public_key_bytes, save_key
from engine.election import EncryptedBallot
from engine.errors import BallotchainError
from engine.hash import UInt256
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot

DID_KEY_PREFIX = "did:key:"
MULTIBASE_BASE58BTC = "z"
MULTICODEC_ED25519_PUB = b"\xed\x01"
ED25519_PUBLIC_KEY_SIZE = 32
SUBMISSION_DOMAIN = b"ballotchain-submission-v3"
_BASE58_BTC = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
_MAX_DID_LENGTH = 128


class CredentialError(BallotchainError, ValueError):
    """A malformed DID, credential or roster."""


def did_key(public_key: bytes) -> str:
    """The did:key identifier of a raw Ed25519 public key: did:key:z + base58btc(0xed 0x01 || key)."""
    if not isinstance(public_key, bytes) or len(public_key) != ED25519_PUBLIC_KEY_SIZE:
        raise CredentialError(f"an Ed25519 public key is {ED25519_PUBLIC_KEY_SIZE} bytes")
    return DID_KEY_PREFIX + MULTIBASE_BASE58BTC + base58.b58encode(MULTICODEC_ED25519_PUB + public_key).decode()


def public_key_from_did(did: str) -> bytes:
    """The raw Ed25519 public key named by a did:key identifier; CredentialError says what is wrong."""
    if not isinstance(did, str):
        raise CredentialError(f"a DID is a string, not {type(did).__name__}")
    if len(did) > _MAX_DID_LENGTH:
        raise CredentialError(f"DID too long ({len(did)} characters)")
    if not did.startswith("did:"):
        raise CredentialError(f"not a DID (no 'did:' prefix): {did[:20]!r}")
    if not did.startswith(DID_KEY_PREFIX):
        method = did.split(":")[1] if did.count(":") >= 2 else ""
        raise CredentialError(f"not a did:key identifier (method {method!r})")
    identifier = did[len(DID_KEY_PREFIX) :]
    if any(c in identifier for c in ":/?#"):
        raise CredentialError("a did:key voter identifier has no path, query, fragment or extra ':' parts")
    if not identifier.startswith(MULTIBASE_BASE58BTC):
        raise CredentialError(f"not base58btc multibase (the identifier must start with 'z', not {identifier[:1]!r})")
    encoded = identifier[1:]
    if not encoded:
        raise CredentialError("bad base58btc: the identifier is empty after 'z'")
    if not _BASE58_BTC.fullmatch(encoded):
        raise CredentialError("bad base58btc: characters outside the Bitcoin base58 alphabet")
    raw = base58.b58decode(encoded)
    if base58.b58encode(raw).decode() != encoded:
        raise CredentialError("bad base58btc: not the canonical encoding of its bytes")
    if not raw.startswith(MULTICODEC_ED25519_PUB):
        raise CredentialError(f"wrong multicodec: 0x{raw[:2].hex()} is not ed25519-pub (0xed01)")
    key = raw[len(MULTICODEC_ED25519_PUB) :]
    if len(key) != ED25519_PUBLIC_KEY_SIZE:
        raise CredentialError(f"wrong key length: {len(key)} bytes, an Ed25519 public key has 32")
    return key


def is_did_key(did: object) -> bool:
    try:
        public_key_from_did(did)  # type: ignore[arg-type]
    except CredentialError:
        return False
    return True


def submission_digest(
    ballot: EncryptedBallot, contest_data_proofs: tuple[PadKnowledgeProof, ...], ballot_json: bytes | None = None
) -> bytes:
    """SHA-256 of the canonical JSON of {"ballot", "contest_data_proofs"}: the fields of the ballot_submitted
    entry that the voter supplies, as the log holds them. ``ballot_json``: the ballot's canonical JSON when the
    caller has already encoded it (the board's checking processes keep it for the entry)."""
    if not isinstance(ballot, EncryptedBallot):
        raise CredentialError(f"a submission signs an encrypted ballot, not {type(ballot).__name__}")
    try:
        if ballot_json is None:
            ballot_json = canonical_json(encode_encrypted_ballot(ballot))
        proofs_json = canonical_json(encode_contest_data_proofs(contest_data_proofs))
    except (AttributeError, TypeError, ValueError, EntryError) as exc:
        raise CredentialError(f"the submission cannot be encoded: {exc}") from exc
    # canonical_json({"ballot": ..., "contest_data_proofs": ...}): sorted keys, compact, the values' own canonical JSON
    return hashlib.sha256(b'{"ballot":' + ballot_json + b',"contest_data_proofs":' + proofs_json + b"}").digest()


def submission_message(
    h_e: UInt256,
    ballot: EncryptedBallot,
    contest_data_proofs: tuple[PadKnowledgeProof, ...],
    ballot_json: bytes | None = None,
) -> bytes:
    """The bytes a voter signs: b"ballotchain-submission-v3" || H_E (eq. 23) || submission_digest(...)."""
    if not isinstance(h_e, UInt256):
        raise CredentialError("H_E is a UInt256 value")
    return SUBMISSION_DOMAIN + h_e.data + submission_digest(ballot, contest_data_proofs, ballot_json)


_K = TypeVar("_K", bound="Ed25519KeyHolder")


class Ed25519KeyHolder:
    """An Ed25519 private key kept in a 0600 key file of its own KIND (voter, registrar)."""

    KIND = ""
    ROLE = "key"

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        if not isinstance(private_key, Ed25519PrivateKey):
            raise CredentialError(f"a {self.ROLE} is an Ed25519 private key")
        self._key = private_key
        self.public_key: bytes = public_key_bytes(private_key)

    @classmethod
    def generate(cls: type[_K]) -> _K:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls: type[_K], path: Path) -> _K:
        try:
            return cls(load_key(path, cls.KIND))
        except BallotchainError as exc:
            raise CredentialError(str(exc)) from exc

    def save(self, path: Path, *, overwrite: bool = False) -> None:
        try:
            save_key(path, self.KIND, self._key, overwrite=overwrite)
        except BallotchainError as exc:
            raise CredentialError(str(exc)) from exc

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


class VoterCredential(Ed25519KeyHolder):
    """A voter's Ed25519 key pair and its did:key name."""

    KIND = "ballotchain-voter-credential-v1"
    ROLE = "voter credential"

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        super().__init__(private_key)
        self.did: str = did_key(self.public_key)

    @classmethod
    def from_private_bytes(cls, seed: bytes) -> VoterCredential:
        """The credential of a raw 32-byte Ed25519 private key (RFC 8032 seed)."""
        if not isinstance(seed, bytes) or len(seed) != 32:
            raise CredentialError("an Ed25519 private key is 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def private_bytes(self) -> bytes:
        return private_key_bytes(self._key)

    def __repr__(self) -> str:
        return f"VoterCredential({self.did})"


def sign_submission(
    credential: VoterCredential,
    h_e: UInt256,
    ballot: EncryptedBallot,
    contest_data_proofs: tuple[PadKnowledgeProof, ...],
) -> bytes:
    """The voter's signature on a submission of ``ballot`` with its contest data proofs to the election H_E
    (64 bytes)."""
    return credential.sign(submission_message(h_e, ballot, contest_data_proofs))


def verify_submission(
    did: str,
    h_e: UInt256,
    ballot: EncryptedBallot,
    contest_data_proofs: tuple[PadKnowledgeProof, ...],
    signature: bytes,
    ballot_json: bytes | None = None,
) -> bool:
    """Does ``signature`` by the key of ``did`` sign (H_E, the whole ballot, its contest data proofs)? False
    for any malformed input. ``ballot_json``: the ballot's canonical JSON, when the caller has it."""
    try:
        public_key = public_key_from_did(did)
        message = submission_message(h_e, ballot, contest_data_proofs, ballot_json)
    except CredentialError:
        return False
    return ed25519_verify(public_key, message, signature)
