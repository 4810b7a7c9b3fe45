"""Check 18.C: a challenged (uncast) pre-encrypted ballot opens with its published primary nonce (spec 2.0.0
section 4.5), on the small test-group election of tests/support/small_preencrypt.py.

The tampers: the nonce withheld or changed, a cast ballot publishing its nonce, and an encrypting tool that
printed a ballot whose vectors do not encrypt what the manifest says (two options' positions swapped), with
every hash and code recomputed so that only the opening can tell.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

from engine.election import BallotState, EncryptedBallot
from engine.hash import UInt256
from engine.manifest import Manifest
from engine.preencrypt import preencrypt_ballot, record_marked_ballot
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot, encode_encrypted_ballot
from engine.record.jsonio import dumps
from engine.verify.preencrypted import (
    compare_printed_ballot,
    opened_short_codes,
    regenerated_vectors,
    verify_preencrypted,
)
from engine.verify.report import Recorder, Status
from tests.support.small_preencrypt import CTX, MANIFEST, contest, manifest_of
from tests.verify.test_preencrypted import context, failed_ids

NONCE = UInt256(bytes([7]) * 32)


def challenged(manifest: Manifest = MANIFEST, marked: bool = True, nonce: UInt256 = NONCE) -> EncryptedBallot:
    style = manifest.ballot_styles[0].object_id
    pre = preencrypt_ballot(CTX, manifest, "c1", style, nonce)
    marks = {c.contest_id: [c.options[0].short_code] for c in pre.contests} if marked else {}
    return record_marked_ballot(CTX, manifest, "c1", style, nonce, marks, device="d", timestamp=1, challenged=True)


@cache
def small_challenged() -> EncryptedBallot:
    return challenged()


def test_a_challenged_ballot_is_spoiled_with_its_primary_nonce() -> None:
    ballot = small_challenged()
    assert ballot.state is BallotState.SPOILED
    assert ballot.primary_nonce == NONCE
    obj = json.loads(dumps(encode_encrypted_ballot(ballot)))
    assert obj["primary_nonce"] == NONCE.hex()
    assert decode_encrypted_ballot(obj, CTX.group) == ballot


def test_a_cast_ballot_writes_no_primary_nonce_and_egks_null_reads() -> None:
    ballot = replace(small_challenged(), state=BallotState.CAST, primary_nonce=None)
    obj = json.loads(dumps(encode_encrypted_ballot(ballot)))
    assert "primary_nonce" not in obj
    assert decode_encrypted_ballot({**obj, "primary_nonce": None}, CTX.group) == ballot


def test_challenged_ballots_pass_every_check() -> None:
    """One marked before it was challenged, one not marked at all (every contest an undervote)."""
    unmarked = replace(challenged(marked=False, nonce=UInt256(bytes([9]) * 32)), ballot_id="c2")
    rec = Recorder()
    verify_preencrypted(rec, context(), [("c1", small_challenged()), ("c2", unmarked)])
    report = rec.build("rec", 0.0, 1)
    assert report.failed_ids == (), [str(f) for f in report.findings]
    assert report.check("18.C").status is Status.PASSED


def test_the_nonce_regenerates_the_published_hashes() -> None:
    ballot = small_challenged()
    for c in ballot.contests:
        layout = context().layout.contest(c.contest_id)
        assert layout is not None and c.pre_encryption is not None
        options = [sid for _, sid in sorted(zip(layout.selection_orders, layout.selection_ids))]
        vectors = regenerated_vectors(context(), NONCE, c.contest_id, options, layout.votes_allowed)
        assert sorted(vectors) == [h.data for h in c.pre_encryption.all_selection_hashes]


def test_a_challenged_ballot_without_its_nonce_fails_18c() -> None:
    assert failed_ids([replace(small_challenged(), primary_nonce=None)]) == {"18.C"}


def test_a_challenged_ballot_with_another_nonce_fails_18c() -> None:
    assert failed_ids([replace(small_challenged(), primary_nonce=UInt256(bytes([8]) * 32))]) == {"18.C"}


def test_a_cast_ballot_that_publishes_its_nonce_fails_18c() -> None:
    assert failed_ids([replace(small_challenged(), state=BallotState.CAST)]) == {"18.C"}


def test_vectors_that_do_not_encrypt_the_manifests_options_fail_only_18c() -> None:
    """The tool pre-encrypted "mayor" with ann and bob in each other's positions: every proof, hash, code and
    product is consistent, so 15.A-18.B pass; opening the vectors shows ann's short code encrypts a vote for bob."""
    swapped = manifest_of(
        [
            contest("mayor", 2, "d1", [("ann", 0), ("bob", 1), ("cy", 2)], 1),
            contest("council", 1, "d2", [("dee", 5), ("eve", 3), ("fay", 4)], 2),
        ]
    )
    assert failed_ids([challenged(swapped)]) == {"18.C"}


def paper(manifest: Manifest, nonce: UInt256 = NONCE) -> dict[str, dict[str, str]]:
    pre = preencrypt_ballot(CTX, manifest, "c1", manifest.ballot_styles[0].object_id, nonce)
    return {c.contest_id: {s.selection_id: s.short_code for s in c.selections} for c in pre.contests}


def test_the_paper_of_an_honest_challenged_ballot_matches_the_record() -> None:
    ballot = small_challenged()
    assert compare_printed_ballot(context(), ballot, ballot.confirmation_code, paper(MANIFEST), None) == []
    assert opened_short_codes(context(), ballot) == paper(MANIFEST)


def test_the_paper_of_a_cheating_tool_does_not_match_once_opened() -> None:
    """The swapped tool's paper shows, beside ann, the code of a vector that votes for bob."""
    swapped = manifest_of(
        [
            contest("mayor", 2, "d1", [("ann", 0), ("bob", 1), ("cy", 2)], 1),
            contest("council", 1, "d2", [("dee", 5), ("eve", 3), ("fay", 4)], 2),
        ]
    )
    ballot = challenged(swapped)
    problems = compare_printed_ballot(context(), ballot, ballot.confirmation_code, paper(swapped), None)
    assert problems and all("mayor" in p for p in problems)
