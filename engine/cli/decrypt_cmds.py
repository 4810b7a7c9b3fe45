"""Verifiable decryption across machines, spec 2.0.0 section 3.6, in four steps:

1. each available guardian: `ballotchain guardian decrypt` -> partial-<id>.json (M_i, a_i, b_i),
   keeping its nonces u_i in a 0600 file; it first checks, on its own copy of the record, that the
   encrypted tally is the product of exactly the record's cast ballots (8.A, 8.B, R.cast_set, as
   the verifier checks them), and refuses otherwise;
2. the tallyer: `ballotchain decrypt challenge` -> challenges-<id>.json (c_i = c w_i, eq. 72);
3. each guardian: `ballotchain guardian respond` -> response-<id>.json (v_i, eq. 73), and the
   nonce file is destroyed (answering twice would reveal P(i));
4. the tallyer: `ballotchain decrypt combine` checks every response (eq. 74-75) and writes
   tally.json and challenged_ballots/.

No single party stops the decryption. A guardian whose partial decryptions are unreadable, of
another session or malformed is left out at step 2 (named), and the others are challenged. A
guardian whose response fails at step 4 is named and nothing is published: the others' nonces are
spent, so the round starts again without it (``--exclude``), and the command prints exactly what
to run. A challenged ballot that cannot be decrypted, or whose contest data cannot, is named
(check id, ballot, contest); the tally and every other challenged ballot are published.

Exit codes: 0 done; 1 a guardian or a ballot failed a check and is named on stderr (stdout says
what was written, if anything; when nothing could be written, stderr says what to run next);
2 bad input, nothing written.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from engine.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    CommandFailed,
    console,
    one_line_errors,
    passphrase_option,
    plural,
    resolve_passphrase,
)
from engine.decrypt import (
    NO_RESPONSE,
    BallotProblem,
    DecryptionContext,
    DecryptionJob,
    GuardianChallenges,
    GuardianFault,
    GuardianResponses,
    GuardianSecretState,
    GuardianShares,
    combine_verified,
    compute_challenges,
    guardian_partial_decrypt,
    guardian_respond,
    response_faults,
    screen_shares,
)
from engine.election import BallotState, DecryptedTallyOrBallot, ElectionInitialized, EncryptedBallot, EncryptedTally
from engine.errors import BallotchainError
from engine.group import Group
from engine.hash import UInt256
from engine.ids import check_identifier, identifier_problem, shown_identifier
from engine.record import ElectionRecord, ElectionRecordWriter
from engine.record.exchange import (
    CHALLENGES_KIND,
    NONCES_KIND,
    PARTIAL_KIND,
    RESPONSES_KIND,
    DecryptionMessage,
    read_decryption_message,
    read_guardian_state_for,
    write_decryption_message,
)
from engine.record.layout import ENCRYPTED_TALLY, TALLY
from engine.verify.layout import ManifestLayout
from engine.verify.report import Finding, Recorder
from engine.verify.tally import Aggregator, verify_aggregation, verify_cast_set

PARTIAL_PREFIX, RESPONSE_PREFIX = "partial-", "response-"
# What the combine step did with a challenged ballot that has a problem, by check id.
CONSEQUENCES = {
    "R.contest_data": "its selections and the proven beta of its contest data are published, the contest data "
    "itself as empty (the ballot's metadata says why)",
    "13.B": "the ballot is not published",
}


# ------------------------------------------------------------------------------- the record's side


class AggregationCheck:
    """Verifications 8.A, 8.B and R.cast_set (engine.verify.tally) over a copy of the record.

    A guardian runs it before any partial decryption, so that a tallyer cannot have one voter's
    ciphertexts (or a tally without some cast ballots) decrypted in place of the election's tally.
    """

    def __init__(self, record: ElectionRecord) -> None:
        self.layout = ManifestLayout.from_manifest(record.manifest)
        self.aggregator = Aggregator(record.group)
        self.cast_ids: list[str] = []

    def add(self, ballot: EncryptedBallot) -> None:
        if ballot.state is BallotState.CAST:
            self.aggregator.add(ballot)
            self.cast_ids.append(ballot.ballot_id)

    def findings(self, tally: EncryptedTally, h_e: UInt256) -> tuple[Finding, ...]:
        rec = Recorder()
        rec.expect(
            tally.election_id == h_e,
            "R.election_id",
            "the encrypted tally names another H_E",
            file=ENCRYPTED_TALLY,
        )
        verify_cast_set(rec, tally, self.cast_ids)
        verify_aggregation(rec, self.layout, tally, self.aggregator)
        return rec.build("record", 0.0, 1).findings


class Session:
    """The public inputs of one decryption session, read from the record in one pass over its ballots."""

    def __init__(self, record_dir: Path, *, check_aggregation: bool = False) -> None:
        self.record_dir = record_dir
        self.record = ElectionRecord(record_dir)
        self.init: ElectionInitialized = self.record.initialized
        self.group: Group = self.record.group
        encrypted_tally = self.record.encrypted_tally
        check = AggregationCheck(self.record) if check_aggregation else None
        challenged = []
        for ballot in self.record.encrypted_ballots():
            if check is not None:
                check.add(ballot)
            if ballot.state is BallotState.SPOILED:
                challenged.append(ballot)
        self.aggregation_findings = (
            () if check is None else check.findings(encrypted_tally, self.init.extended_base_hash)
        )
        self.job = DecryptionJob.of(self.init, encrypted_tally, challenged)
        self.items = self.job.items(self.init)
        self.fingerprint: UInt256 = self.job.fingerprint(self.init)
        self.context = DecryptionContext.from_init(self.init)

    @property
    def quorum(self) -> int:
        return self.init.config.quorum

    @property
    def guardian_ids(self) -> tuple[str, ...]:
        return tuple(g.guardian_id for g in self.init.guardians)

    def excluded(self, names: Iterable[str]) -> frozenset[str]:
        """The guardians the tallyer leaves out (``--exclude``): each must be a guardian of the election."""
        out = set()
        for name in names:
            check_identifier(name, "guardian id")
            if name not in self.guardian_ids:
                raise CommandFailed(f"--exclude {name}: not a guardian of this election")
            out.add(name)
        return frozenset(out)

    def read(self, path: Path, kind: str, passphrase: str | None = None) -> DecryptionMessage:
        return read_decryption_message(
            path,
            kind,
            self.group,
            expected_election=self.init.extended_base_hash,
            expected_job=self.fingerprint,
            passphrase=passphrase,
        )

    def message(self, kind: str, guardian_id: str, x: int, values: tuple[object, ...]) -> DecryptionMessage:
        return DecryptionMessage(kind, self.init.extended_base_hash, self.fingerprint, guardian_id, x, values)

    def describe(self, fault: GuardianFault) -> str:
        what = f" ({self.job.item_labels()[fault.item]})" if fault.item is not None else ""
        return f"guardian {fault.guardian_id} {fault.reason}{what}"


def _guardian_named_by(path: Path, prefix: str) -> str:
    name = path.name[len(prefix) : -len(".json")]
    return name if identifier_problem(name) is None else shown_identifier(name)


def _unreadable(path: Path, exc: Exception) -> str:
    return "sent a file that cannot be used: " + " ".join(f"{path.name}: {exc}".split())


def collect_partials(
    session: Session, folder: Path, excluded: frozenset[str]
) -> tuple[list[GuardianShares], list[GuardianFault]]:
    """The usable partial-<id>.json of ``folder`` and a fault for each guardian whose file is not."""
    files = sorted(folder.glob(f"{PARTIAL_PREFIX}*.json"))
    if not files:
        raise CommandFailed(f"{folder}: no {PARTIAL_PREFIX}*.json files")
    shares: list[GuardianShares] = []
    faults: list[GuardianFault] = []
    for path in files:
        named = _guardian_named_by(path, PARTIAL_PREFIX)
        if named in excluded:
            continue
        try:
            m = session.read(path, PARTIAL_KIND)
        except (BallotchainError, OSError) as exc:
            faults.append(GuardianFault(named, _unreadable(path, exc)))
            continue
        if m.guardian_id != named:
            faults.append(
                GuardianFault(named, f"sent {path.name}, which holds the partial decryptions of another guardian")
            )
            continue
        shares.append(GuardianShares(m.guardian_id, m.x_coordinate, tuple(m.values)))
    good, screened = screen_shares(session.context, shares, len(session.items))
    return list(good), faults + list(screened)


def collect_responses(
    session: Session, folder: Path, guardians: Sequence[GuardianShares]
) -> tuple[list[GuardianResponses], list[GuardianFault]]:
    """response-<id>.json of each guardian of the combination; a missing one is left to response_faults."""
    responses: list[GuardianResponses] = []
    faults: list[GuardianFault] = []
    for shares in guardians:
        path = folder / f"{RESPONSE_PREFIX}{shares.guardian_id}.json"
        if not path.exists():
            continue
        try:
            m = session.read(path, RESPONSES_KIND)
        except (BallotchainError, OSError) as exc:
            faults.append(GuardianFault(shares.guardian_id, _unreadable(path, exc)))
            continue
        if m.guardian_id != shares.guardian_id or m.x_coordinate != shares.x_coordinate:
            faults.append(
                GuardianFault(shares.guardian_id, f"sent {path.name}, which holds another guardian's responses")
            )
            continue
        responses.append(GuardianResponses(m.guardian_id, tuple(m.values)))
    return responses, faults


# ------------------------------------------------------------------------------- what to run next


def _next_folder(path: Path) -> Path:
    """partials -> partials-2, partials-2 -> partials-3: a fresh folder for the next round."""
    stem, _, number = path.name.rpartition("-")
    if stem and number.isdigit():
        return path.with_name(f"{stem}-{int(number) + 1}")
    return path.with_name(f"{path.name}-2")


def new_round_commands(
    record_dir: Path, partials: Path, responses: Path, guardians: Sequence[str], excluded: Iterable[str]
) -> list[str]:
    """The four steps of a new round in fresh folders, leaving ``excluded`` out."""
    p2, r2 = _next_folder(partials), _next_folder(responses)
    c2 = _next_folder(partials.with_name("challenges"))
    skip = "".join(f" --exclude {g}" for g in sorted(excluded))
    each = f"(each of {', '.join(guardians)})"
    return [
        f"  ballotchain guardian decrypt --record {record_dir} --secret SECRET --out {p2} --nonces NONCES   {each}",
        f"  ballotchain decrypt challenge --record {record_dir} --partials {p2} --out {c2}{skip}",
        f"  ballotchain guardian respond --record {record_dir} --secret SECRET --nonces NONCES "
        f"--challenges {c2} --out {r2}   {each}",
        f"  ballotchain decrypt combine --record {record_dir} --partials {p2} --responses {r2}{skip}",
    ]


def _fault_lines(session: Session, faults: Sequence[GuardianFault]) -> list[str]:
    return [f"{session.describe(f)}; left out" for f in faults]


def _problem_line(problem: BallotProblem) -> str:
    where = f"ballot {problem.ballot_id}"
    if problem.contest_id:
        where += f", contest {problem.contest_id}"
    if problem.selection_id:
        where += f", selection {problem.selection_id}"
    consequence = CONSEQUENCES.get(problem.check_id, "the ballot is not decrypted")
    return f"[{problem.check_id}] {where}: {problem.reason}; {consequence}"


def _failure(lines: Sequence[str]) -> CommandFailed:
    """Exit 1 with these lines on stderr, each prefixed like the first (commands to run are indented)."""
    shown = [lines[0], *(line if line.startswith(" ") else f"ballotchain: {line}" for line in lines[1:])]
    return CommandFailed("\n".join(shown), EXIT_FAILED)


def _warn(lines: Iterable[str]) -> None:
    for line in lines:
        click.echo(f"ballotchain: {line}", err=True)


# ------------------------------------------------------------------------------- the four steps


def summarize_findings(findings: Sequence[Finding]) -> str:
    """One line: each distinct finding (check and message) once, with where it first holds and how often."""
    groups: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.check_id, f.message), []).append(f)
    parts = []
    for (check_id, message), group in groups.items():
        first = group[0]
        where = first.where(with_file=False)
        often = f"{len(group)} times, first: " if len(group) > 1 else ""
        parts.append(f"[{check_id}] {message} ({often}{where or first.file})")
    return "; ".join(parts)


def refuse_unless_aggregated(session: Session) -> None:
    """A guardian's check before step 1: the tally is exactly the aggregation of the record's cast ballots."""
    findings = session.aggregation_findings
    if findings:
        raise CommandFailed(
            f"refusing to decrypt: {ENCRYPTED_TALLY} is not the product of exactly the record's cast ballots: "
            f"{summarize_findings(findings)}; no partial decryption written",
            EXIT_FAILED,
        )


def guardian_decrypt(
    record_dir: Path, secret: Path, out: Path, nonces_file: Path, passphrase: str | None
) -> DecryptionMessage:
    session = Session(record_dir, check_aggregation=True)
    refuse_unless_aggregated(session)
    state = read_guardian_state_for(secret, session.init.config, passphrase)
    me = state.secrets
    partial_file = out / f"{PARTIAL_PREFIX}{me.guardian_id}.json"
    refuse_repeated_step1(partial_file, nonces_file)
    shares, secret_state = guardian_partial_decrypt(state.trustee(), session.items)
    write_decryption_message(
        nonces_file,
        session.message(NONCES_KIND, me.guardian_id, me.x_coordinate, secret_state.nonces_to_store()),
        passphrase=passphrase,
    )
    message = session.message(PARTIAL_KIND, me.guardian_id, me.x_coordinate, shares.shares)
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_decryption_message(partial_file, message)
    except BaseException:
        # No partial decryption was published, so these nonces commit to nothing: remove them, so a retry works.
        nonces_file.unlink(missing_ok=True)
        raise
    return message


def refuse_repeated_step1(partial_file: Path, nonces_file: Path) -> None:
    """Step 1 writes nothing over an earlier run's files, and refuses before writing anything (so the nonce
    file of a refused run never blocks its retry)."""
    if partial_file.exists() and nonces_file.exists():
        raise CommandFailed(
            f"{partial_file} and {nonces_file} exist already: this guardian has done step 1 of this round; "
            "answer its challenges with `ballotchain guardian respond`"
        )
    if partial_file.exists():
        raise CommandFailed(
            f"{partial_file} exists already, from an earlier round: for a new round give --out a new folder "
            f"(e.g. {_next_folder(partial_file.parent)})"
        )
    if nonces_file.exists():
        raise CommandFailed(
            f"{nonces_file} exists already, with the nonces of partial decryptions that are not in "
            f"{partial_file.parent}: if they were sent in another folder, answer their challenges first "
            f"(`ballotchain guardian respond`); otherwise delete {nonces_file} (it answers no challenge) and run "
            "this command again"
        )


@dataclass(frozen=True)
class ChallengeOutcome:
    """Step 2: the guardians challenged, and the guardians left out for a bad partial decryption."""

    guardian_ids: tuple[str, ...]
    faults: tuple[GuardianFault, ...]
    problems: tuple[str, ...]


def _too_few_partials(
    session: Session, partials: Path, good: Sequence[GuardianShares], faults: Sequence[GuardianFault]
) -> CommandFailed:
    """No challenge written: name the guardians left out and who else could send partial decryptions.

    No nonce has answered a challenge yet, so the usable partial decryptions stay valid."""
    have = [s.guardian_id for s in good]
    failed = {f.guardian_id for f in faults}
    others = [g for g in session.guardian_ids if g not in have and g not in failed]
    step1 = (
        f"ballotchain guardian decrypt --record {session.record_dir} --secret SECRET --out {partials} --nonces NONCES"
    )
    summary = (
        f"no challenges written: {plural(len(have), 'usable partial decryption')} ({', '.join(have) or 'none'}), "
        "fewer than "
        f"the quorum k = {session.quorum}. Another guardian ({', '.join(others) or 'none left'}) must run "
        f"`{step1}`; then run this command again."
    )
    return _failure([*_fault_lines(session, faults), summary])


def issue_challenges(record_dir: Path, partials: Path, out: Path, exclude: Iterable[str] = ()) -> ChallengeOutcome:
    """Step 2 over the usable partial decryptions; fewer than k of them: exit 1, no challenge written."""
    session = Session(record_dir)
    excluded = session.excluded(exclude)
    good, faults = collect_partials(session, partials, excluded)
    problems = _fault_lines(session, faults)
    if len(good) < session.quorum:
        raise _too_few_partials(session, partials, good, faults)
    combination = compute_challenges(session.context, session.items, good)
    messages = {
        shares.guardian_id: session.message(
            CHALLENGES_KIND,
            shares.guardian_id,
            shares.x_coordinate,
            combination.challenges_for(shares.guardian_id).challenges,
        )
        for shares in combination.guardian_shares
    }
    refuse_other_round(session, partials, out, messages)
    out.mkdir(parents=True, exist_ok=True)
    for guardian_id, message in messages.items():
        write_decryption_message(out / f"challenges-{guardian_id}.json", message, overwrite=True)
    return ChallengeOutcome(tuple(messages), tuple(faults), tuple(problems))


def refuse_other_round(session: Session, partials: Path, out: Path, messages: dict[str, DecryptionMessage]) -> None:
    """Exit 1, writing nothing, if ``out`` holds challenges of an earlier round that differ from these (e.g.
    re-run with --exclude for a guardian who never answered): every c_i depends on the whole quorum (eq. 70-72),
    and a guardian who answered the earlier round has destroyed its nonces, so this quorum must compute new
    partial decryptions. The same challenges again (the same partial decryptions and quorum) are fine."""
    earlier = {p.name[len("challenges-") : -len(".json")]: p for p in sorted(out.glob("challenges-*.json"))}
    changed = []
    for guardian_id, path in earlier.items():
        try:
            same = guardian_id in messages and session.read(path, CHALLENGES_KIND) == messages[guardian_id]
        except (BallotchainError, OSError):
            same = False
        if not same:
            changed.append(guardian_id)
    if not changed:
        return
    quorum = list(messages)
    raise _failure(
        [
            f"no challenges written: {out} holds challenges of an earlier round for {', '.join(earlier)}, and the "
            f"quorum {', '.join(quorum)} changes them; whoever answered them has spent its nonces",
            f"{', '.join(quorum)} must compute new partial decryptions, in new folders:",
            *new_round_commands(
                session.record_dir,
                partials,
                partials.with_name("responses"),
                quorum,
                [g for g in session.guardian_ids if g not in quorum],
            ),
        ]
    )


def decrypt_challenge(record_dir: Path, partials: Path, out: Path) -> list[str]:
    """Step 2 with every usable partial decryption; the ids of the guardians challenged."""
    return list(issue_challenges(record_dir, partials, out).guardian_ids)


def guardian_answer(
    record_dir: Path, secret: Path, nonces_file: Path, challenges: Path, out: Path, passphrase: str | None
) -> None:
    session = Session(record_dir)
    state = read_guardian_state_for(secret, session.init.config, passphrase)
    me = state.secrets
    response_file = out / f"{RESPONSE_PREFIX}{me.guardian_id}.json"
    if not nonces_file.exists():
        raise CommandFailed(_no_nonces(nonces_file, response_file))
    nonces = session.read(nonces_file, NONCES_KIND, passphrase)
    if nonces.guardian_id != me.guardian_id:
        raise CommandFailed(f"{nonces_file}: the nonces of guardian {nonces.guardian_id!r}, not {me.guardian_id!r}")
    asked = session.read(challenges / f"challenges-{me.guardian_id}.json", CHALLENGES_KIND)
    trustee = state.trustee()
    secret_state = GuardianSecretState(me.guardian_id, me.x_coordinate, trustee.key_share, tuple(nonces.values))
    responses = guardian_respond(secret_state, GuardianChallenges(me.guardian_id, tuple(asked.values)))
    # u_i must never answer a second challenge: destroy the nonces before publishing v_i.
    nonces_file.unlink()
    out.mkdir(parents=True, exist_ok=True)
    message = session.message(RESPONSES_KIND, me.guardian_id, me.x_coordinate, responses.responses)
    write_decryption_message(response_file, message)


def _no_nonces(nonces_file: Path, response_file: Path) -> str:
    """Why step 3 cannot run without its nonce file: nonces answer one challenge and are destroyed then."""
    if response_file.exists():
        return (
            f"{nonces_file} is gone: this guardian's nonces were used (and destroyed) when it answered, and its "
            f"responses are in {response_file}; nonces answer one challenge only, nothing to do"
        )
    return (
        f"{nonces_file}: missing file; it is written by `ballotchain guardian decrypt` (step 1) and destroyed when "
        "the guardian answers its challenges, so if this guardian answered into another --out folder, its "
        "responses are there"
    )


@dataclass(frozen=True)
class CombineOutcome:
    """Step 4: what was published, and what was wrong (guardians left out, challenged-ballot problems)."""

    tally: DecryptedTallyOrBallot
    ballots: tuple[DecryptedTallyOrBallot, ...]
    problems: tuple[str, ...]


def _new_round_needed(
    session: Session, partials: Path, responses_dir: Path, faults: Sequence[GuardianFault], answered: Sequence[str]
) -> CommandFailed:
    """Nothing published: name the failing guardians and say how a new round without them goes."""
    failed = {f.guardian_id for f in faults}
    lines = _fault_lines(session, faults)
    silent = [f.guardian_id for f in faults if f.reason == NO_RESPONSE]
    if silent:
        lines.append(
            f"if {', '.join(silent)} will still answer, run this command again once the response files are in "
            f"{responses_dir} (a guardian left out with `decrypt challenge --exclude` must be left out here too)"
        )
    k = session.quorum
    if len(answered) >= k:
        guardians = list(answered)
        lines.append(
            f"nothing published: {', '.join(answered)} answered correctly (quorum k = {k}), but their nonces are "
            f"spent, so the decryption starts again without {', '.join(sorted(failed))}, in new folders:"
        )
    else:
        others = [g for g in session.guardian_ids if g not in failed and g not in answered]
        guardians = [*answered, *others]
        lines.append(
            f"nothing published: only {len(answered)} guardian(s) answered correctly "
            f"({', '.join(answered) or 'none'}), fewer than the quorum k = {k}. Start again without "
            f"{', '.join(sorted(failed))}, with at least {k - len(answered)} more of {', '.join(others) or 'nobody'}:"
        )
    lines.extend(new_round_commands(session.record_dir, partials, responses_dir, guardians, failed))
    return _failure(lines)


def combine_and_publish(
    record_dir: Path, partials: Path, responses_dir: Path, exclude: Iterable[str] = ()
) -> CombineOutcome:
    """Step 4: check every response; publish tally.json and the challenged ballots, or name who failed."""
    session = Session(record_dir)
    if session.record.has(TALLY):
        raise CommandFailed(f"{record_dir}: {TALLY} exists already")
    excluded = session.excluded(exclude)
    good, partial_faults = collect_partials(session, partials, excluded)
    if len(good) < session.quorum:
        raise _new_round_needed(session, partials, responses_dir, partial_faults, [s.guardian_id for s in good])
    combination = compute_challenges(session.context, session.items, good)
    responses, faults = collect_responses(session, responses_dir, combination.guardian_shares)
    unreadable = {f.guardian_id for f in faults}
    faults += [f for f in response_faults(session.context, combination, responses) if f.guardian_id not in unreadable]
    if faults:
        failed = {f.guardian_id for f in faults}
        answered = [s.guardian_id for s in combination.guardian_shares if s.guardian_id not in failed]
        raise _new_round_needed(session, partials, responses_dir, [*partial_faults, *faults], answered)
    published = session.job.assemble(session.init, combine_verified(session.context, combination, responses))
    # tally.json comes last: until it exists, a failed run may be repeated over its challenged ballots.
    ballots_writer = ElectionRecordWriter(record_dir, overwrite=True)
    for ballot in published.ballots:
        ballots_writer.write_challenged_ballot(ballot)
    ElectionRecordWriter(record_dir).write_tally(published.tally)
    problems = _fault_lines(session, partial_faults) + [_problem_line(p) for p in published.problems]
    return CombineOutcome(published.tally, published.ballots, tuple(problems))


def decrypt_combine(
    record_dir: Path, partials: Path, responses_dir: Path
) -> tuple[DecryptedTallyOrBallot, tuple[DecryptedTallyOrBallot, ...]]:
    """Step 4 (see combine_and_publish): tally.json and the challenged ballots published."""
    outcome = combine_and_publish(record_dir, partials, responses_dir)
    return outcome.tally, outcome.ballots


# ------------------------------------------------------------------------------- commands


exclude_option = click.option(
    "--exclude",
    multiple=True,
    metavar="GUARDIAN",
    help="Leave this guardian out (repeatable), e.g. after its response failed; the same for challenge and combine.",
)


@click.command("decrypt")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--secret", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for partial-<id>.json.")
@click.option("--nonces", "nonces_file", type=click.Path(path_type=Path), required=True, help="New secret nonce file.")
@passphrase_option
@one_line_errors
def guardian_decrypt_command(
    record_dir: Path, secret: Path, out: Path, nonces_file: Path, passphrase_env: str, ask_passphrase: bool
) -> None:
    """Step 1: check the tally against the record's cast ballots (8.A, 8.B), then partial decryptions
    M_i = A^P(i) with commitments (eq. 66, 69)."""
    m = guardian_decrypt(record_dir, secret, out, nonces_file, resolve_passphrase(passphrase_env, ask_passphrase))
    console.print(f"guardian {m.guardian_id}: {len(m.values)} partial decryptions written to {out}")


@click.command("respond")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--secret", type=click.Path(path_type=Path), required=True)
@click.option("--nonces", "nonces_file", type=click.Path(path_type=Path), required=True)
@click.option("--challenges", type=click.Path(path_type=Path), required=True, help="Folder of challenges-<id>.json.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for response-<id>.json.")
@passphrase_option
@one_line_errors
def guardian_respond_command(
    record_dir: Path,
    secret: Path,
    nonces_file: Path,
    challenges: Path,
    out: Path,
    passphrase_env: str,
    ask_passphrase: bool,
) -> None:
    """Step 3: responses v_i = u_i - c_i P(i) (eq. 73); the nonce file is destroyed."""
    guardian_answer(
        record_dir, secret, nonces_file, challenges, out, resolve_passphrase(passphrase_env, ask_passphrase)
    )
    console.print(f"responses written to {out}; {nonces_file} destroyed")


@click.group("decrypt")
def decrypt_group() -> None:
    """The tallyer's decryption steps: challenge, combine."""


@decrypt_group.command("challenge")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--partials", type=click.Path(path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@exclude_option
@one_line_errors
def challenge_command(record_dir: Path, partials: Path, out: Path, exclude: tuple[str, ...]) -> None:
    """Step 2: combine the commitments and issue each guardian's challenges (eq. 67-72).

    A guardian whose partial decryptions cannot be used is named and left out (exit 1)."""
    outcome = issue_challenges(record_dir, partials, out, exclude)
    console.print(f"challenges for {', '.join(outcome.guardian_ids)} written to {out}")
    _warn(outcome.problems)
    sys.exit(EXIT_FAILED if outcome.problems else EXIT_OK)


@decrypt_group.command("combine")
@click.option("--record", "record_dir", type=click.Path(path_type=Path), required=True)
@click.option("--partials", type=click.Path(path_type=Path), required=True)
@click.option("--responses", "responses_dir", type=click.Path(path_type=Path), required=True)
@exclude_option
@one_line_errors
def combine_command(record_dir: Path, partials: Path, responses_dir: Path, exclude: tuple[str, ...]) -> None:
    """Step 4: check every response (eq. 74-75) and publish tally.json and challenged ballots.

    A challenged ballot that cannot be decrypted is named and the rest is published (exit 1); a
    guardian whose response fails is named and nothing is published (exit 1, with the next steps)."""
    outcome = combine_and_publish(record_dir, partials, responses_dir, exclude)
    console.print(f"tally.json and {len(outcome.ballots)} challenged ballots written to {record_dir}")
    _warn(outcome.problems)
    sys.exit(EXIT_FAILED if outcome.problems else EXIT_OK)
