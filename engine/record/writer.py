"""Writing the election record in egk's layout and format (spec 2.0.0 section 3.7).

Every file is written atomically: the JSON text is made in memory, written to a temporary file in
the target's folder, fsynced, then moved into place (os.replace), so a reader sees the old file or
the new one, never half of one. Without ``overwrite`` an existing file is refused, without a race
(the temporary file is hard-linked to the target name, which fails if the name exists).

Secrets (trustees' keys, and voters' plaintext ballots) go through ``PrivateDataWriter``: files
0600 in folders 0700, refused inside a public record.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

from engine.election import (
    BallotChain,
    DecryptedTallyOrBallot,
    DecryptingTrustee,
    ElectionConfig,
    ElectionInitialized,
    EncryptedBallot,
    EncryptedTally,
    PlaintextBallot,
)
from engine.group import Group
from engine.manifest import Manifest
from engine.record.codecs.ballot_chain import encode_ballot_chain
from engine.record.codecs.constants import ElectionConstants, encode_constants
from engine.record.codecs.decrypted import encode_decrypted
from engine.record.codecs.decrypting_trustee import encode_trustee
from engine.record.codecs.election_config import encode_config
from engine.record.codecs.election_initialized import encode_initialized
from engine.record.codecs.encrypted_ballot import encode_encrypted_ballot
from engine.record.codecs.encrypted_tally import encode_encrypted_tally
from engine.record.codecs.manifest import decode_manifest, encode_manifest
from engine.record.codecs.plaintext_ballot import encode_plaintext_ballot
from engine.record.errors import RecordError
from engine.record.jsonio import dumps, loads
from engine.record.layout import (
    BALLOT_CHAIN,
    CHALLENGED_BALLOTS,
    CONFIG,
    CONSTANTS,
    DBALLOT_PREFIX,
    EBALLOT_PREFIX,
    ENCRYPTED_BALLOTS,
    ENCRYPTED_TALLY,
    INITIALIZED,
    INPUT,
    MANIFEST,
    PBALLOT_PREFIX,
    TALLY,
    TRUSTEE_PREFIX,
    TRUSTEES,
    file_id,
    file_name,
)

PUBLIC_FILE_MODE = 0o644  # before the umask
SECRET_FILE_MODE = 0o600
SECRET_DIR_MODE = 0o700


def atomic_write(path: Path, data: bytes, *, label: str, overwrite: bool, secret: bool = False) -> None:
    """Write ``data`` to ``path`` all at once (temporary file, fsync, rename, fsync of the folder)."""
    try:
        _make_dirs(path.parent, secret)
        tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(tmp, flags, SECRET_FILE_MODE if secret else PUBLIC_FILE_MODE)
        try:
            try:
                if secret:
                    os.fchmod(fd, SECRET_FILE_MODE)
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            _move_into_place(tmp, path, label, overwrite)
        finally:
            _remove_if_present(tmp)
        _fsync_dir(path.parent)
    except OSError as exc:
        raise RecordError(label, "", f"cannot write: {exc.strerror or exc}") from exc


def _make_dirs(directory: Path, secret: bool) -> None:
    if secret:
        directory.mkdir(mode=SECRET_DIR_MODE, parents=True, exist_ok=True)
    else:
        directory.mkdir(parents=True, exist_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _move_into_place(tmp: Path, path: Path, label: str, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise RecordError(label, "", "already exists; it is not replaced") from None
    except OSError:  # a file system without hard links: check, then rename
        if path.exists() or path.is_symlink():
            raise RecordError(label, "", "already exists; it is not replaced") from None
        os.replace(tmp, path)


def _remove_if_present(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _is_public_record(directory: Path) -> bool:
    """A folder holding an election record (config or initialization, or constants with a manifest)."""
    if (directory / CONFIG).is_file() or (directory / INITIALIZED).is_file():
        return True
    return (directory / CONSTANTS).is_file() and (directory / MANIFEST).is_file()


class ElectionRecordWriter:
    """Writes the public record files into ``directory`` (created if need be)."""

    def __init__(self, directory: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.root = Path(directory)
        self.overwrite = overwrite
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordError(str(directory), "", f"cannot create: {exc.strerror or exc}") from exc

    def __repr__(self) -> str:
        return f"ElectionRecordWriter({str(self.root)!r})"

    def _write(self, relative: str, document: Any) -> Path:
        data = dumps(document)
        path = self.root / relative
        atomic_write(path, data, label=relative, overwrite=self.overwrite)
        return path

    def write_constants(self, constants: ElectionConstants | Group) -> Path:
        if isinstance(constants, Group):
            constants = ElectionConstants.for_group(constants)
        return self._write(CONSTANTS, encode_constants(constants))

    def write_manifest(self, manifest: Manifest | None = None, manifest_bytes: bytes | None = None) -> bytes:
        """Write manifest.json and return its bytes, over which H_M is computed (eq. 6).

        Given ``manifest_bytes`` (e.g. ElectionConfig.manifest_bytes), those exact bytes are
        written, after checking that they are a valid manifest (equal to ``manifest`` if given too);
        otherwise the manifest is serialized in egk's format.
        """
        if manifest_bytes is None:
            if manifest is None:
                raise ValueError("write_manifest needs a manifest or its bytes")
            data = dumps(encode_manifest(manifest))
        else:
            data = bytes(manifest_bytes)
            parsed = decode_manifest(loads(data, MANIFEST), MANIFEST)
            if manifest is not None and parsed != manifest:
                raise RecordError(MANIFEST, "", "the given bytes are not the given manifest")
        atomic_write(self.root / MANIFEST, data, label=MANIFEST, overwrite=self.overwrite)
        return data

    def write_config(self, config: ElectionConfig) -> Path:
        return self._write(CONFIG, encode_config(config))

    def write_initialized(self, initialized: ElectionInitialized) -> Path:
        return self._write(INITIALIZED, encode_initialized(initialized))

    def write_encrypted_ballot(self, ballot: EncryptedBallot) -> Path:
        device = file_id(ballot.encrypting_device, "encrypting device")
        name = file_name(EBALLOT_PREFIX, ballot.ballot_id, "ballot id")
        return self._write(f"{ENCRYPTED_BALLOTS}/{device}/{name}", encode_encrypted_ballot(ballot))

    def write_ballot_chain(self, chain: BallotChain) -> Path:
        device = file_id(chain.encrypting_device, "encrypting device")
        return self._write(f"{ENCRYPTED_BALLOTS}/{device}/{BALLOT_CHAIN}", encode_ballot_chain(chain))

    def write_encrypted_tally(self, tally: EncryptedTally) -> Path:
        return self._write(ENCRYPTED_TALLY, encode_encrypted_tally(tally))

    def write_tally(self, tally: DecryptedTallyOrBallot) -> Path:
        return self._write(TALLY, encode_decrypted(tally))

    def write_challenged_ballot(self, ballot: DecryptedTallyOrBallot) -> Path:
        name = file_name(DBALLOT_PREFIX, ballot.id, "ballot id")
        return self._write(f"{CHALLENGED_BALLOTS}/{name}", encode_decrypted(ballot))

    def private_writer(self, directory: str | os.PathLike[str], *, overwrite: bool | None = None) -> PrivateDataWriter:
        """A writer of private data that refuses to write inside this record."""
        return PrivateDataWriter(
            directory, public_record=self.root, overwrite=self.overwrite if overwrite is None else overwrite
        )


class PrivateDataWriter:
    """Writes trustees' secrets and plaintext ballots: trustees/decryptingTrustee-<id>.json and
    input/pballot-<id>.json under ``directory``, mode 0600, never inside a public record."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        public_record: str | os.PathLike[str] | None = None,
        overwrite: bool = False,
    ) -> None:
        self.root = Path(directory)
        self.public_record = None if public_record is None else Path(public_record)
        self.overwrite = overwrite
        self._refuse_public(self.root)
        try:
            self.root.mkdir(mode=SECRET_DIR_MODE, parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordError(str(directory), "", f"cannot create: {exc.strerror or exc}") from exc

    def __repr__(self) -> str:
        return f"PrivateDataWriter({str(self.root)!r})"

    def _refuse_public(self, target: Path) -> None:
        where = target.resolve()
        if self.public_record is not None:
            public = self.public_record.resolve()
            if where == public or public in where.parents:
                raise RecordError(str(target), "", "private data must not be written inside the public record")
        for folder in (where, *where.parents):
            if _is_public_record(folder):
                raise RecordError(
                    str(target), "", f"private data must not be written inside the public record {folder}"
                )

    def _write(self, relative: str, document: Any) -> Path:
        data = dumps(document)
        path = self.root / relative
        self._refuse_public(path.parent)
        atomic_write(path, data, label=relative, overwrite=self.overwrite, secret=True)
        return path

    def write_trustee(self, trustee: DecryptingTrustee) -> Path:
        name = file_name(TRUSTEE_PREFIX, trustee.guardian_id, "guardian id")
        return self._write(f"{TRUSTEES}/{name}", encode_trustee(trustee))

    def write_plaintext_ballot(self, ballot: PlaintextBallot) -> Path:
        name = file_name(PBALLOT_PREFIX, ballot.ballot_id, "ballot id")
        return self._write(f"{INPUT}/{name}", encode_plaintext_ballot(ballot))
