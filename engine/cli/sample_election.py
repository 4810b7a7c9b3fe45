"""The sample election that `ballotchain demo` runs and `ballotchain bench` measures: its manifest and
random voters' choices."""

from __future__ import annotations

import random
from importlib import resources

from engine.election import PlaintextBallot, PlaintextContest, PlaintextSelection
from engine.manifest import Manifest

DEMO_MANIFEST = "demo_manifest.json"


def demo_manifest_bytes() -> bytes:
    return resources.files("engine.cli").joinpath(f"data/{DEMO_MANIFEST}").read_bytes()


def random_ballots(manifest: Manifest, voters: int, rng: random.Random) -> list[PlaintextBallot]:
    """Voters' choices: per contest, a random number of marks up to L (sometimes none)."""
    style = manifest.ballot_styles[0].object_id
    popularity = {
        c.object_id: [rng.random() + 0.2 for _ in c.ballot_selections] for c in manifest.contests_for_style(style)
    }
    ballots = []
    for n in range(1, voters + 1):
        contests = []
        for c in manifest.contests_for_style(style):
            marks = c.votes_allowed if rng.random() > 0.05 else rng.randint(0, c.votes_allowed - 1)
            chosen: set[int] = set()
            while len(chosen) < marks:
                chosen.add(rng.choices(range(len(c.ballot_selections)), popularity[c.object_id])[0])
            selections = tuple(
                PlaintextSelection(s.object_id, s.sequence_order, int(i in chosen))
                for i, s in enumerate(c.ballot_selections)
            )
            contests.append(PlaintextContest(c.object_id, c.sequence_order, selections))
        ballots.append(PlaintextBallot(f"voter-{n:05d}", style, tuple(contests), sn=n))
    return ballots
