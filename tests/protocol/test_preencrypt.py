"""Pre-encrypted ballots on the test group (spec 2.0.0 section 4): what the tools make decrypts to what
the voter marked, the proofs verify, and bad marks are refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.ballot import BallotError
from engine.elgamal import decrypt_with_secret
from engine.hash import UInt256
from engine.preencrypt import (
    make_preencrypted_ballots,
    preencrypt_ballot,
    record_marked_ballot,
    short_codes_unique,
)
from engine.proofs import verify_range
from engine.record.codecs.manifest import decode_manifest, encode_manifest
from engine.record.errors import RecordError
from tests.support.egk_data import vector
from tests.support.small_preencrypt import CTX, KEYS, MANIFEST, contest, manifest_of

NONCE = UInt256(bytes(range(32)))


def ballot(nonce: UInt256 = NONCE):
    return preencrypt_ballot(CTX, MANIFEST, "b-1", "both", nonce)


def codes(pre, contest_id: str, *selection_ids: str) -> list[str]:
    chosen = next(c for c in pre.contests if c.contest_id == contest_id)
    return [s.short_code for s in chosen.selections if s.selection_id in selection_ids]


def votes_of(recorded) -> dict[str, dict[str, int]]:
    return {
        c.contest_id: {
            s.selection_id: decrypt_with_secret(s.ciphertext, KEYS.secret, KEYS.public, 2) for s in c.selections
        }
        for c in recorded.contests
    }


def test_shape_and_determinism() -> None:
    pre = ballot()
    assert [c.contest_id for c in pre.contests] == ["council", "mayor"]
    council = pre.contests[0]
    assert [s.selection_id for s in council.selections] == ["eve", "fay", "dee", "null1", "null2"]
    for sel in council.selections:
        assert len(sel.vector) == 3
        values = [decrypt_with_secret(ct, KEYS.secret, KEYS.public, 1) for ct in sel.vector]
        assert sum(values) == (0 if sel.is_null else 1)
    assert ballot() == pre
    assert ballot(UInt256(bytes(32))).confirmation_code != pre.confirmation_code


def test_batch_has_unique_short_codes() -> None:
    batch = make_preencrypted_ballots(CTX, MANIFEST, "both", ["p1", "p2", "p3"])
    assert [b.ballot_id for b in batch] == ["p1", "p2", "p3"]
    assert all(short_codes_unique(b) for b in batch)
    assert len({b.primary_nonce for b in batch}) == 3


@pytest.mark.parametrize(
    "marks, expected",
    [
        ({"mayor": ["bob"], "council": ["dee", "fay"]}, {"mayor": "bob", "council": ("dee", "fay")}),
        ({"council": ["eve"]}, {"mayor": None, "council": ("eve",)}),
        ({"mayor": [], "council": ["null1"]}, {"mayor": None, "council": ()}),
    ],
)
def test_record_decrypts_to_the_marks(marks, expected) -> None:
    pre = ballot()
    marked = {cid: codes(pre, cid, *sids) for cid, sids in marks.items()}
    recorded = record_marked_ballot(CTX, MANIFEST, "b-1", "both", NONCE, marked, device="d", timestamp=1)
    assert recorded.is_preencrypt
    assert recorded.confirmation_code == pre.confirmation_code
    got = votes_of(recorded)
    assert [k for k, v in got["mayor"].items() if v] == ([expected["mayor"]] if expected["mayor"] else [])
    assert tuple(sorted(k for k, v in got["council"].items() if v)) == expected["council"]
    for rc, pc in zip(recorded.contests, pre.contests):
        assert rc.pre_encryption is not None
        assert rc.pre_encryption.preencryption_hash == pc.contest_hash
        assert rc.pre_encryption.all_selection_hashes == pc.sorted_hashes()
        assert len(rc.pre_encryption.selected_vectors) == pc.votes_allowed
        for s in rc.selections:
            assert verify_range(CTX.extended_base_hash, CTX.joint_public_key, s.ciphertext, s.proof, 1)


@pytest.mark.parametrize(
    "contest_id, selection_ids, message",
    [
        ("mayor", ["ann", "bob"], "marks for at most 1"),
        ("council", ["dee", "dee"], "marked twice"),
        ("governor", [], "not on style"),
    ],
)
def test_bad_marks_are_refused(contest_id, selection_ids, message) -> None:
    pre = ballot()
    by_id = {s.selection_id: s.short_code for c in pre.contests for s in c.selections if c.contest_id == contest_id}
    marked = {contest_id: [by_id[sid] for sid in selection_ids]}
    with pytest.raises(BallotError, match=message):
        record_marked_ballot(CTX, MANIFEST, "b-1", "both", NONCE, marked, device="d", timestamp=1)


def test_unknown_code_and_style_are_refused() -> None:
    with pytest.raises(BallotError, match="no selection has the short code"):
        record_marked_ballot(CTX, MANIFEST, "b-1", "both", NONCE, {"mayor": ["ZZZZZ"]}, device="d", timestamp=1)
    with pytest.raises(BallotError, match="unknown ballot style"):
        preencrypt_ballot(CTX, MANIFEST, "b-1", "nope", NONCE)
    with pytest.raises(BallotError, match="one vote per option"):
        preencrypt_ballot(CTX, manifest_of([contest("q", 1, "d1", [("y", 1), ("n", 2)], 2, r=2)]), "b", "both", NONCE)


def test_the_manifest_option_is_written_only_when_true_and_read_back() -> None:
    """`preencrypted_ballots` (ours; egk's manifests have none, so they read as False and are written unchanged)."""
    egk = vector("PreEncryptionRecordedTestVector")["manifest"]
    plain = decode_manifest(egk)
    assert not plain.preencrypted_ballots
    assert "preencrypted_ballots" not in encode_manifest(plain)
    admitted = encode_manifest(replace(plain, preencrypted_ballots=True))
    assert admitted["preencrypted_ballots"] is True
    assert decode_manifest(admitted).preencrypted_ballots
    with pytest.raises(RecordError):
        decode_manifest({**admitted, "preencrypted_ballots": "yes"})
