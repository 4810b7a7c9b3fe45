"""manifest.json of an ElectionGuard 1.0 record: what the verifier needs of it (contests, their
selections and votes allowed, ballot styles); the rest of the manifest is read but not interpreted."""

from __future__ import annotations

from dataclasses import dataclass

from engine.record.cursor import JsonCursor

CONTEST_KEYS = (
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
    "primary_party_ids",
)
SELECTION_KEYS = ("object_id", "sequence_order", "candidate_id")


@dataclass(frozen=True, slots=True)
class V1ManifestContest:
    """A contest: its id, order, votes allowed L and its selections' ids in sequence order."""

    object_id: str
    sequence_order: int
    votes_allowed: int
    selections: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class V1Manifest:
    contests: tuple[V1ManifestContest, ...]
    ballot_styles: tuple[str, ...]

    def contest(self, object_id: str) -> V1ManifestContest | None:
        for contest in self.contests:
            if contest.object_id == object_id:
                return contest
        return None


def decode_manifest(obj: object, file: str) -> V1Manifest:
    if not isinstance(obj, dict):
        JsonCursor(obj, (), file, None).fail("expected an object")
    o = JsonCursor(obj, (), file, None)
    contests = []
    for n in o.get("contests").items():
        c = n.obj(CONTEST_KEYS)
        selections = sorted(
            (s.obj(SELECTION_KEYS).get("sequence_order").integer(), s.get("object_id").text())
            for s in c.get("ballot_selections").items()
        )
        limit = c.opt("votes_allowed")
        contests.append(
            V1ManifestContest(
                object_id=c.get("object_id").text(),
                sequence_order=c.get("sequence_order").integer(),
                votes_allowed=limit.integer(1) if limit is not None else c.get("number_elected").integer(1),
                selections=tuple(object_id for _, object_id in selections),
            )
        )
    styles = tuple(s.get("object_id").text() for s in o.get("ballot_styles").items())
    return V1Manifest(tuple(sorted(contests, key=lambda x: x.sequence_order)), styles)
