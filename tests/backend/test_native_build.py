"""The native backend builds and runs with only a C compiler: against the GMP in the gmpy2 wheel.

native/build_native.py is forced onto gmpy2's gmp.h and libgmp (what it uses on a machine without
libgmp-dev), builds engine._native into a temporary directory, and a fresh Python process loads
that module, runs the backend's self-test on it and says which GMP it runs on.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.once  # builds and loads the C in a process of its own, whatever the backend

ROOT = Path(__file__).resolve().parents[2]

_LOAD_AND_SELF_TEST = """
import importlib.machinery, importlib.util, json, sys
path = sys.argv[1]
loader = importlib.machinery.ExtensionFileLoader("engine._native", path)
spec = importlib.util.spec_from_file_location("engine._native", path, loader=loader)
module = importlib.util.module_from_spec(spec)
loader.exec_module(module)
sys.modules["engine._native"] = module
from engine.backend import load_backend
backend = load_backend("native")  # runs the self-test
print(json.dumps({
    "file": module.__file__,
    "source": module.ffi.string(module.lib.bc_gmp_source()).decode(),
    "gmp_source": backend.gmp_source,
    "powmod": int(backend.powmod(3, 10**40, 2**127 - 1)),
}))
"""


def build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_native_under_test", ROOT / "native" / "build_native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_native_backend_builds_and_runs_on_the_gmp_of_the_gmpy2_wheel(tmp_path: Path) -> None:
    build = build_script()
    gmp = build.gmpy2_gmp()
    if gmp is None:
        pytest.skip("this gmpy2 ships no gmp.h and libgmp (not a wheel install)")
    assert gmp.source == "gmpy2" and build.find_gmp("gmpy2") == gmp
    built = build.build_in_place(str(tmp_path), gmp)
    assert Path(built).parent == tmp_path / "engine"
    result = subprocess.run(
        [sys.executable, "-c", _LOAD_AND_SELF_TEST, built],
        cwd=ROOT,
        env={**os.environ, "ENGINE_BACKEND": "native"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert Path(report["file"]) == Path(built)
    assert report["source"] == "gmpy2"
    assert report["gmp_source"] == f"GMP {gmp.version} (the copy in the gmpy2 wheel)"
    assert report["powmod"] == pow(3, 10**40, 2**127 - 1)


def test_the_build_refuses_an_unknown_gmp_choice() -> None:
    with pytest.raises(ValueError, match="BALLOTCHAIN_GMP"):
        build_script().find_gmp("homebrew")
