"""File names of the election record in egk's layout (egk-ElectionRecordJson.md)."""

from __future__ import annotations

from engine.ids import identifier_problem, shown_identifier
from engine.record.errors import RecordError

CONSTANTS = "constants.json"
MANIFEST = "manifest.json"
CONFIG = "election_config.json"
INITIALIZED = "election_initialized.json"
ENCRYPTED_TALLY = "encrypted_tally.json"
TALLY = "tally.json"
ENCRYPTED_BALLOTS = "encrypted_ballots"
CHALLENGED_BALLOTS = "challenged_ballots"
BALLOT_CHAIN = "ballot_chain.json"
PRIVATE_DATA = "private_data"
TRUSTEES = "trustees"
INPUT = "input"
# Outside egk's layout: range-proof commitments beside encrypted_ballots/ (codecs.proof_commitments).
PROOF_COMMITMENTS = "proof_commitments"

EBALLOT_PREFIX = "eballot-"
DBALLOT_PREFIX = "dballot-"
TRUSTEE_PREFIX = "decryptingTrustee-"
PBALLOT_PREFIX = "pballot-"
COMMITMENTS_PREFIX = "commitments-"
JSON_SUFFIX = ".json"

# Files whose presence marks a folder as a public election record.
PUBLIC_MARKERS = (CONSTANTS, MANIFEST, CONFIG, INITIALIZED)


def file_id(value: str, what: str) -> str:
    """An id that becomes part of a file or folder name, checked against the one identifier rule
    (engine.ids): ids come from ballots, devices and guardians, so they are outside data."""
    problem = identifier_problem(value)
    if problem is not None:
        raise RecordError(what, "", f"{shown_identifier(value)}: {problem}")
    return value


def id_from_name(filename: str, prefix: str) -> str | None:
    """The id in <prefix><id>.json, or None if the name is not of that form."""
    if filename.startswith(prefix) and filename.endswith(JSON_SUFFIX) and len(filename) > len(prefix) + 5:
        return filename[len(prefix) : -len(JSON_SUFFIX)]
    return None


def file_name(prefix: str, ident: str, what: str) -> str:
    return f"{prefix}{file_id(ident, what)}{JSON_SUFFIX}"


def encrypted_ballot_label(device: str, ballot_id: str) -> str:
    """encrypted_ballots/<device>/eballot-<ballot id>.json: how reports and messages name the file."""
    return f"{ENCRYPTED_BALLOTS}/{device}/{EBALLOT_PREFIX}{ballot_id}{JSON_SUFFIX}"


def proof_commitments_label(device: str, ballot_id: str) -> str:
    """proof_commitments/<device>/commitments-<ballot id>.json: the commitments of one ballot's range proofs."""
    return f"{PROOF_COMMITMENTS}/{device}/{COMMITMENTS_PREFIX}{ballot_id}{JSON_SUFFIX}"


def ballot_chain_label(device: str) -> str:
    """encrypted_ballots/<device>/ballot_chain.json: how reports and messages name the file."""
    return f"{ENCRYPTED_BALLOTS}/{device}/{BALLOT_CHAIN}"


def challenged_ballot_label(ballot_id: str) -> str:
    """challenged_ballots/dballot-<ballot id>.json: how reports and messages name the file."""
    return f"{CHALLENGED_BALLOTS}/{DBALLOT_PREFIX}{ballot_id}{JSON_SUFFIX}"
