"""The verifier's board checks B.0-B.9: tamper tests on the record of an online election.

One online demo election (test group: DID voters over HTTP, a re-vote, challenged ballots, the board
closed and exported, tallied and decrypted) is made once; each test copies its record, changes one
thing in it (re-signing what the attacker holds the key of: the board's tree head, a voter's
submission, the registrar's roster) and asserts that the verifier reports exactly the intended check
as failed, with the checks that cannot help failing with it (listed per case, with the reason).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.checkpoint import BoardCheckpoints, election_origin
from engine.board.election_keys import ELECTION_KEYS_FILE, ElectionKeys, decode_election_keys, encode_election_keys
from engine.board.entries import (
    BallotSubmitted,
    BallotSuperseded,
    ElectionPublished,
    Entry,
    VotingClosed,
    canonical_json,
    decode_entry,
    encode_entry,
)
from engine.board.merkle import leaf_hash, root_of
from engine.board.note import CosignatureSigner, SignedNote
from engine.board.sth import BoardKey, SignedTreeHead
from engine.cli.demo_cmd import run_demo
from engine.cli.main import cli
from engine.credentials.did import VoterCredential, sign_submission
from engine.credentials.roster import RegistrarKey, decode_roster, encode_roster, make_roster
from engine.election import BallotState
from engine.group import TEST_GROUP
from engine.hash import UInt256
from engine.proofs.pad_knowledge import PadKnowledgeProof
from engine.verify import Report, Status, verify_record
from engine.verify.board import BOARD_FILE, CHECKPOINT_FILE, ENTRIES_FILE, ROSTER_FILE
from engine.verify.catalog import BOARD_CHECKS

BOARD_IDS = {c for c, _ in BOARD_CHECKS}
WITNESS_IDS = {"B.9"}  # the demo election fixes no witnesses: B.9's cases are below (witnessed_record)


@dataclass(frozen=True)
class Online:
    out: Path
    record: Path
    board_key: BoardKey
    registrar_key: RegistrarKey


@pytest.fixture(scope="module")
def online(tmp_path_factory: pytest.TempPathFactory) -> Online:
    out = tmp_path_factory.mktemp("online") / "demo"
    code = run_demo(
        out,
        voters=10,
        guardians=3,
        quorum=2,
        absent=0,
        challenge_rate=0.2,
        seed=5,
        group_name="test",
        devices=1,
        jobs=1,
        online=True,
    )
    assert code == 0
    return Online(
        out,
        out / "record",
        BoardKey.load(out / "board" / "board-key.json"),
        RegistrarKey.load(out / "private" / "registrar" / "registrar-key.json"),
    )


def verify(root: Path, board_key: bytes | None = None, registrar_key: bytes | None = None) -> Report:
    return verify_record(root, accept_test_group=True, board_key=board_key, registrar_key=registrar_key)


@pytest.fixture(scope="module")
def baseline(online: Online) -> Report:
    report = verify(online.record)
    assert report.ok, [str(f) for f in report.findings]
    assert all(report.check(c).status is Status.PASSED for c in BOARD_IDS - WITNESS_IDS)
    assert report.check("B.9").status is Status.NOT_APPLICABLE
    return report


# ---------------------------------------------------------------- editing the log


def read_entries(root: Path) -> list[Entry]:
    return [decode_entry(line, TEST_GROUP) for line in (root / ENTRIES_FILE).read_bytes().splitlines()]


def write_entries(root: Path, entries: list[Entry | bytes], key: BoardKey | None) -> None:
    """Rewrite the log; with the board's key, sign a head of the new tree (as a dishonest board would)."""
    data = [e if isinstance(e, bytes) else encode_entry(e) for e in entries]
    (root / ENTRIES_FILE).write_bytes(b"".join(d + b"\n" for d in data))
    if key is not None:
        board = json.loads((root / BOARD_FILE).read_bytes())
        old = SignedTreeHead.from_json(board["tree_head"])
        head = key.sign_tree_head(len(data), root_of([leaf_hash(d) for d in data]), old.timestamp)
        board["tree_head"] = head.to_json()
        (root / BOARD_FILE).write_bytes(canonical_json(board))


def edit_log(
    change: Callable[[list[Entry], Online], list[Entry | bytes]], *, resign: bool = True
) -> Callable[..., None]:
    def apply(root: Path, online: Online) -> None:
        write_entries(root, change(read_entries(root), online), online.board_key if resign else None)

    return apply


def first(entries: list[Entry], kind: type, where: Callable[[Entry], bool] = lambda _e: True) -> int:
    return next(i for i, e in enumerate(entries) if isinstance(e, kind) and where(e))


def single_cast_submission(entries: list[Entry]) -> int:
    """A CAST submission of a DID that submitted nothing else."""
    dids = [e.did for e in entries if isinstance(e, BallotSubmitted)]
    return first(
        entries,
        BallotSubmitted,
        lambda e: e.ballot.state is BallotState.CAST and dids.count(e.did) == 1,  # type: ignore[union-attr]
    )


def edit_board_file(change: Callable[[dict, Online], None]) -> Callable[..., None]:
    def apply(root: Path, online: Online) -> None:
        board = json.loads((root / BOARD_FILE).read_bytes())
        change(board, online)
        (root / BOARD_FILE).write_bytes(canonical_json(board))

    return apply


# ---------------------------------------------------------------- the changes


def flip_head_signature(board: dict, _online: Online) -> None:
    signature = board["tree_head"]["signature"]
    board["tree_head"]["signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]


def head_signed_by_another_key(board: dict, _online: Online) -> None:
    head = SignedTreeHead.from_json(board["tree_head"])
    board["tree_head"] = BoardKey.generate().sign_tree_head(head.tree_size, head.root, head.timestamp).to_json()


def head_of_another_size(board: dict, online: Online) -> None:
    head = SignedTreeHead.from_json(board["tree_head"])
    board["tree_head"] = online.board_key.sign_tree_head(head.tree_size - 1, head.root, head.timestamp).to_json()


def later_supersession(entries: list[Entry], _online: Online) -> list[Entry | bytes]:
    i = first(entries, BallotSuperseded)
    entries[i] = dataclasses.replace(entries[i], timestamp=entries[i].timestamp + 1)  # type: ignore[type-var]
    return list(entries)


def forged_submission_signature(entries: list[Entry], online: Online) -> list[Entry | bytes]:
    i = single_cast_submission(entries)
    entry = entries[i]
    assert isinstance(entry, BallotSubmitted)
    intruder = VoterCredential.generate()
    signature = sign_submission(intruder, entry.ballot.election_id, entry.ballot, entry.contest_data_proofs)
    entries[i] = dataclasses.replace(entry, signature=signature)
    return list(entries)


def submission_by_a_stranger(entries: list[Entry], _online: Online) -> list[Entry | bytes]:
    i = single_cast_submission(entries)
    entry = entries[i]
    assert isinstance(entry, BallotSubmitted)
    stranger = VoterCredential.generate()
    signature = sign_submission(stranger, entry.ballot.election_id, entry.ballot, entry.contest_data_proofs)
    entries[i] = dataclasses.replace(entry, did=stranger.did, signature=signature)
    return list(entries)


def rostered_submission_with_proofs(
    change: Callable[[tuple[PadKnowledgeProof, ...]], tuple[PadKnowledgeProof, ...]],
) -> Callable[[Path, Online], None]:
    """A voter on the roster (the registrar re-signs it with one more DID, and the log's first entry names
    its root) signs a submission whose contest data proofs are ``change``d: what a board that skipped rule
    10 would have logged. Only B.8 can tell."""

    def apply(root: Path, online: Online) -> None:
        entries = read_entries(root)
        i = single_cast_submission(entries)
        entry, published = entries[i], entries[0]
        assert isinstance(entry, BallotSubmitted) and isinstance(published, ElectionPublished)
        voter = VoterCredential.generate()
        roster = decode_roster((root / ROSTER_FILE).read_bytes())
        larger = make_roster(online.registrar_key, [*roster.dids, voter.did], roster.election_hash)
        (root / ROSTER_FILE).write_bytes(encode_roster(larger))
        proofs = change(entry.contest_data_proofs)
        signature = sign_submission(voter, entry.ballot.election_id, entry.ballot, proofs)
        entries[i] = dataclasses.replace(entry, did=voter.did, signature=signature, contest_data_proofs=proofs)
        entries[0] = dataclasses.replace(published, roster_root=larger.root)
        write_entries(root, list(entries), online.board_key)

    return apply


def one_response_changed(proofs: tuple[PadKnowledgeProof, ...]) -> tuple[PadKnowledgeProof, ...]:
    return (dataclasses.replace(proofs[0], response=proofs[0].response + 1), *proofs[1:])


def drop_supersession(entries: list[Entry], _online: Online) -> list[Entry | bytes]:
    del entries[first(entries, BallotSuperseded)]
    return list(entries)


def another_manifest_hash(entries: list[Entry], _online: Online) -> list[Entry | bytes]:
    published = entries[0]
    assert isinstance(published, ElectionPublished)
    entries[0] = dataclasses.replace(published, manifest_hash=UInt256(bytes(32)))
    return list(entries)


def drop_close(entries: list[Entry], _online: Online) -> list[Entry | bytes]:
    assert isinstance(entries[-1], VotingClosed)
    return list(entries[:-1])


def close_with_a_wrong_count(entries: list[Entry], _online: Online) -> list[Entry | bytes]:
    closed = entries[-1]
    assert isinstance(closed, VotingClosed)
    entries[-1] = dataclasses.replace(closed, counted_count=closed.counted_count + 1)
    return list(entries)


def entry_after_close(entries: list[Entry], _online: Online) -> list[Entry | bytes]:
    return [*entries, entries[first(entries, BallotSuperseded)]]


def record_ballot_changed(root: Path, _online: Online) -> None:
    path = cast_ballot_file(root)
    ballot = json.loads(path.read_bytes())
    ballot["timestamp"] += 1
    path.write_text(json.dumps(ballot, indent=4))


def record_ballot_missing(root: Path, _online: Online) -> None:
    cast_ballot_file(root).unlink()


def challenged_ballot_id(root: Path) -> str:
    return sorted(p.name[len("dballot-") : -len(".json")] for p in (root / "challenged_ballots").iterdir())[0]


def challenged_eballot(root: Path, ballot_id: str) -> Path:
    return next((root / "encrypted_ballots").rglob(f"eballot-{ballot_id}.json"))


def challenged_ballot_hidden(root: Path, _online: Online) -> None:
    """The tallyer drops a challenged ballot and its decryption: the audit of its device disappears."""
    ballot_id = challenged_ballot_id(root)
    challenged_eballot(root, ballot_id).unlink()
    (root / "challenged_ballots" / f"dballot-{ballot_id}.json").unlink()


def challenged_decryption_hidden(root: Path, _online: Online) -> None:
    (root / "challenged_ballots" / f"dballot-{challenged_ballot_id(root)}.json").unlink()


def challenged_eballot_hidden(root: Path, _online: Online) -> None:
    challenged_eballot(root, challenged_ballot_id(root)).unlink()


def edit_keys(change: Callable[[ElectionKeys], ElectionKeys]) -> Callable[..., None]:
    def apply(root: Path, _online: Online) -> None:
        keys = decode_election_keys((root / ELECTION_KEYS_FILE).read_bytes())
        (root / ELECTION_KEYS_FILE).write_bytes(encode_election_keys(change(keys)))

    return apply


def keys_file_missing(root: Path, _online: Online) -> None:
    (root / ELECTION_KEYS_FILE).unlink()


def keys_file_not_canonical(root: Path, _online: Online) -> None:
    (root / ELECTION_KEYS_FILE).write_text(json.dumps(json.loads((root / ELECTION_KEYS_FILE).read_bytes()), indent=2))


def keys_of_another_election(keys: ElectionKeys) -> ElectionKeys:
    return dataclasses.replace(keys, h_e=UInt256(bytes(32)))


def another_board_key(keys: ElectionKeys) -> ElectionKeys:
    return dataclasses.replace(keys, board_public_key=BoardKey.generate().public_key)


def another_registrar_key(keys: ElectionKeys) -> ElectionKeys:
    return dataclasses.replace(keys, registrar_public_key=RegistrarKey.generate().public_key)


def board_without_log_folder(root: Path, _online: Online) -> None:
    shutil.rmtree(root / "board")


def cast_ballot_file(root: Path) -> Path:
    for path in sorted((root / "encrypted_ballots").rglob("eballot-*.json")):
        if json.loads(path.read_bytes())["state"] == "CAST":
            return path
    raise AssertionError("no cast ballot")


def forged_roster(root: Path, _online: Online) -> None:
    roster = json.loads((root / ROSTER_FILE).read_bytes())
    signature = roster["signature"]
    roster["signature"] = ("0" if signature[0] != "0" else "1") + signature[1:]
    (root / ROSTER_FILE).write_bytes(canonical_json(roster))


def roster_of_another_election(root: Path, online: Online) -> None:
    roster = decode_roster((root / ROSTER_FILE).read_bytes())
    other = make_roster(online.registrar_key, roster.dids, UInt256(bytes(32)))
    (root / ROSTER_FILE).write_bytes(encode_roster(other))


@dataclass(frozen=True)
class Tamper:
    check_id: str
    name: str
    apply: Callable[[Path, Online], None]
    also: frozenset[str] = frozenset()


TAMPERS = [
    Tamper("B.0", "board_keys.json removed", keys_file_missing),
    Tamper("B.0", "board_keys.json not canonical", keys_file_not_canonical),
    Tamper("B.0", "board_keys.json of another election", edit_keys(keys_of_another_election)),
    Tamper("B.0", "the board/ log removed from a record with ballots", board_without_log_folder),
    Tamper("B.1", "board_keys.json fixes another board key", edit_keys(another_board_key)),
    Tamper("B.5", "board_keys.json fixes another registrar key", edit_keys(another_registrar_key)),
    Tamper("B.1", "the final head's signature flipped", edit_board_file(flip_head_signature)),
    Tamper("B.1", "the final head signed by another key", edit_board_file(head_signed_by_another_key)),
    Tamper("B.2", "an entry changed after the head was signed", edit_log(later_supersession, resign=False)),
    Tamper("B.2", "the head signed for another size", edit_board_file(head_of_another_size)),
    Tamper("B.3", "a cast ballot differs from the submitted one", record_ballot_changed),
    Tamper(
        "B.3",
        "a counted ballot left out of the record",
        record_ballot_missing,
        # the encrypted tally still holds the ballot the record lost
        frozenset({"8.A", "8.B", "R.cast_set"}),
    ),
    Tamper("B.3", "a challenged ballot and its decryption left out of the record", challenged_ballot_hidden),
    Tamper(
        "B.3",
        "a challenged ballot's decryption left out of the record",
        challenged_decryption_hidden,
        frozenset({"R.challenged"}),  # the record's challenged ballot has no decryption
    ),
    Tamper(
        "B.3",
        "a challenged ballot left out of the record, its decryption kept",
        challenged_eballot_hidden,
        frozenset({"R.challenged"}),  # a decryption of a ballot the record does not hold
    ),
    Tamper("B.4", "a submission signed by another key than its DID's", edit_log(forged_submission_signature)),
    Tamper("B.5", "a submission by a DID not on the roster", edit_log(submission_by_a_stranger)),
    Tamper("B.5", "the roster's signature flipped", forged_roster),
    Tamper("B.5", "a roster of another election", roster_of_another_election),
    Tamper("B.6", "a re-vote without its supersession entry", edit_log(drop_supersession)),
    Tamper("B.8", "a contest data proof that does not verify", rostered_submission_with_proofs(one_response_changed)),
    Tamper("B.8", "a contest data proof missing", rostered_submission_with_proofs(lambda p: p[:-1])),
    Tamper("B.8", "an extra contest data proof", rostered_submission_with_proofs(lambda p: (*p, p[0]))),
    Tamper("B.8", "the contest data proofs in another order", rostered_submission_with_proofs(lambda p: p[::-1])),
    Tamper("B.7", "the log publishes another manifest hash", edit_log(another_manifest_hash)),
    Tamper("B.7", "the log never closes", edit_log(drop_close)),
    Tamper("B.7", "the close counts one ballot too many", edit_log(close_with_a_wrong_count)),
    Tamper(
        "B.7",
        "an entry after the close",
        edit_log(entry_after_close),
        # the entry is a second supersession of a ballot no longer counted
        frozenset({"B.6"}),
    ),
]


def test_every_board_check_has_a_tamper_case() -> None:
    assert {t.check_id for t in TAMPERS} == BOARD_IDS - WITNESS_IDS


@pytest.mark.parametrize("tamper", TAMPERS, ids=[f"{t.check_id}:{t.name}" for t in TAMPERS])
def test_tamper_fails_exactly_the_intended_check(
    tmp_path: Path, online: Online, baseline: Report, tamper: Tamper
) -> None:
    root = tmp_path / "record"
    shutil.copytree(online.record, root)
    tamper.apply(root, online)
    report = verify(root)
    assert set(report.failed_ids) == {tamper.check_id} | tamper.also, [str(f) for f in report.findings]
    assert report.findings_for(tamper.check_id)


def test_the_board_checks_count_what_they_checked(online: Online, baseline: Report) -> None:
    entries = read_entries(online.record)
    submissions = [e for e in entries if isinstance(e, BallotSubmitted)]
    assert baseline.check("B.0").items == 1
    assert baseline.check("B.1").items == 2  # board.json names the election's key; the head is signed by it
    assert baseline.check("B.2").items == len(entries) + 1
    assert baseline.check("B.4").items == len(submissions)
    assert baseline.check("B.8").items == len(submissions)
    assert all(len(e.contest_data_proofs) == len(e.ballot.contests) for e in submissions)
    assert baseline.check("B.5").items == len(submissions) + 1
    assert baseline.check("B.7").items == 2
    record_ballots = list((online.record / "encrypted_ballots").rglob("eballot-*.json"))
    challenged = [e for e in submissions if e.ballot.state is BallotState.SPOILED]
    assert baseline.check("B.3").items == len(record_ballots) + len(challenged)
    assert any(isinstance(e, BallotSuperseded) for e in entries)
    assert any(e.ballot.state is BallotState.SPOILED for e in submissions)


def test_a_record_without_a_board_leaves_the_board_checks_not_applicable(tmp_path: Path, online: Online) -> None:
    root = tmp_path / "record"
    shutil.copytree(online.record, root, ignore=shutil.ignore_patterns("board", ELECTION_KEYS_FILE))
    report = verify(root)
    assert report.ok
    assert all(report.check(c).status is Status.NOT_APPLICABLE for c in BOARD_IDS)
    assert report.keys == ()
    # with a pinned key, the missing log and keys are failures: an online election cannot be disguised
    pinned = verify(root, board_key=online.board_key.public_key)
    assert pinned.failed_ids == ("B.0",)
    assert "pinned" in pinned.findings_for("B.0")[0].message


def test_pinned_keys_are_checked_and_reported(online: Online, baseline: Report) -> None:
    board, registrar = online.board_key.public_key, online.registrar_key.public_key
    assert [(k.role, k.key, k.source, k.pinned) for k in baseline.keys] == [
        ("board", board, ELECTION_KEYS_FILE, False),
        ("registrar", registrar, ELECTION_KEYS_FILE, False),
    ]
    report = verify(online.record, board_key=board, registrar_key=registrar)
    assert report.ok
    assert [(k.key, k.source, k.pinned) for k in report.keys] == [(board, "pinned", True), (registrar, "pinned", True)]
    assert report.check("B.0").items == 3
    doc = report.to_json_dict()
    assert doc["keys"]["board"] == {"key": board.hex().upper(), "source": "pinned", "pinned": True}
    wrong_board = verify(online.record, board_key=BoardKey.generate().public_key, registrar_key=registrar)
    assert set(wrong_board.failed_ids) == {"B.0", "B.1"}
    assert "board key" in wrong_board.findings_for("B.0")[0].message
    wrong_registrar = verify(online.record, registrar_key=RegistrarKey.generate().public_key)
    assert set(wrong_registrar.failed_ids) == {"B.0", "B.5"}
    assert "registrar key" in wrong_registrar.findings_for("B.0")[0].message


def test_a_record_whose_keys_were_all_replaced_fails_only_against_pins(tmp_path: Path, online: Online) -> None:
    """A dishonest board operator re-keys everything consistently: only a pinned key tells."""
    root = tmp_path / "record"
    shutil.copytree(online.record, root)
    rogue = BoardKey.generate()
    edit_keys(lambda k: dataclasses.replace(k, board_public_key=rogue.public_key))(root, online)
    write_entries(root, list(read_entries(root)), rogue)
    edit_board_file(lambda board, _o: board.update(board_public_key=rogue.public_key.hex().upper()))(root, online)
    assert verify(root).ok
    pinned = verify(root, board_key=online.board_key.public_key)
    assert set(pinned.failed_ids) == {"B.0", "B.1"}


def test_a_board_folder_without_its_log_fails(tmp_path: Path, online: Online) -> None:
    root = tmp_path / "record"
    shutil.copytree(online.record, root)
    (root / ENTRIES_FILE).unlink()
    report = verify(root)
    assert "B.2" in report.failed_ids


def test_a_line_without_its_newline_or_an_entry_in_another_form_fails_b2(tmp_path: Path, online: Online) -> None:
    root = tmp_path / "record"
    shutil.copytree(online.record, root)
    data = (root / ENTRIES_FILE).read_bytes()
    (root / ENTRIES_FILE).write_bytes(data[:-1])
    assert "B.2" in verify(root).failed_ids
    loose = json.dumps(json.loads(data.splitlines()[0]), indent=1).replace("\n", "").encode()
    (root / ENTRIES_FILE).write_bytes(loose + b"\n" + b"\n".join(data.splitlines()[1:]) + b"\n")
    report = verify(root)
    assert "B.2" in report.failed_ids
    assert any("canonical" in f.message for f in report.findings_for("B.2"))


# ---------------------------------------------------------------- B.9: witnesses fixed in the keys file


def witnessed_record(root: Path, online: Online, cosigners: int) -> list[CosignatureSigner]:
    """The record with three witnesses and quorum 2 fixed in board_keys.json, and the final checkpoint
    signed by the board and cosigned by the first ``cosigners`` of them in board/checkpoint.txt."""
    shutil.copytree(online.record, root)
    witnesses = [CosignatureSigner(f"witness.example/w{i}", Ed25519PrivateKey.generate()) for i in range(3)]
    keys = decode_election_keys((root / ELECTION_KEYS_FILE).read_bytes())
    keys = dataclasses.replace(keys, witnesses=tuple(w.verifier_key for w in witnesses), witness_quorum=2)
    (root / ELECTION_KEYS_FILE).write_bytes(encode_election_keys(keys))
    head = SignedTreeHead.from_json(json.loads((root / BOARD_FILE).read_bytes())["tree_head"])
    note = BoardCheckpoints(online.board_key, election_origin(keys.h_e.data)).signed(head.tree_size, head.root)
    text = SignedNote.parse(note).text
    cosigned = SignedNote.parse(note).with_signatures(w.cosign(text, 1_800_000_000) for w in witnesses[:cosigners])
    (root / CHECKPOINT_FILE).write_bytes(cosigned.to_bytes())
    return witnesses


def test_a_checkpoint_cosigned_by_the_quorum_passes_b9_and_names_the_witnesses(tmp_path: Path, online: Online) -> None:
    witnesses = witnessed_record(tmp_path / "record", online, 2)
    report = verify(tmp_path / "record")
    assert report.ok, [str(f) for f in report.findings]
    assert report.check("B.9").status is Status.PASSED
    assert any(witnesses[0].name in n and witnesses[1].name in n for n in report.check("B.9").notes)


def test_verify_fails_a_record_whose_checkpoint_lacks_the_quorum(tmp_path: Path, online: Online) -> None:
    witnessed_record(tmp_path / "record", online, 1)
    report = verify(tmp_path / "record")
    assert report.failed_ids == ("B.9",)
    assert "needs 2 of 3" in report.findings_for("B.9")[0].message


def test_verify_fails_a_witnessed_record_without_its_checkpoint(tmp_path: Path, online: Online) -> None:
    witnessed_record(tmp_path / "record", online, 3)
    (tmp_path / "record" / CHECKPOINT_FILE).unlink()
    report = verify(tmp_path / "record")
    assert report.failed_ids == ("B.9",)


def test_verify_pins_the_witnesses_and_refuses_a_record_that_fixes_others(tmp_path: Path, online: Online) -> None:
    """An attacker who re-keys the record's witnesses (their own keys and cosignatures) passes B.9 against
    what the record says; `verify --witness-key` with the officials' keys fails it (B.0, exit 1)."""
    record = tmp_path / "record"
    witnesses = witnessed_record(record, online, 3)
    official = [w.verifier_key.vkey() for w in witnesses]
    base = ["verify", str(record), "--allow-test-group", "--json"]
    pins = [arg for vkey in official for arg in ("--witness-key", vkey)]
    honest = CliRunner().invoke(cli, [*base, *pins])
    assert honest.exit_code == 0, honest.output
    assert json.loads(honest.output)["ok"] is True

    forged = witnessed_record(tmp_path / "forged", online, 3)  # the same log, cosigned by other witnesses
    refused = CliRunner().invoke(cli, ["verify", str(tmp_path / "forged"), "--allow-test-group", "--json", *pins])
    assert refused.exit_code == 1, refused.output
    report = json.loads(refused.output)
    assert [c["id"] for c in report["checks"] if c["status"] == "failed"] == ["B.0"]
    assert any("not the pinned witnesses" in f["message"] for f in report["findings"])
    unpinned = CliRunner().invoke(cli, ["verify", str(tmp_path / "forged"), "--allow-test-group", "--json"])
    assert unpinned.exit_code == 0 and forged[0].name == witnesses[0].name

    malformed = CliRunner().invoke(cli, [*base, "--witness-key", "not-a-vkey"])
    assert malformed.exit_code == 2
    assert "--witness-key" in malformed.output and "Traceback" not in malformed.output
