"""`ballotchain preencrypt`: pre-encrypted ballots (spec 2.0.0 section 4), made before the election and
recorded as the voter marked them."""

from __future__ import annotations

from pathlib import Path

import click

from engine.ballot import EncryptionContext
from engine.cli.ballot_cmds import refuse_after_tally, refuse_used_ballot_ids
from engine.cli.common import EXIT_FAILED, CommandFailed, one_line_errors
from engine.ids import check_identifier
from engine.preencrypt import make_preencrypted_ballots, record_marked_ballot
from engine.record import ElectionRecord, ElectionRecordWriter
from engine.record.codecs.printed_ballot import read_printed_ballot, write_printed_ballot
from engine.verify.ballots import BallotContext
from engine.verify.layout import ManifestLayout
from engine.verify.preencrypted import compare_printed_ballot

MAX_COUNT = 100_000


def _open(record_dir: Path) -> tuple[ElectionRecord, EncryptionContext]:
    record = ElectionRecord(record_dir)
    if not record.manifest.preencrypted_ballots:
        raise CommandFailed(
            f"{record_dir}: the election's manifest does not admit pre-encrypted ballots "
            '(set "preencrypted_ballots": true in the manifest before election init)'
        )
    if record.config.chain_confirmation_codes:
        raise CommandFailed(
            f"{record_dir}: the election chains confirmation codes; a pre-encrypted ballot's code is printed "
            "before voting and cannot be chained (run election init --no-chain)"
        )
    refuse_after_tally(record)
    init = record.initialized
    return record, EncryptionContext(init.extended_base_hash, init.joint_public_key)


def _style(record: ElectionRecord, style: str | None) -> str:
    styles = [s.object_id for s in record.manifest.ballot_styles]
    if style is None:
        if len(styles) != 1:
            raise CommandFailed(
                f"the manifest has {len(styles)} ballot styles: name one with --style ({', '.join(styles)})"
            )
        return styles[0]
    if style not in styles:
        raise CommandFailed(f"--style {style!r} is not a ballot style of the manifest ({', '.join(styles)})")
    return style


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve() == folder.resolve() or folder.resolve() in path.resolve().parents


def parse_marks(marks: tuple[str, ...]) -> dict[str, list[str]]:
    """CONTEST=CODE[,CODE...] per contest (CONTEST= for no mark); a contest not named is an undervote."""
    out: dict[str, list[str]] = {}
    for mark in marks:
        contest, sep, codes = mark.partition("=")
        if not sep or not contest:
            raise CommandFailed(f"--mark {mark!r}: expected CONTEST=CODE[,CODE...]")
        if contest in out:
            raise CommandFailed(f"--mark names contest {contest!r} twice")
        out[contest] = [c.strip().upper() for c in codes.split(",") if c.strip()]
    return out


@click.group("preencrypt")
def preencrypt_group() -> None:
    """Pre-encrypted ballots: print them before the election, record them as marked (spec 4)."""


@preencrypt_group.command("make")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--count", type=click.IntRange(1, MAX_COUNT), required=True, help="Number of ballots to make.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the secret ballot files.")
@click.option("--style", default=None, help="Ballot style (default: the manifest's only one).")
@click.option("--prefix", default="pre-", show_default=True, help="Ballot ids are PREFIX0001, PREFIX0002, ...")
@one_line_errors
def make_command(record_dir: Path, count: int, out: Path, style: str | None, prefix: str) -> None:
    """Make pre-encrypted ballots and print each id with its confirmation code.

    Each ballot's file in --out holds its short codes and its primary nonce, which opens the whole
    ballot: it is written 0600 and never inside the public record."""
    record, ctx = _open(record_dir)
    if _inside(out, record_dir):
        raise CommandFailed(f"--out {out} is inside the public record: the ballot files hold secret nonces")
    ballot_style = _style(record, style)
    ids = [check_identifier(f"{prefix}{n:04d}", "ballot id") for n in range(1, count + 1)]
    refuse_used_ballot_ids(record, ids)
    existing = [i for i in ids if (out / f"{i}.json").exists()]
    if existing:
        raise CommandFailed(f"{out}: {existing[0]}.json already exists; choose another --prefix or --out")
    ballots = make_preencrypted_ballots(ctx, record.manifest, ballot_style, ids, code_baux=record.config.baux0)
    for ballot in ballots:
        write_printed_ballot(out / f"{ballot.ballot_id}.json", ctx.extended_base_hash, ballot)
        click.echo(f"{ballot.ballot_id}\t{ballot.confirmation_code.hex()}")


@preencrypt_group.command("record")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--ballot", "ballot_file", type=click.Path(path_type=Path), required=True, help="The ballot's file.")
@click.option("--device", required=True, help="Name of the recording device.")
@click.option("--mark", "marks", multiple=True, help="CONTEST=CODE[,CODE...]: the short codes the voter marked.")
@click.option(
    "--challenge",
    is_flag=True,
    help="The voter challenges the ballot instead of casting it: record it SPOILED with its primary nonce.",
)
@one_line_errors
def record_command(record_dir: Path, ballot_file: Path, device: str, marks: tuple[str, ...], challenge: bool) -> None:
    """Record a marked pre-encrypted ballot as cast (spec 4.3) and print its id, state and confirmation code.

    With --challenge the ballot is recorded uncast (SPOILED) and its primary nonce is published in the
    record, so that anyone can open every encryption on it and compare with the paper (spec 4.5)."""
    check_identifier(device, "device")
    record, ctx = _open(record_dir)
    printed = read_printed_ballot(ballot_file)
    if printed.election != ctx.extended_base_hash:
        raise CommandFailed(f"{ballot_file}: the ballot was made for another election (H_E {printed.election.hex()})")
    refuse_used_ballot_ids(record, [printed.ballot_id])
    ballot = record_marked_ballot(
        ctx,
        record.manifest,
        printed.ballot_id,
        printed.ballot_style_id,
        printed.primary_nonce,
        parse_marks(marks),
        device=device,
        code_baux=printed.code_baux,
        challenged=challenge,
    )
    if ballot.confirmation_code != printed.confirmation_code:
        raise CommandFailed(f"{ballot_file}: the ballot does not regenerate its printed confirmation code")
    ElectionRecordWriter(record_dir).write_encrypted_ballot(ballot)
    click.echo(f"{ballot.ballot_id}\t{ballot.state.value}\t{ballot.confirmation_code.hex()}")


@preencrypt_group.command("check")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--ballot", "ballot_file", type=click.Path(path_type=Path), required=True, help="The ballot's file.")
@click.option("--mark", "marks", multiple=True, help="CONTEST=CODE[,CODE...]: the short codes the voter marked.")
@one_line_errors
def check_command(record_dir: Path, ballot_file: Path, marks: tuple[str, ...]) -> None:
    """Check a recorded pre-encrypted ballot against its paper (spec 4).

    Compared: the printed confirmation code and short codes and, for a cast ballot, the codes marked
    (--mark); a challenged ballot is opened with its published primary nonce and every option must have
    the code printed beside it. Only the ballot's public parts are used. Exit 0 when the record matches,
    1 when it does not (each difference printed), 2 for bad input."""
    record = ElectionRecord(record_dir)
    init = record.initialized
    printed = read_printed_ballot(ballot_file)
    if printed.election != init.extended_base_hash:
        raise CommandFailed(f"{ballot_file}: the ballot was made for another election (H_E {printed.election.hex()})")
    ballot = record.encrypted_ballot(printed.ballot_id)
    ctx = BallotContext(
        record.group, init.joint_public_key, init.extended_base_hash, ManifestLayout.from_manifest(record.manifest), ()
    )
    problems = compare_printed_ballot(
        ctx, ballot, printed.confirmation_code, printed.codes_by_contest(), parse_marks(marks) if marks else None
    )
    click.echo(f"{ballot.ballot_id}\t{ballot.state.value}\t{ballot.confirmation_code.hex()}")
    if problems:
        for problem in problems:
            click.echo(f"ballotchain: {problem}", err=True)
        raise CommandFailed(f"the record does not match the paper ballot ({len(problems)} difference(s))", EXIT_FAILED)
    opened = " (opened with its primary nonce: every option has its printed code)" if ballot.primary_nonce else ""
    click.echo(f"the record matches the paper ballot{opened}")
