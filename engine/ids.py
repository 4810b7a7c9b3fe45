"""The one rule for identifiers that reach file names, URLs or logs.

Guardian, ballot, device, contest, selection and ballot-style ids come from outside (a manifest, a
voter, a guardian's public record) and end up in file names (``eballot-<id>.json``,
``share-<from>-<to>.json``), in the board's indexes and in messages. Every entry point checks them
against this rule, so that no id can climb out of a folder, hide a file, overflow a file name or
break a terminal line:

- 1 to ``MAX_ID_BYTES`` bytes;
- ASCII letters, digits, ``-``, ``_`` and ``.``;
- the first character a letter or a digit (no hidden files, no ``..``, nothing that reads as an option).

egk's records use ids of this form (``id-1``, ``contest17``, ``guardian1``); display names
(candidate names, contest names) are not ids and may be any text.
"""

from __future__ import annotations

import re

from engine.errors import BallotchainError

MAX_ID_BYTES = 64
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class IdentifierError(BallotchainError, ValueError):
    """An identifier outside the rule above; the message names what it is and why it is refused."""


def identifier_problem(value: object) -> str | None:
    """Why ``value`` is not a valid identifier, or None if it is one."""
    if not isinstance(value, str):
        return f"an id is a string, not {type(value).__name__}"
    if not value:
        return "an id cannot be empty"
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_ID_BYTES:
        return f"an id is at most {MAX_ID_BYTES} bytes, not {size}"
    if _ID.fullmatch(value) is None:
        return "an id holds only ASCII letters, digits, '-', '_' and '.', and starts with a letter or digit"
    return None


def shown_identifier(value: object) -> str:
    """``value`` as it may be printed in a one-line message: quoted, escaped, cut to 48 characters."""
    return repr(value)[:48] if isinstance(value, str) else type(value).__name__


def check_identifier(value: object, what: str) -> str:
    """``value`` if it is a valid identifier; IdentifierError naming ``what`` (e.g. "ballot id") otherwise."""
    problem = identifier_problem(value)
    if problem is not None:
        raise IdentifierError(f"{what} {shown_identifier(value)}: {problem}")
    return value  # type: ignore[return-value]
