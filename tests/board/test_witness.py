"""The witness (c2sp.org/tlog-witness add-checkpoint): honest growth is cosigned; a fork, a rollback,
a bad proof, a wrong log key, an unknown origin or a stale old size is refused with the spec's status,
and the witness's state is unchanged; a witness reopened from its state file keeps refusing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.checkpoint import Checkpoint, sign_checkpoint
from engine.board.note import (
    CosignatureSigner,
    NoteError,
    NoteSignature,
    SignedNote,
    VerifierKey,
    cosignature_timestamp,
    open_note,
)
from engine.board.witness import (
    AddCheckpointRequest,
    CosignedState,
    Witness,
    WitnessError,
    WitnessRefusal,
    WitnessState,
)
from tests.support.tlog import FakeLog, mth

ORIGIN = "ballotchain.example/" + "ab" * 16
ENTRIES = [b"entry %d" % i for i in range(40)]
NOW = 1_800_000_000


@pytest.fixture
def log() -> FakeLog:
    return FakeLog(ORIGIN, ENTRIES)


@pytest.fixture
def signer() -> CosignatureSigner:
    return CosignatureSigner("witness.example/w1", Ed25519PrivateKey.generate())


def make_witness(path: Path, signer: CosignatureSigner, log: FakeLog) -> Witness:
    return Witness(signer, WitnessState(path), {ORIGIN: [log.signer.verifier_key]}, clock=lambda: NOW + 0.5)


def add(witness: Witness, log: FakeLog, old: int, size: int) -> SignedNote:
    """Submit log's checkpoint of ``size`` from ``old``; the checkpoint with the witness's cosignature."""
    cosignature = witness.add_checkpoint(old, log.proof(old, size), log.signed(size))
    return SignedNote.parse(log.signed(size)).with_signatures([cosignature])


def refused(witness: Witness, old: int, proof: list[bytes], note: bytes) -> WitnessRefusal:
    before = (witness.state.latest(ORIGIN), witness.state.latest_checkpoint(ORIGIN))
    with pytest.raises(WitnessRefusal) as caught:
        witness.add_checkpoint(old, proof, note)
    assert (witness.state.latest(ORIGIN), witness.state.latest_checkpoint(ORIGIN)) == before
    return caught.value


def test_honest_growth_is_cosigned(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    old = 0
    for size in (0, 1, 3, 3, 8, 13, 16, 40):
        cosigned = add(witness, log, old, size)
        assert open_note(cosigned, [log.signer.verifier_key, signer.verifier_key]) == (
            log.signer.verifier_key,
            signer.verifier_key,
        )
        assert cosignature_timestamp(cosigned.signatures[-1]) == NOW
        assert witness.state.latest(ORIGIN) == CosignedState(size, mth(ENTRIES[:size]))
        assert witness.state.latest_checkpoint(ORIGIN) == log.signed(size)
        old = size
    assert witness.state.evidence(ORIGIN) == []


def test_fork_at_the_same_size_is_refused(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    add(witness, log, 0, 10)
    forked = FakeLog(ORIGIN, [*ENTRIES[:9], b"another ballot"])
    forked.signer = log.signer
    refusal = refused(witness, 10, [], forked.signed(10))
    assert refusal.status == 409 and "fork" in refusal.reason and refusal.current_size is None
    assert witness.state.evidence(ORIGIN) == [(refusal.reason, forked.signed(10))]


def test_fork_that_grew_is_refused_for_its_proof(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    add(witness, log, 0, 10)
    forked = FakeLog(ORIGIN, [*ENTRIES[:9], b"another ballot", *ENTRIES[10:]])
    forked.signer = log.signer
    refusal = refused(witness, 10, forked.proof(10, 20), forked.signed(20))
    assert refusal.status == 422 and "consistency proof" in refusal.reason


def test_rollback_is_refused(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    add(witness, log, 0, 20)
    refusal = refused(witness, 20, [], log.signed(12))
    assert refusal.status == 400 and "beyond the checkpoint's size" in refusal.reason
    refusal = refused(witness, 12, [], log.signed(12))
    assert (refusal.status, refusal.current_size) == (409, 20)
    refusal = refused(witness, 0, [], log.signed(0))
    assert (refusal.status, refusal.current_size) == (409, 20)


def test_bad_proof_is_refused(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    add(witness, log, 0, 7)
    proof = log.proof(7, 30)
    for bad in (proof[:-1], [*proof, proof[0]], [proof[0][::-1], *proof[1:]], log.proof(6, 30), []):
        refusal = refused(witness, 7, bad, log.signed(30))
        assert refusal.status == 422
    assert len(witness.state.evidence(ORIGIN)) == 5


def test_proof_from_zero_must_be_empty(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    assert refused(witness, 0, [mth(ENTRIES[:1])], log.signed(5)).status == 422
    assert witness.state.latest(ORIGIN) is None


def test_wrong_log_key_and_unknown_origin(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    add(witness, log, 0, 4)
    impostor = FakeLog(ORIGIN, ENTRIES)
    refusal = refused(witness, 4, impostor.proof(4, 9), impostor.signed(9))
    assert refusal.status == 403 and "not signed by the log's key" in refusal.reason
    stranger = FakeLog("ballotchain.example/other", ENTRIES)
    refusal = refused(witness, 0, [], stranger.signed(9))
    assert refusal.status == 404 and "unknown log origin" in refusal.reason
    key = log.signer.verifier_key
    forged = SignedNote.parse(impostor.signed(9)).with_signatures([NoteSignature(key.name, key.key_id, bytes(64))])
    refusal = refused(witness, 4, log.proof(4, 9), forged.to_bytes())
    assert refusal.status == 403 and "does not verify" in refusal.reason
    assert witness.state.evidence(ORIGIN) == []


def test_stale_old_size_gets_the_current_size(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    refusal = refused(witness, 3, log.proof(3, 9), log.signed(9))
    assert (refusal.status, refusal.current_size) == (409, 0)
    add(witness, log, 0, 9)
    refusal = refused(witness, 3, log.proof(3, 12), log.signed(12))
    assert (refusal.status, refusal.current_size) == (409, 9)
    assert witness.state.evidence(ORIGIN) == []


@pytest.mark.parametrize(
    "note",
    [b"", b"not a note\n", "ballotchain.example/x\n01\n\n\u2014 a AAAAAAA=\n".encode()],
)
def test_malformed_checkpoint_is_a_bad_request(
    tmp_path: Path, log: FakeLog, signer: CosignatureSigner, note: bytes
) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    assert refused(witness, 0, [], note).status == 400


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"old 0\n", "no blank line"),
        (b"new 0\n\n", "starts with 'old <size>'"),
        (b"old 00\n\n", "without leading zeros"),
        (b"old -1\n\n", "without leading zeros"),
        (b"old 1\nAAAA\n\n", "32-byte hash"),
        (b"old 1\nnot base64!\n\n", "base64"),
        (b"old 1\n" + b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" * 64 + b"\n", "at most 63"),
        ("old \u0661\n\n".encode(), "ASCII"),
        (b"old 0\n\n" + b"x" * (1 << 16), "over"),
    ],
)
def test_malformed_requests(body: bytes, reason: str) -> None:
    with pytest.raises(WitnessRefusal, match=reason) as caught:
        AddCheckpointRequest.parse(body)
    assert caught.value.status == 400


def test_request_round_trip(log: FakeLog) -> None:
    request = AddCheckpointRequest(5, tuple(log.proof(5, 11)), log.signed(11))
    assert request.to_bytes() == log.request(5, 11)
    assert AddCheckpointRequest.parse(request.to_bytes()) == request


def test_handle_answers_a_signature_line(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    line = witness.handle(log.request(0, 6))
    cosigned = SignedNote.parse(log.signed(6) + line.encode())
    assert open_note(cosigned, [signer.verifier_key]) == (signer.verifier_key,)


def test_reopened_witness_refuses_rollback_and_fork(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    path = tmp_path / "w.db"
    witness = make_witness(path, signer, log)
    add(witness, log, 0, 5)
    add(witness, log, 5, 25)
    # a crash: the process ends without closing; a new one opens the same state file
    restarted = make_witness(path, signer, log)
    assert restarted.state.latest(ORIGIN) == CosignedState(25, mth(ENTRIES[:25]))
    assert refused(restarted, 5, log.proof(5, 10), log.signed(10)).current_size == 25
    assert refused(restarted, 25, [], log.signed(10)).status == 400
    forked = FakeLog(ORIGIN, [b"x", *ENTRIES[1:]])
    forked.signer = log.signer
    assert refused(restarted, 25, [], forked.signed(25)).status == 409
    add(restarted, log, 25, 30)
    witness.state.close()
    restarted.state.close()
    with WitnessState(path) as state:
        assert state.latest(ORIGIN) == CosignedState(30, mth(ENTRIES[:30]))
        assert len(state.evidence(ORIGIN)) == 1


def test_concurrent_requests_from_one_size_cosign_once(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    add(witness, log, 0, 4)
    outcomes: list[int] = []
    lock = threading.Lock()

    def submit(size: int) -> None:
        try:
            witness.add_checkpoint(4, log.proof(4, size), log.signed(size))
            status = 200
        except WitnessRefusal as refusal:
            status = refusal.status
        with lock:
            outcomes.append(status)

    threads = [threading.Thread(target=submit, args=(size,)) for size in range(5, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [200] + [409] * 15
    assert witness.state.latest(ORIGIN) is not None and witness.state.latest(ORIGIN).size > 4  # type: ignore[union-attr]


def test_refused_decision_leaves_no_partial_write(tmp_path: Path) -> None:
    with WitnessState(tmp_path / "w.db") as state:
        state.advance(ORIGIN, lambda current: CosignedState(1, bytes(32)), b"first")

        def fail(current: CosignedState | None) -> CosignedState:
            raise WitnessRefusal(409, "no")

        with pytest.raises(WitnessRefusal):
            state.advance(ORIGIN, fail, b"second")
        assert state.latest(ORIGIN) == CosignedState(1, bytes(32))
        assert state.latest_checkpoint(ORIGIN) == b"first"


def test_witness_configuration_is_checked(tmp_path: Path, log: FakeLog, signer: CosignatureSigner) -> None:
    with WitnessState(tmp_path / "w.db") as state:
        with pytest.raises(WitnessError, match="type 0x01"):
            Witness(signer, state, {ORIGIN: [signer.verifier_key]})
        with pytest.raises(WitnessError, match="type 0x01"):
            Witness(signer, state, {ORIGIN: []})
    (tmp_path / "dir").mkdir()
    with pytest.raises(WitnessError, match="cannot open"):
        WitnessState(tmp_path / "dir")


def test_checkpoint_with_extension_lines_is_cosigned_over_all_its_text(
    tmp_path: Path, log: FakeLog, signer: CosignatureSigner
) -> None:
    witness = make_witness(tmp_path / "w.db", signer, log)
    checkpoint = Checkpoint(ORIGIN, 3, mth(ENTRIES[:3]), ("batch 7",))
    note = sign_checkpoint(checkpoint, log.signer)
    cosignature = witness.add_checkpoint(0, [], note.to_bytes())
    assert open_note(note.with_signatures([cosignature]), [signer.verifier_key]) == (signer.verifier_key,)
    changed = SignedNote(Checkpoint(ORIGIN, 3, mth(ENTRIES[:3]), ("batch 8",)).body(), (cosignature,))
    with pytest.raises(NoteError, match="does not verify"):
        open_note(changed, [signer.verifier_key])


def test_vkey_of_a_witness_round_trips(signer: CosignatureSigner) -> None:
    assert VerifierKey.parse(signer.verifier_key.vkey()) == signer.verifier_key
