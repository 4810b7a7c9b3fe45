"""The election manifest, spec 2.0.0 section 3.1.3, in egk's shape (manifest.json).

Contests carry a label, a sequence order, the selection limit L (egk: votes_allowed) and their
options; each option has its own label and order. The record layer parses the file; this module
holds the values and their validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import BallotchainError
from engine.ids import identifier_problem, shown_identifier


class ManifestError(BallotchainError, ValueError):
    """The manifest is not a valid election description."""


@dataclass(frozen=True)
class SelectionDescription:
    object_id: str
    sequence_order: int
    candidate_id: str


@dataclass(frozen=True)
class ContestDescription:
    object_id: str
    sequence_order: int
    electoral_district_id: str
    vote_variation: str
    number_elected: int
    votes_allowed: int  # the contest selection limit L
    name: str
    ballot_selections: tuple[SelectionDescription, ...]
    ballot_title: str | None = None
    ballot_subtitle: str | None = None
    option_limit: int = 1  # R: egk has no option limit (docs/PROTOCOL.md deviation 6)

    def selection(self, selection_id: str) -> SelectionDescription:
        for s in self.ballot_selections:
            if s.object_id == selection_id:
                return s
        raise ManifestError(f"contest {self.object_id!r} has no selection {selection_id!r}")


@dataclass(frozen=True)
class BallotStyle:
    object_id: str
    geopolitical_unit_ids: tuple[str, ...]
    party_ids: tuple[str, ...] = ()
    image_url: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The parsed manifest; ``extra`` keeps the fields the engine does not interpret, verbatim."""

    election_scope_id: str
    spec_version: str
    type: str
    start_date: str
    end_date: str
    geopolitical_unit_ids: tuple[str, ...]
    contests: tuple[ContestDescription, ...]
    ballot_styles: tuple[BallotStyle, ...]
    candidate_ids: tuple[str, ...] = ()
    extra: tuple[tuple[str, object], ...] = field(default=(), compare=False)
    preencrypted_ballots: bool = False  # ours: the election admits pre-encrypted ballots (spec 4); egk has none

    def contest(self, contest_id: str) -> ContestDescription:
        for c in self.contests:
            if c.object_id == contest_id:
                return c
        raise ManifestError(f"the manifest has no contest {contest_id!r}")

    def ballot_style(self, style_id: str) -> BallotStyle:
        for s in self.ballot_styles:
            if s.object_id == style_id:
                return s
        raise ManifestError(f"the manifest has no ballot style {style_id!r}")

    def contests_for_style(self, style_id: str) -> tuple[ContestDescription, ...]:
        """The contests on a ballot of this style: those of its geopolitical units."""
        units = set(self.ballot_style(style_id).geopolitical_unit_ids)
        return tuple(c for c in self.contests if c.electoral_district_id in units)


def validate_manifest(manifest: Manifest) -> Manifest:
    """Raise ManifestError on the first inconsistency; return the manifest unchanged otherwise."""
    _check_ids(manifest)
    _unique("contest", [c.object_id for c in manifest.contests])
    _unique("contest sequence order", [c.sequence_order for c in manifest.contests])
    _unique("ballot style", [s.object_id for s in manifest.ballot_styles])
    units = set(manifest.geopolitical_unit_ids)
    _unique("geopolitical unit", list(manifest.geopolitical_unit_ids))
    if not manifest.contests:
        raise ManifestError("the manifest has no contests")
    if not manifest.ballot_styles:
        raise ManifestError("the manifest has no ballot styles")
    for c in manifest.contests:
        where = f"contest {c.object_id!r}"
        if c.sequence_order < 0:
            raise ManifestError(f"{where}: negative sequence_order")
        if not c.ballot_selections:
            raise ManifestError(f"{where} has no selections")
        _unique(f"selection in {where}", [s.object_id for s in c.ballot_selections])
        _unique(f"selection sequence order in {where}", [s.sequence_order for s in c.ballot_selections])
        if not 1 <= c.votes_allowed <= len(c.ballot_selections):
            raise ManifestError(f"{where}: votes_allowed {c.votes_allowed} is not in 1..{len(c.ballot_selections)}")
        if c.option_limit < 1 or c.option_limit > c.votes_allowed:
            raise ManifestError(f"{where}: option limit {c.option_limit} is not in 1..{c.votes_allowed}")
        if units and c.electoral_district_id not in units:
            raise ManifestError(f"{where}: unknown electoral district {c.electoral_district_id!r}")
    for s in manifest.ballot_styles:
        for u in s.geopolitical_unit_ids:
            if units and u not in units:
                raise ManifestError(f"ballot style {s.object_id!r}: unknown geopolitical unit {u!r}")
    return manifest


def _check_ids(manifest: Manifest) -> None:
    """Contest, selection, ballot-style and geopolitical-unit ids name files and log entries: the
    one identifier rule of engine.ids (candidate and party ids, and every display name, are free text)."""
    for unit in manifest.geopolitical_unit_ids:
        _check_id(unit, "geopolitical unit id")
    for c in manifest.contests:
        _check_id(c.object_id, "contest id")
        _check_id(c.electoral_district_id, f"contest {c.object_id}: electoral district id")
        for s in c.ballot_selections:
            _check_id(s.object_id, f"contest {c.object_id}: selection id")
    for style in manifest.ballot_styles:
        _check_id(style.object_id, "ballot style id")
        for unit in style.geopolitical_unit_ids:
            _check_id(unit, f"ballot style {style.object_id}: geopolitical unit id")


def _check_id(value: str, what: str) -> None:
    problem = identifier_problem(value)
    if problem is not None:
        raise ManifestError(f"{what} {shown_identifier(value)}: {problem}")


def _unique(what: str, values: list[object]) -> None:
    seen: set[object] = set()
    for v in values:
        if v in seen:
            raise ManifestError(f"duplicate {what} {v!r}")
        seen.add(v)
