"""The one build description of the native backend: sources, flags and GMP for ``engine._native`` (cffi, API mode).

Used two ways:

* by setuptools, through ``cffi_modules=["native/build_native.py:make_ffibuilder"]`` in setup.py,
  which asks ``find_gmp()`` first whether the module can be built at all;
* directly, ``python native/build_native.py``, which compiles the extension in place into
  ``engine/`` (for a source checkout without reinstalling) and prints where it went.

GMP: the system's (gmp.h and -lgmp usable by the C compiler, e.g. libgmp-dev), else the copy that
the gmpy2 wheel ships (gmpy2/gmp.h and gmpy2.libs/libgmp-*.so, or gmpy2/.dylibs on macOS), so that
only a C compiler is needed. BALLOTCHAIN_GMP=system or BALLOTCHAIN_GMP=gmpy2 forces one of them
(default: auto). The build says which one it used, in one line on stderr; the module reports it
too (``bc_gmp_source``, ``NativeBackend.gmp_source``).

The C declarations come from native/ballotchain_native.h, between its CDEF markers. No
``from __future__ import annotations`` here: setup.py and cffi run this file without registering it
as a module, and dataclasses cannot resolve string annotations then.
"""

import glob
import importlib.machinery
import importlib.util
import os
import re
import sys
import tempfile
from dataclasses import dataclass

import setuptools  # noqa: F401  (before distutils: provides it on Python 3.12+)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
HEADER = os.path.join(HERE, "ballotchain_native.h")
SOURCES = (
    "limbs.c",
    "ifma.c",
    "modulus.c",
    "threads.c",
    "multiexp.c",
    "api.c",
    "ct_secret.c",
    "ct_karatsuba.c",
    "ct_rows.c",
)
COMPILE_ARGS = ("-O3",)
GMP_CHOICES = ("auto", "system", "gmpy2")

_GMP_PROBE = """
#include <gmp.h>
int main(void) {
    mpz_t x;
    mpz_init_set_ui(x, 3);
    mpz_powm_sec(x, x, x, x);
    mpz_clear(x);
    return 0;
}
"""


@dataclass(frozen=True)
class Gmp:
    """Where GMP's header and library are, and how to link and find the library at run time."""

    source: str  # "system" or "gmpy2"
    version: str
    include_dirs: tuple[str, ...] = ()
    libraries: tuple[str, ...] = ("gmp",)
    link_args: tuple[str, ...] = ()

    def describe(self) -> str:
        where = f" ({self.link_args[0]})" if self.link_args else ""
        return f"ballotchain: native backend built against GMP {self.version} from {self.source}{where}"


def _compiler():  # type: ignore[no-untyped-def]
    from distutils.ccompiler import new_compiler
    from distutils.sysconfig import customize_compiler

    compiler = new_compiler()
    customize_compiler(compiler)
    return compiler


def _links(gmp: Gmp) -> bool:
    """True when a tiny program including gmp.h compiles and links against this GMP."""
    compiler = _compiler()
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "gmp_probe.c")
        with open(source, "w", encoding="utf-8") as handle:
            handle.write(_GMP_PROBE)
        devnull = os.open(os.devnull, os.O_WRONLY)
        saved = os.dup(2), os.dup(1)
        try:
            os.dup2(devnull, 2)  # a failed probe is an answer, not an error to show
            os.dup2(devnull, 1)
            objects = compiler.compile([source], output_dir=tmp, include_dirs=list(gmp.include_dirs))
            compiler.link_executable(
                objects,
                os.path.join(tmp, "gmp_probe"),
                libraries=list(gmp.libraries),
                extra_postargs=list(gmp.link_args),
            )
        except Exception:
            return False
        finally:
            os.dup2(saved[0], 2)
            os.dup2(saved[1], 1)
            for fd in (*saved, devnull):
                os.close(fd)
    return True


def _header_version(header: str) -> str:
    with open(header, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    suffixes = ("", "_MINOR", "_PATCHLEVEL")
    parts = [re.search(rf"#define\s+__GNU_MP_VERSION{suffix}\s+(\d+)", text) for suffix in suffixes]
    return ".".join(m.group(1) for m in parts if m) or "of unknown version"


def _system_header() -> str | None:
    compiler = _compiler()
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "gmp_where.c")
        with open(source, "w", encoding="utf-8") as handle:
            handle.write("#include <gmp.h>\n")
        try:
            out = os.path.join(tmp, "gmp_where.i")
            compiler.preprocess(source, out)
            with open(out, encoding="utf-8", errors="replace") as handle:
                found = re.search(r'^# \d+ "([^"]*gmp\.h)"', handle.read(), re.M)
        except Exception:
            return None
    return found.group(1) if found else None


def system_gmp() -> Gmp | None:
    """The system's GMP, when gmp.h and -lgmp work with the C compiler."""
    try:
        candidate = Gmp(source="system", version="")
        if not _links(candidate):
            return None
        header = _system_header()
    except Exception:  # no compiler at all, or no distutils
        return None
    return Gmp(source="system", version=_header_version(header) if header else "of unknown version")


def gmpy2_gmp() -> Gmp | None:
    """The GMP bundled with the gmpy2 wheel: its gmp.h and its shared library, when both are there."""
    spec = importlib.util.find_spec("gmpy2")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = list(spec.submodule_search_locations)[0]
    header = os.path.join(package, "gmp.h")
    site = os.path.dirname(package)
    patterns = (
        os.path.join(site, "gmpy2.libs", "libgmp*.so*"),  # manylinux (auditwheel)
        os.path.join(package, ".dylibs", "libgmp*.dylib"),  # macOS (delocate)
        os.path.join(package, "libgmp*.so*"),
    )
    libraries = sorted(path for pattern in patterns for path in glob.glob(pattern))
    if not os.path.isfile(header) or not libraries:
        return None
    library = libraries[0]
    runtime = [os.path.dirname(library)]
    if sys.platform.startswith("linux"):
        # next to gmpy2 in an installed wheel, and where it is now for an in-place build
        runtime.insert(0, "$ORIGIN/../" + os.path.relpath(os.path.dirname(library), site))
    rpaths = tuple(f"-Wl,-rpath,{path}" for path in runtime)
    gmp = Gmp(
        source="gmpy2",
        version=_header_version(header),
        include_dirs=(package,),
        libraries=(),
        link_args=(library, *rpaths),
    )
    try:
        return gmp if _links(gmp) else None
    except Exception:
        return None


def find_gmp(choice: str | None = None) -> Gmp | None:
    """The GMP to build against: BALLOTCHAIN_GMP (auto, system, gmpy2), or None when there is none."""
    choice = (choice or os.environ.get("BALLOTCHAIN_GMP") or "auto").strip().lower()
    if choice not in GMP_CHOICES:
        raise ValueError(f"BALLOTCHAIN_GMP must be one of {', '.join(GMP_CHOICES)}, not {choice!r}")
    if choice in ("auto", "system"):
        found = system_gmp()
        if found is not None or choice == "system":
            return found
    return gmpy2_gmp()


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


def make_ffibuilder(gmp: Gmp | None = None):  # type: ignore[no-untyped-def]
    """The cffi builder of engine._native against ``gmp`` (default: find_gmp()); says which GMP, on stderr."""
    from cffi import FFI

    gmp = gmp or find_gmp()
    if gmp is None:
        raise RuntimeError("ballotchain: no usable GMP (neither the system's gmp.h and -lgmp nor gmpy2's copy)")
    print(gmp.describe(), file=sys.stderr)
    builder = FFI()
    builder.cdef(_cdef_text())
    builder.set_source(
        "engine._native",
        '#include "ballotchain_native.h"\n',
        sources=[_rel(os.path.join(HERE, name)) for name in SOURCES],
        include_dirs=[_rel(HERE), *gmp.include_dirs],
        define_macros=[("BC_GMP_SOURCE", f'"{gmp.source}"')],
        libraries=[*gmp.libraries] + ([] if sys.platform == "win32" else ["pthread"]),
        extra_compile_args=list(COMPILE_ARGS),
        extra_link_args=list(gmp.link_args),
    )
    return builder


def _inplace_target() -> str:
    """The file name setuptools gives the module (cffi builds it on the limited API: abi3)."""
    # cffi takes the file's base name; the package's folder (engine/) is prepended to it.
    if ".abi3.so" in importlib.machinery.EXTENSION_SUFFIXES:
        return "_native.abi3.so"
    return "_native.*"


def build_in_place(target_dir: str | None = None, gmp: Gmp | None = None) -> str:
    """Compile the extension into ROOT/engine/ (or target_dir/engine/); returns the path of the built module.

    In engine/ the module gets the same file name as from ``pip install -e .``, other builds of it
    that Python would import first are removed, and so are the intermediate .c and .o files.
    """
    out_root = os.path.abspath(target_dir) if target_dir else ROOT
    cwd = os.getcwd()
    os.chdir(out_root)  # sources relative to the root only when building there
    try:
        builder = make_ffibuilder(gmp)
        built = os.path.abspath(builder.compile(tmpdir=out_root, target=_inplace_target(), verbose=False))
    finally:
        os.chdir(cwd)
    engine_dir = os.path.join(out_root, "engine")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        other = os.path.join(engine_dir, "_native" + suffix)
        if os.path.exists(other) and not os.path.samefile(other, built):
            os.remove(other)
    leftovers = [os.path.join(engine_dir, "_native.c"), os.path.join(engine_dir, "_native.o")]
    leftovers += [os.path.join(HERE, name[:-2] + ".o") for name in SOURCES]
    for leftover in leftovers:
        if os.path.exists(leftover):
            os.remove(leftover)
    return built


if __name__ == "__main__":
    build_in_place(sys.argv[1] if len(sys.argv) > 1 else None)
