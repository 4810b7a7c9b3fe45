"""`ballotchain lookup RECORD_DIR CODE`: what became of the ballot with this confirmation code.

The code is H(B) of spec eq. 58, as the voter's receipt shows it: hexadecimal, in either case; a
prefix of at least 8 digits is enough when one ballot alone starts with it. The answer is one of:

- cast: counted in the tally (listed in encrypted_tally.json's cast ballots), or waiting for the tally;
- challenged: not counted; its decryption from challenged_ballots/ is shown with the candidates' names;
- replaced: an online record's board log (board/entries.jsonl) has a ``ballot_superseded`` entry for it,
  a later ballot of the same voter (DID) counts instead.

An unknown code exits 1; a code that is not hexadecimal, too short or ambiguous exits 2.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from engine.board.entries import BallotSubmitted, BallotSuperseded, decode_entry
from engine.cli.common import CommandFailed, console, err_console, one_line_errors
from engine.cli.results_cmd import contest_names, selection_names
from engine.election import BallotState, DecryptedTallyOrBallot
from engine.manifest import Manifest
from engine.record import ElectionRecord
from engine.record.layout import DBALLOT_PREFIX, ENCRYPTED_TALLY, id_from_name

EXIT_NOT_FOUND = 1
MIN_PREFIX = 8
BOARD_LOG = "board/entries.jsonl"
_HEX = re.compile(r"[0-9a-f]+")


@dataclass(frozen=True)
class Sighting:
    """A ballot whose confirmation code starts with the looked-up digits."""

    ballot_id: str
    code: str  # upper-case hex
    state: BallotState | None  # None: on the board log only (not in encrypted_ballots/)


def parse_code(text: str) -> str:
    """The code (or prefix) in lower-case hex, or CommandFailed (exit 2)."""
    code = "".join(text.split()).lower()
    if not _HEX.fullmatch(code) or not MIN_PREFIX <= len(code) <= 64:
        raise CommandFailed(
            f"CODE must be a confirmation code in hexadecimal, {MIN_PREFIX} to 64 digits (got {text.strip()[:80]!r})"
        )
    return code


def board_log(record: ElectionRecord) -> tuple[list[BallotSubmitted], dict[str, str]]:
    """The submissions of board/entries.jsonl and, old ballot id -> new ballot id, its supersessions."""
    submitted: list[BallotSubmitted] = []
    replaced: dict[str, str] = {}
    if not record.has(BOARD_LOG):
        return submitted, replaced
    with (record.root / BOARD_LOG).open("rb") as f:
        for line in f:
            entry = decode_entry(line.rstrip(b"\n"), record.group)
            if isinstance(entry, BallotSubmitted):
                submitted.append(entry)
            elif isinstance(entry, BallotSuperseded):
                replaced[entry.old_ballot_id] = entry.new_ballot_id
    return submitted, replaced


def sightings(record: ElectionRecord, prefix: str, submitted: list[BallotSubmitted]) -> list[Sighting]:
    found: dict[str, Sighting] = {}
    for ballot in record.encrypted_ballots():
        code = ballot.confirmation_code.hex()
        if code.lower().startswith(prefix):
            found[ballot.ballot_id] = Sighting(ballot.ballot_id, code, ballot.state)
    for entry in submitted:
        code = entry.confirmation_code.hex()
        if code.lower().startswith(prefix) and entry.ballot_id not in found:
            found[entry.ballot_id] = Sighting(entry.ballot_id, code, None)
    return list(found.values())


def counted_ids(record: ElectionRecord) -> set[str] | None:
    """The cast ballots of encrypted_tally.json, or None before the tally."""
    if not record.has(ENCRYPTED_TALLY):
        return None
    return set(record.encrypted_tally.cast_ballot_ids)


def challenged_decryption(record: ElectionRecord, ballot_id: str) -> DecryptedTallyOrBallot | None:
    for path in record.challenged_ballot_paths():
        if id_from_name(path.name, DBALLOT_PREFIX) == ballot_id:
            return record.read_challenged_ballot(path)
    return None


def show_decryption(manifest: Manifest, ballot: DecryptedTallyOrBallot) -> None:
    contests, selections = contest_names(manifest), selection_names(manifest)
    for contest in ballot.contests:
        chosen = [
            selections.get((contest.contest_id, s.selection_id), s.selection_id) for s in contest.selections if s.tally
        ]
        name = contests.get(contest.contest_id, contest.contest_id)
        console.print(f"  {name}: {', '.join(chosen) or '(no choice)'}", soft_wrap=True)


def report(record: ElectionRecord, found: Sighting, replaced: dict[str, str]) -> None:
    head = f"ballot {found.ballot_id} (confirmation code {found.code})"
    if found.ballot_id in replaced:
        console.print(
            f"{head}: replaced by a later ballot of the same voter ({replaced[found.ballot_id]}); it is not counted",
            soft_wrap=True,
        )
    elif found.state is BallotState.CAST:
        counted = counted_ids(record)
        if counted is None:
            console.print(f"{head}: cast; the tally has not been computed yet", soft_wrap=True)
        elif found.ballot_id in counted:
            console.print(f"{head}: cast, counted in the tally", soft_wrap=True)
        else:
            console.print(
                f"{head}: cast, but NOT among the tally's cast ballots (encrypted_tally.json)", soft_wrap=True
            )
    elif found.state is BallotState.SPOILED:
        console.print(f"{head}: challenged, not counted", soft_wrap=True)
        decrypted = challenged_decryption(record, found.ballot_id)
        if decrypted is None:
            console.print("  its decryption is not published yet (challenged_ballots/)")
        else:
            show_decryption(record.manifest, decrypted)
    else:
        console.print(
            f"{head}: submitted on the board log ({BOARD_LOG}) but not in the record's ballots", soft_wrap=True
        )


@click.command("lookup")
@click.argument("record_dir", type=click.Path(path_type=Path))
@click.argument("code")
@one_line_errors
def lookup_command(record_dir: Path, code: str) -> None:
    """Say whether the ballot with confirmation CODE was cast and counted, challenged, or replaced."""
    prefix = parse_code(code)
    record = ElectionRecord(record_dir)
    submitted, replaced = board_log(record)
    found = sightings(record, prefix, submitted)
    if len({f.code for f in found}) > 1:
        raise CommandFailed(f"CODE {code.strip()} starts {len(found)} ballots' confirmation codes; give more digits")
    if not found:
        err_console.print(f"no ballot in {record_dir} has confirmation code {code.strip()}")
        sys.exit(EXIT_NOT_FOUND)
    report(record, found[0], replaced)
