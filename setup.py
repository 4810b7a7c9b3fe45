"""Build hook for the optional native backend; all other metadata lives in pyproject.toml.

The C extension ``engine._native`` is described by native/build_native.py alone (sources, flags,
GMP). It is added when that script finds a GMP to build against: the system's, or the copy in the
gmpy2 wheel (a build requirement), so a C compiler is all it needs. Without one the package still
installs, with one warning, and runs on the gmpy2 backend.
"""

from __future__ import annotations

import importlib.util
import os
import sys

from setuptools import setup

BUILD_SCRIPT = os.path.join("native", "build_native.py")


def _build_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("ballotchain_build_native", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _native_options() -> dict[str, object]:
    if os.environ.get("BALLOTCHAIN_NO_NATIVE"):
        print("ballotchain: BALLOTCHAIN_NO_NATIVE is set; building without the native backend", file=sys.stderr)
        return {}
    if _build_script().find_gmp() is None:
        print(
            "WARNING: ballotchain: no usable GMP (neither the system's gmp.h and -lgmp nor the copy in the "
            "gmpy2 wheel), so the native backend is not built; the gmpy2 backend will be used.",
            file=sys.stderr,
        )
        return {}
    return {"cffi_modules": [f"{BUILD_SCRIPT}:make_ffibuilder"]}


setup(**_native_options())
