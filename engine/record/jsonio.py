"""Strict JSON parsing and egk's JSON text layout, the record's only contact with the json module.

egk writes its records with kotlinx.serialization's pretty printer: four-space indentation, ``": "``
between key and value, an empty array or object as the bracket, a newline, the indentation of the
line it opens on and the closing bracket, no escaping of non-ASCII text and no final newline.
``dumps`` reproduces that byte for byte (checked against every file of the egk records).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

from engine.record.errors import RecordError

_INDENT = "    "
MAX_JSON_DEPTH = 32
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth_exceeds(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Do arrays and objects in this JSON text nest deeper than ``limit``? (checked before parsing, so
    that no parser or walker of outside data ever recurses without bound; egk's records nest at most 10 deep)

    Brackets inside strings do not count. Text without backslashes and with paired quotes has its strings
    between the quotes taken two by two (what the string pattern finds there, without the pattern's cost)."""
    raw = bytes(data)
    if b"\\" not in raw and raw.count(b'"') % 2 == 0:
        outside = b"".join(raw.split(b'"')[::2])
    else:
        outside = _STRING.sub(b'""', raw)
    brackets = outside.translate(None, _NOT_BRACKET)
    return len(brackets) > limit and max(accumulate(_STEP[b] for b in brackets)) > limit


def loads(data: bytes, file: str) -> Any:
    """Parse UTF-8 JSON text; NaN/Infinity and duplicate keys are errors, never silent choices."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(file, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if json_depth_exceeds(data):
        raise RecordError(file, "", f"not valid JSON: nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise RecordError(file, "", f"not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})") from None
    except _DuplicateKey as exc:
        raise RecordError(file, "", f"not valid JSON: duplicate key {exc.key!r}") from None
    except _BadConstant as exc:
        raise RecordError(file, "", f"not valid JSON: {exc.name} is not a JSON number") from None
    except RecursionError:
        raise RecordError(file, "", "not valid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. integers with more digits than Python's int parsing limit
        raise RecordError(file, "", f"not valid JSON: {exc}") from None


def dumps(value: Any) -> bytes:
    """The JSON text of ``value`` in egk's layout, UTF-8 encoded."""
    out: list[str] = []
    _emit(value, 0, out)
    return "".join(out).encode("utf-8")


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _BadConstant(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _reject_constant(name: str) -> Any:
    raise _BadConstant(name)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen.add(key)
    raise AssertionError("unreachable: fewer keys than pairs means a key is repeated")


def _emit(value: Any, level: int, out: list[str]) -> None:
    if isinstance(value, Mapping):
        _emit_container("{", "}", list(value.items()), level, out, keyed=True)
    elif isinstance(value, (list, tuple)):
        _emit_container("[", "]", [(None, v) for v in value], level, out, keyed=False)
    else:
        out.append(_scalar(value))


def _emit_container(
    opening: str, closing: str, items: list[tuple[Any, Any]], level: int, out: list[str], *, keyed: bool
) -> None:
    out.append(opening)
    inner = _INDENT * (level + 1)
    for i, (key, item) in enumerate(items):
        out.append("\n" if i == 0 else ",\n")
        out.append(inner)
        if keyed:
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys are strings, not {type(key).__name__}")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(": ")
        _emit(item, level + 1, out)
    out.append("\n" + _INDENT * level + closing)


def _scalar(value: Any) -> str:
    if value is None or isinstance(value, (bool, str, int)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinities have no JSON form")
        return json.dumps(value)
    raise TypeError(f"a value of type {type(value).__name__} has no JSON form")
