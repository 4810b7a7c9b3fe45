"""Chained confirmation codes (issue 9, defect 4): whether a device's codes are chained comes from
election_config.json alone, never from the device's own ballot_chain.json.

A dishonest voting device (or whoever holds its output before it is published) drops a voter's
ballot, takes its id out of ballot_chain.json and writes "chaining": false there, so that no chain
check would look at the hole. The verifier must still run 7.D-7.G, because the configuration chains
codes, and fail. Test group, driven through the command line as the roles would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.cli.demo_cmd import demo_manifest_bytes
from engine.record.layout import proof_commitments_label
from tests.support.elections import ballot_line, run
from tests.support.two_guardians import chained_ceremony, tally_and_decrypt

DEVICE = "booth-1"


@pytest.fixture(scope="module")
def chained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A chained election (n = k = 2) with five ballots encrypted on one device, not yet tallied."""
    root = tmp_path_factory.mktemp("chained")
    manifest = root / "manifest.json"
    manifest.write_bytes(demo_manifest_bytes())
    record = chained_ceremony(root, manifest, complaints=root / "complaints")
    ballots = root / "ballots.jsonl"
    ballots.write_text("\n".join(ballot_line(f"v{i}", i % 5, (0, 1 + i % 6), i % 2 == 0) for i in range(1, 6)))
    run("encrypt", "--record", record, "--ballots", ballots, "--device", DEVICE)
    return {"root": root, "record": record}


def verify(record: Path, expect: int) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(run("verify", record, "--json", "--allow-test-group", expect=expect))
    return report


def copy_of(chained: dict[str, Path], name: str) -> Path:
    target = chained["root"] / name
    shutil.copytree(chained["record"], target)
    return target


def test_a_dropped_ballot_is_caught_though_the_chain_file_says_unchained(chained: dict[str, Path]) -> None:
    record = copy_of(chained, "tampered")
    folder = record / "encrypted_ballots" / DEVICE
    chain_file = folder / "ballot_chain.json"
    chain = json.loads(chain_file.read_text())
    dropped = chain["ballot_ids"][2]  # a ballot in the middle: the last code and the closing hash stay right
    (folder / f"eballot-{dropped}.json").unlink()
    (record / proof_commitments_label(DEVICE, dropped)).unlink()  # and its range proofs' commitments
    chain["ballot_ids"].remove(dropped)
    chain["chaining"] = False
    chain_file.write_text(json.dumps(chain, indent=4))
    tally_and_decrypt(chained["root"], record)  # the tally is consistent with the ballots that are left

    report = verify(record, expect=1)
    assert "7.D" in report["failed"], report["failed"]  # the chain file contradicts the configuration
    assert "7.E" in report["failed"], report["failed"]  # the next ballot's B_aux names the dropped one
    assert set(report["failed"]) <= {"7.D", "7.E", "7.F", "7.G"}, report["failed"]
    findings = " ".join(str(f) for f in report["findings"])
    assert "chaining" in findings and "election_config.json" in findings


def test_the_honest_chained_record_verifies_and_a_missing_chain_file_fails(chained: dict[str, Path]) -> None:
    record = copy_of(chained, "honest")
    tally_and_decrypt(chained["root"], record)
    assert verify(record, expect=0)["ok"]
    (record / "encrypted_ballots" / DEVICE / "ballot_chain.json").unlink()
    assert not verify(record, expect=1)["ok"]
