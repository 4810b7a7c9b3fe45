"""`ballotchain demo`: a whole election in one command, every role through its own files.

Guardians each keep a folder of their own under private/; what they publish or send goes into
exchange/; the public record goes into record/. Voters' choices are random (seeded by --seed, so a
run can be repeated); every cryptographic nonce still comes from `secrets`.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from importlib import resources
from pathlib import Path

import click

from engine.cli import ballot_cmds, decrypt_cmds, election_cmds, guardian_cmds
from engine.cli.common import CommandFailed, console, fresh_directory, one_line_errors
from engine.cli.progress import progress_bar
from engine.cli.results_cmd import render_results
from engine.cli.verify_cmd import render_report, run_verifier
from engine.election import PlaintextBallot, PlaintextContest, PlaintextSelection
from engine.manifest import Manifest
from engine.record import ElectionRecord
from engine.record.exchange import encode_plaintext_ballot_line
from engine.record.writer import atomic_write

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
) -> int:
    if not 1 <= quorum <= guardians:
        raise CommandFailed(f"the quorum {quorum} must be between 1 and the number of guardians {guardians}")
    if guardians - absent < quorum:
        raise CommandFailed(f"with {absent} of {guardians} guardians absent, the quorum of {quorum} cannot decrypt")
    fresh_directory(out, "the demo folder")
    record, private, exchange = out / "record", out / "private", out / "exchange"
    started = time.perf_counter()

    def step(text: str) -> None:
        console.print(f"[bold cyan]{time.perf_counter() - started:6.1f}s[/] {text}")

    manifest_file = private / "manifest.json"
    atomic_write(manifest_file, demo_manifest_bytes(), label=str(manifest_file), overwrite=False)
    election_cmds.init_election(manifest_file, guardians, quorum, record, group_name=group_name, chain=True)
    step(f"election configured: {guardians} guardians, quorum {quorum}, {group_name} group")

    ids = [f"guardian-{i}" for i in range(1, guardians + 1)]
    secret = {g: private / g / "guardian-secret.json" for g in ids}
    publics, shares, complaints = exchange / "publics", exchange / "shares", exchange / "complaints"
    publics.mkdir(parents=True)
    for x, g in enumerate(ids, start=1):
        guardian_cmds.keygen(record, g, x, secret[g], publics / f"guardian-{g}.json", None)
    step("each guardian made its polynomial and published commitments with Schnorr proofs")
    for g in ids:
        guardian_cmds.send_shares(record, secret[g], publics, shares, None)
    for g in ids:
        guardian_cmds.receive_shares(record, secret[g], publics, shares, complaints, None)
    step(f"{guardians * (guardians - 1)} encrypted shares exchanged and checked against the commitments")
    guardian_cmds.finalize(record, publics)
    step(f"joint key published; H_E = {ElectionRecord(record).initialized.extended_base_hash.hex()[:16]}...")

    manifest = ElectionRecord(record).manifest
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
    with progress_bar("encrypting ballots", voters) as advance:
        for d in range(devices):
            mine = ballots[d::devices]
            ballot_cmds.encrypt_ballots(
                record,
                mine,
                f"device-{d + 1}",
                [b.ballot_id for b in mine if b.ballot_id in challenged],
                on_ballot=lambda _b: advance(),
            )
    step(f"{voters} ballots encrypted on {devices} devices ({len(challenged)} challenged), codes chained per device")

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
    console.print(f"public record: {record}\nprivate data:  {private}")
    return 0 if report.ok else 1


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
    )
    raise SystemExit(code)
