"""`ballotchain manifest new` and `ballotchain ballot template`: valid starting points for the two
files a person writes, the manifest (spec 2.0.0 section 3.1.3) and the plaintext ballot (egk's
pballot JSON). docs/FORMATS.md describes every field; the JSON Schemas ship beside this module
(engine/cli/data/manifest.schema.json, engine/cli/data/plaintext_ballot.schema.json).

Both commands check what they write with the same decoders `election init` and `encrypt` use, write
it all at once, and never replace an existing file.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import click

from engine.ballot import validate_plaintext_ballot
from engine.cli.common import CommandFailed, one_line_errors
from engine.election import PlaintextBallot, PlaintextContest, PlaintextSelection
from engine.ids import identifier_problem, shown_identifier
from engine.manifest import BallotStyle, ContestDescription, Manifest, SelectionDescription
from engine.record import atomic_write
from engine.record.codecs.manifest import FrozenObject, decode_manifest, encode_manifest
from engine.record.codecs.plaintext_ballot import decode_plaintext_ballot, encode_plaintext_ballot
from engine.record.jsonio import dumps, loads
from engine.record.reader import read_bytes

SCHEMA_FILES = {"manifest": "manifest.schema.json", "plaintext ballot": "plaintext_ballot.schema.json"}
DEFAULT_CONTESTS = ("question:1=yes,no",)


def schema_bytes(name: str) -> bytes:
    """The JSON Schema (draft 2020-12) shipped with the package: "manifest" or "plaintext ballot"."""
    return resources.files("engine.cli").joinpath("data").joinpath(SCHEMA_FILES[name]).read_bytes()


def fresh_ballot_id() -> str:
    """A random ballot id (64 bits), so that no two devices or voters pick the same one."""
    return "ballot-" + secrets.token_hex(8)


# ---------------------------------------------------------------- manifest new


@dataclass(frozen=True)
class ContestSpec:
    """One --contest ID[:L]=OPTION,OPTION,...: a contest id, its selection limit L, its options."""

    contest_id: str
    votes_allowed: int
    options: tuple[str, ...]


def parse_contest_spec(text: str) -> ContestSpec:
    """--contest ID[:L]=OPTION,OPTION,... (L defaults to 1); CommandFailed naming the option otherwise."""
    head, sep, tail = text.partition("=")
    contest_id, colon, limit = head.partition(":")
    options = tuple(o.strip() for o in tail.split(",") if o.strip())
    if not sep or not options:
        raise CommandFailed(f"--contest {text!r}: write ID[:L]=OPTION,OPTION,... (e.g. mayor:1=kim,lee,park)")
    if colon and not limit.isdigit():
        raise CommandFailed(f"--contest {text!r}: the selection limit L after ':' must be a whole number")
    for value, what in ((contest_id.strip(), "contest id"), *((o, "option id") for o in options)):
        problem = identifier_problem(value)
        if problem is not None:
            raise CommandFailed(f"--contest {text!r}: {what} {shown_identifier(value)}: {problem}")
    return ContestSpec(contest_id.strip(), int(limit) if colon else 1, options)


def starting_manifest(
    scope: str, district: str, style: str, contests: list[ContestSpec], *, preencrypted: bool = False
) -> Manifest:
    """A manifest with one district, one ballot style and the given contests; candidates named by their ids.
    ``preencrypted``: the election uses pre-encrypted ballots (spec 2.0.0 section 4; bound by H_M)."""
    descriptions = tuple(
        ContestDescription(
            object_id=c.contest_id,
            sequence_order=order,
            electoral_district_id=district,
            vote_variation="one_of_m" if c.votes_allowed == 1 else "n_of_m",
            number_elected=c.votes_allowed,
            votes_allowed=c.votes_allowed,
            name=c.contest_id,
            ballot_selections=tuple(SelectionDescription(o, n, o) for n, o in enumerate(c.options, start=1)),
            ballot_title=c.contest_id,
            ballot_subtitle=f"Vote for up to {c.votes_allowed}" if c.votes_allowed > 1 else "Vote for one",
        )
        for order, c in enumerate(contests, start=1)
    )
    candidates = tuple(dict.fromkeys(o for c in contests for o in c.options))
    unit = FrozenObject(
        [("object_id", district), ("name", district), ("type", "district"), ("contact_information", None)]
    )
    people = tuple(
        FrozenObject([("object_id", o), ("name", o), ("party_id", None), ("image_url", None), ("is_write_in", False)])
        for o in candidates
    )
    return Manifest(
        election_scope_id=scope,
        spec_version="v2.0.0",
        type="general",
        start_date="2026-01-01T07:00:00",
        end_date="2026-01-01T20:00:00",
        geopolitical_unit_ids=(district,),
        contests=descriptions,
        ballot_styles=(BallotStyle(style, (district,)),),
        candidate_ids=candidates,
        extra=(("geopolitical_units", (unit,)), ("candidates", people)),
        preencrypted_ballots=preencrypted,
    )


def write_new_file(out: Path, data: bytes, option: str, *, secret: bool = False) -> None:
    """Write ``data`` to ``out`` atomically; refuse (naming ``option``) a file that exists."""
    if out.exists() or out.is_symlink():
        raise CommandFailed(f"{out}: exists already; choose another {option} (nothing is replaced)")
    atomic_write(out, data, label=str(out), overwrite=False, secret=secret)


@click.group("manifest")
def manifest_group() -> None:
    """Write an election manifest to start from (docs/FORMATS.md)."""


@manifest_group.command("new")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The manifest file to write.")
@click.option(
    "--contest",
    "contests",
    multiple=True,
    metavar="ID[:L]=OPTION,...",
    help="A contest, its selection limit L (default 1) and its options; repeat for more. Default: question=yes,no.",
)
@click.option("--scope", default="my-election", show_default=True, help="election_scope_id: the election's name.")
@click.option("--district", default="district-1", show_default=True, help="The one geopolitical unit's id.")
@click.option("--style", default="ballot-style-1", show_default=True, help="The one ballot style's id.")
@click.option(
    "--preencrypted",
    is_flag=True,
    help='Voters mark pre-encrypted ballots (writes "preencrypted_ballots": true; `ballotchain preencrypt`).',
)
@one_line_errors
def manifest_new_command(
    out: Path, contests: tuple[str, ...], scope: str, district: str, style: str, preencrypted: bool
) -> None:
    """Write a valid manifest with one district, one ballot style and the given contests.

    Edit it afterwards (names, dates, more districts and styles): docs/FORMATS.md describes every
    field, `ballotchain manifest schema` prints its JSON Schema, `election init` checks the rest.
    """
    for value, option in ((district, "--district"), (style, "--style")):
        problem = identifier_problem(value)
        if problem is not None:
            raise CommandFailed(f"{option} {shown_identifier(value)}: {problem}")
    specs = [parse_contest_spec(c) for c in contests or DEFAULT_CONTESTS]
    data = dumps(encode_manifest(starting_manifest(scope, district, style, specs, preencrypted=preencrypted)))
    decode_manifest(loads(data, str(out)), str(out))  # what election init will accept
    write_new_file(out, data, "--out")
    click.echo(f"manifest with {len(specs)} contests and ballot style {style!r} written to {out}")


# ---------------------------------------------------------------- ballot template


def blank_ballot(manifest: Manifest, style: str, ballot_id: str) -> PlaintextBallot:
    """Every contest of the style and every option of each, in sequence order, nothing marked."""
    contests = sorted(manifest.contests_for_style(style), key=lambda c: c.sequence_order)
    return PlaintextBallot(
        ballot_id,
        style,
        tuple(
            PlaintextContest(
                c.object_id,
                c.sequence_order,
                tuple(
                    PlaintextSelection(s.object_id, s.sequence_order, 0)
                    for s in sorted(c.ballot_selections, key=lambda s: s.sequence_order)
                ),
            )
            for c in contests
        ),
    )


def parse_marks(values: tuple[str, ...]) -> dict[str, set[str]]:
    """--mark CONTEST=OPTION[,OPTION...] (repeatable): the options marked in each contest."""
    marks: dict[str, set[str]] = {}
    for value in values:
        contest, sep, options = value.partition("=")
        chosen = {o.strip() for o in options.split(",") if o.strip()}
        if not sep or not contest.strip() or not chosen:
            raise CommandFailed(f"--mark {value!r}: write CONTEST=OPTION or CONTEST=OPTION,OPTION (the manifest's ids)")
        marks.setdefault(contest.strip(), set()).update(chosen)
    return marks


def marked_ballot(ballot: PlaintextBallot, marks: dict[str, set[str]]) -> PlaintextBallot:
    """The ballot with vote 1 on each marked option; a contest or option the ballot does not have is refused."""
    contests = {c.contest_id: c for c in ballot.contests}
    for contest_id, options in marks.items():
        if contest_id not in contests:
            raise CommandFailed(
                f"--mark {contest_id}=...: no contest {contest_id!r} on this ballot; "
                f"its contests: {', '.join(contests)}"
            )
        known = {s.selection_id for s in contests[contest_id].selections}
        unknown = sorted(options - known)
        if unknown:
            raise CommandFailed(
                f"--mark {contest_id}={','.join(unknown)}: not an option of contest {contest_id!r}; "
                f"its options: {', '.join(sorted(known))}"
            )
    return replace(
        ballot,
        contests=tuple(
            replace(
                c,
                selections=tuple(
                    replace(s, vote=int(s.selection_id in marks.get(c.contest_id, set()))) for s in c.selections
                ),
            )
            for c in ballot.contests
        ),
    )


def chosen_style(manifest: Manifest, style: str | None, manifest_file: Path) -> str:
    """--style, or the manifest's only ballot style; CommandFailed listing the styles otherwise."""
    styles = [s.object_id for s in manifest.ballot_styles]
    if style is None and len(styles) == 1:
        return styles[0]
    if style is None or style not in styles:
        given = "" if style is None else f"--style {shown_identifier(style)} is not in it; "
        raise CommandFailed(f"{manifest_file}: {given}choose --style among: {', '.join(styles)}")
    if not manifest.contests_for_style(style):
        raise CommandFailed(f"{manifest_file}: ballot style {style!r} has no contests")
    return style


@click.group("ballot")
def ballot_group() -> None:
    """Write a plaintext ballot to start from (docs/FORMATS.md)."""


@ballot_group.command("template")
@click.option("--manifest", "manifest_file", type=click.Path(path_type=Path), required=True, help="The manifest.")
@click.option("--style", help="The ballot style (default: the manifest's only one).")
@click.option("--id", "ballot_id", help="The ballot id (default: a fresh random one; 'auto' for `vote`).")
@click.option(
    "--mark",
    "marks",
    multiple=True,
    metavar="CONTEST=OPTION[,OPTION]",
    help="Mark these options of a contest (repeatable; the default marks nothing).",
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The ballot file to write.")
@one_line_errors
def ballot_template_command(
    manifest_file: Path, style: str | None, ballot_id: str | None, marks: tuple[str, ...], out: Path
) -> None:
    """Write a plaintext ballot with every contest and option of a style, marked as --mark says.

    Options not marked have vote 0; mark more by setting "vote" to 1 in the file. A contest with more
    marks than it allows is refused. The file is written 0600: a plaintext ballot is secret.
    """
    manifest = decode_manifest(
        loads(read_bytes(manifest_file, str(manifest_file)), str(manifest_file)), str(manifest_file)
    )
    if ballot_id is not None:
        problem = identifier_problem(ballot_id)
        if problem is not None:
            raise CommandFailed(f"--id {shown_identifier(ballot_id)}: {problem}")
    blank = blank_ballot(manifest, chosen_style(manifest, style, manifest_file), ballot_id or fresh_ballot_id())
    ballot = marked_ballot(blank, parse_marks(marks))
    data = dumps(encode_plaintext_ballot(validate_plaintext_ballot(manifest, ballot)))
    decode_plaintext_ballot(loads(data, str(out)), str(out))  # what encrypt and vote will accept
    write_new_file(out, data, "--out", secret=True)
    click.echo(
        f"ballot {ballot.ballot_id} of style {ballot.ballot_style!r} ({len(ballot.contests)} contests) written to {out}"
    )


@manifest_group.command("schema")
def manifest_schema_command() -> None:
    """Print the manifest's JSON Schema (draft 2020-12)."""
    click.echo(schema_bytes("manifest").decode(), nl=False)


@ballot_group.command("schema")
def ballot_schema_command() -> None:
    """Print the plaintext ballot's JSON Schema (draft 2020-12)."""
    click.echo(schema_bytes("plaintext ballot").decode(), nl=False)


COMMANDS = (manifest_group, ballot_group)
