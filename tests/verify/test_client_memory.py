"""The verifying client keeps nothing per ballot for the proof commitments files (issue 11, item 4: client
memory flat in the number of ballots), counted deterministically: ballots without a commitments file are
counted and the first MAX_NAMED named, partitions combine to a bounded list, the folder is walked file by
file and only the extra files are kept; the ballot files are listed as the reader lists them, as strings; the
ciphertext digests of R.unique_ciphertexts beyond a bound wait in files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from engine.group import TEST_GROUP
from engine.record import ElectionRecord
from engine.verify.batch_proofs import COMMITMENTS_CHECK
from engine.verify.commitments import MAX_NAMED, CommitmentSource
from engine.verify.copies import SPILL_BUCKETS, CiphertextIndex
from engine.verify.partition import PartitionResult, combine
from engine.verify.report import Recorder
from engine.verify.runner import _ballot_labels

MANY = 2000


def fake_ballot(device: str, ballot_id: str) -> Any:
    """What CommitmentSource.for_ballot reads of a ballot."""
    return SimpleNamespace(encrypting_device=device, ballot_id=ballot_id, is_preencrypt=False)


def touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")


def test_ballots_without_a_commitments_file_are_counted_and_the_first_few_named(tmp_path: Path) -> None:
    (tmp_path / "proof_commitments").mkdir()
    source = CommitmentSource.open(tmp_path, TEST_GROUP)
    assert source is not None
    rec = Recorder()
    for i in range(MANY):
        assert source.for_ballot(f"label-{i:05d}", fake_ballot("d", f"b{i:05d}"), rec) is None
    assert source.without == MANY
    assert source.without_named == [f"label-{i:05d}" for i in range(MAX_NAMED)]
    source.settle(rec)
    notes = rec.build("r", 0.0, 1).check(COMMITMENTS_CHECK).notes
    assert notes == (
        f"{MANY} ballot(s) without a proof commitments file, their proofs verified strictly: "
        + ", ".join(f"label-{i:05d}" for i in range(MAX_NAMED))
        + ", ...",
    )


def partition_result(without: int, named: tuple[str, ...]) -> PartitionResult:
    return PartitionResult(
        group_name=TEST_GROUP.name,
        snapshot=Recorder().snapshot(),
        entries=(),
        files=0,
        left_out=0,
        cast_products={},
        cast=0,
        digests=b"",
        contests=frozenset(),
        without_commitments=without,
        without_commitments_named=named,
    )


def test_combined_partitions_name_at_most_max_named_ballots_in_order() -> None:
    parts = [partition_result(3, (f"p{i}a", f"p{i}b", f"p{i}c")) for i in range(MANY // 3)]
    combined = combine(*parts)
    assert combined.without_commitments == 3 * (MANY // 3)
    assert combined.without_commitments_named == ("p0a", "p0b", "p0c", "p1a", "p1b")[:MAX_NAMED]


def test_settle_finds_exactly_the_extra_files_in_order(tmp_path: Path) -> None:
    for i in range(50):
        touch(tmp_path / "proof_commitments" / "d" / f"commitments-b{i:02d}.json")
        if i not in (7, 31):
            touch(tmp_path / "encrypted_ballots" / "d" / f"eballot-b{i:02d}.json")
    touch(tmp_path / "proof_commitments" / "c" / "commitments-z.json")
    touch(tmp_path / "proof_commitments" / "d" / "not-a-commitments-file.txt")
    source = CommitmentSource.open(tmp_path, TEST_GROUP)
    assert source is not None
    rec = Recorder()
    source.settle(rec)
    findings = rec.build("r", 0.0, 1).findings_for(COMMITMENTS_CHECK)
    assert [(f.file, f.ballot_id) for f in findings] == [
        ("proof_commitments/c/commitments-z.json", "z"),
        ("proof_commitments/d/commitments-b07.json", "b07"),
        ("proof_commitments/d/commitments-b31.json", "b31"),
    ]


def test_ballot_labels_are_the_readers_paths_in_its_order(tmp_path: Path) -> None:
    for device in ("device-b", "device-a"):
        for ballot_id in ("X", "X-1", "Xa", "x.2", "10", "9"):
            touch(tmp_path / "encrypted_ballots" / device / f"eballot-{ballot_id}.json")
    touch(tmp_path / "encrypted_ballots" / "device-a" / "notes.txt")
    (tmp_path / "encrypted_ballots" / "device-a" / "eballot-dir.json").mkdir()
    record = ElectionRecord(tmp_path)
    labels = list(_ballot_labels(record))
    assert labels == [p.relative_to(tmp_path).as_posix() for p in record.encrypted_ballot_paths()]
    assert len(labels) == 12 and all(isinstance(label, str) for label in labels)


def test_spilled_digests_give_the_same_repeats_and_hold_at_most_spill_at_in_memory() -> None:
    words = np.random.default_rng(4).integers(0, 2**64 - 1, size=5000, dtype=np.uint64)
    words[4321], words[4999], words[100] = words[7], words[7], words[2500]  # repeats across spills
    whole = CiphertextIndex()
    whole.extend(words.tobytes())
    spilling = CiphertextIndex(spill_at=600)
    for start in range(0, len(words), 250):
        spilling.extend(words[start : start + 250].tobytes())
        assert len(spilling.digests) < 600
    assert spilling.count == whole.count == 5000
    assert spilling.repeated() == whole.repeated() == {int(words[7]), int(words[2500])}
    assert spilling._folder is not None
    folder = Path(spilling._folder.name)
    assert folder.is_dir() and len(list(folder.iterdir())) <= SPILL_BUCKETS
    spilling.close()
    assert not folder.exists()
