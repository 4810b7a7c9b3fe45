"""The reader's typed errors: a value out of its range is a RangeViolation carrying its kind and path.

Callers branch on these (the verifier maps them to check ids, engine.verify.runner.range_check_of),
so what they carry is data: the value kind, the file and the field path as steps.
"""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from engine.group import PRODUCTION_GROUP
from engine.record import RangeViolation, RecordError, UnknownGroupError, ValueKind
from engine.record.codecs.constants import decode_constants
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot
from engine.record.cursor import JsonCursor
from engine.record.errors import field_path
from tests.support.egk_data import workflow

P, Q = int(PRODUCTION_GROUP.p), int(PRODUCTION_GROUP.q)
RESPONSE = ("contests", 0, "selections", 1, "proof", "proofs", 1, "response")
PAD = ("contests", 0, "selections", 1, "encrypted_vote", "pad")


@pytest.fixture(scope="module")
def ballot_doc() -> Any:
    path = next((workflow("chainedJson") / "encrypted_ballots").glob("*/eballot-*.json"))
    return json.loads(path.read_text())


def changed(doc: Any, steps: tuple[str | int, ...], value: Callable[[Any], Any]) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for step in steps[:-1]:
        node = node[step]
    node[steps[-1]] = value(node[steps[-1]])
    return out


@pytest.mark.parametrize(
    "steps, value, kind",
    [
        (RESPONSE, lambda _: format(Q, "064X"), ValueKind.INTEGER_MOD_Q),
        (RESPONSE, lambda h: "1" + h, ValueKind.INTEGER_MOD_Q),  # 65 digits: wider than any value mod q
        (PAD, lambda _: format(P, "01024X"), ValueKind.ELEMENT_MOD_P),
        (("contests", 0, "sequence_order"), lambda _: -1, ValueKind.INTEGER),
    ],
)
def test_a_value_out_of_range_is_a_range_violation_with_its_kind_and_path(
    ballot_doc: Any, steps: tuple[str | int, ...], value: Callable[[Any], Any], kind: ValueKind
) -> None:
    with pytest.raises(RangeViolation) as info:
        decode_encrypted_ballot(changed(ballot_doc, steps, value), PRODUCTION_GROUP, "b.json")
    error = info.value
    assert (error.file, error.steps, error.kind) == ("b.json", steps, kind)
    assert error.field == field_path(steps)
    assert error.shape == tuple(s for s in steps if isinstance(s, str))
    assert str(error).startswith(f"b.json: {error.field}: ")


def test_a_malformed_value_is_a_record_error_but_no_range_violation(ballot_doc: Any) -> None:
    with pytest.raises(RecordError) as info:
        decode_encrypted_ballot(changed(ballot_doc, RESPONSE, lambda _: "xyz"), PRODUCTION_GROUP, "b.json")
    assert not isinstance(info.value, RangeViolation)
    assert info.value.problem == "not a hex string"


def test_the_field_path_is_written_as_before() -> None:
    assert field_path(RESPONSE) == "contests[0].selections[1].proof.proofs[1].response"
    assert field_path(()) == ""
    assert field_path((0, "a")) == "[0].a"
    cursor = JsonCursor.root({"x": [{"y": 1}]}, "f.json", None, ("x",))
    assert cursor.get("x").items()[0].get("y").path == "x[0].y"


def test_typed_errors_survive_pickling() -> None:
    """Errors cross process boundaries (worker pools) with their data."""
    error = RangeViolation("b.json", RESPONSE, ValueKind.INTEGER_MOD_Q, "not an integer mod q")
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.file, again.steps, again.kind, str(again)) == (
        RangeViolation,
        error.file,
        error.steps,
        error.kind,
        str(error),
    )
    plain = pickle.loads(pickle.dumps(RecordError("f.json", "a.b", "missing field")))
    assert (plain.file, plain.field, plain.problem) == ("f.json", "a.b", "missing field")


def test_parameters_of_no_known_group_are_an_unknown_group_error() -> None:
    doc = json.loads((workflow("chainedJson") / "constants.json").read_text())
    with pytest.raises(UnknownGroupError, match="the parameters are not those of a known group"):
        decode_constants({**doc, "large_prime": doc["large_prime"][:-1] + "D"})
    with pytest.raises(UnknownGroupError) as info:
        decode_constants({**doc, "cofactor": "02"})
    assert info.value.field == "cofactor"
