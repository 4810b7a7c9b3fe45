"""File names of an ElectionGuard 1.0 election record, as electionguard-python 1.4's
``electionguard_tools.helpers.export.export_record`` writes them."""

from __future__ import annotations

from pathlib import Path

MANIFEST = "manifest.json"
CONTEXT = "context.json"
CONSTANTS = "constants.json"
COEFFICIENTS = "coefficients.json"
ENCRYPTED_TALLY = "encrypted_tally.json"
TALLY = "tally.json"
DEVICES = "encryption_devices"
GUARDIANS = "guardians"
SUBMITTED_BALLOTS = "submitted_ballots"
SPOILED_BALLOTS = "spoiled_ballots"

DEVICE_PREFIX = "device_"
GUARDIAN_PREFIX = "guardian_"
SUBMITTED_PREFIX = "submitted_ballot_"
SPOILED_PREFIX = "spoiled_ballot_"
JSON_SUFFIX = ".json"

# context.json (with constants.json) is 1.0's mark: a 2.0 record has election_config.json instead.
MARKERS = (CONTEXT, CONSTANTS, MANIFEST)


def looks_like_v1(directory: Path) -> bool:
    """Does the folder hold an ElectionGuard 1.0 record's marker files?"""
    return all((directory / name).is_file() for name in MARKERS)


def files_with_prefix(directory: Path, prefix: str) -> list[Path]:
    """The folder's <prefix>*.json files in name order (none if the folder is absent)."""
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir() if p.name.startswith(prefix) and p.name.endswith(JSON_SUFFIX) and p.is_file()
    )
