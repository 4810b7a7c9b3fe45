"""Fuzzing the record decoders (issue 9): real files, mutated, must be refused with a reason.

A small chained election is made once with `ballotchain demo` on the test group. Hypothesis then
mutates its files — a value of another type, integers out of range or with thousands of digits,
hex of the wrong length, elements outside the group, ids no file may carry, missing and extra
keys, deep nesting, bad UTF-8, cut-off text — and hands them to the decoders (engine.record.codecs,
the exchange readers, ElectionRecord) and to `ballotchain verify`. A decoder may only raise a
BallotchainError (RecordError names the file and field); the verifier may only exit 0, 1 or 2,
with exit 2 a single line on stderr; nothing may raise anything else or print a traceback.

Every input tried is counted; each test asserts that it ran and prints its count (pytest -s shows
them, and they are recorded as the test's ``fuzz_inputs`` property).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.cli.main import cli
from engine.errors import BallotchainError
from engine.group import Group
from engine.hash import UInt256
from engine.record import ElectionRecord
from engine.record.codecs.ballot_chain import decode_ballot_chain
from engine.record.codecs.constants import decode_constants
from engine.record.codecs.decrypted import decode_decrypted
from engine.record.codecs.election_config import decode_config
from engine.record.codecs.election_initialized import decode_initialized
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot
from engine.record.codecs.encrypted_tally import decode_encrypted_tally
from engine.record.codecs.manifest import decode_manifest
from engine.record.exchange import (
    CHALLENGES_KIND,
    PARTIAL_KIND,
    RESPONSES_KIND,
    read_decryption_message,
    read_guardian_public,
    read_guardian_state,
    read_plaintext_ballot_inputs,
    read_share,
)
from engine.record.jsonio import loads

DECODER_EXAMPLES = 25  # per kind of file: 15 kinds
VERIFY_EXAMPLES = 30
FUZZ = settings(
    max_examples=DECODER_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished chained election with challenged ballots: record/, private/, exchange/."""
    out = tmp_path_factory.mktemp("fuzz") / "demo"
    result = CliRunner().invoke(
        cli,
        ["demo", "--out", str(out), "--voters", "8", "--guardians", "3", "--quorum", "2", "--absent", "1",
         "--challenge-rate", "0.3", "--seed", "5", "--group", "test", "--jobs", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert list((out / "record" / "challenged_ballots").glob("dballot-*.json")), "the demo challenged no ballot"
    return out


# ---------------------------------------------------------------- mutations


def odd_values(group: Group) -> st.SearchStrategy[Any]:
    """Values a decoder must refuse or take in stride, for the record's group."""
    p, q = int(group.p), int(group.q)
    width = 2 * group.p_bytes
    hex_of = st.integers(0, 2 * width + 2).map(lambda n: "F" * n)
    special = st.sampled_from(
        [
            format(p, f"0{width}X"),  # p itself: not mod p
            format(p + 1, "X"),
            "F" * (width + 2),  # more digits than an element mod p has
            format(q, f"0{2 * group.q_bytes}X"),  # q: not mod q
            "0" * 63,  # a hash of 63 digits
            "0" * 66,
            "G" * 64,  # not hex
            "0x1F",
            "",
            " 1F",
            "é" * 200,  # 400 bytes: no id may have it
            "a" * 65,
            "../../constants",
            ".hidden",
            "CAST ",
            "SPOILED",
            "\u202e",
            "\ud800",  # a lone surrogate
        ]
    )
    numbers = st.sampled_from([-1, 0, 1, 2**31 - 1, 2**31, -(2**63) - 1, 2**63, 2**64, 10**400, HUGE])
    return st.one_of(
        st.none(),
        st.booleans(),
        numbers,
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
        hex_of,
        special,
        st.just([]),
        st.just({}),
        st.recursive(st.integers() | st.text(max_size=3), lambda inner: st.lists(inner, max_size=3), max_leaves=6),
    )


HUGE = "<a number of 5000 digits>"  # more than Python parses by default; put in as text after json.dumps


def paths_of(document: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document: () the root, then keys and indices."""
    out = [here]
    if isinstance(document, dict):
        for key, value in document.items():
            out.extend(paths_of(value, (*here, key)))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            out.extend(paths_of(value, (*here, i)))
    return out


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


@st.composite
def mutated_json(draw: st.DrawFn, document: Any, group: Group) -> Any:
    """A copy of ``document`` with one to three places changed."""
    doc = json.loads(json.dumps(document))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths_of(doc)))
        if not path:
            doc = draw(odd_values(group) | st.just(_nested(40)))
            continue
        parent, last = _at(doc, path[:-1]), path[-1]
        operation = draw(st.sampled_from(["replace", "replace", "replace", "delete", "extra", "wrap", "deep", "empty"]))
        if operation == "replace":
            parent[last] = draw(odd_values(group))
        elif operation == "delete":
            del parent[last]
        elif operation == "extra" and isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=8))] = draw(odd_values(group))
        elif operation == "wrap":
            parent[last] = [parent[last]]
        elif operation == "deep":
            parent[last] = _nested(draw(st.integers(28, 40)))
        elif isinstance(parent[last], (list, dict)):
            parent[last] = type(parent[last])()
    return doc


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes, group: Group) -> bytes:
    """The file's bytes changed: through its JSON value, or as bytes (bad UTF-8, cut, duplicate key)."""
    how = draw(st.sampled_from(["json", "json", "json", "json", "utf8", "cut", "duplicate", "flip"]))
    if how == "json":
        ascii_only = draw(st.booleans())
        text = json.dumps(draw(mutated_json(loads(data, "original"), group)), ensure_ascii=ascii_only)
        return text.replace(json.dumps(HUGE), "7" * 5000).encode("utf-8", "surrogatepass")
    at = draw(st.integers(0, max(0, len(data) - 1)))
    if how == "utf8":
        return data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"])) + data[at:]
    if how == "cut":
        return data[:at]
    if how == "duplicate" and data.startswith(b"{"):
        key = draw(st.sampled_from(sorted(loads(data, "original")) or ["k"]))
        return b"{" + json.dumps(key).encode() + b": 1, " + data[1:]
    return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :] if data else data


# ---------------------------------------------------------------- the decoders


def _decoders(demo: Path) -> dict[str, tuple[Path, Callable[[Path], object]]]:
    """Each kind of file: one real file, and the reading that must refuse it cleanly once mutated."""
    record = ElectionRecord(demo / "record")
    group, config = record.group, record.config
    h_b, h_e = config.election_base_hash, record.initialized.extended_base_hash
    r, ex = demo / "record", demo / "exchange"
    eballot = next(record.encrypted_ballot_paths())
    dballot = record.challenged_ballot_paths()[0]
    partial = next((ex / "partials").glob("partial-*.json"))
    job = UInt256(bytes.fromhex(json.loads(partial.read_text())["job"]))

    def decode(decoder: Callable[[Any, str], object]) -> Callable[[Path], object]:
        return lambda path: decoder(loads(path.read_bytes(), path.name), path.name)

    def message(kind: str) -> Callable[[Path], object]:
        return lambda path: read_decryption_message(path, kind, group, expected_election=h_e, expected_job=job)

    return {
        "constants": (r / "constants.json", decode(decode_constants)),
        "manifest": (r / "manifest.json", decode(decode_manifest)),
        "config": (r / "election_config.json", decode(lambda o, f: decode_config(o, group, b"{}", f))),
        "initialized": (r / "election_initialized.json", decode(lambda o, f: decode_initialized(o, config, f))),
        "eballot": (eballot, decode(lambda o, f: decode_encrypted_ballot(o, group, f))),
        "chain": (eballot.parent / "ballot_chain.json", decode(decode_ballot_chain)),
        "encrypted_tally": (r / "encrypted_tally.json", decode(lambda o, f: decode_encrypted_tally(o, group, f))),
        "tally": (r / "tally.json", decode(lambda o, f: decode_decrypted(o, group, f))),
        "dballot": (dballot, decode(lambda o, f: decode_decrypted(o, group, f))),
        "guardian_public": (
            next((ex / "publics").glob("*.json")),
            lambda path: read_guardian_public(path, group, h_b),
        ),
        "share": (next((ex / "shares").glob("*.json")), lambda path: read_share(path, group, h_b)),
        "guardian_state": (
            next((demo / "private").glob("*/guardian-secret.json")),
            lambda path: read_guardian_state(path, expected_election=h_b),
        ),
        "partial": (partial, message(PARTIAL_KIND)),
        "challenges": (next((ex / "challenges").glob("*.json")), message(CHALLENGES_KIND)),
        "responses": (next((ex / "responses").glob("*.json")), message(RESPONSES_KIND)),
        "plaintext_ballots": (demo / "private" / "voters" / "ballots.jsonl", read_plaintext_ballot_inputs),
    }


DECODER_KINDS = (
    "constants", "manifest", "config", "initialized", "eballot", "chain", "encrypted_tally", "tally", "dballot",
    "guardian_public", "share", "guardian_state", "partial", "challenges", "responses", "plaintext_ballots",
)  # fmt: skip


@pytest.mark.parametrize("kind", DECODER_KINDS)
def test_decoders_refuse_mutated_files_with_record_errors_only(
    demo: Path, tmp_path: Path, kind: str, record_property: Callable[[str, object], None]
) -> None:
    original, read = _decoders(demo)[kind]
    data, group = original.read_bytes(), ElectionRecord(demo / "record").group
    read(original)  # the real file reads
    target = tmp_path / original.name
    tried = {"inputs": 0, "refused": 0}

    @FUZZ
    @given(st.data())
    def fuzz(draw: st.DataObject) -> None:
        if kind == "plaintext_ballots":
            lines = data.splitlines()
            n = draw.draw(st.integers(0, len(lines) - 1))
            lines[n] = draw.draw(mutated_bytes(lines[n], group))
            mutated = b"\n".join(lines)
        else:
            mutated = draw.draw(mutated_bytes(data, group))
        target.write_bytes(mutated)
        tried["inputs"] += 1
        try:
            read(target)
        except BallotchainError as exc:
            assert "\n" not in str(exc).strip(), str(exc)
            tried["refused"] += 1

    fuzz()
    assert tried["inputs"] > 0
    record_property("fuzz_inputs", tried["inputs"])
    print(f"{kind}: {tried['inputs']} mutated inputs, {tried['refused']} refused")


# ---------------------------------------------------------------- the verifier, end to end


def _read_everything(record: ElectionRecord) -> None:
    _ = record.constants, record.manifest, record.config, record.initialized
    for ballot in record.encrypted_ballots():
        _ = ballot
    for chain in record.ballot_chains():
        _ = chain
    _ = record.encrypted_tally, record.tally
    for challenged in record.challenged_ballots():
        _ = challenged


def test_verify_on_a_mutated_record_exits_0_1_or_2_without_a_traceback(
    demo: Path, tmp_path: Path, record_property: Callable[[str, object], None]
) -> None:
    work = tmp_path / "record"
    shutil.copytree(demo / "record", work)
    files = sorted(p.relative_to(work).as_posix() for p in work.rglob("*.json"))
    group = ElectionRecord(work).group
    outcomes = {0: 0, 1: 0, 2: 0}

    @settings(FUZZ, max_examples=VERIFY_EXAMPLES)
    @given(st.data())
    def fuzz(draw: st.DataObject) -> None:
        name = draw.draw(st.sampled_from(files))
        path = work / name
        original = path.read_bytes()
        path.write_bytes(draw.draw(mutated_bytes(original, group)))
        try:
            with contextlib.suppress(BallotchainError):
                _read_everything(ElectionRecord(work))
            result = CliRunner().invoke(cli, ["verify", str(work), "--allow-test-group"], catch_exceptions=True)
        finally:
            path.write_bytes(original)
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
        assert result.exit_code in outcomes, result.output
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert result.stderr.strip() and "\n" not in result.stderr.strip(), result.stderr
        outcomes[result.exit_code] += 1

    fuzz()
    tried = sum(outcomes.values())
    assert tried > 0
    record_property("fuzz_inputs", tried)
    print(f"verify: {tried} mutated records, exits {outcomes}")
