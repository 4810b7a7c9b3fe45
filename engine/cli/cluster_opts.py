"""--scheduler and --cluster: where `verify` and `tally` run their per-ballot work (engine.dask_cluster).

Neither: local worker processes (--jobs), as before. ``--scheduler tcp://HOST:PORT``: an existing Dask
cluster, whose workers must see the record's path (or fsspec URL). ``--cluster local``: a Dask LocalCluster of --jobs
single-threaded worker processes on this machine, started and stopped by the command.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

import click

from engine.cli.common import CommandFailed
from engine.dask_cluster import LOCAL, open_cluster

F = TypeVar("F", bound=Callable[..., Any])


def cluster_options(command: F) -> F:
    """The two options, as parameters ``scheduler`` and ``cluster``."""
    command = click.option(
        "--cluster",
        type=click.Choice([LOCAL]),
        help="Run on a Dask LocalCluster of --jobs worker processes started here (needs the 'dask' extra).",
    )(command)
    return click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="Run on the Dask cluster of this scheduler (tcp://HOST:PORT); its workers must read the record there.",
    )(command)


def chosen_cluster(scheduler: str | None, cluster: str | None, jobs: int) -> AbstractContextManager[Any]:
    """The Dask client to run on (closed on exit), or None for local processes; CommandFailed (exit 2) for
    both options at once."""
    if scheduler is not None and cluster is not None:
        raise CommandFailed("--scheduler and --cluster: give one of them")
    if scheduler is not None:
        return open_cluster(scheduler=scheduler)
    if cluster is not None:
        return open_cluster(local_workers=jobs or os.cpu_count() or 1)
    return nullcontext(None)
