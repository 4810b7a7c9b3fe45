"""A record file parsed incrementally, its one long array handed out element by element (issue 11, item 4).

encrypted_tally.json's cast_ballot_ids and a device's ballot_chain.json's ballot_ids grow with the ballots (tens
of millions in a national election); ``stream_json`` reads such a file in chunks with ijson (yajl's C parser)
and builds everything but that array, whose elements go to a callback as they are parsed, so that memory does
not grow with the ballots.

The strict reader (engine.record.jsonio.loads) stays the judge of what is JSON: a text it would refuse, or one
this parser cannot take simply (a repeated key, nesting deeper than MAX_JSON_DEPTH, a number yajl does not
hold, bytes that are not UTF-8, a read error), raises NotStreamable, and the caller reads the file whole with
``loads``, which names the problem in its own words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

import ijson

from engine.record.jsonio import MAX_JSON_DEPTH

__all__ = ["NotStreamable", "stream_json"]

READ_CHUNK = 1 << 16


class NotStreamable(Exception):
    """The file is to be read whole by the strict reader (which accepts it or says what is wrong)."""


class _Streamed(list[Any]):
    """The streamed array's place in the document: empty, its elements went to the callback."""


def stream_json(file: IO[bytes], key: str, element: Callable[[int, Any], None]) -> tuple[Any, int]:
    """The JSON value of ``file`` with the array under the top-level object's ``key`` left empty, and the number
    of that array's elements, each given to ``element(index, value)`` as it is parsed."""
    try:
        return _build(ijson.basic_parse(file, buf_size=READ_CHUNK, use_float=True), key, element)
    except (ijson.JSONError, ValueError, OSError) as exc:
        raise NotStreamable(str(exc)) from None


def _build(events: Any, key: str, element: Callable[[int, Any], None]) -> tuple[Any, int]:
    containers: list[Any] = []
    pending: list[str | None] = []
    seen_keys: list[set[str]] = []
    streamed: _Streamed | None = None
    count = 0
    root: list[Any] = []

    def place(value: Any) -> None:
        nonlocal count
        if not containers:
            root.append(value)
            return
        parent = containers[-1]
        if parent is streamed:
            element(count, value)
            count += 1
        elif isinstance(parent, dict):
            parent[pending[-1]] = value
        else:
            parent.append(value)

    for event, value in events:
        if event == "map_key":
            if value in seen_keys[-1]:
                raise NotStreamable(f"duplicate key {value!r}")
            seen_keys[-1].add(value)
            pending[-1] = value
        elif event in ("start_map", "start_array"):
            if len(containers) >= MAX_JSON_DEPTH:
                raise NotStreamable("nested too deeply")
            container: Any
            if event == "start_map":
                container = {}
            elif streamed is None and len(containers) == 1 and isinstance(containers[0], dict) and pending[0] == key:
                container = streamed = _Streamed()
            else:
                container = []
            containers.append(container)
            pending.append(None)
            seen_keys.append(set())
        elif event in ("end_map", "end_array"):
            done = containers.pop()
            pending.pop()
            seen_keys.pop()
            place(done)
        else:
            place(value)
    if len(root) != 1:
        raise NotStreamable("no JSON value")
    return root[0], count
