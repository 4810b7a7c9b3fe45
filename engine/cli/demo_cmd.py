"""`ballotchain demo`: a whole election in one command, every role through its own files.

Guardians each keep a folder of their own under private/; what they publish or send goes into
exchange/; the public record goes into record/. With --online the election is defined in election/,
a registrar gives every voter a DID credential (private/voters/credentials/) and signs the roster,
the board's and the registrar's keys are fixed in the election record (board_keys.json), the
bulletin board runs as a server on loopback (its database and key in board/), voters encrypt on
their own machines (pinning both keys) and submit concurrently over HTTP, and the closed board is
exported into record/ with its log, which the verifier checks too (B.0-B.9). With --preencrypted the
election does not chain confirmation codes and about a quarter of the cast ballots are pre-encrypted
(spec 2.0.0 section 4): printed into private/printed/ before voting, marked with the short codes of the
voter's choices and recorded by a scanner (a quarter of the challenged voters' too, recorded uncast with
their primary nonces), so the verifier runs checks 15.A-18.D. Voters' choices are
random (seeded by --seed, so a run can be repeated); every cryptographic nonce still comes from
`secrets`.
"""

from __future__ import annotations

import contextlib
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path

import click

from engine.ballot import EncryptionContext
from engine.cli import ballot_cmds, board_cmds, decrypt_cmds, election_cmds, guardian_cmds
from engine.cli.common import CommandFailed, console, fresh_directory, one_line_errors
from engine.cli.progress import progress_bar
from engine.cli.results_cmd import render_results
from engine.cli.sample_election import demo_manifest_bytes, random_ballots
from engine.cli.verify_cmd import render_report, run_verifier
from engine.client import BoardClient, CastResult, cast_ballot, check_receipt, fetch_election, monitor
from engine.credentials.did import VoterCredential
from engine.election import PlaintextBallot
from engine.manifest import Manifest
from engine.preencrypt import make_preencrypted_ballots, record_marked_ballot
from engine.record import ElectionRecord, ElectionRecordWriter
from engine.record.codecs.manifest import decode_manifest, encode_manifest
from engine.record.codecs.printed_ballot import read_printed_ballot, write_printed_ballot
from engine.record.exchange import encode_plaintext_ballot_line
from engine.record.jsonio import dumps, loads
from engine.record.writer import atomic_write
from engine.verify import Status
from engine.verify.catalog import PREENCRYPTED_CHECKS


def expected_counts(ballots: list[PlaintextBallot], cast_ids: set[str]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for b in ballots:
        if b.ballot_id in cast_ids:
            for c in b.contests:
                for s in c.selections:
                    counts[(c.contest_id, s.selection_id)] += s.vote
    return counts


def run_demo(
    out: Path,
    *,
    voters: int,
    guardians: int,
    quorum: int,
    absent: int,
    challenge_rate: float,
    seed: int,
    group_name: str,
    devices: int,
    jobs: int,
    online: bool = False,
    preencrypted: bool = False,
) -> int:
    if online and preencrypted:
        raise CommandFailed("--preencrypted runs offline: it cannot be combined with --online")
    if not 1 <= quorum <= guardians:
        raise CommandFailed(f"the quorum {quorum} must be between 1 and the number of guardians {guardians}")
    if guardians - absent < quorum:
        raise CommandFailed(f"with {absent} of {guardians} guardians absent, the quorum of {quorum} cannot decrypt")
    fresh_directory(out, "the demo folder")
    private, exchange = out / "private", out / "exchange"
    # Offline, the devices write straight into the record; online, the board's export makes it.
    election_dir = out / ("election" if online else "record")
    started = time.perf_counter()

    def step(text: str) -> None:
        console.print(f"[bold cyan]{time.perf_counter() - started:6.1f}s[/] {text}")

    secret = run_ceremony(
        election_dir,
        private,
        exchange,
        guardians,
        quorum,
        group_name,
        chain=not (online or preencrypted),
        step=step,
        preencrypted=preencrypted,
    )
    ids = list(secret)

    manifest = ElectionRecord(election_dir).manifest
    rng = random.Random(seed)
    ballots = random_ballots(manifest, voters, rng)
    challenged = {b.ballot_id for b in ballots if rng.random() < challenge_rate}
    ballot_file = private / "voters" / "ballots.jsonl"
    atomic_write(
        ballot_file,
        b"".join(encode_plaintext_ballot_line(b) for b in ballots),
        label=str(ballot_file),
        overwrite=False,
        secret=True,
    )
    if online:
        record = out / "record"
        vote_online(out, election_dir, record, manifest, ballots, challenged, rng, group_name, jobs, step)
    else:
        record = election_dir
        scanned = preencrypted_share(ballots, challenged) if preencrypted else set()
        if scanned:
            vote_preencrypted(record, private / "printed", [b for b in ballots if b.ballot_id in scanned], challenged)
            spoiled = len(scanned & challenged)
            step(
                f"{len(scanned)} pre-encrypted ballots printed, marked with short codes and recorded "
                f"({spoiled} challenged, with their primary nonces)"
            )
        plain = [b for b in ballots if b.ballot_id not in scanned]
        with progress_bar("encrypting ballots", len(plain)) as advance:
            for d in range(devices):
                mine = plain[d::devices]
                ballot_cmds.encrypt_ballots(
                    record,
                    mine,
                    f"device-{d + 1}",
                    [b.ballot_id for b in mine if b.ballot_id in challenged],
                    on_ballot=lambda _b: advance(),
                )
        chained = "" if preencrypted else ", codes chained per device"
        step(f"{len(plain)} ballots encrypted on {devices} devices ({len(challenged)} challenged){chained}")

    tally = ballot_cmds.tally_record(record, processes=jobs)
    step(f"encrypted tally of {len(tally.cast_ballot_ids)} cast ballots")

    present = ids[: guardians - absent]
    partials, asked, answers = exchange / "partials", exchange / "challenges", exchange / "responses"
    nonces = {g: private / g / "decryption-nonces.json" for g in present}
    with progress_bar("partial decryptions", len(present)) as advance:
        for g in present:
            decrypt_cmds.guardian_decrypt(record, secret[g], partials, nonces[g], None)
            advance()
    decrypt_cmds.decrypt_challenge(record, partials, asked)
    for g in present:
        decrypt_cmds.guardian_answer(record, secret[g], nonces[g], asked, answers, None)
    result, dballots = decrypt_cmds.decrypt_combine(record, partials, answers)
    missing = ", ".join(ids[guardians - absent :]) or "none"
    step(f"tally and {len(dballots)} challenged ballots decrypted by {len(present)} guardians (absent: {missing})")

    render_results(manifest, result)
    want = expected_counts(ballots, set(tally.cast_ballot_ids))
    got = {(c.contest_id, s.selection_id): s.tally for c in result.contests for s in c.selections}
    if any(got[key] != want.get(key, 0) for key in got):
        raise CommandFailed("the decrypted tally differs from the voters' choices", 1)
    step("the decrypted tally equals the count of the voters' plaintext choices")

    report = run_verifier(record, jobs, group_name == "test")
    render_report(report, show_passed=False)
    if online:
        board_checks = [c for c in report.checks if c.check_id.startswith("B.")]
        passed = sum(1 for c in board_checks if c.status is Status.PASSED)
        step(f"board checks: {passed} of {len(board_checks)} passed (the log, signatures, roster, one vote per DID)")
    if preencrypted:
        passed = sum(1 for c in PREENCRYPTED_CHECKS if report.check(c).status is Status.PASSED)
        step(f"pre-encrypted ballot checks: {passed} of {len(PREENCRYPTED_CHECKS)} passed (15.A-18.D)")
    console.print(f"public record: {record}\nprivate data:  {private}")
    return 0 if report.ok else 1


def run_ceremony(
    record: Path,
    private: Path,
    exchange: Path,
    guardians: int,
    quorum: int,
    group_name: str,
    *,
    chain: bool,
    step: Callable[[str], None],
    preencrypted: bool = False,
) -> dict[str, Path]:
    """Configure the election and run the key ceremony; each guardian's secret file, by guardian id. With
    ``preencrypted`` the manifest admits pre-encrypted ballots (its `preencrypted_ballots` option)."""
    manifest_file = private / "manifest.json"
    manifest_bytes = demo_manifest_bytes()
    if preencrypted:
        manifest = replace(decode_manifest(loads(manifest_bytes, "demo manifest")), preencrypted_ballots=True)
        manifest_bytes = dumps(encode_manifest(manifest))
    atomic_write(manifest_file, manifest_bytes, label=str(manifest_file), overwrite=False)
    election_cmds.init_election(manifest_file, guardians, quorum, record, group_name=group_name, chain=chain)
    step(f"election configured: {guardians} guardians, quorum {quorum}, {group_name} group")

    ids = [f"guardian-{i}" for i in range(1, guardians + 1)]
    secret = {g: private / g / "guardian-secret.json" for g in ids}
    publics, shares, complaints = exchange / "publics", exchange / "shares", exchange / "complaints"
    publics.mkdir(parents=True)
    for x, g in enumerate(ids, start=1):
        guardian_cmds.keygen(record, g, x, secret[g], guardian_cmds.public_record_file(publics, g), None)
    step("each guardian made its polynomial and published commitments with Schnorr proofs")
    for g in ids:
        guardian_cmds.send_shares(record, secret[g], publics, shares, None)
    for g in ids:
        guardian_cmds.receive_shares(record, secret[g], publics, shares, complaints, None, exchange / "statements")
    step(f"{guardians * (guardians - 1)} encrypted shares exchanged and checked against the commitments")
    guardian_cmds.finalize(record, publics, exchange / "statements", complaints)
    step(f"joint key published; H_E = {ElectionRecord(record).initialized.extended_base_hash.hex()[:16]}...")
    return secret


# ---------------------------------------------------------------- pre-encrypted ballots

PREENCRYPTED_EVERY = 4
SCANNER = "scanner-1"


def preencrypted_share(ballots: list[PlaintextBallot], challenged: set[str]) -> set[str]:
    """The ids of every PREENCRYPTED_EVERY-th cast ballot (at least one) and of every PREENCRYPTED_EVERY-th
    challenged one: those voters mark a pre-encrypted ballot."""
    cast = [b.ballot_id for b in ballots if b.ballot_id not in challenged]
    spoiled = [b.ballot_id for b in ballots if b.ballot_id in challenged]
    return set(cast[PREENCRYPTED_EVERY - 1 :: PREENCRYPTED_EVERY] or cast[:1]) | set(
        spoiled[PREENCRYPTED_EVERY - 1 :: PREENCRYPTED_EVERY]
    )


def vote_preencrypted(record: Path, printed: Path, ballots: list[PlaintextBallot], challenged: set[str]) -> None:
    """Spec 2.0.0 section 4: the encrypting tool prints a ballot per voter (its file, with the primary nonce,
    under printed/); each voter marks the short codes of the options chosen; the recording tool regenerates
    the ballot from its file and writes it to the record as cast (section 4.3), or, for a voter in
    ``challenged``, as uncast with its primary nonce (section 4.5)."""
    election = ElectionRecord(record)
    init, manifest = election.initialized, election.manifest
    ctx = EncryptionContext(init.extended_base_hash, init.joint_public_key)
    by_id = {b.ballot_id: b for b in ballots}
    style = ballots[0].ballot_style
    made = make_preencrypted_ballots(ctx, manifest, style, list(by_id), code_baux=election.config.baux0)
    for pre in made:
        write_printed_ballot(printed / f"{pre.ballot_id}.json", ctx.extended_base_hash, pre)
    writer = ElectionRecordWriter(record)
    with progress_bar("recording pre-encrypted ballots", len(made)) as advance:
        for pre in made:
            file = read_printed_ballot(printed / f"{pre.ballot_id}.json")
            chosen = {
                (c.contest_id, s.selection_id) for c in by_id[pre.ballot_id].contests for s in c.selections if s.vote
            }
            marks = {
                c.contest_id: [s.short_code for s in c.options if (c.contest_id, s.selection_id) in chosen]
                for c in pre.contests
            }
            ballot = record_marked_ballot(
                ctx,
                manifest,
                file.ballot_id,
                file.ballot_style_id,
                file.primary_nonce,
                marks,
                device=SCANNER,
                code_baux=file.code_baux,
                challenged=pre.ballot_id in challenged,
            )
            if ballot.confirmation_code != file.confirmation_code:
                raise CommandFailed(f"{pre.ballot_id}: the ballot does not regenerate its printed confirmation code")
            writer.write_encrypted_ballot(ballot)
            advance()


# ---------------------------------------------------------------- online voting

REVOTE_RATE = 0.1
VOTER_THREADS = 8
SERVER_START_SECONDS = 120.0


def vote_online(
    out: Path,
    election_dir: Path,
    record: Path,
    manifest: Manifest,
    ballots: list[PlaintextBallot],
    challenged: set[str],
    rng: random.Random,
    group_name: str,
    jobs: int,
    step: Callable[[str], None],
) -> None:
    """Registrar, board on loopback, voters submitting concurrently over HTTP, close, export."""
    private, operator = out / "private", out / "board"
    roster_file = out / "exchange" / "roster.json"
    credentials = private / "voters" / "credentials"
    roster = board_cmds.make_voter_roster(
        election_dir, len(ballots), credentials, roster_file, private / "registrar" / "registrar-key.json"
    )
    step(f"registrar: {len(roster)} DID credentials (did:key, Ed25519) and the signed roster")

    db, key = operator / "board.sqlite", operator / "board-key.json"
    operator.mkdir(parents=True)
    board_key, _ = board_cmds.load_or_make_board_key(key)
    keys, _ = election_cmds.fix_election_keys(election_dir, board_key.public_key, roster.registrar_public_key)
    step(
        f"keys fixed in the election record before voting opens: board {keys.board_public_key.hex()[:16]}..., "
        f"registrar {keys.registrar_public_key.hex()[:16]}..."
    )
    drafts = {
        b.ballot_id: PlaintextBallot(f"{b.ballot_id}-draft", b.ballot_style, d.contests)
        for b, d in zip(ballots, random_ballots(manifest, len(ballots), rng))
        if b.ballot_id not in challenged and rng.random() < REVOTE_RATE
    }
    if not drafts:  # show at least one re-vote
        first = next((b for b in ballots if b.ballot_id not in challenged), None)
        if first is not None:
            drafts[first.ballot_id] = PlaintextBallot(f"{first.ballot_id}-draft", first.ballot_style, first.contests)
    with board_server(election_dir, roster_file, db, key, jobs) as url, BoardClient(url) as client:
        step(f"board serving {url}: the election is the log's first entry")
        online = fetch_election(
            client,
            board_public_key=keys.board_public_key,
            registrar_public_key=keys.registrar_public_key,
            allow_test_group=group_name == "test",
        )
        first_seen = monitor(client, None, board_public_key=online.board_public_key)

        def voter(number: int, plaintext: PlaintextBallot) -> CastResult:
            credential = VoterCredential.load(board_cmds.credential_path(credentials, number))
            draft = drafts.get(plaintext.ballot_id)
            if draft is not None:
                cast_ballot(client, online, credential, draft)
            challenge = plaintext.ballot_id in challenged
            return cast_ballot(client, online, credential, plaintext, challenge=challenge)

        with (
            progress_bar("voters casting over HTTP", len(ballots)) as advance,
            ThreadPoolExecutor(VOTER_THREADS) as pool,
        ):
            futures = [pool.submit(voter, n, b) for n, b in enumerate(ballots, start=1)]
            results = []
            for future in as_completed(futures):
                results.append(future.result())
                advance()
        step(
            f"{len(results)} voters encrypted on their machines and submitted concurrently ({len(challenged)} "
            f"challenged, {len(drafts)} re-voted): every receipt's signed head and inclusion proof checked"
        )
        for result in results:
            check_receipt(client, result, board_public_key=keys.board_public_key)
        latest = monitor(client, first_seen)
        step(
            f"every receipt is in the latest tree of {latest.sth.tree_size} entries; the monitor proved the log "
            f"only grew from {first_seen.sth.tree_size} entries"
        )
    closed, head = board_cmds.close_board(db, key)
    summary = board_cmds.export_board(db, election_dir, record)
    step(
        f"board closed ({closed.counted_count} counted ballots, final tree of {head.tree_size} entries) and exported: "
        f"{summary.cast} cast, {summary.challenged} challenged, {summary.superseded} superseded on the log only"
    )


@contextlib.contextmanager
def board_server(election_dir: Path, roster: Path, db: Path, key: Path, jobs: int) -> Iterator[str]:
    """`ballotchain board serve` in a child process on a free loopback port; its URL; stopped after."""
    command = [
        sys.executable,
        "-m",
        "engine.cli.main",
        "board",
        "serve",
        "--election",
        str(election_dir),
        "--roster",
        str(roster),
        "--db",
        str(db),
        "--board-key",
        str(key),
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--check-workers",
        str(jobs),
    ]
    log = db.parent / "server.log"
    with log.open("ab") as errors:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors)
    try:
        yield wait_for_url(process, SERVER_START_SECONDS, log)
    finally:
        stop_process(process)


def wait_for_url(process: subprocess.Popen[bytes], timeout: float, log: Path) -> str:
    """The URL a `board serve` child prints once it listens (CommandFailed if it does not)."""
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            text = line.decode("utf-8", "replace")
            if "serving http" in text and not found:
                found.append(text.split("serving ", 1)[1].split()[0])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found:
        process.kill()
        process.wait()
        lines = log.read_text("utf-8", "replace").strip().splitlines()
        raise CommandFailed(f"the board server did not start: {lines[-1] if lines else 'no answer'} (see {log})")
    return found[0]


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path), default=Path("demo-out"), show_default=True)
@click.option("--voters", type=click.IntRange(1, 1_000_000), default=200, show_default=True)
@click.option("--guardians", type=click.IntRange(1, 100), default=5, show_default=True)
@click.option("--quorum", type=click.IntRange(1, 100), default=3, show_default=True)
@click.option(
    "--absent", type=click.IntRange(0, 99), default=1, show_default=True, help="Guardians away at decryption."
)
@click.option("--challenge-rate", type=click.FloatRange(0, 1), default=0.05, show_default=True)
@click.option("--seed", type=int, default=2026, show_default=True, help="Seed of the voters' random choices.")
@click.option(
    "--group",
    "group_name",
    type=click.Choice(["production", "test"]),
    default="production",
    show_default=True,
)
@click.option("--devices", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--jobs", type=click.IntRange(1, 256), default=2, show_default=True)
@click.option(
    "--online",
    is_flag=True,
    help="Vote over HTTP: DID credentials, a bulletin-board server on loopback, concurrent voters.",
)
@click.option(
    "--preencrypted",
    is_flag=True,
    help="About a quarter of the cast ballots are pre-encrypted (spec 4), marked by short code; codes unchained.",
)
@one_line_errors
def demo_command(
    out: Path,
    voters: int,
    guardians: int,
    quorum: int,
    absent: int,
    challenge_rate: float,
    seed: int,
    group_name: str,
    devices: int,
    jobs: int,
    online: bool,
    preencrypted: bool,
) -> None:
    """Run a whole election end to end and verify its record."""
    code = run_demo(
        out,
        voters=voters,
        guardians=guardians,
        quorum=quorum,
        absent=absent,
        challenge_rate=challenge_rate,
        seed=seed,
        group_name=group_name,
        devices=devices,
        jobs=jobs,
        online=online,
        preencrypted=preencrypted,
    )
    raise SystemExit(code)
