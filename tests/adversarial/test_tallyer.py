"""A dishonest tallyer cannot have a voter's ballot decrypted (issue 9, defect 8).

`ballotchain guardian decrypt` checks, on the guardian's own copy of the record and before any
partial decryption, what the verifier checks of the aggregation: the encrypted tally is the product
of the record's cast ballots (8.A, 8.B) and lists exactly them (R.cast_set). Attacks, each with the
tallyer fixing whatever a tallyer can fix (encrypted_tally.json carries no signature; its election
id and ballot list are set to look right):

- the tally's ciphertexts replaced by one voter's ballot ciphertexts;
- a tally that leaves out one cast ballot, recomputed honestly over the others;
- a cast ballot relabelled as challenged in the record, so that it would be decrypted alone.

Every guardian refuses (exit 1, naming the check, the contest and selection or the ballot) and
writes neither a partial decryption nor a nonce file; the honest tally is then decrypted and the
record verifies.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.support.elections import (
    GUARDIANS,
    edit_json,
    guardians_decrypt,
    guardians_respond,
    invoke,
    nonces,
    run,
    secret,
    verify_json,
)


def every_guardian_refuses(root: Path, *reasons: str) -> None:
    partials = root / "partials"
    for g in GUARDIANS:
        result = invoke(
            "guardian", "decrypt", "--record", root / "record", "--secret", secret(root, g),
            "--out", partials, "--nonces", nonces(root, g),
        )  # fmt: skip
        assert result.exit_code == 1, result.output
        assert "refusing to decrypt" in result.stderr and "Traceback" not in result.output
        for reason in reasons:
            assert reason in result.stderr, result.stderr
        assert not partials.exists() and not nonces(root, g).exists()


def honest_decryption_verifies(root: Path) -> None:
    record = root / "record"
    partials, challenges, responses = root / "partials", root / "challenges", root / "responses"
    guardians_decrypt(root, ("guardian-1", "guardian-2"), partials)
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    guardians_respond(root, ("guardian-1", "guardian-2"), challenges, responses)
    run("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)
    assert verify_json(record, expect=0)["ok"]


def test_a_tally_of_one_voters_ciphertexts_is_refused_by_every_guardian(tallied_election: Path) -> None:
    record = tallied_election / "record"
    tally_file = record / "encrypted_tally.json"
    honest = tally_file.read_bytes()
    victim = json.loads((record / "encrypted_ballots" / "booth-1" / "eballot-b2.json").read_text())
    votes = {
        (c["contest_id"], s["selection_id"]): s["encrypted_vote"] for c in victim["contests"] for s in c["selections"]
    }

    def one_voter(doc: Any) -> None:
        for contest in doc["contests"]:
            for selection in contest["selections"]:
                selection["encrypted_vote"] = votes[(contest["contest_id"], selection["selection_id"])]

    edit_json(tally_file, one_voter)
    every_guardian_refuses(tallied_election, "[8.A] A is not the product", "[8.B]", "14 times")
    edit_json(tally_file, lambda doc: doc.update(cast_ballot_ids=["b2"]))
    every_guardian_refuses(tallied_election, "[R.cast_set]", "[8.A]")

    tally_file.write_bytes(honest)
    honest_decryption_verifies(tallied_election)


def test_a_tally_that_leaves_out_one_cast_ballot_is_refused(tallied_election: Path) -> None:
    record = tallied_election / "record"
    tally_file = record / "encrypted_tally.json"
    honest = tally_file.read_bytes()
    left_out = record / "encrypted_ballots" / "booth-1" / "eballot-b1.json"
    aside = tallied_election / "eballot-b1.json"
    tally_file.unlink()
    shutil.move(left_out, aside)
    run("tally", "--record", record)  # an honest-looking tally of the other ballots
    shutil.move(aside, left_out)
    assert "b1" not in json.loads(tally_file.read_text())["cast_ballot_ids"]

    every_guardian_refuses(tallied_election, "[R.cast_set] a CAST ballot is missing from cast_ballot_ids", "ballot b1")

    tally_file.write_bytes(honest)
    honest_decryption_verifies(tallied_election)


def test_a_cast_ballot_relabelled_as_challenged_is_refused(tallied_election: Path) -> None:
    record = tallied_election / "record"
    ballot_file = record / "encrypted_ballots" / "booth-1" / "eballot-b2.json"
    honest = ballot_file.read_bytes()
    edit_json(ballot_file, lambda doc: doc.update(state="SPOILED"))

    every_guardian_refuses(tallied_election, "[R.cast_set]", "ballot b2")

    ballot_file.write_bytes(honest)
    honest_decryption_verifies(tallied_election)
