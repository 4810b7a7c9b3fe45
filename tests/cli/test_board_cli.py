"""Online voting through the command line, as the roles would run it (test group, loopback only):
the registrar's roster, `board serve` in a child process, voters' `vote`, `receipt check`,
`board monitor` (which catches a forked log), `board close`, `board export`, and bad inputs.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

from engine.board.election_keys import ELECTION_KEYS_FILE
from engine.cli.board_cmds import credential_path, read_plaintext_ballot
from engine.cli.demo_cmd import run_ceremony
from engine.client import BoardClient, fetch_election, prepare_submission, save_json, submit_signed
from engine.credentials.did import VoterCredential
from engine.credentials.roster import decode_roster, verify_roster
from engine.verify import Status, verify_record
from engine.verify.catalog import BOARD_CHECKS
from tests.support.online_cli import VOTERS, run, served


def vote(e: dict[str, Path], url: str, voter: int, ballot: int, *extra: object, expect: int = 0, tag: str = "") -> Path:
    receipt = e["root"] / "receipts" / f"receipt-{voter}-{ballot}{tag}.json"
    receipt.parent.mkdir(exist_ok=True)
    run(
        "vote", "--board", url, "--credential", credential_path(e["credentials"], voter),
        "--ballot", e["ballots"] / f"ballot-{ballot}.json", "--receipt", receipt, "--allow-test-group", *extra,
        expect=expect,
    )  # fmt: skip
    return receipt


def test_registrar_writes_private_credentials_and_a_signed_roster(online_election: dict[str, Path]) -> None:
    election = online_election
    roster = decode_roster(election["roster"].read_bytes())
    assert verify_roster(roster) and len(roster) == VOTERS
    assert roster.binding == "H_E"
    for n in range(1, VOTERS + 1):
        path = credential_path(election["credentials"], n)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert VoterCredential.load(path).did in roster
    assert stat.S_IMODE(os.stat(election["root"] / "registrar-key.json").st_mode) == 0o600
    again = ("registrar", "roster", "--record", election["record"], "--voters", 2)
    run(*again, "--out-credentials", election["root"] / "c2", "--roster", election["roster"], expect=2)
    run(*again, "--out-credentials", election["credentials"], "--roster", election["root"] / "r2.json", expect=2)
    run(
        "registrar", "roster", "--record", election["root"] / "nowhere", "--voters", 2,
        "--out-credentials", election["root"] / "c3", "--roster", election["root"] / "r3.json", expect=2,
    )  # fmt: skip


def test_online_election_through_the_cli(online_election: dict[str, Path]) -> None:
    e = online_election
    state = e["root"] / "monitor.json"
    with served(e["record"], e["roster"], e["db"], e["key"]) as url:
        run("board", "monitor", "--board", url, "--state", state)
        receipts = [vote(e, url, n, n) for n in range(1, VOTERS)]
        challenged = vote(e, url, VOTERS, VOTERS, "--challenge")
        revote = vote(e, url, 1, VOTERS + 1)
        for receipt in (*receipts[1:], challenged, revote):
            assert "is in the board's latest tree" in run("receipt", "check", receipt)
        saved = json.loads(receipts[0].read_text())
        assert saved["receipt"]["leaf_index"] == 1 and saved["group"] == "test"
        assert "consistent" in run("board", "monitor", "--board", url, "--state", state)
        # the same ballot file again is a new encryption under a ballot id already used
        vote(e, url, 2, 2, tag="-again", expect=2)
        # refusals by the board: one line, exit 2
        stranger = e["root"] / "stranger.json"
        VoterCredential.generate().save(stranger)
        run(
            "vote", "--board", url, "--credential", stranger, "--ballot", e["ballots"] / "ballot-1.json",
            "--receipt", e["root"] / "r-stranger.json", "--allow-test-group", expect=2,
        )  # fmt: skip
        vote(e, url, 3, 2, expect=2)  # ballot id taken by voter 2
        vote(e, url, 3, 3, expect=2)  # the receipt file exists already
        vote(e, url, 4, VOTERS + 2, "--board-key-pub", "00" * 32, expect=1)  # not the board's key
        run("board", "close", "--db", e["db"], "--board-key", e["key"], expect=2)  # served: locked
        run("board", "export", "--db", e["db"], "--election", e["record"], "--out", e["root"] / "x", expect=2)
    out = e["root"] / "record"
    run("board", "export", "--db", e["db"], "--election", e["record"], "--out", out, expect=2)  # not closed
    assert "voting closed: 5 counted ballots" in run("board", "close", "--db", e["db"], "--board-key", e["key"])
    run("board", "close", "--db", e["db"], "--board-key", e["key"])  # idempotent
    run("board", "export", "--db", e["db"], "--election", e["root"] / "private", "--out", out, expect=2)
    exported = run("board", "export", "--db", e["db"], "--election", e["record"], "--out", out)
    assert "5 counted and 1 challenged ballots; 1 superseded" in exported
    run("board", "export", "--db", e["db"], "--election", e["record"], "--out", out, expect=2)  # exists
    report = verify_record(out, accept_test_group=True)
    # not decrypted yet: the challenged ballot awaits its decryption (R.challenged, B.3), nothing else is amiss
    assert set(report.failed_ids) <= {"R.challenged", "B.3"}, [str(f) for f in report.findings]
    assert all("decrypt" in str(f) for f in report.findings), [str(f) for f in report.findings]
    assert all(report.check(c).status is Status.PASSED for c, _ in BOARD_CHECKS if c not in ("B.0", "B.3", "B.9"))
    assert report.check("B.0").status is not Status.FAILED
    assert (out / ELECTION_KEYS_FILE).read_bytes() == (e["record"] / ELECTION_KEYS_FILE).read_bytes()
    # the voting is over: the board refuses new ballots
    with served(e["record"], e["roster"], e["db"], e["key"]) as url:
        vote(e, url, VOTERS, VOTERS + 2, expect=2)


def test_a_lost_answer_is_recovered_from_the_pending_submission(online_election: dict[str, Path]) -> None:
    e = online_election
    receipt = e["root"] / "receipts" / "receipt-1-1.json"
    receipt.parent.mkdir()
    pending = receipt.with_name(receipt.name + ".pending")
    with served(e["record"], e["roster"], e["db"], e["key"]) as url, BoardClient(url) as client:
        online = fetch_election(client, allow_test_group=True)
        voter = VoterCredential.load(credential_path(e["credentials"], 1))
        submission = prepare_submission(online, voter, read_plaintext_ballot(e["ballots"] / "ballot-1.json"))
        save_json(pending, submission.to_json(), overwrite=False, secret=True)
        accepted = submit_signed(client, online, submission)  # the board logs it; the answer never arrives
        vote(e, url, 1, 1)  # sends the saved submission again: the board answers the replay
    assert json.loads(receipt.read_text())["receipt"] == accepted.receipt.to_json()
    assert not pending.exists()


def test_monitor_catches_a_forked_log(online_election: dict[str, Path]) -> None:
    e = online_election
    state = e["root"] / "monitor.json"
    with served(e["record"], e["roster"], e["db"], e["key"]) as url:
        vote(e, url, 1, 1)
    fork = e["db"].with_name("fork.sqlite")
    shutil.copy(e["db"], fork)
    for suffix in ("-wal", "-shm"):
        if Path(f"{e['db']}{suffix}").exists():
            shutil.copy(f"{e['db']}{suffix}", f"{fork}{suffix}")
    with served(e["record"], e["roster"], e["db"], e["key"]) as url:
        vote(e, url, 2, 2)
        run("board", "monitor", "--board", url, "--state", state)
    with served(e["record"], e["roster"], fork, e["key"]) as url:
        vote(e, url, 3, 3)  # the same size as the honest log, another last entry
        out = run("board", "monitor", "--board", url, "--state", state, expect=1)
        assert "rewritten" in out


def test_bad_inputs_are_one_line_and_exit_2(online_election: dict[str, Path], tmp_path: Path) -> None:
    e = online_election
    run("vote", "--board", "ftp://x", "--credential", credential_path(e["credentials"], 1),
        "--ballot", e["ballots"] / "ballot-1.json", expect=2)  # fmt: skip
    run("vote", "--board", "http://127.0.0.1:9", "--credential", credential_path(e["credentials"], 1),
        "--ballot", e["ballots"] / "ballot-1.json", "--receipt", tmp_path / "r.json", expect=2)  # fmt: skip
    run("vote", "--board", "http://127.0.0.1:9", "--credential", tmp_path / "missing.json",
        "--ballot", e["ballots"] / "ballot-1.json", expect=2)  # fmt: skip
    loose = tmp_path / "loose.json"
    shutil.copy(credential_path(e["credentials"], 1), loose)
    loose.chmod(0o644)
    run("vote", "--board", "http://127.0.0.1:9", "--credential", loose,
        "--ballot", e["ballots"] / "ballot-1.json", expect=2)  # fmt: skip
    (tmp_path / "receipt.json").write_text("{}")
    run("receipt", "check", tmp_path / "receipt.json", "--board", "http://127.0.0.1:9", expect=2)
    run("board", "close", "--db", tmp_path / "none.sqlite", "--board-key", e["key"], expect=2)
    run("board", "monitor", "--board", "http://127.0.0.1:9", expect=2)
    (tmp_path / "state.json").write_text("[]")
    run("board", "monitor", "--board", "http://127.0.0.1:9", "--state", tmp_path / "state.json", expect=2)
    chained = tmp_path / "chained"
    run_ceremony(chained, tmp_path / "p2", tmp_path / "x2", 1, 1, "test", chain=True, step=lambda _s: None)
    run(
        "board", "serve", "--election", chained, "--roster", e["roster"], "--db", tmp_path / "c.sqlite",
        "--board-key", tmp_path / "k.json", "--port", 0, expect=2,
    )  # fmt: skip
