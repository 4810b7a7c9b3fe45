"""Build hook for the optional native backend; all other metadata lives in pyproject.toml.

The C extension ``engine._native`` (native/, built with cffi against GMP) is added only when a
tiny program including gmp.h compiles and links with -lgmp here. Without GMP's headers the
package still installs, with one warning, and runs on the gmpy2 backend.
"""

from __future__ import annotations

import os
import sys
import tempfile

from setuptools import setup

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


def gmp_usable() -> bool:
    """True when a C compiler can build and link a program against GMP."""
    from distutils.ccompiler import new_compiler  # setuptools provides distutils on 3.12+
    from distutils.sysconfig import customize_compiler

    compiler = new_compiler()
    customize_compiler(compiler)
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "gmp_probe.c")
        with open(source, "w", encoding="utf-8") as handle:
            handle.write(_GMP_PROBE)
        devnull = os.open(os.devnull, os.O_WRONLY)
        saved = os.dup(2), os.dup(1)
        try:
            os.dup2(devnull, 2)  # the compiler's complaints are not the user's business here
            os.dup2(devnull, 1)
            objects = compiler.compile([source], output_dir=tmp)
            compiler.link_executable(objects, os.path.join(tmp, "gmp_probe"), libraries=["gmp"])
        except Exception:
            return False
        finally:
            os.dup2(saved[0], 2)
            os.dup2(saved[1], 1)
            os.close(saved[0])
            os.close(saved[1])
            os.close(devnull)
    return True


def _native_options() -> dict[str, object]:
    if os.environ.get("BALLOTCHAIN_NO_NATIVE"):
        print("ballotchain: BALLOTCHAIN_NO_NATIVE is set; building without the native backend", file=sys.stderr)
        return {}
    try:
        usable = gmp_usable()
    except Exception:  # no compiler at all, or no distutils
        usable = False
    if not usable:
        print(
            "WARNING: ballotchain: GMP (gmp.h and -lgmp) is not usable here, so the native backend "
            "is not built; the gmpy2 backend will be used. Install GMP's headers (e.g. libgmp-dev) "
            "and reinstall to get it.",
            file=sys.stderr,
        )
        return {}
    return {"cffi_modules": ["native/build_native.py:ffibuilder"]}


setup(**_native_options())
