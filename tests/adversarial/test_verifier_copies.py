"""The verifier against ballot copying (issue 9, defect 6, verifier side).

Cortier and Smyth's attack: a second ballot re-uses a victim's ciphertexts with their proofs (the
proofs are bound to H_E and the contest, not to the ballot), so the victim's choices count twice
and, in a small election, the tally reveals them. The board refuses such a ballot; a record that
holds one anyway (a voting device or a ballot box of an offline election, or a dishonest board)
fails R.unique_ciphertexts, which names both ballots.

Each test takes a small offline, unchained election on the test group, encrypted through
`ballotchain encrypt`, adds the copy as the attacker would (with a valid confirmation code of its
own), lets the tallyer and the guardians run their honest CLI steps over what is there, and runs
`ballotchain verify`.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.cli.demo_cmd import random_ballots, run_ceremony
from engine.hash import UInt256
from engine.record import ElectionRecord
from engine.record.exchange import encode_plaintext_ballot_line
from engine.record.layout import proof_commitments_label
from engine.verify.hashes import EGK, confirmation_code
from tests.adversarial.online_board import run
from tests.support.online_record import findings_of, tally_and_decrypt, verify_json

DEVICE = "booth-1"


@dataclass(frozen=True)
class Offline:
    root: Path
    record: Path  # encrypted ballots only: each test tallies and decrypts its own copy
    secrets: dict[str, Path]
    ballot_ids: tuple[str, ...]


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Offline:
    root = tmp_path_factory.mktemp("verifier-copies")
    record = root / "record"
    secrets = run_ceremony(record, root / "private", root / "exchange", 2, 2, "test", chain=False, step=lambda _s: None)
    ballots = random_ballots(ElectionRecord(record).manifest, 4, random.Random(7))
    plaintexts = root / "ballots.jsonl"
    plaintexts.write_bytes(b"".join(encode_plaintext_ballot_line(b) for b in ballots))
    run(
        "encrypt", "--record", record, "--ballots", plaintexts, "--device", DEVICE, "--challenge", ballots[-1].ballot_id
    )
    return Offline(root, record, secrets, tuple(b.ballot_id for b in ballots))


def copy_of(offline: Offline, tmp_path: Path) -> Path:
    record = tmp_path / "record"
    shutil.copytree(offline.record, record)
    return record


def eballot(record: Path, ballot_id: str) -> Path:
    return record / "encrypted_ballots" / DEVICE / f"eballot-{ballot_id}.json"


def load(path: Path) -> Any:
    return json.loads(path.read_text())


def with_code(ballot: dict[str, Any]) -> dict[str, Any]:
    """The confirmation code of the ballot's contests and B_aux, eq. 58 (as egk hashes B_aux)."""
    hashes = [UInt256.from_hex(c["contest_hash"]) for c in ballot["contests"]]
    code = confirmation_code(UInt256.from_hex(ballot["election_id"]), hashes, bytes.fromhex(ballot["code_baux"]), EGK)
    ballot["confirmation_code"] = code.hex()
    return ballot


def finish(offline: Offline, record: Path, tmp_path: Path) -> dict[str, Any]:
    tally_and_decrypt(record, offline.secrets, tmp_path / "decryption")
    return verify_json(record, expect=1)


def test_the_honest_offline_record_verifies(offline: Offline, tmp_path: Path) -> None:
    record = copy_of(offline, tmp_path)
    tally_and_decrypt(record, offline.secrets, tmp_path / "decryption")
    report = verify_json(record, expect=0)
    assert next(c for c in report["checks"] if c["id"] == "R.unique_ciphertexts")["status"] == "passed"


def test_a_whole_ballot_copied_under_a_new_id_and_b_aux_fails(offline: Offline, tmp_path: Path) -> None:
    """Attack (voting device or ballot box): the victim's ballot again, as 'copier', with its own B_aux and so
    its own valid confirmation code (7.C sees nothing); the tallyer counts what the record holds."""
    record = copy_of(offline, tmp_path)
    victim = offline.ballot_ids[0]
    ballot = load(eballot(record, victim))
    ballot.update(ballot_id="copier", code_baux="C0" * 32)
    eballot(record, "copier").write_text(json.dumps(with_code(ballot), indent=2))
    report = finish(offline, record, tmp_path)
    assert report["failed"] == ["R.unique_ciphertexts"], report["findings"]
    copies = findings_of(report, "R.unique_ciphertexts")
    pair = {"copier", victim}
    assert copies and all(f["ballot_id"] in pair for f in copies)
    assert all(f"ballot {(pair - {f['ballot_id']}).pop()}'s" in f["message"] for f in copies)


def test_one_contest_copied_into_another_ballot_fails(offline: Offline, tmp_path: Path) -> None:
    """Attack: the copier's own ballot with the victim's first contest (selections, proofs, contest data)
    in place of its own; its confirmation code is recomputed, its B_aux is the election's."""
    record = copy_of(offline, tmp_path)
    victim, copier = offline.ballot_ids[0], offline.ballot_ids[1]
    source = load(eballot(record, victim))
    ballot = load(eballot(record, copier))
    assert source["contests"][0]["contest_id"] == ballot["contests"][0]["contest_id"]
    ballot["contests"][0] = source["contests"][0]
    eballot(record, copier).write_text(json.dumps(with_code(ballot), indent=2))
    (record / proof_commitments_label(DEVICE, copier)).unlink()  # its commitments would betray it: drop them
    report = finish(offline, record, tmp_path)
    assert report["failed"] == ["R.unique_ciphertexts"], report["findings"]
    copies = findings_of(report, "R.unique_ciphertexts")
    contest = source["contests"][0]["contest_id"]
    assert len(copies) == len(source["contests"][0]["selections"]) + 1  # every selection and the contest data
    assert all(f["ballot_id"] == copier and f["contest_id"] == contest for f in copies)
    assert any("contest data C0" in f["message"] for f in copies)
