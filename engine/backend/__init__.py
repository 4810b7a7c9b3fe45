"""Backend selection: ENGINE_BACKEND=gmpy2|native, default the best one that passes its self-test."""

from __future__ import annotations

import os
import sys
from functools import cache

from engine.backend.base import Backend, FixedBaseTable
from engine.backend.gmpy2_backend import Gmpy2Backend
from engine.errors import BackendError

__all__ = ["Backend", "FixedBaseTable", "get_backend", "load_backend"]

# A 127-bit Mersenne prime keeps the self-test cheap while exercising multi-limb arithmetic.
_SELF_TEST_MODULUS = (1 << 127) - 1


def _self_test(backend: Backend) -> None:
    m = _SELF_TEST_MODULUS
    b, e = 0x1234_5678_9ABC_DEF0_1122_3344, (1 << 100) + 12345
    want = pow(b, e, m)
    table = backend.fixed_base_table(b, m, 104, 4)
    got = [
        backend.powmod(b, e, m),
        backend.powmod_sec(b, e, m, 104),
        table.pow(e),
        table.pow_secret(e),
        backend.multi_powmod([b, b], [e, 0], m),
        backend.powmod_many([b], [e], m)[0],
    ]
    zero = [backend.powmod_sec(b, 0, m, 104), table.pow_secret(0)]
    if any(int(x) != want for x in got) or any(int(x) != 1 for x in zero) or backend.prod_mod([b, b], m) != b * b % m:
        raise BackendError(f"backend {backend.name!r} failed its self-test")


def load_backend(name: str) -> Backend:
    """Load and self-test one backend by name."""
    backend: Backend
    if name == "gmpy2":
        backend = Gmpy2Backend()
    elif name == "native":
        try:
            from engine.backend.native_backend import NativeBackend
        except ImportError as exc:
            raise BackendError(f"the native backend is not built ({exc})") from exc
        backend = NativeBackend()
    else:
        raise BackendError(f"unknown backend {name!r}: use 'gmpy2' or 'native'")
    _self_test(backend)
    return backend


@cache
def get_backend() -> Backend:
    """The process-wide backend: ENGINE_BACKEND if set, else native when built, else gmpy2."""
    wanted = os.environ.get("ENGINE_BACKEND", "").strip().lower()
    if wanted:
        return load_backend(wanted)
    try:
        return load_backend("native")
    except BackendError as exc:
        print(f"ballotchain: using the gmpy2 backend ({exc})", file=sys.stderr)
        return load_backend("gmpy2")
