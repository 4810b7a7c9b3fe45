"""cffi (API mode) builder for the native backend: produces the extension module ``engine._native``.

Used two ways:

* by setuptools, through ``cffi_modules=["native/build_native.py:ffibuilder"]`` in setup.py;
* directly, ``python native/build_native.py``, which compiles the extension in place into
  ``engine/`` (for a source checkout without reinstalling).

The C declarations come from native/ballotchain_native.h, between its CDEF markers.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HEADER = os.path.join(HERE, "ballotchain_native.h")
SOURCE = os.path.join(HERE, "ballotchain_native.c")


def _cdef_text() -> str:
    with open(HEADER, encoding="utf-8") as handle:
        text = handle.read()
    begin = text.index("/* CDEF BEGIN */") + len("/* CDEF BEGIN */")
    end = text.index("/* CDEF END */")
    return text[begin:end]


def _rel(path: str) -> str:
    """Relative to the project root when building from it (setuptools wants relative sources)."""
    try:
        at_root = os.path.samefile(os.getcwd(), ROOT)
    except OSError:
        at_root = False
    return os.path.relpath(path, ROOT) if at_root else path


ffibuilder = FFI()
ffibuilder.cdef(_cdef_text())
ffibuilder.set_source(
    "engine._native",
    '#include "ballotchain_native.h"\n',
    sources=[_rel(SOURCE)],
    include_dirs=[_rel(HERE)],
    libraries=["gmp"] + ([] if sys.platform == "win32" else ["pthread"]),
    extra_compile_args=["-O3"],
)


def _inplace_target() -> str:
    """The file name setuptools gives the module (cffi builds it on the limited API: abi3)."""
    # cffi takes the file's base name; the package's folder (engine/) is prepended to it.
    if ".abi3.so" in importlib.machinery.EXTENSION_SUFFIXES:
        return "_native.abi3.so"
    return "_native.*"


def build_in_place() -> str:
    """Compile the extension into ROOT/engine/; returns the path of the built module.

    The module gets the same file name as from ``pip install -e .``, other builds of it that
    Python would import first are removed, and so are the intermediate .c and .o files.
    """
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        built = os.path.abspath(ffibuilder.compile(tmpdir=ROOT, target=_inplace_target(), verbose=False))
    finally:
        os.chdir(cwd)
    engine_dir = os.path.join(ROOT, "engine")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        other = os.path.join(engine_dir, "_native" + suffix)
        if os.path.exists(other) and not os.path.samefile(other, built):
            os.remove(other)
    for leftover in (
        os.path.join(engine_dir, "_native.c"),
        os.path.join(engine_dir, "_native.o"),
        os.path.join(HERE, "ballotchain_native.o"),
    ):
        if os.path.exists(leftover):
            os.remove(leftover)
    return built


if __name__ == "__main__":
    print(build_in_place())
