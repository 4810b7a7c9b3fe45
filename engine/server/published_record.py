"""The published election record a closed board serves after the tally is decrypted (issue 13, item 2).

    GET /published/results.json   the decrypted results, contest by contest (engine.verify.results), with the
                                  counts of cast and challenged ballots and the record's SHA-256
    GET /published/record.zip     the whole public record as one zip (Content-Disposition: attachment)

Both are made once, when the server starts: the record is read, refused unless it is this election's (H_E),
holds the decrypted tally and that tally verifies (8.A, 8.B, R.cast_set, 9.A-11.B, R.contest_data: what
`ballotchain results` checks), and zipped into a private temporary folder (written beside, then renamed: a
request never sees half a zip). Anyone then checks the whole record with `ballotchain verify`.

Only a public record is served: a folder holding anything named or made like a secret (a guardian's state,
egk's private_data, a voter's credential or a private key file, decryption nonces, a passphrase-sealed file)
or a symbolic link is refused whole, before anything is served.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import BallotchainError
from engine.hash import UInt256
from engine.record import ElectionRecord
from engine.record.exchange import GUARDIAN_STATE_KIND, NONCES_KIND
from engine.record.layout import TALLY, TRUSTEE_PREFIX
from engine.record.secret_box import MAGIC_V1, MAGIC_V2
from engine.verify.results import check_tally, contest_names, selection_names

ZIP_NAME = "record.zip"
RESULTS_NAME = "results.json"
SECRET_NAMES = re.compile(
    rf"secret|credential|private|^{re.escape(TRUSTEE_PREFIX)}|^pballot-|^voter-[0-9]+\.json$|\.(key|pem)$",
    re.IGNORECASE,
)
SECRET_CONTENTS = (
    b'"private_key"',
    GUARDIAN_STATE_KIND.encode(),
    NONCES_KIND.encode(),
)
SEALED_PREFIXES = (MAGIC_V1, MAGIC_V2)


class PublishedRecordError(BallotchainError, ValueError):
    """The folder given as the published record cannot be served."""


@dataclass(frozen=True)
class PublishedRecord:
    """The record's zip (a file of the server's own) and its results document."""

    folder: Path
    zip_path: Path
    zip_name: str
    results: dict[str, Any]


def secret_name(relative: Path) -> str | None:
    """The part of a record path named like a secret file, else None."""
    return next((part for part in relative.parts if SECRET_NAMES.search(part)), None)


def public_files(folder: Path) -> list[Path]:
    """Every file of the record, relative to it, sorted; PublishedRecordError at the first one that is a link or
    is named like a secret (engine.record.layout, engine.credentials: the names such files are given)."""
    files: list[Path] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in sorted(dirs + names):
            path = Path(root) / name
            relative = path.relative_to(folder)
            if path.is_symlink():
                raise PublishedRecordError(f"{folder}: {relative} is a symbolic link; a published record holds files")
            named = secret_name(relative)
            if named is not None:
                raise PublishedRecordError(
                    f"{folder}: {relative} is named like a secret file ({named}); only a public record is served"
                )
        files.extend(Path(root, name).relative_to(folder) for name in names)
    return sorted(files)


def secret_content(data: bytes) -> bool:
    return data.startswith(SEALED_PREFIXES) or any(marker in data for marker in SECRET_CONTENTS)


def write_zip(folder: Path, files: list[Path], out: Path) -> str:
    """Zip ``files`` of ``folder`` to ``out`` atomically (a sibling, then renamed); the zip's SHA-256 hex.
    PublishedRecordError, and no zip, if a file's content is a secret's."""
    partial = out.with_name(out.name + ".part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for relative in files:
                data = (folder / relative).read_bytes()
                if secret_content(data):
                    raise PublishedRecordError(
                        f"{folder}: {relative} holds a secret (a private key, a guardian's state, decryption "
                        "nonces or a sealed file); only a public record is served"
                    )
                info = zipfile.ZipInfo(relative.as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    digest = hashlib.sha256()
    with open(out, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def results_document(record: ElectionRecord, cast: int, challenged: int, zip_sha256: str) -> dict[str, Any]:
    """The decrypted tally, contest by contest, in words (the manifest's names) and numbers."""
    manifest, tally = record.manifest, record.tally
    contests, selections = contest_names(manifest), selection_names(manifest)
    return {
        "election": record.initialized.extended_base_hash.data.hex(),
        "cast": cast,
        "challenged": challenged,
        "contests": [
            {
                "contest_id": contest.contest_id,
                "name": contests.get(contest.contest_id, contest.contest_id),
                "selections": [
                    {
                        "selection_id": s.selection_id,
                        "name": selections.get((contest.contest_id, s.selection_id), s.selection_id),
                        "votes": s.tally,
                    }
                    for s in contest.selections
                ],
            }
            for contest in tally.contests
        ],
        "checked": "8.A, 8.B, R.cast_set, 9.A-9.B, 10.A-10.E, 11.A-11.B, R.contest_data",
        "record_sha256": zip_sha256,
        "verify": "ballotchain verify RECORD --final",
    }


@contextlib.contextmanager
def published_record(folder: Path, h_e: UInt256) -> Iterator[PublishedRecord]:
    """The record in ``folder`` of the election ``h_e``, checked and zipped, for the block (the zip is removed
    after it)."""
    if not folder.is_dir():
        raise PublishedRecordError(f"{folder}: no such folder (the record `board export` wrote, once decrypted)")
    files = public_files(folder)
    if Path(TALLY) not in files:
        raise PublishedRecordError(
            f"{folder}: no {TALLY}; the results are served once the guardians have decrypted the tally"
        )
    record = ElectionRecord(folder)
    if record.initialized.extended_base_hash != h_e:
        raise PublishedRecordError(f"{folder}: the record is of another election (its H_E is not {h_e.data.hex()})")
    check = check_tally(record, record.tally)
    if check.findings:
        raise PublishedRecordError(
            f"{folder}: the tally does not verify (failed checks: {', '.join(check.failed_ids)}); it is not served"
        )
    with tempfile.TemporaryDirectory(prefix="ballotchain-record-") as work:
        zip_path = Path(work) / ZIP_NAME
        digest = write_zip(folder, files, zip_path)
        name = f"election-record-{h_e.data.hex()[:16]}.zip"
        yield PublishedRecord(folder, zip_path, name, results_document(record, check.cast, check.challenged, digest))
