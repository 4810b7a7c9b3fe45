"""The verifier against a tallyer who hides challenged ballots (issue 9, defect 5).

A challenged (SPOILED) ballot is the audit of a voting device: the device had to encrypt it
without knowing it would be opened. A tallyer who leaves a challenged ballot of the board's signed
log out of the published record, or publishes it without its decryption, hides exactly the audit
that would expose a cheating device. B.3 now requires every challenged submission of the log to be
in the record, decrypted.

One small online election on the test group is made once per test process (``online_record``):
keys fixed in the record, a roster, voters submitting signed ballots over HTTP to the board's
server (in process), then the CLI: board close, board export, tally, the guardians' decryption.
Three ballots are cast; one is challenged with a write-in; one is challenged by a voter whose
software wrote contest data that no key opens. Every attack copies that record, changes what the
attacker controls, and runs `ballotchain verify` through its command line. The other verifier
tests (test_verifier_keys, test_verifier_contest_data) use the same record.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
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


_BUILT: dict[str, OnlineRecord] = {}


def online_record(factory: pytest.TempPathFactory) -> OnlineRecord:
    """The election of this module's docstring, made once per test process."""
    if "record" not in _BUILT:
        _BUILT["record"] = _make_online_record(factory.mktemp("verifier-online"))
    return _BUILT["record"]


def _make_online_record(root: Path) -> OnlineRecord:
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


@pytest.fixture(scope="module")
def online(tmp_path_factory: pytest.TempPathFactory) -> OnlineRecord:
    return online_record(tmp_path_factory)


# ---------------------------------------------------------------- the tests


def test_the_honest_online_record_verifies(online: OnlineRecord) -> None:
    report = verify_json(online.record, expect=0)
    assert report["ok"] and report["summary"]["challenged"] == 2
    b3 = next(c for c in report["checks"] if c["id"] == "B.3")
    assert b3["status"] == "passed" and b3["items"] == len(CAST_VOTERS) + 2 * 2  # each challenged ballot twice


def _eballot(root: Path, ballot_id: str) -> Path:
    return next((root / "encrypted_ballots").rglob(f"eballot-{ballot_id}.json"))


def _dballot(root: Path, ballot_id: str) -> Path:
    return root / "challenged_ballots" / f"dballot-{ballot_id}.json"


HIDINGS = {
    "the ballot and its decryption": (True, True, frozenset({"B.3"})),
    # R.challenged also sees a record ballot without decryption / a decryption without its ballot
    "its decryption only": (False, True, frozenset({"B.3", "R.challenged"})),
    "the ballot only": (True, False, frozenset({"B.3", "R.challenged"})),
}


@pytest.mark.parametrize("what", sorted(HIDINGS))
def test_a_challenged_ballot_of_the_log_cannot_be_left_out_of_the_record(
    online: OnlineRecord, tmp_path: Path, what: str
) -> None:
    """Attack (tallyer): delete the challenged ballot's eballot file, its dballot file, or both."""
    drop_eballot, drop_dballot, failing = HIDINGS[what]
    root = online.copy(tmp_path)
    hidden = online.write_in_ballot
    if drop_eballot:
        _eballot(root, hidden).unlink()
    if drop_dballot:
        _dballot(root, hidden).unlink()
    report = verify_json(root, expect=1)
    assert set(report["failed"]) == failing, report["findings"]
    b3 = findings_of(report, "B.3")
    assert [f["ballot_id"] for f in b3] == [hidden]
    assert "challenged" in b3[0]["message"] and "entry" in b3[0]["message"]
    # the honest record is untouched and still verifies
    assert verify_json(online.record, expect=0)["ok"]
