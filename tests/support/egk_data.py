"""Where the independent egk records and vectors live, and how tests find them.

They are vendored in tests/vectors/egk (MIT licence and provenance beside them, as pyca/cryptography
keeps its vectors); $BALLOTCHAIN_EGK_DATA points elsewhere, e.g. at a newer copy. Tests skip when the
data is absent, except in CI (CI=true), where a missing path is a failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

_DEFAULT = Path(__file__).resolve().parents[1] / "vectors" / "egk"


def egk_root() -> Path:
    root = Path(os.environ.get("BALLOTCHAIN_EGK_DATA", _DEFAULT))
    if not root.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"egk data not found at {root} (required in CI)")
        pytest.skip(f"egk data not found at {root}; set BALLOTCHAIN_EGK_DATA")
    return root


def vector(name: str) -> Any:
    return json.loads((egk_root() / "testvectors" / f"{name}.json").read_text())


def workflow(name: str) -> Path:
    return egk_root() / "workflow" / name


WORKFLOWS = ["allAvailableJson", "someAvailableJson", "chainedJson"]
