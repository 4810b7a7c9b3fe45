"""The verifier against a tallyer who publishes false contest data (issue 9, part of defect 10).

Contest data (write-ins, over-vote and under-vote status) travels hashed-ElGamal encrypted as
(C0, C1, C2). Decryption publishes beta = C0^s with a proof (verification 14, tag 0x31) and the
decoded contest data, but the proof covers C0, C1, C2 and beta, not the decoded plaintext: before
R.contest_data, a tallyer could publish any write-in or status for a challenged ballot beside a
valid proof. The verifier now decrypts C1 itself with the proven beta (its own KDF and decoder,
engine/verify/contest_data.py) and compares.

The record is the online election of tests/adversarial/test_verifier_board.py: one challenged
ballot carries a write-in; another voter's software wrote contest data that no key opens (its C1
flipped), which decryption publishes as empty contest data and the verifier accepts with a note:
one voter's garbage cannot fail the election's verification.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.online_record import WRITE_IN, OnlineRecord, findings_of, verify_json


@pytest.fixture()
def online(online_record: OnlineRecord) -> OnlineRecord:
    return online_record


def dballot(root: Path, ballot_id: str) -> Path:
    return root / "challenged_ballots" / f"dballot-{ballot_id}.json"


def first_contest_data(doc: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = doc["contests"][0]["decrypted_contest_data"]
    return data


def edit_dballot(root: Path, ballot_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = dballot(root, ballot_id)
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=2))


def test_the_honest_record_publishes_what_c1_holds(online: OnlineRecord) -> None:
    published = first_contest_data(json.loads(dballot(online.record, online.write_in_ballot).read_text()))
    assert published["contest_data"]["write_ins"] == [WRITE_IN]
    report = verify_json(online.record, expect=0)
    check = next(c for c in report["checks"] if c["id"] == "R.contest_data")
    assert check["status"] == "passed" and check["items"] == 2 * 3  # two challenged ballots of three contests
    # the voter whose contest data opens to nothing: noted, not failed
    assert any(online.garbage_ballot in note and "MAC" in note for note in check["notes"]), check


ATTACKS: dict[str, tuple[str, Callable[[dict[str, Any]], None], str]] = {
    "another write-in": ("write", lambda d: d["contest_data"].update(write_ins=["Mallory"]), "Mallory"),
    "the write-in hidden": ("write", lambda d: d["contest_data"].update(write_ins=[]), WRITE_IN),
    "status over_vote": ("write", lambda d: d["contest_data"].update(status="over_vote"), "over_vote"),
    "a write-in for contest data that opens to nothing": (
        "garbage",
        lambda d: d["contest_data"].update(write_ins=["Mallory"]),
        "opens to nothing",
    ),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_published_contest_data_must_be_what_c1_decrypts_to(online: OnlineRecord, tmp_path: Path, attack: str) -> None:
    """Attack (tallyer): change the decoded contest data of a challenged contest; the proof stays valid."""
    which, change, words = ATTACKS[attack]
    ballot_id = online.write_in_ballot if which == "write" else online.garbage_ballot
    root = online.copy(tmp_path)
    edit_dballot(root, ballot_id, lambda doc: change(first_contest_data(doc)))
    report = verify_json(root, expect=1)
    assert report["failed"] == ["R.contest_data"], report["findings"]
    [finding] = findings_of(report, "R.contest_data")
    assert finding["ballot_id"] == ballot_id and finding["contest_id"] == online.first_contest
    assert words in finding["message"]
    assert verify_json(online.record, expect=0)["ok"]


def test_a_changed_num_bytes_cannot_turn_contest_data_into_garbage(online: OnlineRecord, tmp_path: Path) -> None:
    """Attack (tallyer): change numBytes (in the KDF, not in the 0x31 proof) in the published copy so that
    C1 no longer opens, and publish the empty contest data that garbage admits: the write-in disappears."""
    root = online.copy(tmp_path)

    def hide(doc: dict[str, Any]) -> None:
        data = first_contest_data(doc)
        data["encrypted_contest_data"]["numBytes"] -= 1
        data["contest_data"].update(write_ins=[], status="normal", over_votes=[])

    edit_dballot(root, online.write_in_ballot, hide)
    report = verify_json(root, expect=1)
    assert report["failed"] == ["R.challenged"], report["findings"]
    [finding] = findings_of(report, "R.challenged")
    assert finding["ballot_id"] == online.write_in_ballot and "contest data" in finding["message"]
