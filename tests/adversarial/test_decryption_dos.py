"""No single bad ballot, partial decryption or response stops the decryption (issue 9, defect 1).

Driven through the command line on the test group, each guardian with its own secret file:

- a voter's challenged ballot whose contest data (C1) was altered after encryption: `decrypt combine`
  publishes tally.json and every other challenged ballot, publishes that ballot with its proven
  selections and beta, names it (check, ballot, contest) on stderr and exits 1; `verify` names it;
- a guardian whose response is wrong, with three of three present and k = 2: nothing is published,
  the guardian is named, and the round the command prints (without it) completes and verifies;
  likewise a guardian that never answers;
- the same with exactly k present: the command fails naming the guardian, says which other guardian
  can step in, leaves every earlier file as it was, and the round with that guardian completes;
- a guardian whose partial decryptions are for other items: it is left out at the challenge step and
  the other two finish without a new round; with exactly k, no challenge is written until another
  guardian sends its partial decryptions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from engine.record import ElectionRecord
from tests.support.elections import (
    GUARDIANS,
    complete_round,
    edit_json,
    guardians_decrypt,
    guardians_respond,
    invoke,
    run,
    verify_json,
)


def flip_hex(text: str, at: int = -1) -> str:
    digit = text[at]
    other = "0" if digit != "0" else "1"
    return text[:at] + other + text[at + 1 :] if at != -1 else text[:-1] + other


def spoil_response(root: Path, responses: Path, guardian: str) -> None:
    """The guardian answers one challenge wrong: v_i + 1 mod q for the first item."""
    q = int(ElectionRecord(root / "record").group.q)

    def wrong(doc: Any) -> None:
        v = doc["values"][0]
        doc["values"][0] = f"{(int(v, 16) + 1) % q:0{len(v)}X}"

    edit_json(responses / f"response-{guardian}.json", wrong)


def folders(root: Path) -> tuple[Path, Path, Path, Path]:
    """The election's record and the folders of a decryption round: partials, challenges, responses."""
    return root / "record", root / "partials", root / "challenges", root / "responses"


def answered_round(root: Path, decrypting: tuple[str, ...], answering: tuple[str, ...]) -> None:
    """``decrypting`` send partial decryptions, the challenges are issued, ``answering`` respond."""
    record, partials, challenges, responses = folders(root)
    guardians_decrypt(root, decrypting, partials)
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    guardians_respond(root, answering, challenges, responses)


def snapshot(*folders: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- one voter's challenged ballot


def test_a_challenged_ballot_with_corrupted_contest_data_does_not_stop_the_tally(tallied_election: Path) -> None:
    record = tallied_election / "record"
    ballot_file = record / "encrypted_ballots" / "booth-1" / "eballot-b4.json"

    def corrupt(doc: Any) -> None:
        data = doc["contests"][0]["encrypted_contest_data"]
        data["c1"] = flip_hex(data["c1"], 0)

    edit_json(ballot_file, corrupt)
    contest_id = json.loads(ballot_file.read_text())["contests"][0]["contest_id"]
    partials, challenges, responses = (
        tallied_election / "partials",
        tallied_election / "challenges",
        tallied_election / "responses",
    )
    guardians_decrypt(tallied_election, ("guardian-1", "guardian-3"), partials)
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    guardians_respond(tallied_election, ("guardian-1", "guardian-3"), challenges, responses)
    result = invoke("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    problem = [line for line in result.stderr.splitlines() if "b4" in line]
    assert len(problem) == 1 and "R.contest_data" in problem[0] and contest_id in problem[0], result.stderr
    assert "MAC" in problem[0]
    assert (record / "tally.json").exists()
    assert (record / "challenged_ballots" / "dballot-b3.json").exists()
    published = json.loads((record / "challenged_ballots" / "dballot-b4.json").read_text())
    assert f"contest_data_error:{contest_id}" in published["metadata"]
    bad_contest = next(c for c in published["contests"] if c["contest_id"] == contest_id)
    assert bad_contest["decrypted_contest_data"]["contest_data"] == {
        "over_votes": [],
        "write_ins": [],
        "status": "normal",
    }
    assert all(len(c["selections"]) > 0 for c in published["contests"])

    checked = invoke("verify", record, "--json", "--allow-test-group")
    assert checked.exit_code in (0, 1), checked.output  # read and checked, not "the record cannot be read" (2)
    report = json.loads(checked.stdout)
    mentions = [f for f in report["findings"] if f.get("ballot_id") == "b4"]
    notes = [n for c in report["checks"] for n in c.get("notes", []) if "b4" in n]
    assert mentions or notes, report
    for finding in mentions:
        assert finding.get("contest_id") == contest_id and finding["check"] in ("R.contest_data", "14.B"), finding
    assert not [f for f in report["findings"] if f.get("ballot_id") not in ("b4", None, "")], report["findings"]
    assert "9.B" not in report["failed"] and "R.challenged" not in report["failed"]


# ---------------------------------------------------------------- one guardian's wrong response


def test_a_wrong_response_with_three_present_is_left_out_and_the_other_two_finish(tallied_election: Path) -> None:
    record, partials, challenges, responses = folders(tallied_election)
    answered_round(tallied_election, GUARDIANS, GUARDIANS)
    spoil_response(tallied_election, responses, "guardian-3")

    failed = invoke("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)
    assert failed.exit_code == 1, failed.output
    assert "guardian guardian-3 gave a response that does not verify" in failed.stderr
    assert "guardian-1, guardian-2 answered correctly" in failed.stderr
    assert not (record / "tally.json").exists() and not (record / "challenged_ballots").exists()

    done = complete_round(tallied_election, ("guardian-1", "guardian-2"), failed.stderr, "guardian-3")
    assert "tally.json and 2 challenged ballots" in done.stdout
    assert verify_json(record, expect=0)["ok"]


def test_a_wrong_response_with_exactly_k_present_fails_clearly_and_leaves_the_files(tallied_election: Path) -> None:
    record, partials, challenges, responses = folders(tallied_election)
    present = ("guardian-1", "guardian-3")
    answered_round(tallied_election, present, present)
    spoil_response(tallied_election, responses, "guardian-3")
    before = snapshot(record, partials, challenges, responses)

    failed = invoke("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)
    assert failed.exit_code == 1, failed.output
    assert "guardian guardian-3 gave a response that does not verify" in failed.stderr
    assert "fewer than the quorum k = 2" in failed.stderr and "guardian-2" in failed.stderr
    assert "Traceback" not in failed.output
    assert snapshot(record, partials, challenges, responses) == before

    complete_round(tallied_election, ("guardian-1", "guardian-2"), failed.stderr, "guardian-3")
    assert verify_json(record, expect=0)["ok"]


def test_a_guardian_that_never_answers_does_not_stop_the_others(tallied_election: Path) -> None:
    record, partials, challenges, responses = folders(tallied_election)
    answered_round(tallied_election, GUARDIANS, ("guardian-1", "guardian-3"))  # guardian-2 goes silent

    waiting = invoke("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)
    assert waiting.exit_code == 1, waiting.output
    assert "guardian guardian-2 gave no response" in waiting.stderr
    assert "if guardian-2 will still answer, run this command again" in waiting.stderr
    run("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses,
        "--exclude", "nobody", expect=2)  # fmt: skip
    run("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses,
        "--exclude", "../guardian-2", expect=2)  # fmt: skip

    complete_round(tallied_election, ("guardian-1", "guardian-3"), waiting.stderr, "guardian-2")
    assert verify_json(record, expect=0)["ok"]


# ---------------------------------------------------------------- one guardian's partial decryptions


def wrong_items(root: Path, partials: Path, guardian: str) -> None:
    """The guardian's partial decryptions are for other ciphertexts than the record's."""
    edit_json(partials / f"partial-{guardian}.json", lambda doc: doc.update(job=flip_hex(doc["job"])))


def test_partial_decryptions_for_other_items_are_left_out_before_any_challenge(tallied_election: Path) -> None:
    record, partials, challenges, responses = folders(tallied_election)
    guardians_decrypt(tallied_election, GUARDIANS, partials)
    wrong_items(tallied_election, partials, "guardian-2")

    issued = invoke("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    assert issued.exit_code == 1, issued.output
    assert re.search(
        r"guardian guardian-2 sent a file that cannot be used: .*another decryption session", issued.stderr
    )
    assert sorted(p.name for p in challenges.iterdir()) == ["challenges-guardian-1.json", "challenges-guardian-3.json"]
    guardians_respond(tallied_election, ("guardian-1", "guardian-3"), challenges, responses)
    done = invoke("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)
    assert done.exit_code == 1 and "guardian guardian-2 sent a file" in done.stderr, done.output
    assert (record / "tally.json").exists()
    assert verify_json(record, expect=0)["ok"]


def test_partial_decryptions_for_other_items_with_exactly_k_wait_for_another_guardian(tallied_election: Path) -> None:
    record, partials, challenges, responses = folders(tallied_election)
    guardians_decrypt(tallied_election, ("guardian-1", "guardian-3"), partials)
    wrong_items(tallied_election, partials, "guardian-3")

    refused = invoke("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    assert refused.exit_code == 1, refused.output
    assert "guardian guardian-3 sent a file" in refused.stderr
    assert "no challenges written" in refused.stderr and "(guardian-2) must run" in refused.stderr
    assert not challenges.exists()

    guardians_decrypt(tallied_election, ("guardian-2",), partials)
    issued = invoke("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    assert issued.exit_code == 1 and "challenges for guardian-1, guardian-2" in issued.stdout, issued.output
    guardians_respond(tallied_election, ("guardian-1", "guardian-2"), challenges, responses)
    done = invoke("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)
    assert done.exit_code == 1 and (record / "tally.json").exists(), done.output
    assert verify_json(record, expect=0)["ok"]
