"""What the manifest says a ballot must look like: styles, contests (index, L, R), selections, in order.

A small picklable digest of the manifest (spec 2.0.0 section 3.1.3) that worker processes receive
once; contest index ind_c is the contest's sequence_order (egk's records use it in eq. 57).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.manifest import Manifest, ManifestError


@dataclass(frozen=True, slots=True)
class LayoutContest:
    contest_id: str
    index: int  # ind_c, the manifest's sequence_order
    votes_allowed: int  # L
    option_limit: int  # R
    selection_ids: tuple[str, ...]
    selection_orders: tuple[int, ...]


@dataclass(frozen=True)
class ManifestLayout:
    contests: tuple[LayoutContest, ...]
    styles: dict[str, tuple[str, ...]]  # style id -> contest ids, in manifest order
    preencrypted_ballots: bool = False  # the manifest admits pre-encrypted ballots (spec 4)

    @classmethod
    def from_manifest(cls, manifest: Manifest) -> ManifestLayout:
        contests = tuple(
            LayoutContest(
                contest_id=c.object_id,
                index=c.sequence_order,
                votes_allowed=c.votes_allowed,
                option_limit=c.option_limit,
                selection_ids=tuple(s.object_id for s in c.ballot_selections),
                selection_orders=tuple(s.sequence_order for s in c.ballot_selections),
            )
            for c in manifest.contests
        )
        styles: dict[str, tuple[str, ...]] = {}
        for style in manifest.ballot_styles:
            try:
                styles[style.object_id] = tuple(c.object_id for c in manifest.contests_for_style(style.object_id))
            except ManifestError:
                styles[style.object_id] = ()
        return cls(contests, styles, manifest.preencrypted_ballots)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.contest_id: c for c in self.contests})

    def contest(self, contest_id: str) -> LayoutContest | None:
        by_id: dict[str, LayoutContest] = self._by_id  # type: ignore[attr-defined]
        return by_id.get(contest_id)
