"""docs/CHECKS.md lists every check of the verifier's catalog with its id and text, and nothing else."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.verify.catalog import CHECKS

pytestmark = pytest.mark.once

DOC = Path(__file__).resolve().parents[2] / "docs" / "CHECKS.md"
_ROW = re.compile(r"^\| ([0-9]+\.[A-Z]|[RB]\.\w+) \| (.*) \|$", re.MULTILINE)


def test_the_checks_page_is_the_catalog() -> None:
    rows = [(check_id, text.replace("\\|", "|")) for check_id, text in _ROW.findall(DOC.read_text(encoding="utf-8"))]
    assert rows == list(CHECKS)
