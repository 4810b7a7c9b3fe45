"""The strict JSON reader's fast paths (engine.record.jsonio) answer as the plain ones did: the nesting check
before parsing and the duplicate-key check, on random texts of brackets, quotes, backslashes and keys."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.record.errors import RecordError
from engine.record.jsonio import MAX_JSON_DEPTH, json_depth_exceeds, loads

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def depth_exceeds_by_scanning(data: bytes, limit: int) -> bool:
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        depth += 1 if match.group() in (b"[", b"{") else -1
        if depth > limit:
            return True
    return False


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"a", b",", b"[[[[", b"]]"]), max_size=80))
def test_depth_check_is_the_scan(parts: list[bytes]) -> None:
    text = b"".join(parts)
    for limit in (0, 2, 5):
        assert json_depth_exceeds(text, limit) == depth_exceeds_by_scanning(text, limit)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
def test_depth_limit_with_brackets_in_strings(depth: int) -> None:
    text = b"[" * depth + b'"]]][[[{"' + b"]" * depth
    assert json_depth_exceeds(text) == (depth > MAX_JSON_DEPTH)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (b'{"a": 1, "a": 2}', "a"),
        (b'{"b": 1, "a": 2, "c": 3, "a": 4, "b": 5}', "a"),
        (b'[{"x": {"y": 1, "y": 1}}]', "y"),
    ],
)
def test_duplicate_key_named_first_repeated(text: bytes, key: str) -> None:
    with pytest.raises(RecordError, match=f"duplicate key {key!r}"):
        loads(text, "body")


def test_unique_keys_parse() -> None:
    assert loads(b'{"b": [1, {"a": null}], "a": "\\"[["}', "body") == {"b": [1, {"a": None}], "a": '"[['}
