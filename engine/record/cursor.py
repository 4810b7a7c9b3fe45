"""JsonCursor: a parsed JSON value at a field path of one record file, read with checked accessors.

Every accessor checks the value's JSON type and, for numbers and group elements, its range, and
raises RecordError naming the file and the field path (``contests[1].selections[0].proof``); a
value of the right form outside its range raises RangeViolation, which carries the value kind and
the path as data. Elements mod p are checked to be in 0..p-1 only: membership of the order-q
subgroup is the verifier's check (spec 2.0.0 section 6, verification 2.A ...).

On reading, hex digits of either case are accepted and elements mod p and mod q may have fewer
digits than egk writes; hash values must have exactly 64.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from gmpy2 import mpz

from engine.errors import GroupError
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import UInt256
from engine.ids import identifier_problem, shown_identifier
from engine.record.errors import RangeViolation, RecordError, ValueKind, field_path

SMALL_INT_MAX = (1 << 31) - 1  # integers hashed as 4 bytes (spec 5.1.3)
LONG_MIN, LONG_MAX = -(1 << 63), (1 << 63) - 1  # egk's Long (timestamps, serial numbers)

_HEX = re.compile(r"[0-9A-Fa-f]+")


class JsonCursor:
    """A JSON value at a field path of one file, with checked accessors.

    ``JsonCursor.root(document, file, notes, known)`` starts at a file's top-level object; ``get``,
    ``opt`` and ``items`` step into fields and array elements. When ``notes`` is a list, ``obj``
    appends to it the path of every key it does not know.
    """

    __slots__ = ("value", "steps", "file", "notes")

    def __init__(self, value: Any, steps: tuple[str | int, ...], file: str, notes: list[str] | None) -> None:
        self.value = value
        self.steps = steps
        self.file = file
        self.notes = notes

    @classmethod
    def root(cls, document: Any, file: str, notes: list[str] | None, known: tuple[str, ...]) -> JsonCursor:
        """The top-level object of ``file``, whose keys outside ``known`` are noted and skipped."""
        return cls(document, (), file, notes).obj(known)

    @property
    def path(self) -> str:
        """The field path as messages write it, e.g. ``contests[1].selections[0]``."""
        return field_path(self.steps)

    def fail(self, problem: str) -> NoReturn:
        raise RecordError(self.file, self.path, problem)

    def out_of_range(self, kind: ValueKind, problem: str) -> NoReturn:
        raise RangeViolation(self.file, self.steps, kind, problem)

    def _child(self, value: Any, step: str | int) -> JsonCursor:
        return JsonCursor(value, (*self.steps, step), self.file, self.notes)

    def obj(self, known: tuple[str, ...]) -> JsonCursor:
        """This value as an object; keys outside ``known`` are noted and skipped."""
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, found {kind_of(self.value)}")
        if self.notes is not None:
            for key in self.value:
                if key not in known:
                    self.notes.append(f"{self.file}: {self._child(None, key).path}: unknown field skipped")
        return self

    def get(self, key: str) -> JsonCursor:
        """A required field."""
        if key not in self.value:
            self._child(None, key).fail("missing field")
        return self._child(self.value[key], key)

    def opt(self, key: str) -> JsonCursor | None:
        """An optional field: absent or null gives None."""
        v = self.value.get(key)
        return None if v is None else self._child(v, key)

    def items(self, *, nonempty: bool = False) -> list[JsonCursor]:
        """This value as an array: a cursor on each element."""
        if not isinstance(self.value, list):
            self.fail(f"expected an array, found {kind_of(self.value)}")
        if nonempty and not self.value:
            self.fail("expected a non-empty array")
        return [self._child(v, i) for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            self.fail(f"expected a string, found {kind_of(self.value)}")
        return self.value

    def ident(self) -> str:
        """An id (ballot, device, guardian, contest, selection): the one rule of engine.ids."""
        value = self.text()
        problem = identifier_problem(value)
        if problem is not None:
            self.fail(f"{shown_identifier(value)}: {problem}")
        return value

    def idents(self) -> tuple[str, ...]:
        return tuple(n.ident() for n in self.items())

    def integer(self, lo: int = 0, hi: int = SMALL_INT_MAX) -> int:
        """A JSON integer in lo..hi (by default the 4-byte integers of spec 5.1.3)."""
        v = self.value
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(f"expected an integer, found {kind_of(v)}")
        if not lo <= v <= hi:
            self.out_of_range(ValueKind.INTEGER, f"{v} is not in {lo}..{hi}")
        return v

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, found {kind_of(self.value)}")
        return self.value

    def hex_digits(self, max_digits: int | None = None) -> str:
        """A string of hex digits, at most ``max_digits`` of them."""
        s = self.text()
        if not _HEX.fullmatch(s):
            self.fail("not a hex string")
        if max_digits is not None and len(s) > max_digits:
            self.fail(f"{len(s)} hex digits, more than {max_digits}")
        return s

    def element_p(self, group: Group) -> ElementModP:
        """An integer in 0..p-1 (membership of the order-q subgroup is the verifier's check)."""
        digits = self._group_digits(2 * group.p_bytes, ValueKind.ELEMENT_MOD_P)
        try:
            return group.element_p(int(digits, 16))
        except GroupError:
            self.out_of_range(ValueKind.ELEMENT_MOD_P, f"not an integer mod p (0..p-1) of group {group.name}")

    def element_q(self, group: Group) -> ElementModQ:
        """An integer in 0..q-1."""
        digits = self._group_digits(2 * group.q_bytes, ValueKind.INTEGER_MOD_Q)
        try:
            return group.element_q(int(digits, 16))
        except GroupError:
            self.out_of_range(ValueKind.INTEGER_MOD_Q, f"not an integer mod q (0..q-1) of group {group.name}")

    def _group_digits(self, max_digits: int, kind: ValueKind) -> str:
        """Hex digits of an element: more than the group's width is a value out of its range."""
        s = self.hex_digits()
        if len(s) > max_digits:
            self.out_of_range(kind, f"{len(s)} hex digits, more than {max_digits}")
        return s

    def uint256(self) -> UInt256:
        """A hash value: exactly 64 hex digits."""
        digits = self.hex_digits()
        if len(digits) != 64:
            self.fail(f"a hash value has 64 hex digits, not {len(digits)}")
        return UInt256(bytes.fromhex(digits))

    def hex_bytes(self) -> bytes:
        """A byte string as hex (empty allowed)."""
        s = self.text()
        if s and not _HEX.fullmatch(s):
            self.fail("not a hex string")
        if len(s) % 2:
            self.fail("odd number of hex digits")
        return bytes.fromhex(s)

    def byte_array(self) -> bytes:
        """A byte string as a JSON array of byte values."""
        return bytes(n.integer(0, 255) for n in self.items())

    def strings(self) -> tuple[str, ...]:
        return tuple(n.text() for n in self.items())

    def string_map(self) -> tuple[tuple[str, str], ...]:
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, found {kind_of(self.value)}")
        return tuple((k, self._child(v, k).text()) for k, v in self.value.items())


def plain_element_p(value: Any, group: Group) -> ElementModP | None:
    """``value`` as an element mod p when it plainly is one (hex digits, at most 2 l_p of them, below p), else
    None: the lean path of the codecs, which read the value through a cursor only when it is not plain, so that
    the cursor's accessor says what is wrong exactly as it always did. The element is made as Group.element_p
    makes it, from the digits at once (they are hex digits, so 0 <= x, and x < p is checked here)."""
    x = _plain_hex(value, 2 * group.p_bytes)
    return ElementModP(x, group) if x is not None and x < group.p else None


def plain_element_q(value: Any, group: Group) -> ElementModQ | None:
    """``value`` as an element mod q when it plainly is one (at most 2 l_q hex digits, below q), else None."""
    x = _plain_hex(value, 2 * group.q_bytes)
    return ElementModQ(x, group) if x is not None and x < group.q else None


def _plain_hex(value: Any, max_digits: int) -> mpz | None:
    """The integer of 1..max_digits hex digits (either case), else None. ASCII letters and digits only leave out
    the whitespace, sign and underscores that mpz(text, 16) would skip, and a second character x or X its
    "0x" prefix; any other letter than a-f and A-F is mpz's ValueError."""
    if type(value) is not str or not 0 < len(value) <= max_digits or not value.isascii() or not value.isalnum():
        return None
    if value[1:2] in ("x", "X"):
        return None
    try:
        return mpz(value, 16)
    except ValueError:
        return None


def plain_object(value: Any, keys: frozenset[str]) -> bool:
    """Is ``value`` an object with exactly ``keys`` (nothing to note, nothing missing)?"""
    return type(value) is dict and len(value) == len(keys) and keys.issuperset(value)


def kind_of(value: Any) -> str:
    """A JSON value's type, as messages name it ("an array", "null", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
