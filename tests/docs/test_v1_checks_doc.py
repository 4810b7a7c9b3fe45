"""docs/CHECKS.md lists every ElectionGuard 1.0 check of the catalog (V1_CHECKS), in order, with its text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.verify.catalog import V1_CHECKS

pytestmark = pytest.mark.once

DOC = Path(__file__).resolve().parents[2] / "docs" / "CHECKS.md"
_ROW = re.compile(r"^\| (V1\.[0-9]+\.[a-z]) \| (.*) \|$", re.MULTILINE)


def test_the_checks_page_lists_the_1_0_checks() -> None:
    rows = [(check_id, text.replace("\\|", "|")) for check_id, text in _ROW.findall(DOC.read_text(encoding="utf-8"))]
    assert rows == list(V1_CHECKS)
