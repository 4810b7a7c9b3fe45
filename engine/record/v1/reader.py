"""Reading an ElectionGuard 1.0 record folder (electionguard-python 1.4's export) into immutable values."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from engine.record.errors import RecordError
from engine.record.reader import read_json
from engine.record.v1 import layout
from engine.record.v1.ballots import V1SubmittedBallot, decode_submitted_ballot
from engine.record.v1.context import V1Context, decode_coefficients, decode_context
from engine.record.v1.guardians import V1Device, V1Guardian, decode_device, decode_guardian
from engine.record.v1.manifest import V1Manifest, decode_manifest
from engine.record.v1.tallies import V1Decryption, V1EncryptedTally, decode_decryption, decode_encrypted_tally
from engine.record.v1.values import V1Constants, decode_constants


@dataclass(frozen=True)
class V1Record:
    """An ElectionGuard 1.0 record folder; each file is read and checked when first asked for."""

    directory: Path

    @classmethod
    def open(cls, directory: str | os.PathLike[str]) -> V1Record:
        path = Path(directory)
        if not path.is_dir():
            raise RecordError(str(directory), "", "not a folder")
        return cls(path)

    def label(self, path: Path) -> str:
        return path.relative_to(self.directory).as_posix()

    def has(self, name: str) -> bool:
        return (self.directory / name).is_file()

    @cached_property
    def constants(self) -> V1Constants:
        return decode_constants(read_json(self.directory / layout.CONSTANTS, layout.CONSTANTS), layout.CONSTANTS)

    @cached_property
    def context(self) -> V1Context:
        obj = read_json(self.directory / layout.CONTEXT, layout.CONTEXT)
        return decode_context(obj, layout.CONTEXT, self.constants)

    @cached_property
    def manifest(self) -> V1Manifest:
        return decode_manifest(read_json(self.directory / layout.MANIFEST, layout.MANIFEST), layout.MANIFEST)

    @cached_property
    def coefficients(self) -> tuple[tuple[str, int], ...] | None:
        if not self.has(layout.COEFFICIENTS):
            return None
        obj = read_json(self.directory / layout.COEFFICIENTS, layout.COEFFICIENTS)
        return decode_coefficients(obj, layout.COEFFICIENTS, self.constants)

    @cached_property
    def guardians(self) -> tuple[V1Guardian, ...]:
        paths = layout.files_with_prefix(self.directory / layout.GUARDIANS, layout.GUARDIAN_PREFIX)
        guardians = []
        for path in paths:
            label = self.label(path)
            guardian = decode_guardian(read_json(path, label), label, self.constants)
            if path.name != f"{layout.GUARDIAN_PREFIX}{guardian.guardian_id}{layout.JSON_SUFFIX}":
                raise RecordError(
                    label, "guardian_id", f"{guardian.guardian_id!r} is not the guardian the file name says"
                )
            guardians.append(guardian)
        return tuple(guardians)

    @cached_property
    def devices(self) -> tuple[V1Device, ...]:
        paths = layout.files_with_prefix(self.directory / layout.DEVICES, layout.DEVICE_PREFIX)
        return tuple(decode_device(read_json(p, self.label(p)), self.label(p)) for p in paths)

    def submitted_ballot_paths(self) -> list[Path]:
        return layout.files_with_prefix(self.directory / layout.SUBMITTED_BALLOTS, layout.SUBMITTED_PREFIX)

    def read_submitted_ballot(self, path: Path) -> V1SubmittedBallot:
        label = self.label(path)
        ballot = decode_submitted_ballot(read_json(path, label), label, self.constants)
        if path.name != f"{layout.SUBMITTED_PREFIX}{ballot.object_id}{layout.JSON_SUFFIX}":
            raise RecordError(label, "object_id", f"{ballot.object_id!r} is not the ballot the file name says")
        return ballot

    def submitted_ballots(self) -> Iterator[V1SubmittedBallot]:
        for path in self.submitted_ballot_paths():
            yield self.read_submitted_ballot(path)

    @cached_property
    def encrypted_tally(self) -> V1EncryptedTally | None:
        if not self.has(layout.ENCRYPTED_TALLY):
            return None
        obj = read_json(self.directory / layout.ENCRYPTED_TALLY, layout.ENCRYPTED_TALLY)
        return decode_encrypted_tally(obj, layout.ENCRYPTED_TALLY, self.constants)

    @cached_property
    def tally(self) -> V1Decryption | None:
        if not self.has(layout.TALLY):
            return None
        return decode_decryption(read_json(self.directory / layout.TALLY, layout.TALLY), layout.TALLY, self.constants)

    def spoiled_ballots(self) -> Iterator[tuple[str, V1Decryption]]:
        """Each spoiled ballot's decryption with its file's label."""
        for path in layout.files_with_prefix(self.directory / layout.SPOILED_BALLOTS, layout.SPOILED_PREFIX):
            label = self.label(path)
            yield label, decode_decryption(read_json(path, label), label, self.constants)
