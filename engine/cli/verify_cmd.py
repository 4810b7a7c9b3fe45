"""`ballotchain verify RECORD_DIR [--json] [--verbose] [--jobs N] [--board-key HEX] [--registrar-key HEX] [--final]`:
exit 0 all checks pass, 1 a check failed (a pinned key the record does not fix is one), 2 the record
cannot be read or an option is malformed.

During the election (voting, or tallied but not yet decrypted) what is present is checked and what a
later step publishes is reported "not yet" (exit 0, with a status line saying the phase); once the
decryption is published the record must be complete. ``--final`` asks for the complete record whatever
its phase: a check still "not yet" is then a failure (exit 1), for scripts that check a published
result. By default a short summary is printed (the status line, the verdict, each failed or unchecked
check with all its findings, one line counting the others); --verbose prints the table of every check.
With --json, every outcome is one JSON object on
stdout, also when the record cannot be read (one line with ``ok`` false and ``error``, exit 2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.table import Table

from engine.board.note import VerifierKey
from engine.cli.cluster_opts import chosen_cluster, cluster_options
from engine.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, CommandFailed, console
from engine.cli.pins import parse_witness_pins, witness_key_pins
from engine.cli.progress import progress_bar
from engine.credentials.keys import PublicKeyError, parse_public_key
from engine.dask_cluster import ClusterError
from engine.errors import BallotchainError
from engine.record.files import is_url
from engine.record.version import V1, record_version
from engine.verify import Report, Status, verify_record
from engine.verify.v1 import verify_v1_record


def parse_pinned_key(text: str | None, option: str) -> bytes | None:
    """A pinned Ed25519 public key (credentials.keys.parse_public_key), None if the option is not given."""
    if text is None:
        return None
    try:
        return parse_public_key(text, option)
    except PublicKeyError as exc:
        raise CommandFailed(str(exc)) from None


def run_verifier(
    record_dir: str | Path,
    jobs: int,
    allow_test_group: bool,
    board_key: bytes | None = None,
    registrar_key: bytes | None = None,
    strict: bool = False,
    witness_keys: tuple[VerifierKey, ...] | None = None,
    cluster: Any = None,
) -> Report:
    with progress_bar("verifying ballots", None) as advance:
        last = [0]

        def progress(_stage: str, done: int, _total: int) -> None:
            advance(done - last[0])
            last[0] = done

        return verify_record(
            record_dir,
            jobs=jobs,
            progress=progress,
            accept_test_group=allow_test_group,
            board_key=board_key,
            registrar_key=registrar_key,
            witness_keys=witness_keys,
            strict=strict,
            cluster=cluster,
        )


def render_report(report: Report, *, show_passed: bool = True) -> None:
    """The checks as a table (with show_passed False: only failed and unchecked ones), then findings."""
    table = Table(title=f"Verification of {report.record}", title_justify="left")
    for column in ("check", "status", "items", "passed", "failed", "seconds"):
        table.add_column(column, justify="right" if column in ("items", "passed", "failed", "seconds") else "left")
    colours = {
        Status.PASSED: "green",
        Status.FAILED: "bold red",
        Status.NOT_APPLICABLE: "dim",
        Status.NOT_CHECKED: "yellow",
        Status.NOT_YET: "cyan",
    }
    for c in report.checks:
        if not show_passed and c.status in (Status.PASSED, Status.NOT_APPLICABLE, Status.NOT_YET):
            continue
        table.add_row(
            f"{c.check_id} {c.description}",
            f"[{colours[c.status]}]{c.status.value}[/]",
            str(c.items),
            str(c.passed),
            str(c.failed),
            f"{c.seconds:.2f}",
        )
    if table.row_count:
        console.print(table)
    for finding in report.findings:
        console.print(f"[red]{finding}[/]")
    if report.findings_omitted:
        console.print(f"... and {report.findings_omitted} more findings")
    for key in report.keys:
        console.print(f"checked against the {key}")
    if modes := proof_modes_line(report):
        console.print(modes)
    console.print(verdict_line(report))
    console.print(f"[bold]{report.status_line}[/]")


def verdict_line(report: Report) -> str:
    """The verdict with the count of checks by status, the items checked and the time taken."""
    if not report.ok:
        verdict = "[bold red]the record does NOT verify[/]"
    elif report.not_yet_ids:
        verdict = "[bold green]every check made passed[/]"
    else:
        verdict = "[bold green]all checks passed[/]"
    by_status = {s: sum(1 for c in report.checks if c.status is s) for s in Status}
    counts = ", ".join(f"{n} {s.value}" for s, n in by_status.items() if n)
    items = sum(c.items for c in report.checks)
    return (
        f"{verdict}: {len(report.checks)} checks ({counts}), {items:,} items, "
        f"{report.seconds:.1f} s on {report.jobs} job(s)"
    )


def render_summary(report: Report) -> None:
    """The short answer: the status line, the verdict, every failed or unchecked check with all its
    findings, and one line counting the others (``--verbose`` prints the full table instead)."""
    console.print(f"[bold]{report.status_line}[/]")
    console.print(verdict_line(report))
    shown: set[str] = set()
    for c in report.checks:
        if c.status not in (Status.FAILED, Status.NOT_CHECKED):
            continue
        shown.add(c.check_id)
        colour = "bold red" if c.status is Status.FAILED else "yellow"
        counts = f": {c.failed} of {c.items} item(s) failed" if c.status is Status.FAILED else ""
        console.print(f"[{colour}]{c.status.value}[/] {c.check_id} {c.description}{counts}")
        for finding in report.findings_for(c.check_id):
            console.print(f"  [red]{finding}[/]")
    for finding in report.findings:
        if finding.check_id not in shown:
            console.print(f"[red]{finding}[/]")
    if report.findings_omitted:
        console.print(f"... and {report.findings_omitted} more findings")
    console.print(count_of_the_others(report))
    if modes := proof_modes_line(report):
        console.print(modes)
    for key in report.keys:
        console.print(f"checked against the {key}")


def proof_modes_line(report: Report) -> str:
    """How the range proofs (5.D, 6.D; a 1.0 record's proofs V1.4.c-V1.9.b) were checked: in batches with
    their published commitments, or one by one ("strict"); empty when there were none."""
    parts = []
    present = {c.check_id for c in report.checks}
    for check_id in ("5.D", "6.D", "V1.4.c", "V1.5.c", "V1.8.b", "V1.9.b"):
        if check_id not in present:
            continue
        forms = dict(report.check(check_id).forms)
        modes = ", ".join(f"{forms[m]:,} {m}" for m in ("batch", "strict") if forms.get(m))
        if modes:
            parts.append(f"{check_id}: {modes}")
    return f"range proofs checked ({'; '.join(parts)})" if parts else ""


def count_of_the_others(report: Report) -> str:
    """One line: how many checks passed, how many do not apply, which wait for a later step."""
    passed = sum(1 for c in report.checks if c.status is Status.PASSED)
    not_applicable = sum(1 for c in report.checks if c.status is Status.NOT_APPLICABLE)
    parts = [f"{passed} check(s) passed"]
    if not_applicable:
        parts.append(f"{not_applicable} not applicable")
    if report.not_yet_ids:
        parts.append(f"{len(report.not_yet_ids)} not yet ({', '.join(report.not_yet_ids)})")
    return ", ".join(parts) + "; --verbose lists every check"


def unreadable(record_dir: str | Path, message: str, as_json: bool) -> NoReturn:
    """Exit 2: the record (or an option) cannot be used; with --json, one JSON object says so."""
    line = " ".join(message.split())
    if as_json:  # one line, and nothing on stderr: the output is exactly one JSON object
        click.echo(json.dumps({"ok": False, "record": str(record_dir), "error": line, "status": line}))
    else:
        click.echo(f"ballotchain: {line}", err=True)
    sys.exit(EXIT_BAD_INPUT)


@click.command("verify")
@click.argument("record_dir")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the summary.")
@click.option("--verbose", is_flag=True, help="Print the table of every check, not only the summary.")
@click.option("--jobs", type=click.IntRange(0, 256), default=1, show_default=True, help="Processes (0: all CPUs).")
@click.option("--allow-test-group", is_flag=True, help="Accept the engine's small test group (tests, demos).")
@click.option(
    "--board-key",
    "board_key_hex",
    metavar="HEX",
    help="Pin the board's public key (64 hex digits): the record must fix this key (exit 1 otherwise).",
)
@click.option(
    "--registrar-key",
    "registrar_key_hex",
    metavar="HEX",
    help="Pin the registrar's public key (64 hex digits): the record must fix this key (exit 1 otherwise).",
)
@witness_key_pins
@click.option("--final", is_flag=True, help="The record must be complete: a check still 'not yet' fails (exit 1).")
@click.option(
    "--strict",
    is_flag=True,
    help="Check every range proof on its own, even where the record publishes its commitments (batch mode).",
)
@cluster_options
def verify_command(
    record_dir: str,
    as_json: bool,
    verbose: bool,
    jobs: int,
    allow_test_group: bool,
    board_key_hex: str | None,
    registrar_key_hex: str | None,
    witness_key_pins: tuple[str, ...],
    final: bool,
    strict: bool,
    scheduler: str | None,
    cluster: str | None,
) -> None:
    """Check every proof and hash of an election record (spec 2.0.0 section 6), and of an online
    election's board log against the board's, the registrar's and the witnesses' keys (pin them with
    --board-key, --registrar-key and --witness-key). RECORD_DIR may be an fsspec URL (s3://..., file://...;
    the 'fsspec' extra): a 2.0 record is then read from there, by the Dask workers too."""
    record: str | Path = record_dir if is_url(record_dir) else Path(record_dir)
    try:
        board_key = parse_pinned_key(board_key_hex, "--board-key")
        registrar_key = parse_pinned_key(registrar_key_hex, "--registrar-key")
        witness_keys = parse_witness_pins(witness_key_pins)
    except CommandFailed as exc:
        unreadable(record, exc.format_message(), as_json)
    try:
        if not is_url(record) and record_version(record) == V1:
            if board_key or registrar_key or witness_keys:
                raise CommandFailed(
                    "an ElectionGuard 1.0 record has no board: --board-key, --registrar-key and --witness-key "
                    "apply to 2.0 records"
                )
            with chosen_cluster(scheduler, cluster, jobs) as client:
                report = verify_v1_record(
                    record, jobs=jobs, strict=strict, accept_test_group=allow_test_group, client=client
                )
        else:
            with chosen_cluster(scheduler, cluster, jobs) as client:
                report = run_verifier(
                    record, jobs, allow_test_group, board_key, registrar_key, strict, witness_keys, client
                )
    except CommandFailed as exc:
        unreadable(record, exc.format_message(), as_json)
    except ClusterError as exc:
        unreadable(record, str(exc), as_json)
    except (BallotchainError, OSError) as exc:
        unreadable(record, f"the record cannot be read: {exc}", as_json)
    if as_json:
        click.echo(json.dumps(report.to_json_dict(), indent=2))
    elif verbose:
        render_report(report)
    else:
        render_summary(report)
    if final and report.ok and report.not_yet_ids:
        click.echo(f"ballotchain: --final: not yet published: {', '.join(report.not_yet_ids)}", err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(EXIT_OK if report.ok else EXIT_FAILED)
