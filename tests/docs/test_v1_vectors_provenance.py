"""The vendored electionguard-python 1.4 records are exactly what it wrote: every file but our own is
listed in SHA256SUMS with its digest (tests/vectors/eg1/PROVENANCE.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.once

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "eg1"
OWN_FILES = {"SHA256SUMS", "PROVENANCE.md", "make_records.py"}


def test_every_vendored_file_has_its_recorded_digest() -> None:
    listed = {}
    for line in (VECTORS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    present = {p.relative_to(VECTORS).as_posix() for p in VECTORS.rglob("*") if p.is_file()} - OWN_FILES
    present = {name for name in present if "__pycache__" not in name}
    unlisted, missing = sorted(present - set(listed)), sorted(set(listed) - present)
    assert not unlisted and not missing, f"unlisted: {unlisted}; missing: {missing}"
    changed = [n for n, d in listed.items() if hashlib.sha256((VECTORS / n).read_bytes()).hexdigest() != d]
    assert not changed, f"changed since vendoring: {changed}"
    assert "LICENSE" in listed
