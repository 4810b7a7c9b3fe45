"""Fuzzing the bulletin board's decoders (issue 9): whatever comes in, only their own error comes out.

The board reads bytes and JSON from outside: log entries (engine.board.entries.decode_entry and the
canonical JSON parser under it), the registrar's roster (decode_roster), voters' receipts
(Receipt.from_json), signed tree heads (SignedTreeHead.from_json) and the election's pinned keys
(decode_election_keys). Hypothesis feeds each of them real encodings mutated (a value of another
type, integers of thousands of digits, lone surrogates, missing and extra keys, deep nesting, bytes
flipped, cut or inserted) and random bytes. Each decoder may raise its own BallotchainError subclass
and nothing else: no RecursionError, KeyError, TypeError, UnicodeError.

Every input tried is counted; each test asserts that it ran and prints its count (pytest -s shows
them, and they are recorded as the test's ``fuzz_inputs`` property).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.ballot import encrypt_ballot, prove_contest_data_knowledge
from engine.board.board import BoardError, Receipt
from engine.board.election_keys import ElectionKeys, ElectionKeysError, decode_election_keys, encode_election_keys
from engine.board.entries import (
    BallotSubmitted,
    BallotSuperseded,
    ElectionPublished,
    EntryError,
    VotingClosed,
    canonical_json,
    counted_ids_root,
    decode_entry,
    encode_entry,
    parse_canonical_json,
)
from engine.board.sth import BoardKey, SignedTreeHead, TreeHeadError
from engine.cli.bench_cmd import bench_election
from engine.cli.demo_cmd import random_ballots
from engine.credentials.did import VoterCredential, sign_submission
from engine.credentials.roster import RegistrarKey, RosterError, decode_roster, encode_roster, make_roster
from engine.errors import BallotchainError

EXAMPLES = 60  # per decoder: 7 decoders
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MANIFEST, ELECTION, _ = bench_election("test", 2, 2)
GROUP = ELECTION.joint_public_key.group


def _samples() -> dict[str, bytes]:
    """One real encoding of each kind the board reads."""
    voter, registrar, board = VoterCredential.generate(), RegistrarKey.generate(), BoardKey.generate()
    plaintext = random_ballots(MANIFEST, 1, random.Random(4))[0]
    encrypted = encrypt_ballot(MANIFEST, ELECTION, plaintext, device="online")
    ballot, proofs = encrypted.ballot, prove_contest_data_knowledge(encrypted)
    roster = make_roster(registrar, [voter.did, VoterCredential.generate().did], ELECTION.extended_base_hash)
    h_e = ELECTION.extended_base_hash
    sth = board.sign_tree_head(3, bytes(range(32)), 1_700_000_000_000)
    receipt = Receipt(ballot.ballot_id, ballot.confirmation_code, 1, (bytes(32), bytes(range(32))), sth, 5)
    entries = {
        "election_published": ElectionPublished(h_e, ELECTION.joint_public_key, h_e, roster.root, 1),
        "ballot_submitted": BallotSubmitted(
            ballot.ballot_id,
            voter.did,
            ballot.confirmation_code,
            sign_submission(voter, h_e, ballot, proofs),
            ballot,
            2,
            proofs,
        ),
        "ballot_superseded": BallotSuperseded(voter.did, "a", "b", 3),
        "voting_closed": VotingClosed(4, 1, counted_ids_root(["b"])),
    }
    samples = {name: encode_entry(entry) for name, entry in entries.items()}
    samples["roster"] = encode_roster(roster)
    samples["receipt"] = canonical_json(receipt.to_json())
    samples["sth"] = canonical_json(sth.to_json())
    samples["keys"] = encode_election_keys(ElectionKeys(h_e, board.public_key, registrar.public_key))
    return samples


SAMPLES = _samples()
ENTRY_KINDS = ("election_published", "ballot_submitted", "ballot_superseded", "voting_closed")
ENTRY_SAMPLES = [SAMPLES[kind] for kind in ENTRY_KINDS]


# ---------------------------------------------------------------- mutations

ODD_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from([-1, 0, 1, 2**63, 2**64, 10**400, -(10**400)]),
    st.integers(),
    st.text(max_size=12),
    st.sampled_from(["\ud800", "\udfff\ud800", "é" * 70, "F" * 64, "f" * 64, "G" * 64, "", " ", "0x1F", "CAST"]),
    st.sampled_from(["ballot_submitted", "election_published", "voting_closed", "ballot_superseded", "test"]),
    st.builds(list),
    st.builds(dict),
    st.recursive(st.integers() | st.text(max_size=3), lambda inner: st.lists(inner, max_size=3), max_leaves=6),
    st.recursive(
        st.integers() | st.text(max_size=3), lambda inner: st.dictionaries(st.text(max_size=3), inner), max_leaves=6
    ),
)


def _paths(document: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value (the root, then keys and indices), down to 8 levels."""
    out = [here]
    if len(here) >= 8:
        return out
    if isinstance(document, dict):
        for key, value in document.items():
            out.extend(_paths(value, (*here, key)))
    elif isinstance(document, list):
        for i, value in enumerate(document):
            out.extend(_paths(value, (*here, i)))
    return out


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _nested(depth: int, kind: str = "list") -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value}
    return value


@st.composite
def mutated_value(draw: st.DrawFn, data: bytes) -> Any:
    """The JSON value of ``data`` with one to three places replaced, deleted, added to or nested deep."""
    doc = json.loads(data)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        operation = draw(st.sampled_from(["replace", "replace", "replace", "delete", "extra", "wrap", "deep"]))
        if not path:
            doc = draw(ODD_VALUES) if operation != "deep" else _nested(draw(st.integers(30, 3000)))
            continue
        parent, last = _at(doc, path[:-1]), path[-1]
        if operation == "replace":
            parent[last] = draw(ODD_VALUES)
        elif operation == "delete":
            del parent[last]
        elif operation == "extra" and isinstance(parent[last], dict):
            parent[last][draw(st.text(max_size=8))] = draw(ODD_VALUES)
        elif operation == "wrap":
            parent[last] = [parent[last]]
        elif operation == "deep":
            parent[last] = _nested(draw(st.integers(20, 3000)), draw(st.sampled_from(["list", "dict"])))
    return doc


def _json_bytes(value: Any, ascii_only: bool) -> bytes:
    """Canonical-looking JSON (sorted, compact) of a value, so that mutations reach the field checks."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated_bytes(draw: st.DrawFn, samples: list[bytes]) -> bytes:
    """A real encoding changed through its JSON value or as bytes, random bytes, or deep nesting."""
    data = draw(st.sampled_from(samples))
    how = draw(st.sampled_from(["json", "json", "json", "json", "flip", "cut", "insert", "random", "deep"]))
    if how == "json":
        try:
            return _json_bytes(draw(mutated_value(data.rstrip(b"\n"))), draw(st.booleans()))
        except RecursionError:  # json.dumps of the deepest values: the bytes are made below instead
            how = "deep"
    if how == "random":
        return draw(st.binary(max_size=300))
    if how == "deep":
        depth = draw(st.integers(30, 200_000))
        opener, closer = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}"), (b'{"type":[', b"]}")]))
        return opener * depth + b"0" + closer * draw(st.sampled_from([depth, 0, depth // 2]))
    at = draw(st.integers(0, max(0, len(data) - 1)))
    if how == "cut":
        return data[:at]
    if how == "insert":
        return (
            data[:at]
            + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"{", b"[", b'"', b" "]))
            + data[at:]
        )
    return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]


@st.composite
def json_objects(draw: st.DrawFn, sample: bytes) -> Any:
    """What a JSON parser may hand to a from_json: the real object mutated, or any JSON value."""
    if draw(st.integers(0, 4)) == 0:
        return draw(ODD_VALUES)
    return draw(mutated_value(sample))


# ---------------------------------------------------------------- the decoders

BYTE_DECODERS: dict[str, tuple[list[bytes], Callable[[bytes], object], type[BallotchainError]]] = {
    "decode_entry": (ENTRY_SAMPLES, lambda data: decode_entry(data, GROUP), EntryError),
    "parse_canonical_json": (
        [sample.rstrip(b"\n") for sample in SAMPLES.values()],
        lambda data: parse_canonical_json(data, "fuzz"),
        EntryError,
    ),
    "decode_roster": ([SAMPLES["roster"]], decode_roster, RosterError),
    "decode_election_keys": (
        [SAMPLES["keys"]],
        lambda data: decode_election_keys(data, ELECTION.extended_base_hash),
        ElectionKeysError,
    ),
}
OBJECT_DECODERS: dict[str, tuple[bytes, Callable[[Any], object], type[BallotchainError]]] = {
    "Receipt.from_json": (SAMPLES["receipt"], Receipt.from_json, BoardError),
    "SignedTreeHead.from_json": (SAMPLES["sth"], SignedTreeHead.from_json, TreeHeadError),
}


def _report(name: str, tried: dict[str, int], record_property: Callable[[str, object], None]) -> None:
    assert tried["inputs"] >= EXAMPLES // 2, tried
    record_property("fuzz_inputs", tried["inputs"])
    print(f"\nfuzz {name}: {tried['inputs']} inputs, {tried['refused']} refused, no other exception")


@pytest.mark.parametrize("name", sorted(BYTE_DECODERS))
def test_byte_decoders_raise_only_their_own_error(name: str, record_property: Callable[[str, object], None]) -> None:
    samples, decode, error = BYTE_DECODERS[name]
    for sample in samples:
        decode(sample)  # the real encodings decode
    tried = {"inputs": 0, "refused": 0}

    @FUZZ
    @given(mutated_bytes(samples))
    def fuzz(data: bytes) -> None:
        tried["inputs"] += 1
        try:
            decode(data)
        except error:
            tried["refused"] += 1

    fuzz()
    _report(name, tried, record_property)


@pytest.mark.parametrize("name", sorted(OBJECT_DECODERS))
def test_object_decoders_raise_only_their_own_error(name: str, record_property: Callable[[str, object], None]) -> None:
    sample, decode, error = OBJECT_DECODERS[name]
    decode(json.loads(sample))
    tried = {"inputs": 0, "refused": 0}

    @FUZZ
    @given(json_objects(sample))
    def fuzz(value: Any) -> None:
        tried["inputs"] += 1
        try:
            decode(value)
        except error:
            tried["refused"] += 1

    fuzz()
    _report(name, tried, record_property)


@pytest.mark.parametrize("name", sorted(BYTE_DECODERS))
def test_deep_nesting_is_refused_before_parsing(name: str) -> None:
    _, decode, error = BYTE_DECODERS[name]
    for data in (b"[" * 100_000 + b"]" * 100_000, b'{"type":' * 50_000 + b"0" + b"}" * 50_000, b"[" * 33 + b"]" * 33):
        with pytest.raises(error, match="deep"):
            decode(data)


def test_what_the_fuzzer_found_is_refused() -> None:
    """Inputs that crashed the decoders before: a lone surrogate, an unhashable entry type, a deep value."""
    with pytest.raises(EntryError, match="surrogate"):
        parse_canonical_json(b'"\\ud800"', "fuzz")
    with pytest.raises(EntryError, match="unknown type"):
        decode_entry(b'{"type":[1]}', GROUP)
    sth = json.loads(SAMPLES["sth"])
    with pytest.raises(TreeHeadError, match="a list"):
        SignedTreeHead.from_json({**sth, "tree_size": _nested(5000)})
    receipt = json.loads(SAMPLES["receipt"])
    with pytest.raises(BoardError, match="confirmation_code"):
        Receipt.from_json({**receipt, "confirmation_code": _nested(5000)})
