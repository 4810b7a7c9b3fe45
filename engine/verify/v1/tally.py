"""ElectionGuard 1.0 tally and spoiled-ballot consistency (spec 1.0, "Correctness of ballot
aggregation", "Validation of correct decryption of spoiled ballots"): V1.7 the homomorphic products,
V1.10.b the tally's contests, V1.11 the spoiled ballots' set and values, V1.6.b the ballot codes."""

from __future__ import annotations

from dataclasses import dataclass

from engine.record.v1 import V1Decryption, V1Device, V1EncryptedTally, V1Manifest
from engine.verify.report import Recorder
from engine.verify.v1.hash import h1

SelectionKey = tuple[str, str]


@dataclass(frozen=True, slots=True)
class BallotSummary:
    """What the record-wide checks need of one submitted ballot, sent back by the worker that read it."""

    object_id: str
    file: str
    spoiled: bool
    code_seed: int
    code: int
    ciphertexts: tuple[tuple[SelectionKey, int, int], ...]  # spoiled ballots only: (contest, selection), pad, data


def manifest_keys(manifest: V1Manifest) -> set[SelectionKey]:
    return {(c.object_id, s) for c in manifest.contests for s in c.selections}


def check_codes(q: int, devices: tuple[V1Device, ...], ballots: list[BallotSummary], rec: Recorder) -> None:
    """V1.6.b, record-wide half: every code seed is a device's hash or another ballot's code; codes unique."""
    starts = {h1(q, str(d.device_id), str(d.session_id), str(d.launch_code), d.location) for d in devices}
    codes: dict[int, str] = {}
    for b in ballots:
        other = codes.get(b.code)
        rec.expect(
            other is None, "V1.6.b", f"the ballot code is also ballot {other}'s", file=b.file, ballot_id=b.object_id
        )
        codes.setdefault(b.code, b.object_id)
    for b in ballots:
        ok = b.code_seed in starts or (b.code_seed in codes and codes[b.code_seed] != b.object_id)
        rec.expect(
            ok,
            "V1.6.b",
            "the code seed is neither a device's hash nor another ballot's code",
            file=b.file,
            ballot_id=b.object_id,
        )


def check_encrypted_tally(
    p: int, manifest: V1Manifest, tally: V1EncryptedTally, products: dict[SelectionKey, tuple[int, int]], rec: Recorder
) -> dict[SelectionKey, tuple[int, int]]:
    """V1.7.a and V1.10.b (encrypted tally): returns the encrypted tally's ciphertexts by selection."""
    published = {(cid, sid): (ct.pad, ct.data) for cid, sels in tally.contests for sid, ct in sels}
    rec.expect(
        set(published) == manifest_keys(manifest),
        "V1.10.b",
        "the encrypted tally's contests and selections are not the manifest's",
        file="encrypted_tally.json",
    )
    for (cid, sid), ciphertext in published.items():
        rec.expect(
            products.get((cid, sid), (1, 1)) == ciphertext,
            "V1.7.a",
            "not the product of the CAST ballots' ciphertexts",
            file="encrypted_tally.json",
            contest_id=cid,
            selection_id=sid,
        )
    return published


def check_tally_messages(
    manifest: V1Manifest, tally: V1Decryption, encrypted: dict[SelectionKey, tuple[int, int]], rec: Recorder
) -> None:
    """V1.7.b and V1.10.b (tally.json)."""
    keys = {(cid, s.object_id) for cid, sels in tally.contests for s in sels}
    rec.expect(
        keys == manifest_keys(manifest),
        "V1.10.b",
        "the tally's contests and selections are not the manifest's",
        file="tally.json",
    )
    for cid, sels in tally.contests:
        for s in sels:
            rec.expect(
                encrypted.get((cid, s.object_id)) == (s.message.pad, s.message.data),
                "V1.7.b",
                "the decrypted ciphertext is not the encrypted tally's",
                file="tally.json",
                contest_id=cid,
                selection_id=s.object_id,
            )


def check_spoiled(
    manifest: V1Manifest, summaries: list[BallotSummary], spoiled: list[tuple[str, V1Decryption]], rec: Recorder
) -> None:
    """V1.11.a-b: the decrypted spoiled ballots are the SPOILED ones, from their own ciphertexts, with 0/1 values."""
    expected = {b.object_id: b for b in summaries if b.spoiled}
    seen: set[str] = set()
    for file, decryption in spoiled:
        ballot = expected.get(decryption.object_id)
        messages = {
            (cid, s.object_id): (s.message.pad, s.message.data) for cid, sels in decryption.contests for s in sels
        }
        ok = (
            ballot is not None
            and decryption.object_id not in seen
            and messages == {key: (pad, data) for key, pad, data in ballot.ciphertexts}
        )
        seen.add(decryption.object_id)
        rec.expect(
            ok,
            "V1.11.a",
            "not a SPOILED ballot decrypted once from its own ciphertexts",
            file=file,
            ballot_id=decryption.object_id,
        )
        limits = {c.object_id: c.votes_allowed for c in manifest.contests}
        for cid, sels in decryption.contests:
            counts = [s.tally for s in sels]
            rec.expect(
                all(t in (0, 1) for t in counts) and sum(counts) <= limits.get(cid, 0),
                "V1.11.b",
                f"the selections decrypt to {counts}: not 0 or 1, or more than the votes allowed",
                file=file,
                ballot_id=decryption.object_id,
                contest_id=cid,
            )
    for object_id in sorted(set(expected) - seen):
        rec.failed_at(
            "V1.11.a",
            "the SPOILED ballot's decryption is missing",
            {"file": expected[object_id].file, "ballot_id": object_id},
        )
