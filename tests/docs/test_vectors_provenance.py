"""The vendored egk data is exactly what egk wrote: every file is listed in SHA256SUMS with its digest,
and nothing else is in the folder (tests/vectors/egk/PROVENANCE.md)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytestmark = pytest.mark.once

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "egk"
OWN_FILES = {"SHA256SUMS", "PROVENANCE.md"}


def test_every_vendored_file_has_its_recorded_digest() -> None:
    listed = {}
    for line in (VECTORS / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name.removeprefix("./")] = digest
    present = {p.relative_to(VECTORS).as_posix() for p in VECTORS.rglob("*") if p.is_file()} - OWN_FILES
    assert present == set(listed), (
        f"unlisted: {sorted(present - set(listed))}; missing: {sorted(set(listed) - present)}"
    )
    changed = [n for n, d in listed.items() if hashlib.sha256((VECTORS / n).read_bytes()).hexdigest() != d]
    assert not changed, f"changed since vendoring: {changed}"
    assert "LICENSE" in listed and len(listed) > 100
