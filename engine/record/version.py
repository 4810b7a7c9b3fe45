"""Which ElectionGuard version a record folder is: "1.0" (electionguard-python 1.x's layout) or "2.0" (egk's)."""

from __future__ import annotations

import os
from pathlib import Path

from engine.record.layout import CONFIG
from engine.record.v1.layout import looks_like_v1

V1 = "1.0"
V2 = "2.0"


def record_version(directory: str | os.PathLike[str]) -> str:
    """ "1.0" when the folder has 1.0's context.json, constants.json and manifest.json and no 2.0
    election_config.json; "2.0" otherwise (the 2.0 reader then says what is missing)."""
    path = Path(directory)
    if looks_like_v1(path) and not (path / CONFIG).exists():
        return V1
    return V2
