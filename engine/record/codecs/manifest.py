"""manifest.json: the manifest of spec 2.0.0 section 3.1.3 in egk's shape, round-tripped.

Fields the engine does not interpret are kept verbatim in Manifest.extra (as FrozenObject and
tuples, read-only and picklable) and written back in place, so that a manifest egk wrote is written
again byte for byte and H_M (eq. 6) does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.manifest import (
    BallotStyle,
    ContestDescription,
    Manifest,
    ManifestError,
    SelectionDescription,
    validate_manifest,
)
from engine.record.cursor import JsonCursor, kind_of
from engine.record.errors import RecordError
from engine.record.layout import MANIFEST

MANIFEST_KEYS = (
    "election_scope_id",
    "spec_version",
    "type",
    "start_date",
    "end_date",
    "geopolitical_units",
    "parties",
    "candidates",
    "contests",
    "ballot_styles",
    "name",
    "contact_information",
)

MANIFEST_CONTEST_KEYS = (
    "object_id",
    "sequence_order",
    "electoral_district_id",
    "vote_variation",
    "number_elected",
    "votes_allowed",
    "name",
    "ballot_selections",
    "ballot_title",
    "ballot_subtitle",
    "option_limit",  # ours, written only when R != 1; egk has no option limit (docs/PROTOCOL.md deviation 6)
)
MANIFEST_SELECTION_KEYS = ("object_id", "sequence_order", "candidate_id")
MANIFEST_STYLE_KEYS = ("object_id", "geopolitical_unit_ids", "party_ids", "image_url")
_MANIFEST_INTERPRETED = frozenset(
    (
        "election_scope_id",
        "spec_version",
        "type",
        "start_date",
        "end_date",
        "contests",
        "ballot_styles",
        "preencrypted_ballots",  # ours, written only when true; egk's manifests have no such field
    )
)


def decode_manifest(obj: Any, file: str = MANIFEST) -> Manifest:
    """The manifest of spec 3.1.3 in egk's shape, validated by engine.manifest.validate_manifest.

    Manifest.extra keeps, verbatim and read-only, every top-level field the engine does not
    interpret (geopolitical_units, parties, candidates, name, contact_information, unknown keys)
    under its own name, and unknown keys of contests, selections and ballot styles under a JSON
    pointer with object ids for indices, e.g. ``/contests/contest1/ballot_selections/s1/color``.
    """
    o = JsonCursor(obj, (), file, None)
    if not isinstance(obj, dict):
        o.fail(f"expected an object, found {kind_of(obj)}")
    extra: list[tuple[str, object]] = []
    for key, value in obj.items():
        if key not in _MANIFEST_INTERPRETED:
            extra.append((_escape_top_level(key), _freeze(value)))
    units = tuple(n.obj(()).get("object_id").ident() for n in o.get("geopolitical_units").items())
    candidate_ids: tuple[str, ...] = ()
    preencrypted = o.opt("preencrypted_ballots")
    if "candidates" in obj:
        candidate_ids = tuple(n.obj(()).get("object_id").text() for n in o.get("candidates").items())
    manifest = Manifest(
        election_scope_id=o.get("election_scope_id").text(),
        spec_version=o.get("spec_version").text(),
        type=o.get("type").text(),
        start_date=o.get("start_date").text(),
        end_date=o.get("end_date").text(),
        geopolitical_unit_ids=units,
        contests=tuple(_manifest_contest(n, extra) for n in o.get("contests").items()),
        ballot_styles=tuple(_ballot_style(n, extra) for n in o.get("ballot_styles").items()),
        candidate_ids=candidate_ids,
        extra=tuple(extra),
        preencrypted_ballots=preencrypted is not None and preencrypted.boolean(),
    )
    try:
        return validate_manifest(manifest)
    except ManifestError as exc:
        raise RecordError(file, "", str(exc)) from None


def _manifest_contest(n: JsonCursor, extra: list[tuple[str, object]]) -> ContestDescription:
    n.obj(MANIFEST_CONTEST_KEYS)
    contest_id = n.get("object_id").ident()
    _keep_unknown(n, MANIFEST_CONTEST_KEYS, ("contests", contest_id), extra)
    selections = []
    for s in n.get("ballot_selections").items():
        s.obj(MANIFEST_SELECTION_KEYS)
        selection_id = s.get("object_id").ident()
        _keep_unknown(s, MANIFEST_SELECTION_KEYS, ("contests", contest_id, "ballot_selections", selection_id), extra)
        selections.append(
            SelectionDescription(selection_id, s.get("sequence_order").integer(), s.get("candidate_id").text())
        )
    title, subtitle, limit = n.opt("ballot_title"), n.opt("ballot_subtitle"), n.opt("option_limit")
    return ContestDescription(
        object_id=contest_id,
        sequence_order=n.get("sequence_order").integer(),
        electoral_district_id=n.get("electoral_district_id").ident(),
        vote_variation=n.get("vote_variation").text(),
        number_elected=n.get("number_elected").integer(),
        votes_allowed=n.get("votes_allowed").integer(),
        name=n.get("name").text(),
        ballot_selections=tuple(selections),
        ballot_title=None if title is None else title.text(),
        ballot_subtitle=None if subtitle is None else subtitle.text(),
        option_limit=1 if limit is None else limit.integer(1),
    )


def _ballot_style(n: JsonCursor, extra: list[tuple[str, object]]) -> BallotStyle:
    n.obj(MANIFEST_STYLE_KEYS)
    style_id = n.get("object_id").ident()
    _keep_unknown(n, MANIFEST_STYLE_KEYS, ("ballot_styles", style_id), extra)
    parties, image = n.opt("party_ids"), n.opt("image_url")
    return BallotStyle(
        object_id=style_id,
        geopolitical_unit_ids=n.get("geopolitical_unit_ids").idents(),
        party_ids=() if parties is None else parties.strings(),
        image_url=None if image is None else image.text(),
    )


def _keep_unknown(
    n: JsonCursor, known: tuple[str, ...], where: tuple[str, ...], extra: list[tuple[str, object]]
) -> None:
    for key, value in n.value.items():
        if key not in known:
            extra.append((_pointer((*where, key)), _freeze(value)))


def encode_manifest(manifest: Manifest) -> dict[str, Any]:
    """The manifest in egk's shape and key order; fields kept in Manifest.extra go back in place.

    A manifest built in code (no extra) gets egk's required lists with what the engine knows:
    geopolitical units and candidates by id, no parties, no names, no contact information.
    """
    top: dict[str, Any] = {}
    nested: dict[tuple[str, ...], list[tuple[str, Any]]] = {}
    for key, value in manifest.extra:
        segments = _unpointer(key) if key.startswith("/") else [key]
        if len(segments) == 1:
            top[segments[0]] = _thaw(value)
        else:
            nested.setdefault(tuple(segments[:-1]), []).append((segments[-1], _thaw(value)))

    out: dict[str, Any] = {
        "election_scope_id": manifest.election_scope_id,
        "spec_version": manifest.spec_version,
        "type": manifest.type,
        "start_date": manifest.start_date,
        "end_date": manifest.end_date,
        "geopolitical_units": _listed_objects(
            top.pop("geopolitical_units", None),
            manifest.geopolitical_unit_ids,
            lambda i: {"object_id": i, "name": i, "type": "unknown", "contact_information": None},
        ),
        "parties": top.pop("parties", []),
        "candidates": _listed_objects(
            top.pop("candidates", None),
            manifest.candidate_ids,
            lambda i: {
                "object_id": i,
                "name": None,
                "party_id": None,
                "image_url": None,
                "is_write_in": False,
            },
        ),
        "contests": [_encode_manifest_contest(c, nested) for c in manifest.contests],
        "ballot_styles": [_encode_ballot_style(s, nested) for s in manifest.ballot_styles],
        "name": top.pop("name", []),
        "contact_information": top.pop("contact_information", None),
    }
    if manifest.preencrypted_ballots:
        out["preencrypted_ballots"] = True
    out.update(top)
    return out


def _listed_objects(kept: Any, ids: tuple[str, ...], make: Any) -> list[Any]:
    if isinstance(kept, list) and [o.get("object_id") if isinstance(o, dict) else None for o in kept] == list(ids):
        return kept
    return [make(i) for i in ids]


def _encode_manifest_contest(
    c: ContestDescription, nested: dict[tuple[str, ...], list[tuple[str, Any]]]
) -> dict[str, Any]:
    selections = []
    for s in c.ballot_selections:
        sel: dict[str, Any] = {
            "object_id": s.object_id,
            "sequence_order": s.sequence_order,
            "candidate_id": s.candidate_id,
        }
        sel.update(nested.get(("contests", c.object_id, "ballot_selections", s.object_id), []))
        selections.append(sel)
    out: dict[str, Any] = {
        "object_id": c.object_id,
        "sequence_order": c.sequence_order,
        "electoral_district_id": c.electoral_district_id,
        "vote_variation": c.vote_variation,
        "number_elected": c.number_elected,
        "votes_allowed": c.votes_allowed,
        "name": c.name,
        "ballot_selections": selections,
        "ballot_title": c.ballot_title,
        "ballot_subtitle": c.ballot_subtitle,
    }
    if c.option_limit != 1:
        out["option_limit"] = c.option_limit
    out.update(nested.get(("contests", c.object_id), []))
    return out


def _encode_ballot_style(s: BallotStyle, nested: dict[tuple[str, ...], list[tuple[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "object_id": s.object_id,
        "geopolitical_unit_ids": list(s.geopolitical_unit_ids),
        "party_ids": list(s.party_ids),
        "image_url": s.image_url,
    }
    out.update(nested.get(("ballot_styles", s.object_id), []))
    return out


def _pointer(segments: tuple[str, ...]) -> str:
    """RFC 6901 JSON pointer."""
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in segments)


def _unpointer(pointer: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/")]


def _escape_top_level(key: str) -> str:
    """Top-level keys stay as they are, unless they could be mistaken for a pointer."""
    return _pointer((key,)) if key.startswith("/") else key


class FrozenObject(Mapping[str, Any]):
    """A JSON object kept read-only and picklable (a MappingProxyType cannot cross processes)."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: Any) -> None:
        self._pairs = dict(pairs)

    def __getitem__(self, key: str) -> Any:
        return self._pairs[key]

    def __iter__(self) -> Any:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __hash__(self) -> int:
        return hash(tuple(self._pairs.items()))

    def __repr__(self) -> str:
        return f"FrozenObject({self._pairs!r})"


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return FrozenObject((k, _freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_thaw(v) for v in value]
    return value
