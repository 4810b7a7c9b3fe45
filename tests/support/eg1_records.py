"""The vendored electionguard-python 1.4 records (tests/vectors/eg1) and helpers to tamper with copies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

RECORDS = Path(__file__).resolve().parents[1] / "vectors" / "eg1" / "records"
TEST_GROUP_RECORDS = ("test-missing-guardian", "test-all-guardians")
STANDARD_RECORDS = ("standard-missing-guardian",)
ALL_RECORDS = TEST_GROUP_RECORDS + STANDARD_RECORDS


def copy_record(name: str, into: Path) -> Path:
    """A writable copy of a vendored record under ``into``."""
    target = into / name
    shutil.copytree(RECORDS / name, target)
    return target


def load(record: Path, file: str) -> Any:
    return json.loads((record / file).read_text(encoding="utf-8"))


def save(record: Path, file: str, document: Any) -> None:
    (record / file).write_text(json.dumps(document), encoding="utf-8")


def hex_of(value: int) -> str:
    """An integer as electionguard-python writes it: upper-case hex, even number of digits."""
    digits = format(value, "02X")
    return "0" + digits if len(digits) % 2 else digits
