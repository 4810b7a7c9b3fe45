"""Voter credentials: did:key identifiers (Ed25519), signed submissions, the registrar's roster."""

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
    verify_roster,
)

__all__ = [
    "CredentialError",
    "RegistrarKey",
    "RosterError",
    "SignedRoster",
    "VoterCredential",
    "decode_roster",
    "did_key",
    "encode_roster",
    "make_roster",
    "public_key_from_did",
    "sign_submission",
    "submission_message",
    "verify_roster",
    "verify_submission",
]
