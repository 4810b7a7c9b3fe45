"""The vendored records are exactly what their tools wrote: every file but our own is listed in SHA256SUMS
with its digest, and nothing else is in the folder (tests/vectors/egk/PROVENANCE.md for egk's data,
tests/vectors/eg1/PROVENANCE.md for electionguard-python 1.4's records)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.once

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


@pytest.mark.parametrize(
    ("folder", "own_files", "at_least"),
    [
        ("egk", {"SHA256SUMS", "PROVENANCE.md"}, 101),
        ("eg1", {"SHA256SUMS", "PROVENANCE.md", "make_records.py"}, 1),
    ],
)
def test_every_vendored_file_has_its_recorded_digest(folder: str, own_files: set[str], at_least: int) -> None:
    vectors = VECTORS / folder
    listed = {}
    for line in (vectors / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    present = {p.relative_to(vectors).as_posix() for p in vectors.rglob("*") if p.is_file()} - own_files
    present = {name for name in present if "__pycache__" not in name}
    unlisted, missing = sorted(present - set(listed)), sorted(set(listed) - present)
    assert not unlisted and not missing, f"unlisted: {unlisted}; missing: {missing}"
    changed = [n for n, d in listed.items() if hashlib.sha256((vectors / n).read_bytes()).hexdigest() != d]
    assert not changed, f"changed since vendoring: {changed}"
    assert "LICENSE" in listed and len(listed) >= at_least
