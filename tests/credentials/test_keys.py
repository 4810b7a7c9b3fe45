"""engine.credentials.keys: the Ed25519 helpers the board key and the credentials share."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.credentials.keys import (
    KeyFileError,
    PublicKeyError,
    ed25519_verify,
    load_key,
    parse_public_key,
    private_key_bytes,
    public_key_bytes,
    save_key,
)

KIND = "ballotchain-test-key-v1"


@pytest.mark.parametrize(
    "module",
    ["engine.credentials.keys", "engine.credentials", "engine.board.sth", "engine.board", "engine.board.board"],
)
def test_each_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    """board.sth imports credentials.keys, which imports board.entries: no import order may hit a cycle."""
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_key_file_round_trip(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "key.json"
    save_key(path, KIND, key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_key(path, KIND)
    assert private_key_bytes(loaded) == private_key_bytes(key)
    assert public_key_bytes(loaded) == public_key_bytes(key) == public_key_bytes(key.public_key())
    with pytest.raises(KeyFileError, match="not a 'other' key"):
        load_key(path, "other")
    with pytest.raises(KeyFileError):
        save_key(path, KIND, key)
    if os.name == "posix":
        os.chmod(path, 0o644)
        with pytest.raises(KeyFileError, match="readable by others"):
            load_key(path, KIND)


def test_a_key_file_whose_public_key_does_not_match_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    save_key(path, KIND, Ed25519PrivateKey.generate())
    other = public_key_bytes(Ed25519PrivateKey.generate()).hex()
    text = path.read_text()
    public = text.split('"public_key":"')[1][:64]
    path.write_text(text.replace(public, other))
    with pytest.raises(KeyFileError, match="does not match"):
        load_key(path, KIND)


def test_ed25519_verify_answers_false_for_malformed_input() -> None:
    key = Ed25519PrivateKey.generate()
    public, signature = public_key_bytes(key), key.sign(b"message")
    assert ed25519_verify(public, b"message", signature)
    assert not ed25519_verify(public, b"other", signature)
    assert not ed25519_verify(public[:31], b"message", signature)
    assert not ed25519_verify(public, b"message", signature[:63])
    assert not ed25519_verify("not bytes", b"message", signature)  # type: ignore[arg-type]


def test_a_public_key_is_parsed_from_exactly_64_hex_digits_of_either_case() -> None:
    public = public_key_bytes(Ed25519PrivateKey.generate())
    assert parse_public_key(public.hex(), "--board-key") == public
    assert parse_public_key(f" {public.hex().upper()}\n", "--board-key") == public


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("12", "not 2 characters"),
        ("ab" * 32 + "00", "not 66 characters"),
        ("", "not 0 characters"),
        ("zz" * 32, "'z' is not a hex digit"),
        ("ab " * 21 + "a", "' ' is not a hex digit"),  # bytes.fromhex would take the spaces
        ("0x" + "ab" * 31, "'x' is not a hex digit"),
    ],
)
def test_a_malformed_public_key_is_refused_saying_what_is_wrong(text: str, wrong: str) -> None:
    with pytest.raises(PublicKeyError) as refused:
        parse_public_key(text, "--board-key")
    assert str(refused.value).startswith("--board-key: an Ed25519 public key is 64 hex digits")
    assert wrong in str(refused.value)
