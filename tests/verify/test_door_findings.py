"""The board's door check (issue 12): chunk_finding_lines gives verify_ballot_chunk's findings, in its order and
words, without counts or timings, in strict and in batch mode, for good and tampered ballots."""

from __future__ import annotations

import dataclasses

import pytest

from engine.ballot import encrypt_ballot
from engine.hash import UInt256
from engine.server.checker import ballot_context
from engine.verify.ballots import chunk_finding_lines, verify_ballot_chunk
from tests.adversarial.online_board import OnlineElection, make_online_election


@pytest.fixture(scope="module")
def e(tmp_path_factory: pytest.TempPathFactory) -> OnlineElection:
    return make_online_election(tmp_path_factory.mktemp("door-findings"), voters=3)


def test_door_findings_are_the_verifiers(e: OnlineElection) -> None:
    init, manifest = e.election.initialized, e.election.manifest
    ctx = ballot_context(manifest, init)
    results = [
        encrypt_ballot(manifest, init, e.plaintexts[i], device="online", code_baux=init.config.baux0) for i in range(3)
    ]
    good = results[0].ballot
    contest = good.contests[0]
    zeroed = dataclasses.replace(contest, contest_hash=UInt256(bytes(32)))
    bad_hash = dataclasses.replace(good, contests=(zeroed, *good.contests[1:]))
    swapped = dataclasses.replace(results[1].ballot, confirmation_code=good.confirmation_code)
    chunk = [("", good), ("b", bad_hash), ("c", swapped), ("", results[2].ballot)]
    commitments = [r.proof_commitments for r in (results[0], results[0], results[1], results[1])]
    for given in (None, commitments):
        snapshots = verify_ballot_chunk(ctx, chunk, given)
        expected = [[str(f) for found in s["findings"].values() for f in found] for s in snapshots]
        assert chunk_finding_lines(ctx, chunk, given) == expected
        assert expected[0] == [] and expected[1] and expected[2]
        assert bool(expected[3]) == (given is not None)  # its commitments are another ballot's
