"""docs/CHECKS.md lists every check of the verifier's catalogs with its id and text, in order, and nothing else:
the 2.0 checks (CHECKS) and the ElectionGuard 1.0 checks (V1_CHECKS)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.verify.catalog import CHECKS, V1_CHECKS

pytestmark = pytest.mark.once

DOC = Path(__file__).resolve().parents[2] / "docs" / "CHECKS.md"


@pytest.mark.parametrize(
    ("id_pattern", "catalog"),
    [
        (r"[0-9]+\.[A-Z]|[RB]\.\w+", CHECKS),
        (r"V1\.[0-9]+\.[a-z]", V1_CHECKS),
    ],
    ids=["2.0", "1.0"],
)
def test_the_checks_page_is_the_catalog(id_pattern: str, catalog: tuple[tuple[str, str], ...]) -> None:
    row = re.compile(rf"^\| ({id_pattern}) \| (.*) \|$", re.MULTILINE)
    rows = [(check_id, text.replace("\\|", "|")) for check_id, text in row.findall(DOC.read_text(encoding="utf-8"))]
    assert rows == list(catalog)
