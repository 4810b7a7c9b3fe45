"""encrypted_tally.json's cast_ballot_ids and ballot_chain.json's ballot_ids read as a stream (issue 11, item 4):
the same values, the same errors in the same words as the whole-file reader, and memory far below the file's
size for a tally of 10^5 cast ids (tracemalloc)."""

from __future__ import annotations

import json
import shutil
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from engine.record import ElectionRecord, RecordError
from tests.support.egk_data import workflow

DEVICE = "runWorkflowChainedJson"
CHAIN = f"encrypted_ballots/{DEVICE}/ballot_chain.json"


@pytest.fixture
def record(tmp_path: Path) -> Path:
    source = workflow("chainedJson")
    for name in ("constants.json", "encrypted_tally.json"):
        shutil.copy(source / name, tmp_path / name)
    (tmp_path / CHAIN).parent.mkdir(parents=True)
    shutil.copy(source / CHAIN, tmp_path / CHAIN)
    return tmp_path


def edit(path: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=4))


def test_the_streamed_tally_and_chain_are_the_whole_files_values(record: Path) -> None:
    r = ElectionRecord(record)
    whole = r.encrypted_tally
    assert len(whole.cast_ballot_ids) > 1
    assert r.encrypted_tally_without_ids == replace(whole, cast_ballot_ids=())
    assert tuple(r.cast_ballot_ids()) == whole.cast_ballot_ids
    chain = r.ballot_chain(DEVICE)
    assert chain is not None and len(chain.ballot_ids) > 1
    assert r.ballot_chain_without_ids(DEVICE) == replace(chain, ballot_ids=())
    assert tuple(r.chain_ballot_ids(DEVICE)) == chain.ballot_ids
    assert tuple(ElectionRecord(record).chain_ballot_ids(DEVICE)) == chain.ballot_ids
    assert r.ballot_chain_without_ids("other-device") is None
    assert tuple(r.chain_ballot_ids("other-device")) == ()


def _ids_at(key: str, index: int, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda doc: doc[key].__setitem__(index, value)


TALLY_EDITS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "id not a string": _ids_at("cast_ballot_ids", 1, 7),
    "id not an id": _ids_at("cast_ballot_ids", 0, "a b/c"),
    "id an object": _ids_at("cast_ballot_ids", 1, {"x": [1, 2]}),
    "ids not an array": lambda doc: doc.update(cast_ballot_ids="b1"),
    "ids missing": lambda doc: doc.pop("cast_ballot_ids"),
    "bad id and bad election id": lambda doc: doc.update(cast_ballot_ids=[3], election_id="zz"),
    "bad id and bad contests": lambda doc: doc.update(cast_ballot_ids=[3], contests=5),
    "unknown field": lambda doc: doc.update(extra=[1]),
    "empty ids": lambda doc: doc.update(cast_ballot_ids=[]),
}

RAW_EDITS: dict[str, Callable[[bytes], bytes]] = {
    "duplicate key": lambda text: text.replace(b'"cast_ballot_ids"', b'"cast_ballot_ids": [], "cast_ballot_ids"'),
    "not JSON": lambda text: text[:-20],
    "trailing text": lambda text: text + b" x",
    "NaN": lambda text: text.replace(b'"cast_ballot_ids": [', b'"cast_ballot_ids": [NaN, '),
    "byte order mark": lambda text: b"\xef\xbb\xbf" + text,
    "not UTF-8": lambda text: text.replace(b'"cast_ballot_ids": [', b'"cast_ballot_ids": ["\xff", '),
    "deep": lambda text: text.replace(b'"cast_ballot_ids": [', b'"cast_ballot_ids": [' + b"[" * 40 + b"]" * 40 + b", "),
    "big integer": lambda text: text.replace(b'"cast_ballot_ids": [', b'"cast_ballot_ids": [' + b"9" * 30 + b", "),
    "a list at the top": lambda text: b"[" + text + b"]",
}


def _outcome(read: Callable[[], Any]) -> Any:
    try:
        return read()
    except RecordError as error:
        return type(error), str(error)


@pytest.mark.parametrize("case", sorted(TALLY_EDITS) + sorted(RAW_EDITS))
def test_a_bad_tally_fails_streamed_as_it_fails_whole(record: Path, case: str) -> None:
    path = record / "encrypted_tally.json"
    if case in TALLY_EDITS:
        edit(path, TALLY_EDITS[case])
    else:
        path.write_bytes(RAW_EDITS[case](path.read_bytes()))
    whole, streamed = ElectionRecord(record), ElectionRecord(record)
    expected = _outcome(lambda: whole.encrypted_tally)
    got = _outcome(lambda: streamed.encrypted_tally_without_ids)
    if isinstance(expected, tuple):
        assert got == expected
    else:
        assert got == replace(expected, cast_ballot_ids=())
        assert tuple(streamed.cast_ballot_ids()) == expected.cast_ballot_ids
    assert streamed.notes == whole.notes


@pytest.mark.parametrize(
    "change",
    [
        lambda doc: doc["ballot_ids"].__setitem__(0, None),
        lambda doc: doc.update(ballot_ids=[1], encrypting_device=""),
        lambda doc: doc.update(ballot_ids=[1], last_confirmation_code="no"),
        lambda doc: doc.update(encrypting_device="another"),
        lambda doc: doc.pop("chaining"),
    ],
)
def test_a_bad_chain_fails_streamed_as_it_fails_whole(record: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    edit(record / CHAIN, change)
    with pytest.raises(RecordError) as whole:
        ElectionRecord(record).ballot_chain(DEVICE)
    with pytest.raises(RecordError) as streamed:
        ElectionRecord(record).ballot_chain_without_ids(DEVICE)
    assert str(streamed.value) == str(whole.value)


def test_a_file_changed_between_reads_is_a_record_error(record: Path) -> None:
    r = ElectionRecord(record)
    _ = r.encrypted_tally_without_ids
    edit(record / "encrypted_tally.json", _ids_at("cast_ballot_ids", 0, 5))
    with pytest.raises(RecordError, match=r"cast_ballot_ids\[0\]: expected a string"):
        list(r.cast_ballot_ids())


def test_a_tally_of_100000_cast_ids_is_read_in_memory_far_below_its_size(record: Path) -> None:
    """Issue 11, item 4: the reader holds no list of the cast ids. Here the file is ~4.9 MB, the whole-file reader's
    peak ~26 MB, the streamed reader's ~0.5 MB, the same as for 10^4 ids (its parse buffers and the contests)."""
    path = record / "encrypted_tally.json"
    ids = [f"ballot-{i:07d}-{'x' * 20}" for i in range(100_000)]
    edit(path, lambda doc: doc.update(cast_ballot_ids=ids))
    size = path.stat().st_size
    assert size > 3_000_000
    r = ElectionRecord(record)
    _ = r.group
    tracemalloc.start()
    try:
        tally = r.encrypted_tally_without_ids
        count = sum(1 for _ in r.cast_ballot_ids())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == len(ids) and tally.cast_ballot_ids == ()
    assert peak < size / 5, (peak, size)
