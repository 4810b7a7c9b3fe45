"""Online voting from the command line: the registrar, the board, the voter, the monitor.

    ballotchain registrar roster --record DIR --voters N --out-credentials DIR --roster FILE
    ballotchain board serve --election DIR --roster FILE --db FILE --board-key FILE --port N
                            [--max-submissions-per-did N] [--record PUBLISHED_RECORD_DIR]
    ballotchain vote --board URL --credential FILE --ballot FILE [--challenge]
    ballotchain receipt check RECEIPT --board URL
    ballotchain board monitor --board URL [--state FILE]
    ballotchain board close --db FILE --board-key FILE
    ballotchain board export --db FILE --election DIR --out RECORD_DIR

Thin over engine.board, engine.credentials and engine.server; every bad input is one line on
stderr and exit code 2, a board or receipt that does not check is exit code 1. An export is all or
nothing: it is built beside RECORD_DIR and renamed into place when complete.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import click

from engine.board.board import DEFAULT_MAX_SUBMISSIONS_PER_DID, BallotBoard
from engine.board.checkpoint import BoardCheckpoints, election_origin
from engine.board.cosigning import CosigningError, check_cosigned
from engine.board.entries import BallotSubmitted, VotingClosed, canonical_json, decode_entry
from engine.board.fork_evidence import EvidenceError, ForkEvidence, check_fork_evidence
from engine.board.sequencer import DEFAULT_MAX_BATCH, GroupCommit
from engine.board.sth import BoardKey, SignedTreeHead
from engine.cli.common import EXIT_FAILED, CommandFailed, console, fresh_directory, one_line_errors, plural
from engine.cli.pins import parse_witness_pins, witness_key_pins
from engine.client import (
    BoardCheckFailed,
    BoardClient,
    BoardClientError,
    BoardForked,
    CastResult,
    MonitorState,
    SignedSubmission,
    check_receipt,
    fetch_election,
    load_json,
    monitor,
    prepare_submission,
    save_json,
    submit_signed,
)
from engine.client.mirror import MirrorProgress, mirror_board
from engine.credentials.did import VoterCredential
from engine.credentials.keys import parse_public_key
from engine.credentials.roster import RegistrarKey, SignedRoster, decode_roster, encode_roster, make_roster
from engine.election import BallotState, PlaintextBallot
from engine.errors import BallotchainError
from engine.record import ElectionRecord, ElectionRecordWriter, atomic_write
from engine.record.codecs.plaintext_ballot import decode_plaintext_ballot
from engine.record.jsonio import loads
from engine.record.layout import INITIALIZED
from engine.record.reader import read_bytes
from engine.server.board_witnessing import log_witnessing, stored_cosigned_checkpoint
from engine.server.logs import LOG_FORMATS
from engine.server.mirror_service import MirrorService, serve_mirror
from engine.server.published_record import PublishedRecord, published_record
from engine.server.run import board_lock, serve
from engine.server.service import (
    ELECTION_FILES,
    Election,
    check_online_election,
    open_board,
    open_storage,
    stored_election,
    stored_roster,
)
from engine.server.witness_link import witness_links
from engine.verify.board import BOARD_DIR, BOARD_FILE, CHECKPOINT_FILE, ENTRIES_FILE, ROSTER_FILE

T = TypeVar("T")

EXPORT_PAGE = 1000
CREDENTIAL_PREFIX = "voter-"
REGISTRAR_KEY_FILE = "registrar.key"


def _no_checks(_ballot: object) -> list[str]:
    return []


# ---------------------------------------------------------------- the registrar


def credential_path(folder: Path, number: int) -> Path:
    return folder / f"{CREDENTIAL_PREFIX}{number:05d}.json"


def make_voter_roster(
    record_dir: Path,
    voters: int,
    credentials_dir: Path,
    roster_file: Path,
    registrar_key_file: Path | None = None,
) -> SignedRoster:
    """N new voter credentials (files 0600) and the registrar's signed roster of their DIDs.

    The roster is bound to H_E when the record holds the election's joint key, to H_M before that.
    """
    record = ElectionRecord(record_dir)
    if record.has(INITIALIZED):
        binding, election_hash = "H_E", record.initialized.extended_base_hash
    else:
        binding, election_hash = "H_M", record.config.manifest_hash
    if roster_file.exists():
        raise CommandFailed(f"{roster_file}: the roster file exists already")
    if registrar_key_file is not None and registrar_key_file.exists():
        registrar = RegistrarKey.load(registrar_key_file)
    else:
        registrar = RegistrarKey.generate()
        if registrar_key_file is not None:
            registrar.save(registrar_key_file)
    fresh_directory(credentials_dir, "the credentials folder")
    os.chmod(credentials_dir, 0o700)
    dids = []
    for n in range(1, voters + 1):
        credential = VoterCredential.generate()
        credential.save(credential_path(credentials_dir, n))
        dids.append(credential.did)
    roster = make_roster(registrar, dids, election_hash, binding=binding)
    atomic_write(roster_file, encode_roster(roster) + b"\n", label=str(roster_file), overwrite=False)
    return roster


def read_roster(path: Path) -> SignedRoster:
    return decode_roster(read_bytes(path, str(path)))


@click.group("registrar")
def registrar_group() -> None:
    """The registrar: voter credentials (did:key) and the signed roster of eligible DIDs."""


@registrar_group.command("roster")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True, help="The election record.")
@click.option("--voters", type=click.IntRange(1, 10_000_000), required=True, help="Number of voters.")
@click.option("--out-credentials", type=click.Path(path_type=Path), required=True, help="New folder for credentials.")
@click.option(
    "--roster", "roster_file", type=click.Path(path_type=Path), required=True, help="The roster file to write."
)
@click.option(
    "--registrar-key",
    type=click.Path(path_type=Path),
    help=f"Registrar's private key file, created (0600) if missing [default: {REGISTRAR_KEY_FILE} beside the roster].",
)
@one_line_errors
def registrar_roster_command(
    record_dir: Path, voters: int, out_credentials: Path, roster_file: Path, registrar_key: Path | None
) -> None:
    """Create voter credentials (one 0600 file each) and the signed roster of their DIDs."""
    key_file = registrar_key if registrar_key is not None else roster_file.parent / REGISTRAR_KEY_FILE
    new_key = not key_file.exists()
    roster = make_voter_roster(record_dir, voters, out_credentials, roster_file, key_file)
    console.print(
        f"{len(roster)} voter credentials in {out_credentials}; roster (bound to {roster.binding}) in {roster_file}"
    )
    console.print(f"roster root {roster.root.hex()}, registrar key {roster.registrar_public_key.hex()}")
    kept = "a new key, 0600" if new_key else "the key that was there"
    console.print(f"registrar's private key in {key_file} ({kept}): keep it private, it signs rosters")


# ---------------------------------------------------------------- the board


def witness_urls_option(func: Callable[..., None]) -> Callable[..., None]:
    """--witness URL, repeatable: the witnesses that cosign the board's checkpoints (tlog-witness)."""
    return click.option(
        "--witness",
        "witness_urls",
        multiple=True,
        metavar="URL",
        help="A witness's URL (`ballotchain witness serve`); repeat for each of the election's witnesses.",
    )(func)


def load_or_make_board_key(path: Path) -> tuple[BoardKey, bool]:
    if path.exists():
        return BoardKey.load(path), False
    key = BoardKey.generate()
    key.save(path)
    return key, True


def close_board(db: Path, board_key_file: Path) -> tuple[VotingClosed, SignedTreeHead]:
    """Append the close of voting (offline: the board must not be served meanwhile)."""
    with board_lock(db, "closing it"):
        storage = open_storage(db, create=False)
        try:
            board = open_board(storage, BoardKey.load(board_key_file), _no_checks)
            closed = board.close()
            return closed, board.log.signed_tree_head()
        finally:
            storage.close()


def cosign_board(db: Path, board_key_file: Path, witness_urls: tuple[str, ...]) -> bytes | None:
    """With witnesses fixed for the election: ask those at ``witness_urls`` to cosign the board's current
    checkpoint (offline, e.g. the final one after the close), kept in the database; the note, else None."""
    with board_lock(db, "asking its witnesses"):
        storage = open_storage(db, create=False)
        try:
            key = BoardKey.load(board_key_file)
            board = open_board(storage, key, _no_checks)
            election = stored_election(storage)
            assert election is not None
            origin = election_origin(election.initialized.extended_base_hash.data)
            links = witness_links(witness_urls)
            witnessing = log_witnessing(storage, board.log, BoardCheckpoints(key, origin), election.keys, links)
            return None if witnessing is None else witnessing.cover()
        finally:
            storage.close()


def board_is_closed(db: Path) -> bool:
    """Whether voting on the board kept in ``db`` was closed (`board close`); False for a new database."""
    if not db.is_file():
        return False
    storage = open_storage(db, create=False)
    try:
        return stored_election(storage) is not None and open_board(storage, None, _no_checks).is_closed
    finally:
        storage.close()


@dataclass(frozen=True)
class ExportSummary:
    entries: int
    cast: int
    challenged: int
    superseded: int
    head: SignedTreeHead


def export_board(db: Path, election_dir: Path, out: Path) -> ExportSummary:
    """The closed board as an election record: the counted and the challenged ballots in the offline
    layout, the election's files, and board/ (the log's entries, the roster, the final signed head).

    All or nothing: the record is written into a hidden sibling folder of ``out`` and renamed to
    ``out`` only when complete; a failure removes it, so ``out`` either is the whole record or is
    left as it was (absent or empty), and the export can simply be run again.
    """
    with board_lock(db, "exporting it"):
        storage = open_storage(db, create=False)
        try:
            election, roster = stored_election(storage), stored_roster(storage)
            if election is None or roster is None:
                raise CommandFailed(f"{db}: not a board database (no election or roster in it)")
            given = Election.from_record(election_dir)
            if dict(given.files) != dict(election.files):
                raise CommandFailed(f"{election_dir}: not the election this board collected ballots for")
            board = open_board(storage, None, _no_checks, election, roster)
            if not board.is_closed:
                raise CommandFailed(f"{db}: voting is not closed; run `ballotchain board close` first")
            log = board.log
            size = log.size
            head = log.tree_head(size)
            if head is None:
                raise CommandFailed(f"{db}: the board has not signed the head of its whole log")
            if out.exists() and (not out.is_dir() or any(out.iterdir())):
                raise CommandFailed(f"{out}: the export folder already exists and is not empty; choose a new folder")
            with _staging_folder(out) as staging:
                summary = _write_export(staging, board, election, roster, head)
                os.rename(staging, out)
                _fsync_directory(out.parent)
            return summary
        finally:
            storage.close()


def _write_export(
    out: Path, board: BallotBoard, election: Election, roster: SignedRoster, head: SignedTreeHead
) -> ExportSummary:
    """Write the export's files into the (new, empty) folder ``out``."""
    log, size = board.log, head.tree_size
    counted = set(board.counted_ballot_ids().values())
    for name in ELECTION_FILES:
        atomic_write(out / name, election.files[name], label=name, overwrite=False)
    writer = ElectionRecordWriter(out)
    cast = challenged = superseded = 0
    with _streamed_file(out / ENTRIES_FILE) as write_line:
        for start in range(0, size, EXPORT_PAGE):
            for data in log.entries(start, min(size, start + EXPORT_PAGE)):
                write_line(data)
                entry = decode_entry(data, election.group)
                if not isinstance(entry, BallotSubmitted):
                    continue
                if entry.ballot.state is BallotState.SPOILED:
                    writer.write_encrypted_ballot(entry.ballot)
                    challenged += 1
                elif entry.ballot_id in counted:
                    writer.write_encrypted_ballot(entry.ballot)
                    cast += 1
                else:
                    superseded += 1
    board_doc = {
        "board_public_key": log.public_key.hex() if log.public_key else "",
        "tree_head": head.to_json(),
    }
    atomic_write(out / BOARD_FILE, canonical_json(board_doc) + b"\n", label=BOARD_FILE, overwrite=False)
    atomic_write(out / ROSTER_FILE, encode_roster(roster) + b"\n", label=ROSTER_FILE, overwrite=False)
    cosigned = stored_cosigned_checkpoint(board.log.storage) if election.keys.witnesses else None
    if cosigned is not None:
        atomic_write(out / CHECKPOINT_FILE, cosigned, label=CHECKPOINT_FILE, overwrite=False)
    return ExportSummary(size, cast, challenged, superseded, head)


@contextlib.contextmanager
def _staging_folder(out: Path) -> Iterator[Path]:
    """A new hidden folder beside ``out`` (same file system, so it can be renamed to ``out``), removed
    after the block unless it was renamed."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.export-{secrets.token_hex(8)}"
    staging.mkdir()
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fsync_directory(path: Path) -> None:
    """Make a rename in ``path`` durable (POSIX; a no-op where directories cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _streamed_file(path: Path):  # type: ignore[no-untyped-def]
    """Write lines to a temporary file, fsync, and move it into place (atomic, memory flat)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    f = open(tmp, "xb")  # noqa: SIM115 - closed below, before the rename
    try:

        def write_line(data: bytes) -> None:
            f.write(data)
            f.write(b"\n")

        yield write_line
        f.flush()
        os.fsync(f.fileno())
        f.close()
        os.link(tmp, path)
    finally:
        f.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@click.group("board")
def board_group() -> None:
    """The bulletin board: a transparency log of the election's ballots, served over HTTP."""


@board_group.command("serve")
@click.option("--election", "election_dir", type=click.Path(path_type=Path), required=True, help="Election record.")
@click.option("--roster", "roster_file", type=click.Path(path_type=Path), required=True, help="Signed roster.")
@click.option("--db", type=click.Path(path_type=Path), required=True, help="The board's SQLite database.")
@click.option(
    "--board-key",
    type=click.Path(path_type=Path),
    required=True,
    help="The board's key file (its key must be the one in the election's board_keys.json).",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="0: any free port.")
@click.option(
    "--check-workers",
    type=click.IntRange(0, 256),
    default=os.cpu_count() or 1,
    show_default=True,
    help="Processes checking ballot proofs (0: in threads of the server).",
)
@click.option(
    "--max-submissions-per-did",
    type=click.IntRange(1, 1_000_000),
    default=DEFAULT_MAX_SUBMISSIONS_PER_DID,
    show_default=True,
    help="Accepted submissions one voter's DID may make (re-votes and challenges; replays do not count).",
)
@witness_urls_option
@click.option(
    "--max-batch",
    type=click.IntRange(1, 4096),
    default=DEFAULT_MAX_BATCH,
    show_default=True,
    help="Group commit: submissions appended in one transaction with one signed head (1: one per submission).",
)
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="text",
    show_default=True,
    help="Logs on stderr: text (warnings) or json (one JSON object a line: start, refusals, stop).",
)
@click.option(
    "--record",
    "record_dir",
    type=click.Path(path_type=Path),
    help="After the close: the published record (`board export`, tallied and decrypted), whose results and zip "
    "the board serves; refused if its tally does not verify or it holds a secret file.",
)
@one_line_errors
def board_serve_command(
    election_dir: Path,
    roster_file: Path,
    db: Path,
    board_key: Path,
    host: str,
    port: int,
    check_workers: int,
    max_submissions_per_did: int,
    max_batch: int,
    log_format: str,
    witness_urls: tuple[str, ...],
    record_dir: Path | None,
) -> None:
    """Serve the board: publish the election on the log and take ballots until stopped (SIGINT or SIGTERM).

    With --record, a closed board also serves the published record and its results: the operator stops the
    server to close and export, then serves the decrypted record with the read-only board."""
    election = Election.from_record(election_dir)
    roster = read_roster(roster_file)
    check_online_election(election, roster)
    if not board_key.exists():
        raise CommandFailed(
            f"{board_key}: no board key; make it and fix it in the election record first "
            f"(ballotchain election keys --record {election_dir} --board-key {board_key} --roster {roster_file})"
        )
    key = BoardKey.load(board_key)
    check_online_election(election, roster, key.public_key)
    check_witness_urls(election, witness_urls)
    closed = board_is_closed(db)
    if record_dir is not None and not closed:
        raise CommandFailed(
            f"--record {record_dir}: voting on this board is not closed; the record is published after "
            "`board close`, `board export`, the tally and its decryption"
        )
    with contextlib.ExitStack() as stack:
        published = (
            None
            if record_dir is None
            else stack.enter_context(published_record(record_dir, election.initialized.extended_base_hash))
        )
        serve(
            election,
            roster,
            db,
            key,
            host=host,
            port=port,
            check_workers=check_workers,
            max_submissions_per_did=max_submissions_per_did,
            group_commit=GroupCommit(max_batch=max_batch),
            log_format=log_format,
            on_ready=functools.partial(print_serving, key=key, closed=closed, published=published),
            witness_urls=witness_urls,
            published=published,
        )


def print_serving(url: str, *, key: BoardKey, closed: bool, published: PublishedRecord | None) -> None:
    """The startup lines: the board's URL and key, its pages' URLs and the published record's."""
    if closed:
        click.echo(
            f"ballotchain board: serving {url} READ-ONLY: voting on this board is closed (`board close`), "
            "ballots are refused; the log, its signed heads and proofs are served "
            f"(board key {key.public_key.hex()})"
        )
    else:
        click.echo(f"ballotchain board: serving {url} (board key {key.public_key.hex()})")
        click.echo(f"ballotchain board: voting page {url}/web/vote.html")
    click.echo(f"ballotchain board: board explorer {url}/web/explorer.html")
    if published is not None:
        click.echo(
            f"ballotchain board: published record {published.folder} served at {url}/published/record.zip, "
            f"results at {url}/published/results.json"
        )
    sys.stdout.flush()


def check_witness_urls(election: Election, urls: tuple[str, ...]) -> None:
    """An election with witnesses is served with at least k witness URLs; one without, with none."""
    keys = election.keys
    if not keys.witnesses and urls:
        raise CommandFailed("--witness: the election fixes no witnesses (ballotchain election keys --witness)")
    if keys.witnesses and len(urls) < keys.witness_quorum:
        raise CommandFailed(
            f"the election's checkpoints need {keys.witness_quorum} of {len(keys.witnesses)} witnesses: give at "
            f"least {keys.witness_quorum} of their URLs with --witness URL"
        )


@board_group.command("close")
@click.option("--db", type=click.Path(path_type=Path), required=True, help="The board's SQLite database.")
@click.option("--board-key", type=click.Path(path_type=Path), required=True, help="The board's key file.")
@witness_urls_option
@one_line_errors
def board_close_command(db: Path, board_key: Path, witness_urls: tuple[str, ...]) -> None:
    """Close voting: append the count and root of the counted ballots, sign the final head (and have the
    election's witnesses cosign it; run it again to ask them again)."""
    closed, head = close_board(db, board_key)
    cosigned = cosign_board(db, board_key, witness_urls)
    console.print(f"voting closed: {closed.counted_count} counted ballots; final tree of {head.tree_size} entries")
    console.print(f"root {head.root.hex()}")
    if cosigned is not None:
        storage = open_storage(db, create=False)
        try:
            election = stored_election(storage)
        finally:
            storage.close()
        assert election is not None
        try:
            opened = check_cosigned(cosigned, election.keys)
        except CosigningError as exc:
            raise CommandFailed(
                f"the final checkpoint is not cosigned: {exc}; run board close again with the witnesses' --witness URL"
            ) from None
        console.print(f"final checkpoint cosigned by {', '.join(opened.witness_names)}")


@board_group.command("export")
@click.option("--db", type=click.Path(path_type=Path), required=True, help="The board's SQLite database.")
@click.option("--election", "election_dir", type=click.Path(path_type=Path), required=True, help="Election record.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="New folder for the election record.")
@one_line_errors
def board_export_command(db: Path, election_dir: Path, out: Path) -> None:
    """Write the closed board's ballots and log as an election record (tally and decrypt it next)."""
    summary = export_board(db, election_dir, out)
    console.print(
        f"exported {summary.cast} counted and {summary.challenged} challenged ballots; {summary.superseded} "
        f"superseded ballots stay on the log only; log of {summary.entries} entries"
    )
    console.print(f"election record: {out} (the log in {out / BOARD_DIR})")


@board_group.command("monitor")
@click.option("--board", "board_url", required=True, help="The board's URL.")
@click.option("--state", "state_file", type=click.Path(path_type=Path), help="Last head seen (read, then updated).")
@click.option(
    "--board-key",
    "--board-key-pub",
    "board_key_pin",
    metavar="HEX",
    help="Pin the board's public key (64 hex digits); default: the state's, else the election's board_keys.json.",
)
@click.option(
    "--evidence",
    "evidence_file",
    type=click.Path(path_type=Path),
    help="Where to write the two signed checkpoints if the board forked (default: fork-evidence.json).",
)
@witness_key_pins
@one_line_errors
def board_monitor_command(
    board_url: str,
    state_file: Path | None,
    board_key_pin: str | None,
    evidence_file: Path | None,
    witness_key_pins: tuple[str, ...],
) -> None:
    """Fetch the latest signed tree head and prove the log only grew since the last one seen; with the
    election's witnesses, require k cosignatures on the board's checkpoint and keep evidence of a fork."""
    state = None
    if state_file is not None and state_file.exists():
        state = MonitorState.from_json(load_json(state_file))
    pinned = parse_public_key(board_key_pin, "--board-key") if board_key_pin else None
    witness_pins = parse_witness_pins(witness_key_pins)
    with BoardClient(board_url) as client:

        def run() -> MonitorState:
            try:
                return monitor(client, state, board_public_key=pinned, witness_keys=witness_pins)
            except BoardForked as exc:
                out = evidence_file or Path("fork-evidence.json")
                save_json(out, exc.evidence.to_json(), overwrite=True)
                raise BoardCheckFailed(
                    f"{exc}; the two signed checkpoints are in {out} (ballotchain board check-evidence {out})"
                ) from None

        new = _client_step(run)
    if state is None:
        console.print(f"first head seen: {plural(new.sth.tree_size, 'entry', 'entries')}, root {new.sth.root.hex()}")
    elif new.sth.tree_size == state.sth.tree_size:
        console.print(
            f"the log is unchanged since the last head seen: {plural(new.sth.tree_size, 'entry', 'entries')}, "
            f"root {new.sth.root.hex()}"
        )
    else:
        console.print(
            f"the log grew from {state.sth.tree_size} to {plural(new.sth.tree_size, 'entry', 'entries')} and is "
            f"consistent (root {new.sth.root.hex()})"
        )
    if new.checkpoint is not None:
        console.print(f"checkpoint cosigned by {', '.join(new.witnesses)}")
    if state_file is not None:
        save_json(state_file, new.to_json(), overwrite=True)


@board_group.command("check-evidence")
@click.argument("evidence_file", type=click.Path(path_type=Path))
@one_line_errors
def board_check_evidence_command(evidence_file: Path) -> None:
    """Check a fork evidence file written by `board monitor`: exit 0 if it shows the board forked."""
    try:
        finding = check_fork_evidence(ForkEvidence.from_json(load_json(evidence_file)))
    except EvidenceError as exc:
        raise CommandFailed(f"{evidence_file}: {exc}", EXIT_FAILED) from None
    console.print(finding)


# ---------------------------------------------------------------- voters


def read_plaintext_ballot(path: Path) -> PlaintextBallot:
    """One plaintext ballot (egk's pballot JSON) from a file."""
    return decode_plaintext_ballot(loads(read_bytes(path, str(path)), str(path)), str(path))


AUTO_BALLOT_ID = "auto"  # a plaintext ballot with this id gets a fresh random one from `vote` (docs/FORMATS.md)


def default_receipt_path(ballot_id: str) -> Path:
    return Path(f"receipt-{ballot_id}.json")


def board_key_pins(func: Callable[..., None]) -> Callable[..., None]:
    """--board-key HEX (alias --board-key-pub) and --registrar-key HEX: keys the voter knows from elsewhere."""
    func = click.option(
        "--registrar-key",
        "registrar_key_pin",
        metavar="HEX",
        help="Pin the registrar's public key (64 hex digits): the roster must be signed by it.",
    )(func)
    return click.option(
        "--board-key",
        "--board-key-pub",
        "board_key_pin",
        metavar="HEX",
        help="Pin the board's public key (64 hex digits); default: the one in the election's board_keys.json.",
    )(func)


def parse_key_pins(board: str | None, registrar: str | None) -> tuple[bytes | None, bytes | None]:
    return (
        parse_public_key(board, "--board-key") if board else None,
        parse_public_key(registrar, "--registrar-key") if registrar else None,
    )


@click.command("vote")
@click.option("--board", "board_url", required=True, help="The board's URL.")
@click.option("--credential", type=click.Path(path_type=Path), required=True, help="Your voter credential file.")
@click.option(
    "--ballot",
    "ballot_file",
    type=click.Path(path_type=Path),
    required=True,
    help='Your plaintext ballot (docs/FORMATS.md); ballot_id "auto" lets this client pick a fresh id.',
)
@click.option("--challenge", is_flag=True, help="Challenge (audit) the ballot instead of casting it.")
@click.option("--receipt", "receipt_file", type=click.Path(path_type=Path), help="Where to save the receipt.")
@board_key_pins
@witness_key_pins
@click.option("--device", default="online", show_default=True, help="Name of the encrypting device.")
@click.option("--allow-test-group", is_flag=True, help="Accept the engine's small test group (tests, demos).")
@one_line_errors
def vote_command(
    board_url: str,
    credential: Path,
    ballot_file: Path,
    challenge: bool,
    receipt_file: Path | None,
    board_key_pin: str | None,
    registrar_key_pin: str | None,
    witness_key_pins: tuple[str, ...],
    device: str,
    allow_test_group: bool,
) -> None:
    """Encrypt a ballot on this machine, sign it with your DID, submit it and check the receipt.

    The board must serve the election's board_keys.json, sign with its board key and serve a roster
    signed by its registrar key; --board-key and --registrar-key pin those keys (exit 1 if they differ).
    """
    voter = VoterCredential.load(credential)
    plaintext = read_plaintext_ballot(ballot_file)
    auto_id = plaintext.ballot_id == AUTO_BALLOT_ID
    if auto_id:  # the client picks the id, so that no voter has to invent a unique one
        plaintext = dataclasses.replace(plaintext, ballot_id="ballot-" + secrets.token_hex(8))
    out = receipt_file or default_receipt_path(plaintext.ballot_id)
    if out.exists():
        raise CommandFailed(f"{out}: the receipt file exists already")
    pending_file = out.with_name(out.name + ".pending")
    board_pin, registrar_pin = parse_key_pins(board_key_pin, registrar_key_pin)
    witness_pins = parse_witness_pins(witness_key_pins)
    with BoardClient(board_url) as client:
        online = _client_step(
            lambda: fetch_election(
                client,
                board_public_key=board_pin,
                registrar_public_key=registrar_pin,
                allow_test_group=allow_test_group,
                witness_keys=witness_pins,
            )
        )
        if pending_file.exists():
            submission = SignedSubmission.from_json(load_json(pending_file))
            if submission.did != voter.did or (submission.ballot.ballot_id != plaintext.ballot_id and not auto_id):
                raise CommandFailed(f"{pending_file}: a pending submission of another voter or ballot")
            click.echo(f"ballotchain: sending again the submission saved in {pending_file}", err=True)
        else:
            submission = prepare_submission(online, voter, plaintext, challenge=challenge, device=device)
            save_json(pending_file, submission.to_json(), overwrite=False, secret=True)
        try:
            result = submit_signed(client, online, submission)
        except BoardCheckFailed as exc:
            raise CommandFailed(str(exc), EXIT_FAILED) from None
        except BoardClientError as exc:
            if exc.status is not None and 400 <= exc.status < 500:  # refused: nothing was logged
                pending_file.unlink(missing_ok=True)
            raise CommandFailed(str(exc)) from None
    save_json(out, result.to_json(), overwrite=False)
    pending_file.unlink(missing_ok=True)
    r = result.receipt
    state = "challenged" if submission.ballot.state is BallotState.SPOILED else "cast"
    console.print(f"ballot {r.ballot_id} {state}; confirmation code {r.confirmation_code.hex()}")
    console.print(f"leaf {r.leaf_index} of a tree of {r.sth.tree_size} signed by {online.board_public_key.hex()}")
    if result.checkpoint is not None:
        witnesses = ", ".join(check_cosigned(result.checkpoint, online.election.keys).witness_names)
        console.print(f"in the board's checkpoint cosigned by {witnesses}")
    console.print(f"receipt checked and saved to {out}")


def _client_step(step: Callable[[], T]) -> T:
    """Run a client step: a refused or failed request is bad input (2); a board that does not check, 1."""
    try:
        return step()
    except BoardCheckFailed as exc:
        raise CommandFailed(str(exc), EXIT_FAILED) from None
    except BoardClientError as exc:
        raise CommandFailed(str(exc)) from None


@click.group("receipt")
def receipt_group() -> None:
    """Voters' receipts: check that a ballot is still on the board."""


@receipt_group.command("check")
@click.argument("receipt_file", type=click.Path(path_type=Path))
@click.option("--board", "board_url", help="The board's URL (default: the one in the receipt).")
@board_key_pins
@witness_key_pins
@one_line_errors
def receipt_check_command(
    receipt_file: Path,
    board_url: str | None,
    board_key_pin: str | None,
    registrar_key_pin: str | None,
    witness_key_pins: tuple[str, ...],
) -> None:
    """Prove the receipt's ballot is in the board's latest signed tree (inclusion + consistency).

    Exit 1 if a later ballot of the same DID replaced it (the log's ballot_superseded entry): it no longer counts.

    The receipt's board key must be the one in the election's board_keys.json, and the board's roster
    signed by its registrar key; --board-key and --registrar-key pin those keys (exit 1 if they differ).
    """
    saved = CastResult.from_json(load_json(receipt_file))
    board_pin, registrar_pin = parse_key_pins(board_key_pin, registrar_key_pin)
    witness_pins = parse_witness_pins(witness_key_pins)
    with BoardClient(board_url or saved.board_url) as client:
        checked = _client_step(
            lambda: check_receipt(
                client, saved, board_public_key=board_pin, registrar_public_key=registrar_pin, witness_keys=witness_pins
            )
        )
    latest, replaced = checked.latest, checked.replaced_by
    console.print(
        f"ballot {saved.ballot.ballot_id} (leaf {saved.receipt.leaf_index}) is in the board's latest tree of "
        f"{latest.tree_size} entries, which extends the receipt's tree of {saved.receipt.sth.tree_size}"
    )
    if checked.checkpoint_size is not None:
        console.print(
            f"the board's checkpoint of {checked.checkpoint_size} entries is cosigned by {', '.join(checked.witnesses)}"
        )
    if replaced is not None:
        raise CommandFailed(
            f"ballot {saved.ballot.ballot_id} NO LONGER COUNTS: entry {replaced.entry_index} of the board's log "
            f"(ballot_superseded) replaces it by ballot {replaced.new_ballot_id}, cast later with the same DID; "
            "if you did not cast that ballot, someone else used your credential: tell the election officials",
            EXIT_FAILED,
        )


@board_group.command("mirror")
@click.option("--board", "board_url", required=True, help="The board's URL.")
@click.option("--db", type=click.Path(path_type=Path), required=True, help="The mirror's SQLite database.")
@board_key_pins
@witness_key_pins
@click.option("--allow-test-group", is_flag=True, help="Accept the engine's small test group (tests, demos).")
@click.option("--serve", "serve_copy", is_flag=True, help="Then serve the copy's read API, copying as the log grows.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8090, show_default=True, help="0: any free port.")
@click.option(
    "--every", type=click.FloatRange(0.1, 86400), default=10.0, show_default=True, help="Seconds between copies."
)
@one_line_errors
def board_mirror_command(
    board_url: str,
    db: Path,
    board_key_pin: str | None,
    registrar_key_pin: str | None,
    witness_key_pins: tuple[str, ...],
    allow_test_group: bool,
    serve_copy: bool,
    host: str,
    port: int,
    every: float,
) -> None:
    """Copy the board's log entry by entry, each checked against its cosigned checkpoint (and serve the copy).

    The copy's root must be the checkpoint's, cosigned by k of the election's witnesses, or nothing is
    copied (exit 1). With --serve it answers the board's read API (ballots are refused) and copies new
    entries every --every seconds.
    """
    board_pin, registrar_pin = parse_key_pins(board_key_pin, registrar_key_pin)
    witness_pins = parse_witness_pins(witness_key_pins)
    with board_lock(db, "mirroring into it"), BoardClient(board_url) as client:
        storage = open_storage(db, create=True)
        try:

            def copy() -> MirrorProgress:
                return mirror_board(
                    client,
                    storage,
                    allow_test_group=allow_test_group,
                    board_public_key=board_pin,
                    registrar_public_key=registrar_pin,
                    witness_keys=witness_pins,
                )

            progress = _client_step(copy)
            _print_mirror_progress(progress)
        finally:
            storage.close()
        if not serve_copy:
            return
        service = MirrorService(db)

        def refresh() -> None:
            try:
                mirror_board(
                    client,
                    service.storage,
                    allow_test_group=allow_test_group,
                    board_public_key=board_pin,
                    registrar_public_key=registrar_pin,
                    witness_keys=witness_pins,
                )
            except BallotchainError as exc:
                click.echo(f"ballotchain board mirror: {exc}", err=True)

        def ready(url: str) -> None:
            click.echo(f"ballotchain board mirror: serving {url} (a copy of {board_url}, copying every {every:g} s)")
            sys.stdout.flush()

        try:
            serve_mirror(service, host=host, port=port, refresh=refresh, every=every, on_ready=ready)
        finally:
            service.close()


def _print_mirror_progress(progress: MirrorProgress) -> None:
    checked = f"cosigned by {', '.join(progress.witnesses)}" if progress.witnesses else "signed by the board"
    console.print(
        f"copied {plural(progress.copied, 'entry', 'entries')}: the copy holds {progress.size}, its root that of "
        f"the board's checkpoint {checked}"
    )


COMMANDS = (registrar_group, board_group, vote_command, receipt_group)
