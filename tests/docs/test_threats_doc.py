"""docs/THREATS.md names a test for every threat: each test it names must exist, so the page cannot
drift from the suite."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.once

ROOT = Path(__file__).resolve().parents[2]
THREATS = ROOT / "docs" / "THREATS.md"
_REFERENCE = re.compile(r"`(?:(tests/)?([\w/]+\.py))(?:::(\w+))?`|`::(\w+)`")


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _references() -> list[tuple[Path, str | None]]:
    """(test file, function or None) for every test the page names; `::name` continues the last file."""
    found: list[tuple[Path, str | None]] = []
    current: Path | None = None
    for match in _REFERENCE.finditer(THREATS.read_text(encoding="utf-8")):
        prefix, name, function, continued = match.groups()
        if continued is not None:
            assert current is not None, f"`::{continued}` follows no test file"
            found.append((current, continued))
            continue
        if not name.startswith("test_") and "/test_" not in name:
            continue
        current = ROOT / "tests" / name if prefix else ROOT / "tests" / "adversarial" / name
        found.append((current, function))
    return found


def test_every_test_the_threat_model_names_exists() -> None:
    references = _references()
    assert len(references) > 30
    missing = []
    for path, function in references:
        if not path.is_file():
            missing.append(str(path.relative_to(ROOT)))
        elif function is not None and function not in _test_functions(path):
            missing.append(f"{path.relative_to(ROOT)}::{function}")
    assert not missing, f"docs/THREATS.md names tests that do not exist: {missing}"


def test_every_role_has_a_section() -> None:
    text = THREATS.read_text(encoding="utf-8")
    roles = ("Voter", "Voting device", "Network", "Registrar", "Board operator", "Tallyer", "Guardians", "verifier")
    for role in roles:
        assert re.search(rf"^## .*{role}", text, re.MULTILINE | re.IGNORECASE), role
