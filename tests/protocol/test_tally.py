"""Ballot aggregation, spec 3.5 (eq. 62): egk's BallotAggregation vector and the three egk records
re-aggregated bit for bit, the accumulator's checks, and the parallel form.

The ``egk_*`` helpers (tests.support.egk_objects) read egk JSON straight into engine.election values
(the record layer is not used here).
"""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.election import (
    BallotState,
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    HashedCiphertext,
)
from engine.elgamal import Ciphertext
from engine.group import PRODUCTION_GROUP
from engine.hash import UInt256
from engine.manifest import BallotStyle, ContestDescription, Manifest, SelectionDescription
from engine.proofs import RangeProof
from engine.tally import TallyAccumulator, TallyError, tally_ballots, tally_ballots_parallel
from tests.support.egk_data import WORKFLOWS, vector, workflow
from tests.support.egk_objects import (
    egk_ciphertext,
    egk_encrypted_tally,
    egk_manifest,
    egk_workflow_ballots,
)
from tests.support.small_tally import H_E, T, small_ballot, small_manifest

G = PRODUCTION_GROUP


# ------------------------------------------------------------------ known answers


def test_ballot_aggregation_vector_matches_egk():
    tv = vector("BallotAggregationTestVector")
    h_e = UInt256.from_hex(tv["extended_base_hash"])
    expected = tv["expected_encrypted_tally"]
    exp_contest = expected["contests"][0]
    manifest = Manifest(
        "vector",
        "v2.0.0",
        "general",
        "",
        "",
        ("district",),
        (
            ContestDescription(
                exp_contest["contest_id"],
                exp_contest["sequence_order"],
                "district",
                "one_of_m",
                1,
                1,
                exp_contest["contest_id"],
                tuple(
                    SelectionDescription(s["selection_id"], s["sequence_order"], s["selection_id"])
                    for s in exp_contest["selections"]
                ),
            ),
        ),
        (BallotStyle("ballotStyle", ("district",)),),
    )
    ballots = [
        EncryptedBallot(
            b["ballotId"],
            "ballotStyle",
            "device",
            0,
            b"",
            UInt256(bytes(32)),
            h_e,
            tuple(
                EncryptedContest(
                    c["contestId"],
                    c["sequenceOrder"],
                    1,
                    UInt256(bytes(32)),
                    tuple(
                        EncryptedSelection(
                            s["selectionId"],
                            s["sequenceOrder"],
                            egk_ciphertext(s["encrypted_vote"]),
                            RangeProof((), ()),
                        )
                        for s in c["selections"]
                    ),
                    RangeProof((), ()),
                    HashedCiphertext(G.one, b"", UInt256(bytes(32)), 0),
                )
                for c in b["contests"]
            ),
            BallotState.CAST,
        )
        for b in tv["encrypted_ballots"]
    ]
    tally = tally_ballots(manifest, h_e, ballots, expected["tally_id"])
    assert tally == egk_encrypted_tally({**expected, "election_id": tv["extended_base_hash"]})
    assert len(tally.cast_ballot_ids) == 11


@pytest.mark.parametrize("name", WORKFLOWS)
def test_reaggregating_egk_records_gives_their_encrypted_tally(name):
    folder = workflow(name)
    manifest = egk_manifest(json.loads((folder / "manifest.json").read_text()))
    expected = egk_encrypted_tally(json.loads((folder / "encrypted_tally.json").read_text()))
    ballots = egk_workflow_ballots(folder)
    acc = TallyAccumulator(manifest, expected.election_id)
    counted = acc.add_all(ballots)
    assert counted == sum(b.state is BallotState.CAST for b in ballots)
    tally = acc.build(expected.tally_id)
    assert set(tally.cast_ballot_ids) == set(expected.cast_ballot_ids)
    assert len(tally.cast_ballot_ids) == len(expected.cast_ballot_ids)
    assert dataclasses.replace(tally, cast_ballot_ids=expected.cast_ballot_ids) == expected


def test_chained_record_spoiled_ballots_are_not_counted():
    folder = workflow("chainedJson")
    ballots = egk_workflow_ballots(folder)
    spoiled = {b.ballot_id for b in ballots if b.state is BallotState.SPOILED}
    assert spoiled == {"id-3", "id-6", "id-9"}
    manifest = egk_manifest(json.loads((folder / "manifest.json").read_text()))
    tally = tally_ballots(manifest, ballots[0].election_id, ballots, "t")
    assert spoiled.isdisjoint(tally.cast_ballot_ids)


def _product_by_selection(ballots: list[EncryptedBallot]) -> dict[str, Ciphertext]:
    out: dict[str, Ciphertext] = {}
    for b in ballots:
        if b.state is not BallotState.CAST:
            continue
        for c in b.contests:
            for s in c.selections:
                out[s.selection_id] = out[s.selection_id] + s.ciphertext if s.selection_id in out else s.ciphertext
    return out


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.dictionaries(st.sampled_from(["c0s0", "c0s1", "c1s2"]), st.integers(0, 1))),
        max_size=8,
    )
)
def test_tally_is_the_product_over_cast_ballots(spec):
    manifest = small_manifest()
    ballots = [
        small_ballot(manifest, f"b{i}", votes, state=BallotState.CAST if cast else BallotState.SPOILED)
        for i, (cast, votes) in enumerate(spec)
    ]
    tally = tally_ballots(manifest, H_E, ballots, "t", group=T)
    expected = _product_by_selection(ballots)
    assert tally.cast_ballot_ids == tuple(b.ballot_id for b in ballots if b.state is BallotState.CAST)
    for c in tally.contests:
        for s in c.selections:
            assert s.ciphertext == expected.get(s.selection_id, Ciphertext(T.one, T.one))


def test_tally_keeps_manifest_order_and_sequence_orders():
    manifest = small_manifest((3, 1, 2))
    tally = tally_ballots(manifest, H_E, [small_ballot(manifest, "b", {})], "t")
    assert [c.contest_id for c in tally.contests] == ["c0", "c1", "c2"]
    assert [s.selection_id for s in tally.contests[0].selections] == ["c0s0", "c0s1", "c0s2"]
    assert tally.election_id == H_E and tally.tally_id == "t"


def test_empty_tally_is_the_encryption_of_zero_with_nonce_zero():
    manifest = small_manifest((1,))
    tally = tally_ballots(manifest, H_E, [], "empty", group=T)
    assert tally.contests[0].selections[0].ciphertext == Ciphertext(T.one, T.one)
    assert tally.cast_ballot_ids == ()


def test_many_ballots_cross_the_batching_threshold():
    manifest = small_manifest((1,))
    one = small_ballot(manifest, "x", {"c0s0": 1})
    ballots = [dataclasses.replace(one, ballot_id=f"b{i}") for i in range(600)]
    tally = tally_ballots(manifest, H_E, ballots, "t")
    ct = one.contests[0].selections[0].ciphertext
    assert tally.contests[0].selections[0].ciphertext == Ciphertext(ct.pad**600, ct.data**600)


# ------------------------------------------------------------------ rejections


def test_rejects_a_ballot_of_another_election():
    manifest = small_manifest()
    acc = TallyAccumulator(manifest, H_E)
    with pytest.raises(TallyError, match="another|election"):
        acc.add(small_ballot(manifest, "b", {}, h_e=UInt256(bytes(32))))


def test_rejects_duplicate_ballot_ids_even_across_states():
    manifest = small_manifest()
    acc = TallyAccumulator(manifest, H_E)
    acc.add(small_ballot(manifest, "b", {}))
    with pytest.raises(TallyError, match="more than once"):
        acc.add(small_ballot(manifest, "b", {}))
    with pytest.raises(TallyError, match="more than once"):
        acc.add(small_ballot(manifest, "b", {}, state=BallotState.SPOILED))


def test_rejects_unknown_contest_and_selection_and_leaves_the_tally_unchanged():
    manifest = small_manifest()
    acc = TallyAccumulator(manifest, H_E)
    good = small_ballot(manifest, "good", {"c0s0": 1})
    acc.add(good)
    before = acc.build("t")
    bad_contest = dataclasses.replace(
        small_ballot(manifest, "bad1", {"c0s0": 1}),
        contests=(*good.contests, dataclasses.replace(good.contests[0], contest_id="nope")),
    )
    with pytest.raises(TallyError, match="'nope', not in the manifest"):
        acc.add(bad_contest)
    c0 = good.contests[0]
    bad_selection = dataclasses.replace(
        good,
        ballot_id="bad2",
        contests=(
            dataclasses.replace(
                c0, selections=(*c0.selections, dataclasses.replace(c0.selections[0], selection_id="ghost"))
            ),
        ),
    )
    with pytest.raises(TallyError, match="'ghost' is not in the manifest"):
        acc.add(bad_selection)
    twice = dataclasses.replace(
        good, ballot_id="bad3", contests=(dataclasses.replace(c0, selections=(c0.selections[0],) * 2),)
    )
    with pytest.raises(TallyError, match="appears twice"):
        acc.add(twice)
    assert acc.build("t") == before
    assert acc.cast_ballot_ids == ("good",)


def test_rejects_mixed_groups():
    manifest = small_manifest((1,))
    acc = TallyAccumulator(manifest, H_E, G)
    with pytest.raises(TallyError, match="another group"):
        acc.add(small_ballot(manifest, "b", {}))


# ------------------------------------------------------------------ parallel


def load_pickled_ballots(path: str) -> list[EncryptedBallot]:
    """A loader for tally_ballots_parallel: top level, so worker processes can import it."""
    return pickle.loads(Path(path).read_bytes())


def test_parallel_tally_equals_the_sequential_one(tmp_path):
    manifest = small_manifest()
    ballots = [
        small_ballot(
            manifest,
            f"b{i}",
            {"c0s1": 1, "c1s0": i % 2},
            state=BallotState.SPOILED if i % 5 == 0 else BallotState.CAST,
        )
        for i in range(24)
    ]
    sequential = tally_ballots(manifest, H_E, ballots, "t")
    file_a = tmp_path / "a.pickle"
    file_a.write_bytes(pickle.dumps(ballots[16:]))
    sources = [iter(ballots[:10]), ballots[10:16], str(file_a)]
    parallel = tally_ballots_parallel(
        manifest, H_E, sources, "t", processes=2, loader=load_pickled_ballots, chunk_size=4
    )
    assert parallel == sequential
    in_process = tally_ballots_parallel(manifest, H_E, [ballots], "t", processes=1, chunk_size=5)
    assert in_process == sequential


def test_parallel_tally_rejects_duplicates_across_chunks():
    manifest = small_manifest()
    b = small_ballot(manifest, "same", {})
    with pytest.raises(TallyError, match="more than once"):
        tally_ballots_parallel(manifest, H_E, [[b], [b]], "t", processes=1)


def test_parallel_tally_needs_a_loader_for_paths():
    with pytest.raises(TallyError, match="loader"):
        tally_ballots_parallel(small_manifest(), H_E, ["some/file"], "t", processes=1)
