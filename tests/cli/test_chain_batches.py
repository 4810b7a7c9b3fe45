"""A device continues its chain of confirmation codes over several batches (issue 15, item 2), spec 2.0.0
section 3.4.3: the first ballot of a later batch has B_aux = H(B_last) || B_aux,0 (eq. 60) and the device's
ballot_chain.json then ends with the new last code and the closing hash over it (eq. 61). Test group,
through the command line.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.ballot import chain_closing_hash, encrypt_ballot
from engine.record import ElectionRecord, ElectionRecordWriter
from engine.record.exchange import read_plaintext_ballot_inputs
from tests.support.elections import run
from tests.support.two_guardians import chained_ceremony, tally_and_decrypt

CHAIN_CHECKS = ("7.D", "7.E", "7.F", "7.G", "R.chain_cover")


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A chained election (n = k = 2) after its key ceremony, no ballot yet; copied by each test."""
    root = tmp_path_factory.mktemp("chain-batches")
    manifest = root / "manifest.json"
    run("manifest", "new", "--out", manifest, "--contest", "mayor=kim,lee,park", "--contest", "council:2=ann,bo,cy")
    chained_ceremony(root, manifest)
    return root


@pytest.fixture()
def root(election: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "e"
    shutil.copytree(election, copy)
    return copy


def batch(root: Path, name: str, *ids: str) -> Path:
    """A file of plaintext ballots from `ballotchain ballot template`, one per id."""
    lines = []
    for ballot_id in ids:
        out = root / f"pballot-{ballot_id}.json"
        run("ballot", "template", "--manifest", root / "manifest.json", "--id", ballot_id, "--out", out)
        lines.append(json.dumps(json.loads(out.read_text())))
    path = root / f"{name}.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def encrypt(root: Path, device: str, name: str, *ids: str) -> None:
    run("encrypt", "--record", root / "record", "--ballots", batch(root, name, *ids), "--device", device)


def verify(record: Path, expect: int, *extra: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(run("verify", record, "--json", "--allow-test-group", *extra, expect=expect))
    return report


def chain_of(record: Path, device: str) -> dict[str, Any]:
    chain: dict[str, Any] = json.loads((record / "encrypted_ballots" / device / "ballot_chain.json").read_text())
    return chain


def test_two_batches_on_one_device_and_one_on_another_verify(root: Path) -> None:
    record = root / "record"
    encrypt(root, "booth-1", "first", "a1", "a2")
    first = chain_of(record, "booth-1")
    encrypt(root, "booth-1", "second", "a3", "a4")
    encrypt(root, "booth-1", "third", "a5")
    encrypt(root, "booth-2", "other", "b1", "b2")

    chain = chain_of(record, "booth-1")
    assert chain["ballot_ids"] == ["a1", "a2", "a3", "a4", "a5"]
    assert chain["baux0"] == first["baux0"]
    a2, a3 = (ElectionRecord(record).encrypted_ballot(i, "booth-1") for i in ("a2", "a3"))
    assert a3.code_baux == a2.confirmation_code.data + ElectionRecord(record).config.baux0
    voting = verify(record, 0)
    assert not voting["failed"], voting["findings"]

    tally_and_decrypt(root, record)
    final = verify(record, 0, "--final")
    assert final["ok"] and not final["failed"], final["findings"]
    passed = {check["id"] for check in final["checks"] if check["status"] == "passed" and check["passed"] > 0}
    assert set(CHAIN_CHECKS) <= passed, final["checks"]


def test_a_continuation_that_restarts_the_chain_fails_7e(root: Path) -> None:
    """A device that starts its second batch from H_0 again (as if it had no earlier ballot) while its
    chain file lists both batches, with the last code and closing hash computed right: only 7.E fails."""
    record = root / "record"
    encrypt(root, "booth-1", "first", "a1", "a2")
    reader = ElectionRecord(record)
    config, init = reader.config, reader.initialized
    (plaintext,) = read_plaintext_ballot_inputs(batch(root, "rogue", "a3"))
    restarted = bytes.fromhex(chain_of(record, "booth-1")["baux0"])  # B_aux of a first ballot: H_0 alone
    rogue = encrypt_ballot(reader.manifest, init, plaintext, device="booth-1", code_baux=restarted).ballot
    writer = ElectionRecordWriter(record, overwrite=True)
    writer.write_encrypted_ballot(rogue)
    stored = reader.ballot_chain("booth-1")
    assert stored is not None
    writer.write_ballot_chain(
        type(stored)(
            encrypting_device="booth-1",
            baux0=stored.baux0,
            ballot_ids=(*stored.ballot_ids, "a3"),
            last_confirmation_code=rogue.confirmation_code,
            chaining=True,
            closing_hash=chain_closing_hash(init.extended_base_hash, rogue.confirmation_code, config.baux0),
        )
    )
    report = verify(record, 1)
    assert report["failed"] == ["7.E"], report["findings"]
    findings = " ".join(str(f) for f in report["findings"])
    assert "eballot-a3.json" in findings and "chain position 3" in findings


def test_a_chain_file_that_does_not_match_the_device_is_not_continued(root: Path) -> None:
    record = root / "record"
    encrypt(root, "booth-1", "first", "a1", "a2")
    (record / "encrypted_ballots" / "booth-1" / "eballot-a2.json").unlink()
    before = sorted(p.name for p in (record / "encrypted_ballots" / "booth-1").iterdir())
    out = run("encrypt", "--record", record, "--ballots", batch(root, "second", "a3"), "--device", "booth-1", expect=2)
    assert "ballot_chain.json" in out and "a2" in out and "cannot be continued" in out
    assert sorted(p.name for p in (record / "encrypted_ballots" / "booth-1").iterdir()) == before
