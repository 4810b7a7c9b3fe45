"""Reading an election record directory in egk's layout (spec 2.0.0 section 3.7).

    RECORD/constants.json, manifest.json, election_config.json, election_initialized.json,
           encrypted_tally.json, tally.json,
           encrypted_ballots/<device>/eballot-<ballot id>.json, .../<device>/ballot_chain.json,
           challenged_ballots/dballot-<ballot id>.json
    PRIVATE/trustees/decryptingTrustee-<guardian id>.json, PRIVATE/input/pballot-<ballot id>.json

egk keeps PRIVATE as RECORD/private_data; this engine writes it to a folder of its own outside the
public record. Both are read. Ballots are streamed from disk one file at a time, so memory stays
flat however many there are; each file is checked against its name (ballot id, device). The two files that
grow with the ballots, encrypted_tally.json (cast_ballot_ids) and each ballot_chain.json (ballot_ids), can be
read without their ids, which are then streamed from the file (engine.record.jsonstream).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import ijson

from engine.election import (
    BallotChain,
    BallotState,
    DecryptedTallyOrBallot,
    DecryptingTrustee,
    ElectionConfig,
    ElectionInitialized,
    EncryptedBallot,
    EncryptedTally,
    PlaintextBallot,
)
from engine.group import Group
from engine.ids import identifier_problem, shown_identifier
from engine.manifest import Manifest
from engine.record.codecs.ballot_chain import decode_ballot_chain, decode_ballot_chain_without_ids
from engine.record.codecs.constants import ElectionConstants, decode_constant_values, decode_constants
from engine.record.codecs.decrypted import decode_decrypted
from engine.record.codecs.decrypting_trustee import decode_trustee
from engine.record.codecs.election_config import decode_config
from engine.record.codecs.election_initialized import decode_initialized
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot
from engine.record.codecs.encrypted_tally import decode_encrypted_tally, decode_encrypted_tally_without_ids
from engine.record.codecs.manifest import decode_manifest
from engine.record.codecs.plaintext_ballot import decode_plaintext_ballot
from engine.record.cursor import JsonCursor
from engine.record.errors import RecordError
from engine.record.files import file_names, folder_names, is_url, remote_root
from engine.record.jsonio import loads
from engine.record.jsonstream import NotStreamable, stream_json
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
    PRIVATE_DATA,
    TALLY,
    TRUSTEE_PREFIX,
    TRUSTEES,
    file_id,
    file_name,
    id_from_name,
)

MAX_NOTES = 1000
CAST_BALLOT_IDS = "cast_ballot_ids"
CHAIN_BALLOT_IDS = "ballot_ids"

T = TypeVar("T")


def read_bytes(path: Path, label: str) -> bytes:
    """The file's bytes; a missing or unreadable file is a RecordError naming ``label``."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise RecordError(label, "", "missing file") from None
    except IsADirectoryError:
        raise RecordError(label, "", "is a directory, not a file") from None
    except OSError as exc:
        raise RecordError(label, "", f"cannot read: {exc.strerror or exc}") from None


def read_json(path: Path, label: str) -> Any:
    return loads(read_bytes(path, label), label)


def read_encrypted_ballot(path: str | os.PathLike[str], group: Group, label: str | None = None) -> EncryptedBallot:
    """One eballot-<id>.json file, for callers (e.g. worker processes) that hold only its path."""
    p = Path(path)
    name = label or p.name
    ballot = decode_encrypted_ballot(read_json(p, name), group, name)
    _check_named(p.name, EBALLOT_PREFIX, ballot.ballot_id, name, "ballot_id")
    return ballot


def load_encrypted_ballots(path: str | os.PathLike[str]) -> Iterator[EncryptedBallot]:
    """The encrypted ballots at ``path``: a record directory, one device's folder, or one
    eballot-<id>.json file; the group comes from the record's constants.json. A picklable
    top-level function, so worker processes can open their share of the ballots themselves."""
    p = Path(path)
    if p.is_dir() and (p / CONSTANTS).is_file():
        yield from ElectionRecord(p).encrypted_ballots()
    elif p.is_dir() and p.parent.name == ENCRYPTED_BALLOTS:
        yield from ElectionRecord(p.parent.parent).encrypted_ballots(device=p.name)
    elif p.is_file() and p.parent.parent.name == ENCRYPTED_BALLOTS:
        yield ElectionRecord(p.parent.parent.parent).read_encrypted_ballot(p)
    else:
        raise RecordError(str(path), "", "neither a record, a device folder of one, nor a ballot file in one")


def _check_named(filename: str, prefix: str, value: str, label: str, field: str) -> None:
    """The id in the document is the one in its file name, and a valid id (engine.ids)."""
    problem = identifier_problem(value)
    if problem is not None:
        raise RecordError(label, field, f"{shown_identifier(value)}: {problem}")
    if id_from_name(filename, prefix) != value:
        raise RecordError(label, field, f"{value!r} does not match the file name {filename!r}")


class _IdChecker:
    """Checks each streamed id as JsonCursor.idents would, keeping the first problem for the decoder to raise."""

    def __init__(self, label: str, key: str) -> None:
        self.label = label
        self.key = key
        self.problem: RecordError | None = None

    def __call__(self, index: int, value: Any) -> None:
        if self.problem is None:
            try:
                JsonCursor(value, (self.key, index), self.label, None).ident()
            except RecordError as problem:
                self.problem = problem


def _streamed_ids(path: Path, label: str, key: str) -> Iterator[str]:
    """The ids of the array under the top-level ``key``, parsed from the file as they are taken (each checked
    again: the file was read whole, once, before)."""
    try:
        with path.open("rb") as file:
            for index, value in enumerate(ijson.items(file, f"{key}.item", use_float=True)):
                yield JsonCursor(value, (key, index), label, None).ident()
    except RecordError:
        raise
    except (ijson.JSONError, ValueError, OSError) as exc:
        raise RecordError(label, "", f"cannot be read again: {exc}") from None


def _sorted_files(directory: Path, prefix: str) -> list[Path]:
    """Files named <prefix><id>.json in a directory, by name (names only are held in memory)."""
    try:
        names = [name for name in file_names(directory) if id_from_name(name, prefix) is not None]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise RecordError(directory.name, "", f"cannot list: {exc.strerror or exc}") from None
    return [directory / n for n in sorted(names)]


class ElectionRecord:
    """A public election record directory, read lazily; every value is validated on reading.

    ``notes`` collects (up to MAX_NOTES) the fields that were skipped because this engine does
    not know them, so that a verifier can report them.

    With ``allow_url``, ``directory`` may also be an fsspec URL (engine.record.files), for a reader
    that only reads (the verifier); without it a URL is refused, so that nothing writes beside one.
    ``location`` is what another process opens the same record by: the URL, or the absolute path.
    """

    def __init__(self, directory: str | os.PathLike[str], *, allow_url: bool = False) -> None:
        if is_url(directory):
            if not allow_url:
                raise RecordError(
                    str(directory), "", "a URL; this command needs a local folder (only verify reads URLs)"
                )
            self.root: Path = remote_root(str(directory))
            self.location = str(directory)
        else:
            self.root = Path(directory)
            self.location = str(self.root.absolute())
        if not self.root.is_dir():
            raise RecordError(str(directory), "", "not a directory")
        self.notes: list[str] = []
        self._ids_read: dict[Path, tuple[str, ...] | None] = {}

    def __repr__(self) -> str:
        return f"ElectionRecord({str(self.root)!r})"

    # -- plumbing ---------------------------------------------------------------------------
    def _label(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _decode(self, path: Path, decode: Callable[[Any, str, list[str]], T]) -> T:
        label = self._label(path)
        value = decode(read_json(path, label), label, self.notes)
        del self.notes[MAX_NOTES:]
        return value

    def _decode_without_ids(
        self,
        path: Path,
        key: str,
        streamed: Callable[[Any, str, list[str], RecordError | None], T],
        whole: Callable[[Any, str, list[str]], T],
    ) -> T:
        """The file decoded with the array of ids under ``key`` (also the value's field) left empty, read in one
        streamed pass that checks every id; a file that does not stream is read whole by the strict reader, whose
        error it raises or whose ids are kept for ``_ids``."""
        label = self._label(path)
        check = _IdChecker(label, key)
        try:
            with path.open("rb") as file:
                document, _ = stream_json(file, key, check)
        except (NotStreamable, OSError):
            value = self._decode(path, whole)
            self._ids_read[path] = getattr(value, key)
            return replace(value, **{key: ()})  # type: ignore[type-var]
        value = streamed(document, label, self.notes, check.problem)
        del self.notes[MAX_NOTES:]
        self._ids_read[path] = None
        return value

    def _ids(self, path: Path, key: str) -> Iterator[str]:
        """The ids of a file read by _decode_without_ids: from the file, or those kept when it was read whole."""
        kept = self._ids_read[path]
        return iter(kept) if kept is not None else _streamed_ids(path, self._label(path), key)

    def has(self, relative_path: str) -> bool:
        """Whether the record holds this file (stage files may be absent, egk layout doc)."""
        return (self.root / relative_path).is_file()

    # -- election definition and keys -----------------------------------------------------------
    @cached_property
    def constants(self) -> ElectionConstants:
        return self._decode(self.root / CONSTANTS, lambda o, f, n: decode_constants(o, f, n))

    @property
    def group(self) -> Group:
        return self.constants.group

    def constant_values(self) -> dict[str, int]:
        """large_prime, small_prime, cofactor and generator as written, for a verifier that must say
        how they differ from spec 3.1.1 when they are not a known group."""
        return decode_constant_values(read_json(self.root / CONSTANTS, CONSTANTS), CONSTANTS)

    @cached_property
    def manifest_bytes(self) -> bytes:
        """manifest.json exactly as stored: H_M (eq. 6) is computed over these bytes."""
        return read_bytes(self.root / MANIFEST, MANIFEST)

    @cached_property
    def manifest(self) -> Manifest:
        return decode_manifest(loads(self.manifest_bytes, MANIFEST), MANIFEST)

    @cached_property
    def config(self) -> ElectionConfig:
        return self._decode(self.root / CONFIG, lambda o, f, n: decode_config(o, self.group, self.manifest_bytes, f, n))

    @cached_property
    def initialized(self) -> ElectionInitialized:
        return self._decode(self.root / INITIALIZED, lambda o, f, n: decode_initialized(o, self.config, f, n))

    # -- tallies ----------------------------------------------------------------------------------
    @cached_property
    def encrypted_tally(self) -> EncryptedTally:
        return self._decode(self.root / ENCRYPTED_TALLY, lambda o, f, n: decode_encrypted_tally(o, self.group, f, n))

    @cached_property
    def encrypted_tally_without_ids(self) -> EncryptedTally:
        """encrypted_tally.json with cast_ballot_ids () (``cast_ballot_ids`` streams them), checked as
        ``encrypted_tally`` is, in memory that does not grow with the ballots (issue 11, item 4)."""
        return self._decode_without_ids(
            self.root / ENCRYPTED_TALLY,
            CAST_BALLOT_IDS,
            lambda o, f, n, p: decode_encrypted_tally_without_ids(o, self.group, f, n, p),
            lambda o, f, n: decode_encrypted_tally(o, self.group, f, n),
        )

    def cast_ballot_ids(self) -> Iterator[str]:
        """encrypted_tally.json's cast_ballot_ids in order, parsed from the file as they are taken."""
        _ = self.encrypted_tally_without_ids
        return self._ids(self.root / ENCRYPTED_TALLY, CAST_BALLOT_IDS)

    @cached_property
    def tally(self) -> DecryptedTallyOrBallot:
        return self._decode(self.root / TALLY, lambda o, f, n: decode_decrypted(o, self.group, f, n))

    # -- encrypted ballots --------------------------------------------------------------------------
    def devices(self) -> list[str]:
        """The encrypting devices: the sub-folders of encrypted_ballots/, by name."""
        folder = self.root / ENCRYPTED_BALLOTS
        try:
            return sorted(folder_names(folder))
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise RecordError(ENCRYPTED_BALLOTS, "", f"cannot list: {exc.strerror or exc}") from None

    def encrypted_ballot_paths(self, device: str | None = None) -> Iterator[Path]:
        """Paths of eballot-<id>.json, device by device, each device's by file name."""
        for d in self.devices() if device is None else [file_id(device, "device")]:
            yield from _sorted_files(self.root / ENCRYPTED_BALLOTS / d, EBALLOT_PREFIX)

    def read_encrypted_ballot(self, path: Path) -> EncryptedBallot:
        label = self._label(path)
        ballot = self._decode(path, lambda o, f, n: decode_encrypted_ballot(o, self.group, f, n))
        _check_named(path.name, EBALLOT_PREFIX, ballot.ballot_id, label, "ballot_id")
        if path.parent.parent == self.root / ENCRYPTED_BALLOTS and ballot.encrypting_device != path.parent.name:
            raise RecordError(
                label,
                "encrypting_device",
                f"{ballot.encrypting_device!r} does not match the folder {path.parent.name!r}",
            )
        return ballot

    def encrypted_ballots(
        self, device: str | None = None, state: BallotState | None = None
    ) -> Iterator[EncryptedBallot]:
        """Every encrypted ballot (cast and challenged), read one file at a time."""
        for path in self.encrypted_ballot_paths(device):
            ballot = self.read_encrypted_ballot(path)
            if state is None or ballot.state == state:
                yield ballot

    def encrypted_ballot(self, ballot_id: str, device: str | None = None) -> EncryptedBallot:
        name = file_name(EBALLOT_PREFIX, ballot_id, "ballot id")
        for d in self.devices() if device is None else [file_id(device, "device")]:
            path = self.root / ENCRYPTED_BALLOTS / d / name
            if path.is_file():
                return self.read_encrypted_ballot(path)
        raise RecordError(f"{ENCRYPTED_BALLOTS}/*/{name}", "", "missing file")

    def ballot_chain(self, device: str) -> BallotChain | None:
        """encrypted_ballots/<device>/ballot_chain.json, or None when the device has none."""
        path = self.root / ENCRYPTED_BALLOTS / file_id(device, "device") / BALLOT_CHAIN
        if not path.exists():
            return None
        return self._chain_of(device, path, self._decode(path, lambda o, f, n: decode_ballot_chain(o, f, n)))

    def ballot_chain_without_ids(self, device: str) -> BallotChain | None:
        """``ballot_chain`` with ballot_ids () (``chain_ballot_ids`` streams them), checked as ``ballot_chain`` is,
        in memory that does not grow with the device's ballots (issue 11, item 4)."""
        path = self.root / ENCRYPTED_BALLOTS / file_id(device, "device") / BALLOT_CHAIN
        if not path.exists():
            return None
        chain = self._decode_without_ids(
            path,
            CHAIN_BALLOT_IDS,
            decode_ballot_chain_without_ids,
            lambda o, f, n: decode_ballot_chain(o, f, n),
        )
        return self._chain_of(device, path, chain)

    def _chain_of(self, device: str, path: Path, chain: BallotChain) -> BallotChain:
        """``chain``, read from ``path`` in the folder of ``device``, unless it names another device."""
        if chain.encrypting_device != device:
            raise RecordError(
                self._label(path),
                "encrypting_device",
                f"{chain.encrypting_device!r} does not match the folder {device!r}",
            )
        return chain

    def chain_ballot_ids(self, device: str) -> Iterator[str]:
        """The device's ballot_chain.json's ballot_ids in order, parsed from the file as they are taken."""
        path = self.root / ENCRYPTED_BALLOTS / file_id(device, "device") / BALLOT_CHAIN
        if path not in self._ids_read and self.ballot_chain_without_ids(device) is None:
            return iter(())
        return self._ids(path, CHAIN_BALLOT_IDS)

    def ballot_chains(self) -> Iterator[BallotChain]:
        for device in self.devices():
            chain = self.ballot_chain(device)
            if chain is not None:
                yield chain

    # -- challenged ballots ----------------------------------------------------------------------
    def challenged_ballot_paths(self) -> list[Path]:
        return _sorted_files(self.root / CHALLENGED_BALLOTS, DBALLOT_PREFIX)

    def read_challenged_ballot(self, path: Path) -> DecryptedTallyOrBallot:
        ballot = self._decode(path, lambda o, f, n: decode_decrypted(o, self.group, f, n))
        _check_named(path.name, DBALLOT_PREFIX, ballot.id, self._label(path), "id")
        return ballot

    def challenged_ballots(self) -> Iterator[DecryptedTallyOrBallot]:
        """The decrypted challenged ballots, one file at a time."""
        for path in self.challenged_ballot_paths():
            yield self.read_challenged_ballot(path)

    def challenged_ballot(self, ballot_id: str) -> DecryptedTallyOrBallot:
        return self.read_challenged_ballot(
            self.root / CHALLENGED_BALLOTS / file_name(DBALLOT_PREFIX, ballot_id, "ballot id")
        )

    # -- listing and private data ------------------------------------------------------------------
    def record_files(self) -> list[str]:
        """Every file of the public record (relative, '/'-separated, sorted); private_data/ is not
        part of it."""
        out: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            here = Path(dirpath)
            if here == self.root and PRIVATE_DATA in dirnames:
                dirnames.remove(PRIVATE_DATA)
            out.extend(self._label(here / f) for f in filenames)
        return sorted(out)

    def private_data(self, directory: str | os.PathLike[str] | None = None) -> PrivateData:
        """The private data: ``directory`` if given, else egk's RECORD/private_data."""
        return PrivateData(self.root / PRIVATE_DATA if directory is None else directory, self.group)


class PrivateData:
    """Trustees' secrets and plaintext ballots (never part of the public record).

    ``directory`` is either the private folder itself (holding trustees/ and input/) or a folder
    holding it as private_data/ (egk's workflow layout).
    """

    def __init__(self, directory: str | os.PathLike[str], group: Group) -> None:
        root = Path(directory)
        if not (root / TRUSTEES).is_dir() and not (root / INPUT).is_dir() and (root / PRIVATE_DATA).is_dir():
            root = root / PRIVATE_DATA
        if not root.is_dir():
            raise RecordError(str(directory), "", "not a directory")
        self.root = root
        self.group = group
        self.notes: list[str] = []

    def __repr__(self) -> str:
        return f"PrivateData({str(self.root)!r})"

    def _decode(self, path: Path, decode: Callable[[Any, str, list[str]], T]) -> T:
        label = path.relative_to(self.root).as_posix()
        value = decode(read_json(path, label), label, self.notes)
        del self.notes[MAX_NOTES:]
        return value

    def trustee_paths(self) -> list[Path]:
        return _sorted_files(self.root / TRUSTEES, TRUSTEE_PREFIX)

    def read_trustee(self, path: Path) -> DecryptingTrustee:
        trustee = self._decode(path, lambda o, f, n: decode_trustee(o, self.group, f, n))
        _check_named(path.name, TRUSTEE_PREFIX, trustee.guardian_id, path.relative_to(self.root).as_posix(), "id")
        return trustee

    def trustees(self) -> Iterator[DecryptingTrustee]:
        for path in self.trustee_paths():
            yield self.read_trustee(path)

    def trustee(self, guardian_id: str) -> DecryptingTrustee:
        return self.read_trustee(self.root / TRUSTEES / file_name(TRUSTEE_PREFIX, guardian_id, "guardian id"))

    def plaintext_ballot_paths(self) -> list[Path]:
        return _sorted_files(self.root / INPUT, PBALLOT_PREFIX)

    def read_plaintext_ballot(self, path: Path) -> PlaintextBallot:
        ballot = self._decode(path, lambda o, f, n: decode_plaintext_ballot(o, f, n))
        _check_named(path.name, PBALLOT_PREFIX, ballot.ballot_id, path.relative_to(self.root).as_posix(), "ballot_id")
        return ballot

    def plaintext_ballots(self) -> Iterator[PlaintextBallot]:
        for path in self.plaintext_ballot_paths():
            yield self.read_plaintext_ballot(path)

    def plaintext_ballot(self, ballot_id: str) -> PlaintextBallot:
        return self.read_plaintext_ballot(self.root / INPUT / file_name(PBALLOT_PREFIX, ballot_id, "ballot id"))
