"""DID credentials (did:key, Ed25519), signed submissions, and the registrar's signed roster.

The did:key known answers are the W3C CCG did-method-key test vectors (test-vectors/
ed25519-x25519.json of github.com/w3c-ccg/did-method-key): the Ed25519 key of seed 0...0 and of
seed 0...01, their published base58 public keys and did:key identifiers, and the X25519 key-agreement
identifier of the first (another multicodec, which a voter DID must not be).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import stat
from pathlib import Path

import base58
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.board.entries import canonical_json, encode_contest_data_proofs
from engine.board.merkle import verify_inclusion
from engine.credentials.did import (
    CredentialError,
    VoterCredential,
    did_key,
    public_key_from_did,
    sign_submission,
    submission_message,
    verify_submission,
)
from engine.credentials.roster import (
    RegistrarKey,
    RosterError,
    SignedRoster,
    decode_roster,
    encode_roster,
    make_roster,
    roster_leaf,
    roster_problems,
    roster_root,
    verify_roster,
)
from engine.election import BallotState, EncryptedBallot
from engine.group import TEST_GROUP
from engine.hash import UInt256
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot

# (seed, publicKeyBase58, did) from the W3C CCG did:key Ed25519 test vectors.
CCG_VECTORS = [
    (
        "00" * 32,
        "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS",
        "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    ),
    (
        "00" * 31 + "01",
        "6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt",
        "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
    ),
]
CCG_X25519_DID = "did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW"

H_E = UInt256(bytes(range(32)))
CODE = UInt256(bytes(range(32, 64)))
BALLOT = EncryptedBallot("ballot-1", "style", "device", 0, b"", CODE, H_E, (), BallotState.CAST)
PROOFS = (PadKnowledgeProof(TEST_GROUP.element_q(1), TEST_GROUP.element_q(2)),)


@pytest.mark.parametrize(("seed", "public_b58", "did"), CCG_VECTORS)
def test_did_key_published_vectors(seed: str, public_b58: str, did: str) -> None:
    credential = VoterCredential.from_private_bytes(bytes.fromhex(seed))
    assert base58.b58encode(credential.public_key).decode() == public_b58
    assert credential.did == did
    assert did_key(base58.b58decode(public_b58)) == did
    assert public_key_from_did(did) == base58.b58decode(public_b58)


@settings(max_examples=50)
@given(st.binary(min_size=32, max_size=32))
def test_did_key_round_trip(key: bytes) -> None:
    did = did_key(key)
    assert did.startswith("did:key:z6Mk")
    assert public_key_from_did(did) == key


def _did_of(raw: bytes) -> str:
    return "did:key:z" + base58.b58encode(raw).decode()


GOOD = CCG_VECTORS[0][2]
GOOD_KEY = bytes.fromhex("ed01") + base58.b58decode(CCG_VECTORS[0][1])


@pytest.mark.parametrize(
    ("did", "message"),
    [
        ("did:web:example.com", "not a did:key"),
        ("DID:key:" + GOOD[8:], "no 'did:' prefix"),
        ("key:" + GOOD[8:], "no 'did:' prefix"),
        ("did:key:" + GOOD[9:], "must start with 'z'"),
        ("did:key:m" + GOOD[9:], "must start with 'z'"),
        ("did:key:z", "empty"),
        (GOOD[:-1] + "0", "outside the Bitcoin base58 alphabet"),
        (GOOD[:-1] + "l", "outside the Bitcoin base58 alphabet"),
        (GOOD + " ", "outside the Bitcoin base58 alphabet"),
        ("did:key:z1" + GOOD[9:], "wrong multicodec: 0x00ed"),
        (GOOD + "#" + GOOD[8:], "fragment"),
        (GOOD + "/path", "path"),
        (CCG_X25519_DID, "wrong multicodec"),
        (_did_of(b"\xec\x01" + GOOD_KEY[2:]), "wrong multicodec"),
        (_did_of(GOOD_KEY[:-1]), "wrong key length"),
        (_did_of(GOOD_KEY + b"\x00"), "wrong key length"),
        ("did:key:z" + "2" * 200, "too long"),
    ],
)
def test_malformed_dids_are_refused(did: str, message: str) -> None:
    with pytest.raises(CredentialError, match=message):
        public_key_from_did(did)
    assert not verify_submission(did, H_E, BALLOT, PROOFS, bytes(64))


def test_non_string_did() -> None:
    with pytest.raises(CredentialError, match="string"):
        public_key_from_did(b"did:key:z6Mk")  # type: ignore[arg-type]
    with pytest.raises(CredentialError):
        did_key(bytes(31))


def test_submission_signature() -> None:
    voter, other = VoterCredential.generate(), VoterCredential.generate()
    signature = sign_submission(voter, H_E, BALLOT, PROOFS)
    fields = {"ballot": encode_encrypted_ballot(BALLOT), "contest_data_proofs": encode_contest_data_proofs(PROOFS)}
    digest = hashlib.sha256(canonical_json(fields)).digest()
    assert submission_message(H_E, BALLOT, PROOFS) == b"ballotchain-submission-v3" + H_E.data + digest
    assert verify_submission(voter.did, H_E, BALLOT, PROOFS, signature)
    assert not verify_submission(other.did, H_E, BALLOT, PROOFS, signature)
    assert not verify_submission(voter.did, CODE, BALLOT, PROOFS, signature)
    assert not verify_submission(voter.did, H_E, BALLOT, PROOFS, signature[:-1] + bytes([signature[-1] ^ 1]))
    assert not verify_submission(voter.did, H_E, BALLOT, PROOFS, signature[:63])
    assert not verify_submission(voter.did, H_E, BALLOT, PROOFS, "sig")  # type: ignore[arg-type]
    assert not verify_submission(voter.did, H_E, "ballot", PROOFS, signature)  # type: ignore[arg-type]
    assert not verify_submission(voter.did, H_E, BALLOT, ("proof",), signature)  # type: ignore[arg-type]
    # The signature is over the domain-separated message, not the bare pair.
    assert not verify_submission(voter.did, H_E, BALLOT, PROOFS, voter.sign(H_E.data + digest))
    # v1 signed (H_E, H(B)) only, v2 the ballot without its proofs: neither is a v3 signature.
    assert not verify_submission(
        voter.did, H_E, BALLOT, PROOFS, voter.sign(b"ballotchain-submission-v1" + H_E.data + CODE.data)
    )
    ballot_only = hashlib.sha256(canonical_json(encode_encrypted_ballot(BALLOT))).digest()
    assert not verify_submission(
        voter.did, H_E, BALLOT, PROOFS, voter.sign(b"ballotchain-submission-v2" + H_E.data + ballot_only)
    )


@pytest.mark.parametrize(
    "proofs",
    [
        (),
        PROOFS * 2,
        (PadKnowledgeProof(PROOFS[0].challenge + 1, PROOFS[0].response),),
        (PadKnowledgeProof(PROOFS[0].challenge, PROOFS[0].response + 1),),
    ],
)
def test_the_signature_covers_the_contest_data_proofs(proofs: tuple[PadKnowledgeProof, ...]) -> None:
    voter = VoterCredential.generate()
    signature = sign_submission(voter, H_E, BALLOT, PROOFS)
    assert not verify_submission(voter.did, H_E, BALLOT, proofs, signature)


@pytest.mark.parametrize(
    "changes",
    [
        {"state": BallotState.SPOILED},
        {"ballot_id": "ballot-2"},
        {"code_baux": b"\x01"},
        {"election_id": CODE},
        {"confirmation_code": H_E},
        {"timestamp": 1},
        {"encrypting_device": "other"},
        {"ballot_style_id": "other"},
    ],
)
def test_the_signature_covers_every_field_of_the_ballot(changes: dict[str, object]) -> None:
    voter = VoterCredential.generate()
    signature = sign_submission(voter, H_E, BALLOT, PROOFS)
    changed = dataclasses.replace(BALLOT, **changes)  # type: ignore[arg-type]
    assert not verify_submission(voter.did, H_E, changed, PROOFS, signature)


def test_credential_file(tmp_path: Path) -> None:
    voter = VoterCredential.generate()
    path = tmp_path / "voter.json"
    voter.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = VoterCredential.load(path)
    assert loaded.did == voter.did and loaded.private_bytes() == voter.private_bytes()
    with pytest.raises(CredentialError, match="exists"):
        voter.save(path)
    os.chmod(path, 0o644)
    with pytest.raises(CredentialError, match="readable by others"):
        VoterCredential.load(path)
    os.chmod(path, 0o600)
    with pytest.raises(CredentialError, match="not a 'ballotchain-registrar-key-v1'"):
        RegistrarKey.load(path)
    path.write_bytes(b"{}")
    with pytest.raises(CredentialError, match="not a key file"):
        VoterCredential.load(path)


# ---------------------------------------------------------------- roster

VOTERS = [VoterCredential.from_private_bytes(bytes([i]) * 32) for i in range(1, 12)]
DIDS = [v.did for v in VOTERS]


@pytest.fixture(scope="module")
def registrar() -> RegistrarKey:
    return RegistrarKey.generate()


@pytest.fixture(scope="module")
def roster(registrar: RegistrarKey) -> SignedRoster:
    return make_roster(registrar, DIDS, H_E)


def test_roster_round_trip(roster: SignedRoster, registrar: RegistrarKey) -> None:
    assert verify_roster(roster) and verify_roster(roster, registrar.public_key)
    assert list(roster.dids) == sorted(DIDS) and len(roster) == len(DIDS)
    assert roster.root == roster_root(sorted(DIDS))
    assert all(roster.contains(d) for d in DIDS) and not roster.contains(VoterCredential.generate().did)
    decoded = decode_roster(encode_roster(roster))
    assert decoded == roster and verify_roster(decoded)
    assert roster.is_bound_to(H_E, CODE) and not roster.is_bound_to(CODE, H_E)
    early = make_roster(registrar, DIDS, CODE, binding="H_M")
    assert verify_roster(early) and early.is_bound_to(H_E, CODE) and early.signature != roster.signature


def test_membership_proof(roster: SignedRoster) -> None:
    for did in DIDS:
        index, proof = roster.membership_proof(did)
        assert verify_inclusion(roster_leaf(did), index, len(roster), proof, roster.root)
    with pytest.raises(RosterError):
        roster.membership_proof(VoterCredential.generate().did)


def test_roster_refuses_bad_input(registrar: RegistrarKey) -> None:
    with pytest.raises(RosterError, match="twice"):
        make_roster(registrar, DIDS + DIDS[:1], H_E)
    with pytest.raises(CredentialError):
        make_roster(registrar, DIDS + ["did:web:example.com"], H_E)
    with pytest.raises(RosterError):
        make_roster(registrar, DIDS, H_E, binding="H_X")
    with pytest.raises(RosterError, match="not JSON"):
        decode_roster(b"{")
    with pytest.raises(RosterError, match="fields"):
        decode_roster(b'{"kind": "ballotchain-roster-v1"}')


def _replace(roster: SignedRoster, **changes: object) -> SignedRoster:
    fields = {f: getattr(roster, f) for f in SignedRoster.__dataclass_fields__}
    fields.update(changes)
    return SignedRoster(**fields)  # type: ignore[arg-type]


def test_roster_tampering_fails(roster: SignedRoster, registrar: RegistrarKey) -> None:
    intruder = VoterCredential.generate().did
    added = tuple(sorted(roster.dids + (intruder,)))
    removed = roster.dids[1:]
    flipped = bytes([roster.signature[0] ^ 1]) + roster.signature[1:]
    tampered = {
        "a DID added": _replace(roster, dids=added),
        "a DID added, root recomputed": _replace(roster, dids=added, root=roster_root(added)),
        "a DID removed": _replace(roster, dids=removed),
        "a DID removed, root recomputed": _replace(roster, dids=removed, root=roster_root(removed)),
        "a DID replaced": _replace(roster, dids=tuple(sorted((intruder,) + roster.dids[1:]))),
        "the DIDs unsorted": _replace(roster, dids=roster.dids[::-1], root=roster_root(roster.dids[::-1])),
        "the signature changed": _replace(roster, signature=flipped),
        "another election": _replace(roster, election_hash=CODE),
        "another binding": _replace(roster, binding="H_M"),
        "another registrar": _replace(roster, registrar_public_key=RegistrarKey.generate().public_key),
    }
    for what, forged in tampered.items():
        assert not verify_roster(forged), what
        assert roster_problems(forged), what
        assert not verify_roster(decode_roster(encode_roster(forged))), what
    assert not verify_roster(roster, RegistrarKey.generate().public_key)
    resigned = make_roster(RegistrarKey.generate(), DIDS, H_E)
    assert verify_roster(resigned) and not verify_roster(resigned, registrar.public_key)


def test_registrar_key_file(tmp_path: Path, registrar: RegistrarKey) -> None:
    path = tmp_path / "registrar.json"
    registrar.save(path)
    assert RegistrarKey.load(path).public_key == registrar.public_key
