"""A checkpoint a client kept (engine.client.checkpoints.open_held) is opened on the board's signature alone:
its cosignatures were checked when it was kept; a checkpoint asked for the quorum (check_cosigned) still has
every pinned witness's signature verified."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.checkpoint import Checkpoint, election_origin, sign_checkpoint
from engine.board.cosigning import CosigningError, check_cosigned
from engine.board.election_keys import ElectionKeys
from engine.board.note import CosignatureSigner, NoteSignature, NoteSigner, SignedNote
from engine.board.sth import public_key_bytes
from engine.client.checkpoints import CheckpointCheckFailed, open_held
from engine.hash import UInt256

H_E = bytes(range(32))


def test_held_checkpoints_need_the_board_signature_and_quorum_checks_every_cosignature() -> None:
    board = Ed25519PrivateKey.generate()
    log = NoteSigner(election_origin(H_E), board)
    witnesses = [CosignatureSigner(f"witness.example/w{i}", Ed25519PrivateKey.generate()) for i in range(3)]
    registrar = public_key_bytes(Ed25519PrivateKey.generate())
    keys = ElectionKeys(UInt256(H_E), public_key_bytes(board), registrar, tuple(w.verifier_key for w in witnesses), 2)
    note = sign_checkpoint(Checkpoint(log.name, 5, os.urandom(32)), log)
    cosignatures = [w.cosign(note.text, 1_800_000_000) for w in witnesses]
    signature = cosignatures[0].signature
    broken = NoteSignature(cosignatures[0].name, cosignatures[0].key_id, signature[:-1] + bytes([signature[-1] ^ 1]))
    with_broken = note.with_signatures([broken, *cosignatures[1:]]).to_bytes()

    held = open_held(with_broken, keys)
    assert held.checkpoint.size == 5 and held.witnesses == ()
    with pytest.raises(CosigningError, match="does not verify"):
        check_cosigned(with_broken, keys)
    assert check_cosigned(note.with_signatures(cosignatures).to_bytes(), keys).witnesses == keys.witnesses

    forged = SignedNote(note.text, (NoteSignature(log.name, note.signatures[0].key_id, bytes(64)),))
    with pytest.raises(CheckpointCheckFailed, match="does not verify"):
        open_held(forged.with_signatures(cosignatures).to_bytes(), keys)
