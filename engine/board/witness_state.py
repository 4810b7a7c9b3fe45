"""The witness's durable state: per log origin, the size, root and note of the latest checkpoint it cosigned.

A witness may cosign only once the new state is durable, so each cosignature waits for one write to reach
the disk; that write is made as small and cheap as a durable write can be: the state file is made once at
its full size, and each change overwrites one of its two fixed slots in place (``pwrite``) and flushes
that data alone (``fdatasync``: no size or metadata change, so no file-system journal commit). The
slots alternate: the change numbered ``n`` goes to slot ``n % 2``, the other keeps the state before it.

    header (4096 bytes)   b"ballotchain-witness-state-v1\\n" b"slot <size>\\n", zeros
    slot 0, slot 1        u64 number || u32 length || SHA-256(number || length || payload) || payload, zeros

The payload is canonical JSON ``{origin: {"size", "root" (hex), "checkpoint" (base64)}}``. Reading takes
the slot with the higher number whose digest holds. A crash during a write leaves that slot torn and the
other one whole, holding the state before the change, which no cosignature went out for; two torn slots
cannot come from a crash (a slot is written only while the other holds a whole state, or none was ever
written) and are refused rather than read as an empty state. A state too large for a slot is written
whole to a new file with larger slots, flushed, and renamed over the old one.

Several ``WitnessState`` objects, in one process or several, may share a file: each change reads, decides
and writes under an exclusive ``flock`` of the file, and a holder that finds the path renamed over (a
grown file) opens it again. Refused checkpoints kept as evidence go to ``<state>.evidence``, one JSON line
each, appended and flushed.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import secrets
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import BallotchainError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

MAGIC = b"ballotchain-witness-state-v1\n"
HEADER_SIZE = 4096
DEFAULT_SLOT_SIZE = 1 << 17
_RECORD_HEAD = struct.Struct(">QI")
_DIGEST_SIZE = 32
_SQLITE_MAGIC = b"SQLite format 3\x00"
_FIRST_READ = 4096
_flush = getattr(os, "fdatasync", os.fsync)


class WitnessError(BallotchainError):
    """The witness's state file or configuration cannot be used."""


@dataclass(frozen=True)
class CosignedState:
    """The latest checkpoint the witness cosigned for a log: its size and root hash."""

    size: int
    root: bytes


@dataclass(frozen=True)
class _Log:
    size: int
    root: bytes
    checkpoint: bytes


def _header(slot_size: int) -> bytes:
    return (MAGIC + b"slot %d\n" % slot_size).ljust(HEADER_SIZE, b"\0")


def _record(number: int, logs: dict[str, _Log]) -> bytes:
    payload = json.dumps(
        {
            origin: {"size": log.size, "root": log.root.hex(), "checkpoint": base64.b64encode(log.checkpoint).decode()}
            for origin, log in logs.items()
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    head = _RECORD_HEAD.pack(number, len(payload))
    return head + hashlib.sha256(head + payload).digest() + payload


def _whole_record(raw: bytes) -> tuple[int, bytes] | None:
    """(number, payload) of a whole slot; None for a slot never written or torn."""
    start = _RECORD_HEAD.size + _DIGEST_SIZE
    if len(raw) < start:
        return None
    number, length = _RECORD_HEAD.unpack_from(raw)
    payload = raw[start : start + length]
    if number == 0 or len(payload) != length:
        return None
    if hashlib.sha256(raw[: _RECORD_HEAD.size] + payload).digest() != raw[_RECORD_HEAD.size : start]:
        return None
    return number, payload


def _decode_logs(payload: bytes) -> dict[str, _Log] | None:
    try:
        return {
            origin: _Log(int(log["size"]), bytes.fromhex(log["root"]), base64.b64decode(log["checkpoint"]))
            for origin, log in json.loads(payload).items()
        }
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return None


def _sync_folder(path: Path) -> None:
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WitnessState:
    """The witness's state file: per origin, the latest cosigned size and root (and its note)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.evidence_path = Path(f"{self.path}.evidence")
        self._lock = threading.Lock()
        self._fd = -1
        self._slot_size = DEFAULT_SLOT_SIZE
        self._replaced = False
        try:
            self._open()
        except OSError as exc:
            raise WitnessError(f"{self.path}: cannot open the witness state: {exc.strerror or exc}") from None

    # ------------------------------------------------------------ the file

    def _open(self) -> None:
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
            except FileNotFoundError:
                self._make(DEFAULT_SLOT_SIZE, None, replace=False)
                continue
            try:
                self._slot_size = self._slot_size_of(os.pread(fd, HEADER_SIZE, 0))
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            return

    def _slot_size_of(self, header: bytes) -> int:
        if header.startswith(_SQLITE_MAGIC):
            raise WitnessError(
                f"{self.path} is the SQLite state of an earlier ballotchain witness; this one keeps its state in "
                "a file of its own (give it a new --state)"
            )
        lines = header.split(b"\n", 2)
        if len(lines) < 3 or lines[0] + b"\n" != MAGIC or not lines[1].startswith(b"slot "):
            raise WitnessError(f"{self.path} is not a ballotchain witness state file")
        try:
            slot_size = int(lines[1][5:])
        except ValueError:
            raise WitnessError(f"{self.path}: its header is malformed") from None
        if header != _header(slot_size) or slot_size < DEFAULT_SLOT_SIZE:
            raise WitnessError(f"{self.path}: its header is malformed")
        return slot_size

    def _make(self, slot_size: int, record: bytes | None, *, replace: bool) -> None:
        """A whole new state file (``record`` in its slot, if any), flushed, then put at the path: linked if
        there is none yet (a file another process made first stays), renamed over the old one to grow it."""
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(8)}.tmp")
        slots = [bytes(slot_size), bytes(slot_size)]
        if record is not None:
            number = _RECORD_HEAD.unpack_from(record)[0]
            slots[number % 2] = record.ljust(slot_size, b"\0")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            try:
                data = _header(slot_size) + slots[0] + slots[1]
                if os.write(fd, data) != len(data):
                    raise OSError(f"a short write to {temporary}")
                os.fsync(fd)
            finally:
                os.close(fd)
            if replace:
                os.replace(temporary, self.path)
            else:
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        _sync_folder(self.path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """The file's exclusive lock, in this process and across processes, on the file now at the path."""
        with self._lock:
            if self._fd < 0:
                raise WitnessError(f"{self.path}: the witness state is closed")
            try:
                while True:
                    if fcntl is not None:
                        fcntl.flock(self._fd, fcntl.LOCK_EX)
                    held, current = os.fstat(self._fd), os.stat(self.path)
                    if (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino):
                        break
                    os.close(self._fd)
                    self._fd = -1
                    self._open()
            except OSError as exc:
                raise WitnessError(f"{self.path}: cannot use the witness state: {exc.strerror or exc}") from None
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_UN)
                if self._replaced:
                    os.close(self._fd)
                    self._fd, self._replaced = -1, False
                    self._open()

    def _read(self) -> tuple[int, dict[str, _Log]]:
        """The highest-numbered whole slot's (number, logs); (0, {}) if none was ever written."""
        best: tuple[int, bytes] | None = None
        written = 0
        for slot in (0, 1):
            offset = HEADER_SIZE + slot * self._slot_size
            raw = os.pread(self._fd, _FIRST_READ, offset)
            length = _RECORD_HEAD.unpack_from(raw)[1]
            if _RECORD_HEAD.size + _DIGEST_SIZE + length > len(raw):
                raw = os.pread(self._fd, self._slot_size, offset)
            if raw[: _RECORD_HEAD.size + _DIGEST_SIZE].strip(b"\0"):
                written += 1
            record = _whole_record(raw)
            if record is not None and (best is None or record[0] > best[0]):
                best = record
        if best is None:
            if written == 2:
                raise WitnessError(f"{self.path}: neither copy of the witness state is whole; it was damaged")
            return 0, {}
        logs = _decode_logs(best[1])
        if logs is None:
            raise WitnessError(f"{self.path}: the witness state does not decode; it was damaged")
        return best[0], logs

    def _write(self, number: int, logs: dict[str, _Log]) -> None:
        record = _record(number, logs)
        if len(record) > self._slot_size:
            size = self._slot_size
            while size < 2 * len(record):
                size *= 2
            self._make(size, record, replace=True)
            self._replaced = True
            return
        written = os.pwrite(self._fd, record, HEADER_SIZE + (number % 2) * self._slot_size)
        if written != len(record):
            raise OSError(f"a short write to {self.path}")
        _flush(self._fd)

    # ------------------------------------------------------------ the state

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> WitnessState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _log(self, origin: str) -> _Log | None:
        with self._locked():
            return self._read()[1].get(origin)

    def latest(self, origin: str) -> CosignedState | None:
        log = self._log(origin)
        return None if log is None else CosignedState(log.size, log.root)

    def latest_checkpoint(self, origin: str) -> bytes | None:
        """The signed checkpoint last cosigned for ``origin``, as the log sent it."""
        log = self._log(origin)
        return None if log is None else log.checkpoint

    def advance(self, origin: str, decide: Callable[[CosignedState | None], CosignedState], checkpoint: bytes) -> None:
        """Under the file's lock: read the state of ``origin``, ask ``decide`` for the next one (it raises to
        refuse, and nothing changes), write it; durable when this returns."""
        with self._locked():
            number, logs = self._read()
            log = logs.get(origin)
            new = decide(None if log is None else CosignedState(log.size, log.root))
            logs[origin] = _Log(new.size, new.root, bytes(checkpoint))
            try:
                self._write(number + 1, logs)
            except OSError as exc:
                raise WitnessError(f"{self.path}: cannot write the witness state: {exc}") from None

    def record_evidence(self, origin: str, received: int, reason: str, checkpoint: bytes) -> None:
        line = json.dumps(
            {
                "origin": origin,
                "received": received,
                "reason": reason,
                "checkpoint": base64.b64encode(checkpoint).decode(),
            },
            sort_keys=True,
        )
        with self._locked():
            try:
                made = not self.evidence_path.exists()
                fd = os.open(self.evidence_path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    end = os.fstat(fd).st_size
                    torn = end > 0 and os.pread(fd, 1, end - 1) != b"\n"
                    os.write(fd, (b"\n" if torn else b"") + line.encode() + b"\n")
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if made:
                    _sync_folder(self.evidence_path)
            except OSError as exc:
                raise WitnessError(f"{self.evidence_path}: cannot keep the evidence: {exc.strerror or exc}") from None

    def evidence(self, origin: str) -> list[tuple[str, bytes]]:
        """The refused signed checkpoints of ``origin``: (reason, checkpoint), oldest first (a line torn by a
        crash while it was written is skipped)."""
        with self._locked():
            try:
                lines = self.evidence_path.read_bytes().splitlines()
            except FileNotFoundError:
                return []
        found: list[tuple[str, bytes]] = []
        for line in lines:
            try:
                item: Any = json.loads(line)
                if item["origin"] == origin:
                    found.append((str(item["reason"]), base64.b64decode(item["checkpoint"])))
            except (ValueError, KeyError, TypeError, binascii.Error):
                continue
        return found
