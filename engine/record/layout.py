"""File names of the election record in egk's layout (egk-ElectionRecordJson.md)."""

from __future__ import annotations

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

EBALLOT_PREFIX = "eballot-"
DBALLOT_PREFIX = "dballot-"
TRUSTEE_PREFIX = "decryptingTrustee-"
PBALLOT_PREFIX = "pballot-"
JSON_SUFFIX = ".json"

# Files whose presence marks a folder as a public election record.
PUBLIC_MARKERS = (CONSTANTS, MANIFEST, CONFIG, INITIALIZED)

MAX_ID_LENGTH = 200


def file_id(value: str, what: str) -> str:
    """An id that becomes part of a file or folder name: one path component, not hidden, no control
    characters (ids come from ballots and devices, so they are outside data)."""
    if not isinstance(value, str) or not value:
        raise RecordError(what, "", "an id used in a file name must be a non-empty string")
    bad = (
        len(value) > MAX_ID_LENGTH
        or value.startswith(".")
        or any(c in value for c in "/\\\x00")
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    )
    if bad:
        raise RecordError(what, "", f"{value[:40]!r} cannot be used in a file name")
    return value


def id_from_name(filename: str, prefix: str) -> str | None:
    """The id in <prefix><id>.json, or None if the name is not of that form."""
    if filename.startswith(prefix) and filename.endswith(JSON_SUFFIX) and len(filename) > len(prefix) + 5:
        return filename[len(prefix) : -len(JSON_SUFFIX)]
    return None


def file_name(prefix: str, ident: str, what: str) -> str:
    return f"{prefix}{file_id(ident, what)}{JSON_SUFFIX}"
