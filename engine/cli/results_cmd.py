"""`ballotchain results RECORD_DIR [--plot FILE]`: the decrypted tally as a table (and a chart)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from engine.cli.common import console, one_line_errors
from engine.election import DecryptedTallyOrBallot
from engine.manifest import Manifest
from engine.record import ElectionRecord


def results_rows(manifest: Manifest, tally: DecryptedTallyOrBallot) -> list[tuple[str, str, int, float]]:
    """(contest, selection, votes, share of the contest's votes) in tally order."""
    names = {c.object_id: c.name or c.object_id for c in manifest.contests}
    rows = []
    for contest in tally.contests:
        total = sum(s.tally for s in contest.selections)
        for s in contest.selections:
            rows.append(
                (
                    names.get(contest.contest_id, contest.contest_id),
                    s.selection_id,
                    s.tally,
                    s.tally / total if total else 0.0,
                )
            )
    return rows


def render_results(manifest: Manifest, tally: DecryptedTallyOrBallot) -> None:
    table = Table(title="Results", title_justify="left")
    table.add_column("contest")
    table.add_column("selection")
    table.add_column("votes", justify="right")
    table.add_column("share", justify="right")
    previous = None
    for contest, selection, votes, share in results_rows(manifest, tally):
        table.add_row(contest if contest != previous else "", selection, str(votes), f"{share:6.1%}")
        previous = contest
    console.print(table)


def plot_results(manifest: Manifest, tally: DecryptedTallyOrBallot, path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise click.ClickException("--plot needs matplotlib (pip install matplotlib)") from None
    contests = tally.contests
    fig, axes = plt.subplots(len(contests), 1, figsize=(7, 2.2 * len(contests)), squeeze=False)
    names = {c.object_id: c.name or c.object_id for c in manifest.contests}
    for ax, contest in zip(axes[:, 0], contests):
        labels = [s.selection_id for s in contest.selections]
        ax.barh(labels, [s.tally for s in contest.selections], color="#3b6ea8")
        ax.set_title(names.get(contest.contest_id, contest.contest_id), loc="left", fontsize=10)
        ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


@click.command("results")
@click.argument("record_dir", type=click.Path(path_type=Path))
@click.option("--plot", type=click.Path(path_type=Path), help="Also draw bars per contest into this PNG file.")
@one_line_errors
def results_command(record_dir: Path, plot: Path | None) -> None:
    """Print the decrypted results of an election record."""
    record = ElectionRecord(record_dir)
    manifest, tally = record.manifest, record.tally
    render_results(manifest, tally)
    if plot is not None:
        plot_results(manifest, tally, plot)
        console.print(f"chart written to {plot}")
