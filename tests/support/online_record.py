"""A small online election, ended and decrypted, that the verifier's adversarial tests attack
(tests/adversarial/test_verifier_board.py, test_verifier_keys.py, test_verifier_contest_data.py),
and how they run the verifier's command line.

One election on the test group (the session fixture ``online_record`` in tests/adversarial/conftest.py
makes it once per test process): keys fixed in the record, a roster, voters submitting signed
ballots over HTTP to the board's server (in process), then the CLI: board close, board export,
tally, the guardians' decryption. Three ballots are cast; one is challenged with a write-in; one is
challenged by a voter whose software wrote contest data that no key opens. A test copies the record
(``OnlineRecord.copy``) before it changes anything.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from engine.ballot import encrypt_ballot
from engine.cli.main import cli
from engine.election import BallotState, EncryptedBallot, PlaintextBallot
from tests.adversarial.online_board import OnlineElection, board_over_http, close_and_export, make_online_election, run
from tests.support.contest_data_nonces import remember

CAST_VOTERS = (0, 1, 2)
WRITE_IN_VOTER = 3  # challenges a ballot with a write-in in its first contest
GARBAGE_VOTER = 4  # challenges a ballot whose first contest's C1 was flipped after encryption
WRITE_IN = "Ada Lovelace"


@dataclass(frozen=True)
class OnlineRecord:
    election: OnlineElection
    record: Path  # the honest, complete record: never changed by a test
    write_in_ballot: str
    garbage_ballot: str
    first_contest: str

    def copy(self, tmp_path: Path) -> Path:
        root = tmp_path / "record"
        shutil.copytree(self.record, root)
        return root


def make_online_record(root: Path) -> OnlineRecord:
    """The election of this module's docstring, in ``root``."""
    e = make_online_election(root, voters=5, seed=23)
    first_contest = e.plaintexts[WRITE_IN_VOTER].contests[0].contest_id
    with board_over_http(e) as board:
        for i in CAST_VOTERS:
            assert board.vote(e, i, e.encrypt(i)).status_code == 200
        written_in = _with_write_in(e.plaintexts[WRITE_IN_VOTER])
        assert board.vote(e, WRITE_IN_VOTER, _encrypt(e, written_in, BallotState.SPOILED)).status_code == 200
        garbage = _flip_first_c1(e.encrypt(GARBAGE_VOTER, state=BallotState.SPOILED))
        assert board.vote(e, GARBAGE_VOTER, garbage).status_code == 200
    record = close_and_export(e)
    tally_and_decrypt(record, e.guardian_secrets, e.root / "decryption")
    return OnlineRecord(
        e, record, e.plaintexts[WRITE_IN_VOTER].ballot_id, e.plaintexts[GARBAGE_VOTER].ballot_id, first_contest
    )


def _with_write_in(plaintext: PlaintextBallot) -> PlaintextBallot:
    first = dataclasses.replace(plaintext.contests[0], write_ins=(WRITE_IN,))
    return dataclasses.replace(plaintext, contests=(first, *plaintext.contests[1:]))


def _encrypt(e: OnlineElection, plaintext: PlaintextBallot, state: BallotState) -> EncryptedBallot:
    init = e.election.initialized
    return remember(
        encrypt_ballot(e.election.manifest, init, plaintext, device="online", code_baux=init.config.baux0, state=state)
    )


def _flip_first_c1(ballot: EncryptedBallot) -> EncryptedBallot:
    first = ballot.contests[0]
    c1 = bytes([first.contest_data.c1[0] ^ 1]) + first.contest_data.c1[1:]
    contest = dataclasses.replace(first, contest_data=dataclasses.replace(first.contest_data, c1=c1))
    return dataclasses.replace(ballot, contests=(contest, *ballot.contests[1:]))


def tally_and_decrypt(record: Path, guardian_secrets: dict[str, Path], work: Path) -> None:
    """Tally and decryption by every guardian through the CLI. combine names a ballot whose contest
    data does not open (exit 1) and publishes the tally and every challenged ballot all the same."""
    run("tally", "--record", record)
    partials, challenges, responses = work / "partials", work / "challenges", work / "responses"
    nonces = {g: work / f"nonces-{g}.json" for g in guardian_secrets}
    for g, secret in guardian_secrets.items():
        run("guardian", "decrypt", "--record", record, "--secret", secret, "--out", partials, "--nonces", nonces[g])
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    for g, secret in guardian_secrets.items():
        run(
            "guardian", "respond", "--record", record, "--secret", secret, "--nonces", nonces[g],
            "--challenges", challenges, "--out", responses,
        )  # fmt: skip
    combined = CliRunner().invoke(
        cli, ["decrypt", "combine", "--record", str(record), "--partials", str(partials), "--responses", str(responses)]
    )
    assert combined.exit_code in (0, 1) and "Traceback" not in combined.output, combined.output
    assert (record / "tally.json").is_file()


# ---------------------------------------------------------------- running the verifier's command line


def verify_cli(record: Path, *options: object, as_json: bool = True) -> Result:
    """`ballotchain verify RECORD --allow-test-group [--json] [options]`."""
    args = ["verify", str(record), "--allow-test-group", *(["--json"] if as_json else []), *map(str, options)]
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.output, result.output
    return result


def verify_json(record: Path, *options: object, expect: int) -> dict[str, Any]:
    result = verify_cli(record, *options)
    assert result.exit_code == expect, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def findings_of(report: dict[str, Any], check: str) -> list[dict[str, str]]:
    return [f for f in report["findings"] if f["check"] == check]
