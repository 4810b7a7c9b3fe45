"""Where a record's files are read from: a local folder, or an fsspec URL (s3://, gs://, file://, ...).

A record root given as ``scheme://...`` is opened with fsspec (the optional 'fsspec' extra, and the
scheme's own package, e.g. s3fs), so that the workers of a Dask cluster can read one record from
object storage; anything else is a local path, read with os as before (no fsspec on that path, and no
change in speed). Only reading: a URL record is verified, never written.

``RecordFiles`` is what the reader needs of a file system: list a folder's files or sub-folders, read a
file's bytes, tell whether a path is a file or a folder. A URL root is a ``RemotePath``: a PosixPath of
the path inside the URL's file system whose reading methods go to that file system, so code that joins
and reads record paths (record.root / name) works on both. Errors of the file system or of fsspec
(a missing bucket, no permission, an unknown scheme) become OSError or RecordError, one line each.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PosixPath
from typing import IO, Any, ClassVar, Protocol

from engine.record.errors import RecordError

__all__ = [
    "LOCAL_FILES",
    "FsspecFiles",
    "LocalFiles",
    "RecordFiles",
    "RemotePath",
    "file_names",
    "folder_names",
    "is_file_at",
    "is_url",
    "record_path",
    "remote_root",
]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` is a URL (``scheme://...``) rather than a local path."""
    return isinstance(location, str) and _SCHEME.match(location) is not None


class RecordFiles(Protocol):
    """The reading operations a record needs of a file system; paths are strings of that file system."""

    def file_names(self, folder: str) -> list[str]:
        """Names of the regular files in ``folder``; FileNotFoundError when it is missing."""
        ...

    def folder_names(self, folder: str) -> list[str]:
        """Names of the sub-folders of ``folder``; FileNotFoundError when it is missing."""
        ...

    def read_bytes(self, path: str) -> bytes: ...

    def is_file(self, path: str) -> bool: ...

    def is_dir(self, path: str) -> bool: ...


class LocalFiles:
    """The local file system, through os (os.scandir lists a folder without a stat per file)."""

    def file_names(self, folder: str) -> list[str]:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.is_file()]

    def folder_names(self, folder: str) -> list[str]:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.is_dir()]

    def read_bytes(self, path: str) -> bytes:
        with open(path, "rb") as f:
            return f.read()

    def is_file(self, path: str) -> bool:
        return os.path.isfile(path)

    def is_dir(self, path: str) -> bool:
        return os.path.isdir(path)


LOCAL_FILES = LocalFiles()


class FsspecFiles:
    """An fsspec file system. Its own exceptions (a storage client's errors are not OSError) become OSError,
    so that the reader reports them as it reports a local file it cannot read."""

    def __init__(self, fs: Any) -> None:
        self.fs = fs

    def _listing(self, folder: str, kind: str) -> list[str]:
        try:
            listing = self.fs.ls(folder, detail=True)
        except OSError:
            raise
        except Exception as exc:  # the file system's own error types: one line, as OSError
            raise OSError(f"{folder}: {exc}") from None
        names = (entry["name"].rstrip("/").rsplit("/", 1)[-1] for entry in listing if entry.get("type") == kind)
        return [name for name in names if name not in ("", ".", "..")]  # an object store's keys may hold them

    def file_names(self, folder: str) -> list[str]:
        return self._listing(folder, "file")

    def folder_names(self, folder: str) -> list[str]:
        return self._listing(folder, "directory")

    def read_bytes(self, path: str) -> bytes:
        try:
            data = self.fs.cat_file(path)
        except OSError:
            raise
        except Exception as exc:
            raise OSError(f"{path}: {exc}") from None
        return bytes(data)

    def _info_type(self, path: str) -> str | None:
        try:
            return str(self.fs.info(path).get("type"))
        except FileNotFoundError:
            return None
        except OSError:
            raise
        except Exception as exc:
            raise OSError(f"{path}: {exc}") from None

    def is_file(self, path: str) -> bool:
        return self._info_type(path) == "file"

    def is_dir(self, path: str) -> bool:
        return self._info_type(path) == "directory"


class RemotePath(PosixPath):
    """A path inside an fsspec file system (``files``, set on the subclass remote_root makes for one URL).
    Reading methods go to that file system; writing is refused (a URL record is only read)."""

    files: ClassVar[FsspecFiles]

    def is_file(self) -> bool:
        return self.files.is_file(str(self))

    def is_dir(self) -> bool:
        return self.files.is_dir(str(self))

    def exists(self) -> bool:
        return self.is_file() or self.is_dir()

    def read_bytes(self) -> bytes:
        return self.files.read_bytes(str(self))

    def read_text(self, encoding: str | None = None, errors: str | None = None) -> str:
        return self.read_bytes().decode(encoding or "utf-8", errors or "strict")

    def open(self, mode: str = "r", *args: Any, **kwargs: Any) -> IO[Any]:  # type: ignore[override]
        if any(c in mode for c in "wax+"):
            raise PermissionError(f"{self}: a record read from a URL is not written")
        return self.files.fs.open(str(self), mode, *args, **kwargs)  # type: ignore[no-any-return]


def remote_root(url: str) -> RemotePath:
    """The root of a record at ``url``; RecordError (one line) when fsspec cannot open the URL's file system
    (fsspec or the scheme's package not installed, an unknown scheme, bad options)."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise RecordError(
            url, "", "reading a record from a URL needs fsspec: pip install 'ballotchain[fsspec]'"
        ) from None
    try:
        fs, inner = url_to_fs(url)
    except ImportError as exc:
        raise RecordError(url, "", f"the URL's file system is not installed: {exc}") from None
    except Exception as exc:  # fsspec's own errors (ValueError for an unknown protocol, and others)
        raise RecordError(url, "", f"cannot open the URL: {exc}") from None
    path_class = type("RemotePath", (RemotePath,), {"files": FsspecFiles(fs)})
    return path_class(inner)  # type: ignore[no-any-return]


def record_path(location: str | os.PathLike[str]) -> Path:
    """``location`` as a path, keeping a RemotePath one (Path(remote) would make it a local path)."""
    return location if isinstance(location, Path) else Path(location)


def _files_of(path: Path) -> RecordFiles:
    return path.files if isinstance(path, RemotePath) else LOCAL_FILES


def file_names(folder: Path) -> list[str]:
    """The names of the regular files in ``folder`` (local or remote), unsorted; FileNotFoundError when missing."""
    return _files_of(folder).file_names(str(folder))


def folder_names(folder: Path) -> list[str]:
    """The names of the sub-folders of ``folder`` (local or remote), unsorted; FileNotFoundError when missing."""
    return _files_of(folder).folder_names(str(folder))


def is_file_at(root: Path, relative: str) -> bool:
    """Whether ``root``/``relative`` is a file; joined as strings (a Path per ballot would intern its parts, and
    the interpreter's table of interned strings keeps the size it grew to)."""
    return _files_of(root).is_file(os.path.join(root, relative))
