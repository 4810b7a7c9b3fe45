"""`ballotchain ballot template --mark CONTEST=OPTION[,OPTION]` (issue 15, item 1): a marked ballot that
`encrypt` accepts, and one line (exit 2) for a mark the manifest does not allow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.elections import run


@pytest.fixture()
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    run("manifest", "new", "--out", path, "--contest", "mayor=kim,lee,park", "--contest", "council:2=ann,bo,cy,di")
    return path


def votes(path: Path) -> dict[str, list[str]]:
    ballot = json.loads(path.read_text())
    return {c["contest_id"]: [s["selection_id"] for s in c["selections"] if s["vote"]] for c in ballot["contests"]}


def test_marks_set_the_votes(manifest: Path) -> None:
    out = manifest.parent / "b.json"
    run("ballot", "template", "--manifest", manifest, "--id", "v1", "--mark", "mayor=lee", "--mark", "council=ann,di",
        "--out", out)  # fmt: skip
    assert votes(out) == {"mayor": ["lee"], "council": ["ann", "di"]}
    unmarked = manifest.parent / "blank.json"
    run("ballot", "template", "--manifest", manifest, "--out", unmarked)
    assert votes(unmarked) == {"mayor": [], "council": []}


@pytest.mark.parametrize(
    ("mark", "said"),
    [
        ("council=ann,bo,cy", "exceed the selection limit L = 2"),
        ("sheriff=kim", "no contest 'sheriff'"),
        ("mayor=zed", "not an option of contest 'mayor'"),
        ("mayor", "write CONTEST=OPTION"),
    ],
)
def test_a_mark_the_manifest_does_not_allow_is_one_line(manifest: Path, mark: str, said: str) -> None:
    out = manifest.parent / "b.json"
    assert said in run("ballot", "template", "--manifest", manifest, "--mark", mark, "--out", out, expect=2)
    assert not out.exists()
