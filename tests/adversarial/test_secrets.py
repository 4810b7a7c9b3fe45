"""A guardian's secrets at rest and in its process (issue 9, defect 10): scrypt N >= 2^17 for new
secret files, old files still open, weak or absurd key-derivation parameters in a file refused,
and the passphrase taken out of the environment before any child process can inherit it.
Through the command line, test group.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from engine.cli import guardian_cmds
from engine.cli.common import PASSPHRASE_ENV
from engine.cli.demo_cmd import demo_manifest_bytes
from engine.record.exchange import GUARDIAN_STATE_KIND
from tests.support.elections import run

PASSPHRASE = "correct horse battery staple"
V1, V2 = b"BALLOTCHAIN-SECRET-v1\n", b"BALLOTCHAIN-SECRET-v2\n"


@pytest.fixture(scope="module")
def ceremony(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An election (n = k = 2) and both guardians' keys, their secret files not sealed."""
    root = tmp_path_factory.mktemp("secrets")
    manifest = root / "manifest.json"
    manifest.write_bytes(demo_manifest_bytes())
    record, publics = root / "record", root / "publics"
    run("election", "init", "--manifest", manifest, "-n", 2, "-k", 2, "--out", record, "--group", "test")
    for x, name in enumerate(("alice", "bob"), start=1):
        run(
            "guardian", "keygen", "--record", record, "--id", name, "--x", x,
            "--secret", root / name / "secret.json", "--public-out", publics / f"guardian-{name}.json",
        )  # fmt: skip
    return {"root": root, "record": record, "publics": publics, "plain": root / "alice" / "secret.json"}


def shares(c: dict[str, Path], secret: Path, out: str, *, expect: int = 0, env: dict[str, str] | None = None) -> str:
    return run(
        "guardian", "shares", "--record", c["record"], "--secret", secret, "--publics", c["publics"],
        "--out", c["root"] / out, expect=expect, env=env,
    )  # fmt: skip


def sealed_by_hand(plaintext: bytes, header: bytes, log2_n: int, *, aad_header: bytes | None = None) -> bytes:
    """A protected file made without the engine: header || salt || nonce || AES-GCM under scrypt(N = 2^log2_n)."""
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    key = Scrypt(salt=salt, length=32, n=1 << log2_n, r=8, p=1).derive(PASSPHRASE.encode())
    aad = (header if aad_header is None else aad_header) + GUARDIAN_STATE_KIND.encode()
    return header + salt + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def test_new_secret_files_use_scrypt_n_of_at_least_2_17(ceremony: dict[str, Path]) -> None:
    secret = ceremony["root"] / "carol" / "secret.json"
    run(
        "guardian", "keygen", "--record", ceremony["record"], "--id", "carol", "--x", 2, "--secret", secret,
        "--public-out", ceremony["root"] / "carol-public.json", env={PASSPHRASE_ENV: PASSPHRASE},
    )  # fmt: skip
    blob = secret.read_bytes()
    assert blob.startswith(V2), blob[:24]
    log2_n, r, p = blob[len(V2) : len(V2) + 3]
    assert log2_n >= 17 and (r, p) == (8, 1)
    assert b"polynomial" not in blob
    alice_only = {**ceremony, "publics": ceremony["root"] / "alice-only"}
    alice_only["publics"].mkdir()
    (alice_only["publics"] / "guardian-alice.json").write_bytes(
        (ceremony["publics"] / "guardian-alice.json").read_bytes()
    )
    (alice_only["publics"] / "guardian-carol.json").write_bytes((ceremony["root"] / "carol-public.json").read_bytes())
    shares(alice_only, secret, "s-carol", env={PASSPHRASE_ENV: PASSPHRASE})
    assert "wrong passphrase" in shares(alice_only, secret, "s-carol-2", expect=2, env={PASSPHRASE_ENV: "wrong"})


def test_a_secret_file_sealed_with_the_old_parameters_still_opens(ceremony: dict[str, Path]) -> None:
    old = ceremony["root"] / "old-secret.json"
    old.write_bytes(sealed_by_hand(ceremony["plain"].read_bytes(), V1, 15))
    old.chmod(0o600)
    assert "1 encrypted shares" in shares(ceremony, old, "s-old", env={PASSPHRASE_ENV: PASSPHRASE})


@pytest.mark.parametrize(
    ("header", "log2_n", "words"),
    [
        (V2 + bytes((10, 8, 1)), 10, "below the minimum 2^15"),  # cheap to guess
        (V2 + bytes((40, 8, 1)), 15, "more than 1024 MiB"),  # would hang or exhaust memory
        (V2 + bytes((20, 200, 1)), 15, "outside 1..32"),
        (b"BALLOTCHAIN-SECRET-v9\n", 15, "unknown version"),
    ],
    ids=["weak", "absurd-n", "absurd-r", "unknown-version"],
)
def test_weak_or_absurd_key_derivation_in_a_file_is_refused(
    ceremony: dict[str, Path], header: bytes, log2_n: int, words: str
) -> None:
    forged = ceremony["root"] / f"forged-{header.hex()}.json"
    forged.write_bytes(sealed_by_hand(ceremony["plain"].read_bytes(), header, log2_n))
    out = shares(ceremony, forged, f"s-{header.hex()[-6:]}", expect=2, env={PASSPHRASE_ENV: PASSPHRASE})
    assert words in out


def test_the_passphrase_is_not_inherited_by_child_processes(
    ceremony: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command reads BALLOTCHAIN_PASSPHRASE, then whatever process it starts (tally and
    verification workers, a helper) runs without it."""
    seen: dict[str, Any] = {}
    real = guardian_cmds.send_shares

    def spawning_send_shares(*args: Any, **kwargs: Any) -> Any:
        seen["in process"] = os.environ.get(PASSPHRASE_ENV)
        child = [sys.executable, "-c", f"import os; print(repr(os.environ.get({PASSPHRASE_ENV!r})))"]
        seen["child"] = subprocess.run(child, capture_output=True, text=True, check=True).stdout.strip()
        seen["passphrase given"] = args[-1] if args else kwargs.get("passphrase")
        return real(*args, **kwargs)

    monkeypatch.setattr(guardian_cmds, "send_shares", spawning_send_shares)
    shares(ceremony, ceremony["plain"], "s-env", env={PASSPHRASE_ENV: PASSPHRASE})
    assert seen == {"in process": None, "child": "None", "passphrase given": PASSPHRASE}
    assert PASSPHRASE_ENV not in os.environ


def test_secret_state_and_public_record_json_nested_too_deeply_are_refused(ceremony: dict[str, Path]) -> None:
    """JSON from another guardian (or a tampered secret file) that nests deeper than the limit is refused
    before it is parsed: one line, exit 2."""
    deep = ceremony["root"] / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested deeper" in shares(ceremony, deep, "s-deep", expect=2)
    publics = ceremony["root"] / "deep-publics"
    publics.mkdir()
    (publics / "guardian-deep.json").write_text(
        json.dumps({"kind": [[[[[[[[[[{}]]]]]]]]]]}).replace("{}", "[" * 40 + "]" * 40)
    )
    out = run(
        "guardian", "shares", "--record", ceremony["record"], "--secret", ceremony["plain"], "--publics", publics,
        "--out", ceremony["root"] / "s-deep-2", expect=2,
    )  # fmt: skip
    assert "nested deeper" in out
