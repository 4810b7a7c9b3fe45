"""The verifying client's table of ballots (engine.verify.ballot_table): the cross-ballot checks' answers as the
dicts gave them (first ballot of an id wins, codes grouped in the order they repeat, a device's chain links in
order, CAST ids looked up, fingerprints sorted), and nothing per ballot held in Python memory (issue 11, item 4)."""

from __future__ import annotations

import tracemalloc

import pytest

from engine.election import BallotState
from engine.hash import UInt256
from engine.verify.ballot_table import BallotTable, BallotTableError, table_errors
from engine.verify.challenged import BallotFingerprint
from engine.verify.partition import BallotEntry

MANY = 5_000


def entry(ballot_id: str, device: str = "d1", code: int = 0, state: BallotState = BallotState.CAST) -> BallotEntry:
    fingerprint = None if state is BallotState.CAST else BallotFingerprint({"c": (b"x" * 32, {"s": b"y" * 32})})
    return BallotEntry(
        label=f"encrypted_ballots/{device}/eballot-{ballot_id}.json",
        ballot_id=ballot_id,
        state=state,
        device=device,
        confirmation_code=UInt256(code.to_bytes(32, "big")),
        code_baux=bytes([code % 256]) * 3,
        preencrypted=False,
        fingerprint=fingerprint,
    )


def test_a_later_ballot_with_an_id_is_a_duplicate_and_counts_nowhere_else() -> None:
    table = BallotTable()
    try:
        assert not table.add(entry("a", code=1))
        assert not table.add(entry("b", code=2, state=BallotState.SPOILED))
        assert table.add(entry("a", device="d2", code=3, state=BallotState.SPOILED))
        assert (table.ballots, table.duplicates, table.count(BallotState.CAST)) == (3, 1, 1)
        assert table.count(BallotState.SPOILED) == 1 and table.devices == {"d1": 2}
        assert table.state("a") is BallotState.CAST and table.state("zz") is None
        assert table.fingerprint("a") is None and table.fingerprint("b") is not None
        assert list(table.cast_ids()) == ["a"] and "a" in table.cast_ids() and "b" not in table.cast_ids()
        assert table.chain_links("d2")["a"].confirmation_code == UInt256((3).to_bytes(32, "big"))
        assert list(table.chain_links("d1")) == ["a", "b"]
    finally:
        table.close()


def test_repeated_codes_come_in_the_order_they_repeat_with_every_ballot() -> None:
    table = BallotTable()
    try:
        for bid, code in [("a", 7), ("b", 9), ("c", 8), ("d", 9), ("e", 7), ("f", 7), ("a", 5)]:
            table.add(entry(bid, code=code))
        unique, repeated = table.repeated_codes()
        assert unique == 1  # code 8; the duplicate id a's code 5 is not counted
        assert [(code[-1], ids) for code, ids in repeated.items()] == [(9, ["b", "d"]), (7, ["a", "e", "f"])]
    finally:
        table.close()


def test_fingerprinted_ids_are_sorted_as_python_sorts_them() -> None:
    table = BallotTable()
    try:
        ids = ["b", "a", "é", "Z", "a-10", "a-9", "日本"]
        for bid in ids:
            table.add(entry(bid, state=BallotState.SPOILED))
        assert list(table.fingerprinted_ids()) == sorted(ids)
    finally:
        table.close()


def test_the_table_holds_nothing_per_ballot_in_python_memory() -> None:
    table = BallotTable()
    try:
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        for i in range(MANY):
            table.add(entry(f"voter-{i:06d}", device=f"d{i % 4}", code=i + 1))
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert after - before < 64 * 1024  # dicts of MANY ids and codes would hold several MiB
        assert table.ballots == MANY and table.repeated_codes()[0] == MANY
    finally:
        table.close()


def test_ballots_added_together_find_their_duplicates_within_and_before_the_batch() -> None:
    table = BallotTable()
    try:
        assert table.add_all([entry("a"), entry("b")]) == [False, False]
        assert table.add_all([entry("c"), entry("b", device="d2"), entry("c", device="d2"), entry("d")]) == [
            False,
            True,
            True,
            False,
        ]
        assert (table.ballots, table.duplicates) == (6, 2) and list(table.chain_links("d2")) == ["b", "c"]
    finally:
        table.close()


def test_a_failing_table_is_one_error_of_the_engine() -> None:
    table = BallotTable()
    table.close()
    with pytest.raises(BallotTableError, match="temporary table of ballots failed"), table_errors():
        table.add(entry("a"))


def test_listed_ids_give_the_cast_set_and_chain_cover_findings_a_set_gives() -> None:
    """R.cast_set and R.chain_cover keep the ids a listing named in the table (issue 11, item 4), finding what a
    Python set finds, in the same order; each listing starts empty."""
    from engine.verify.chains import _verify_cover
    from engine.verify.report import Recorder
    from engine.verify.tally import verify_cast_list

    table = BallotTable()
    try:
        table.add_all([entry("a"), entry("b"), entry("c", state=BallotState.SPOILED), entry("d")])
        listed = ["b", "x", "b", "c", "a", "x"]

        def findings(check: str, use_table: bool) -> list[tuple[str, str]]:
            rec = Recorder()
            if check == "R.cast_set":
                seen = table.listing("cast") if use_table else set()
                verify_cast_list(rec, iter(listed), table.cast_ids(), seen)
            else:
                seen = table.listing("chain d1") if use_table else set()
                assert _verify_cover(rec, "d1", iter(listed), table.chain_links("d1"), seen) == "x"
            return [(f.message, f.ballot_id) for f in rec.snapshot()["findings"].get(check, [])]

        for check in ("R.cast_set", "R.chain_cover"):
            expected = findings(check, use_table=False)
            assert len(expected) >= 3
            assert findings(check, use_table=True) == expected
            assert findings(check, use_table=True) == expected
    finally:
        table.close()
