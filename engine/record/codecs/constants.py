"""constants.json: the group of spec 2.0.0 section 3.1.1, in egk's form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.errors import GroupError
from engine.group import Group, group_for_parameters
from engine.record.cursor import JsonCursor
from engine.record.errors import UnknownGroupError
from engine.record.layout import CONSTANTS

CONSTANTS_KEYS = ("name", "large_prime", "small_prime", "cofactor", "generator")


@dataclass(frozen=True)
class ElectionConstants:
    """constants.json: the group of spec 3.1.1 and egk's free-text ``name`` for it."""

    group: Group
    name: str

    @classmethod
    def for_group(cls, group: Group) -> ElectionConstants:
        return cls(group, f"{group.name} group, {int(group.p).bit_length()} bits")


def decode_constant_values(obj: Any, file: str = CONSTANTS) -> dict[str, int]:
    """The four integers of constants.json as written, whatever group they describe."""
    o = JsonCursor.root(obj, file, None, CONSTANTS_KEYS)
    return {key: int(o.get(key).hex_digits(4096), 16) for key in CONSTANTS_KEYS[1:]}


def decode_constants(obj: Any, file: str = CONSTANTS, notes: list[str] | None = None) -> ElectionConstants:
    """The group of spec 3.1.1: (p, q, g) must be a known parameter set, r = (p-1)/q (verification 1).

    Parameters of no known group raise UnknownGroupError (a verifier still reports how they differ)."""
    o = JsonCursor.root(obj, file, notes, CONSTANTS_KEYS)
    name = o.get("name").text()
    values = decode_constant_values(obj, file)
    try:
        group = group_for_parameters(values["large_prime"], values["small_prime"], values["generator"])
    except GroupError as exc:
        raise UnknownGroupError(file, "", str(exc)) from None
    if values["cofactor"] != group.r:
        raise UnknownGroupError(file, "cofactor", "not (p - 1) / q")
    return ElectionConstants(group, name)


def encode_constants(constants: ElectionConstants) -> dict[str, Any]:
    g = constants.group
    width = 2 * g.p_bytes
    return {
        "name": constants.name,
        "large_prime": format(int(g.p), f"0{width}X"),
        "small_prime": format(int(g.q), f"0{2 * g.q_bytes}X"),
        "cofactor": format(int(g.r), f"0{width}X"),
        "generator": format(int(g.g), f"0{width}X"),
    }
