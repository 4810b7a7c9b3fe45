"""`ballotchain results RECORD_DIR [--plot FILE]`: the decrypted tally as a table (and a chart).

The results are shown only once they verify: tally.json against the encrypted tally (R.tally_copy,
9.A-9.B, 10.A-10.E, 11.A-11.B, R.contest_data) and the encrypted tally against the record's cast
ballots (8.A, 8.B, R.cast_set), the verifier's own checks (engine.verify.tally). A tally that does
not verify is refused (exit 1) with the failed checks named and no count printed.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from rich.table import Table

from engine.cli.common import CommandFailed, console, err_console, one_line_errors
from engine.election import DecryptedTallyOrBallot
from engine.manifest import Manifest
from engine.record import ElectionRecord
from engine.verify.results import (
    TallyCheck,
    check_tally,
    contest_names,
    results_rows,
    selection_names,
)

EXIT_FAILED = 1


def render_results(manifest: Manifest, tally: DecryptedTallyOrBallot, check: TallyCheck | None = None) -> None:
    table = Table(title="Results", title_justify="left")
    table.add_column("contest")
    table.add_column("candidate")
    table.add_column("votes", justify="right")
    table.add_column("share", justify="right")
    previous = None
    for contest, selection, votes, share in results_rows(manifest, tally):
        table.add_row(contest if contest != previous else "", selection, str(votes), f"{share:6.1%}")
        previous = contest
    console.print(table)
    if check is not None:
        console.print(f"{check.cast} ballots cast (counted), {check.challenged} challenged (not counted)")


PLOT_INSTALL = "pip install -e '.[plot]' in the repository (or pip install 'ballotchain[plot]')"


def vote_ticks(most: int, at_most: int = 8) -> list[int]:
    """Whole numbers from 0 up to ``most`` or just past it, in steps of 1, 2, 5, 10, 20, 50, ...:
    a count of votes has no halves, so neither has the chart's axis."""
    step = next(s for s in _tick_steps() if most // s + 1 <= at_most)
    top = -(-max(most, 1) // step) * step
    return list(range(0, top + 1, step))


def _tick_steps() -> Iterator[int]:
    for power in itertools.count():
        for mantissa in (1, 2, 5):
            yield mantissa * 10**power


def plot_results(manifest: Manifest, tally: DecryptedTallyOrBallot, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CommandFailed(f"--plot needs the plot extra: {PLOT_INSTALL}") from None
    from matplotlib.ticker import FixedLocator

    contests = tally.contests
    fig, axes = plt.subplots(len(contests), 1, figsize=(7, 2.2 * len(contests)), squeeze=False)
    names, selections = contest_names(manifest), selection_names(manifest)
    for ax, contest in zip(axes[:, 0], contests):
        labels = [selections.get((contest.contest_id, s.selection_id), s.selection_id) for s in contest.selections]
        counts = [s.tally for s in contest.selections]
        ax.barh(labels, counts, color="#3b6ea8")
        ax.xaxis.set_major_locator(FixedLocator(vote_ticks(max(counts, default=0))))
        ax.set_title(names.get(contest.contest_id, contest.contest_id), loc="left", fontsize=10)
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def refuse(check: TallyCheck) -> None:
    err_console.print(f"the tally does not verify (failed checks: {', '.join(check.failed_ids)}); no results are shown")
    for finding in check.findings[:10]:
        err_console.print(f"  {finding}")
    sys.exit(EXIT_FAILED)


@click.command("results")
@click.argument("record_dir", type=click.Path(path_type=Path))
@click.option("--plot", type=click.Path(path_type=Path), help="Also draw bars per contest into this PNG file.")
@one_line_errors
def results_command(record_dir: Path, plot: Path | None) -> None:
    """Print the decrypted results of an election record, once its tally verifies (exit 1 if not)."""
    record = ElectionRecord(record_dir)
    manifest, tally = record.manifest, record.tally
    check = check_tally(record, tally)
    if check.findings:
        refuse(check)
    render_results(manifest, tally, check)
    if plot is not None:
        plot_results(manifest, tally, plot)
        console.print(f"chart written to {plot}")
