"""A record made by our engine has egk's files and egk's JSON fields, and round-trips unchanged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.cli.demo_cmd import run_demo
from engine.record import ElectionRecord, ElectionRecordWriter
from engine.record.jsonio import dumps
from engine.record.layout import PROOF_COMMITMENTS
from tests.support.egk_data import workflow

KINDS = {
    "constants.json": "constants.json",
    "manifest.json": "manifest.json",
    "election_config.json": "election_config.json",
    "election_initialized.json": "election_initialized.json",
    "encrypted_tally.json": "encrypted_tally.json",
    "tally.json": "tally.json",
    "eballot": "encrypted_ballots/*/eballot-*.json",
    "ballot_chain": "encrypted_ballots/*/ballot_chain.json",
    "dballot": "challenged_ballots/dballot-*.json",
}


def field_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON document, list positions folded together; the keys of a metadata map
    (egk's Map<String, String>, e.g. the election identifier) are its data, not fields."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            out.add(path)
            if key != "metadata":
                out |= field_paths(child, path)
    elif isinstance(value, list):
        for child in value:
            out |= field_paths(child, prefix + "[]")
    return out


def kind_fields(record: Path, pattern: str) -> set[str]:
    files = sorted(record.glob(pattern))
    assert files, f"{record}: no {pattern}"
    fields: set[str] = set()
    for f in files:
        fields |= field_paths(json.loads(f.read_text()))
    return fields


@pytest.fixture(scope="module")
def our_record(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parity") / "demo"
    code = run_demo(
        out,
        voters=30,
        guardians=3,
        quorum=3,
        absent=0,
        challenge_rate=0.2,
        seed=7,
        group_name="test",
        devices=1,
        jobs=1,
    )
    assert code == 0
    return out / "record"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_same_fields_as_egk(our_record: Path, kind: str) -> None:
    pattern = KINDS[kind]
    ours = kind_fields(our_record, pattern)
    theirs = kind_fields(workflow("chainedJson"), pattern)
    if kind == "manifest.json":  # manifests are the election's own text; compare the structure egk reads
        theirs = {f for f in theirs if f.split(".")[0] in {"contests", "ballot_styles"}}
        ours = {f for f in ours if f.split(".")[0] in {"contests", "ballot_styles"}}
    assert ours == theirs


def test_our_record_round_trips_unchanged(our_record: Path, tmp_path: Path) -> None:
    record = ElectionRecord(our_record)
    copy = tmp_path / "copy"
    writer = ElectionRecordWriter(copy)
    writer.write_constants(record.constants)
    writer.write_manifest(manifest_bytes=record.manifest_bytes)
    writer.write_config(record.config)
    writer.write_initialized(record.initialized)
    for ballot in record.encrypted_ballots():
        writer.write_encrypted_ballot(ballot)
    for chain in record.ballot_chains():
        writer.write_ballot_chain(chain)
    writer.write_encrypted_tally(record.encrypted_tally)
    writer.write_tally(record.tally)
    for dballot in record.challenged_ballots():
        writer.write_challenged_ballot(dballot)
    originals = sorted(
        p.relative_to(our_record) for p in our_record.rglob("*.json") if PROOF_COMMITMENTS not in p.parts
    )
    assert originals == sorted(p.relative_to(copy) for p in copy.rglob("*.json"))
    for rel in originals:
        assert (copy / rel).read_bytes() == (our_record / rel).read_bytes(), rel
    again = ElectionRecord(copy)
    assert again.initialized == record.initialized and again.tally == record.tally
    assert dumps(json.loads((copy / "tally.json").read_text())) == (our_record / "tally.json").read_bytes()
    shutil.rmtree(copy)
