"""The key ceremony as trustees really run it (issue 15, blockers 2 and 3, serious item 6), through the CLI.

Each guardian works in its own folder and the files arrive in any order: a step that comes too early
refuses and says what is missing, "waiting" is never success, every step can be re-run, the joint key
needs every guardian's statement that its shares verified, and a secret file of another election
(same manifest, n and k, so the same H_B) is refused before anything is computed or destroyed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli.demo_cmd import demo_manifest_bytes
from engine.cli.main import cli
from tests.support.elections import ballot_line

NAMES = ("alice", "bob", "carol")


def run(*args: object, expect: int = 0) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=True)
    assert result.exit_code == expect, f"exit {result.exit_code} (wanted {expect}) for {args}:\n{result.output}"
    if expect:
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit), result.output
        assert result.output.strip().count("\n") == 0, result.output
        assert "overwrite" not in result.output, result.output
    return result.output


def snapshot(*folders: Path) -> dict[str, bytes]:
    """Every file under the folders, by path: to show that a re-run wrote nothing."""
    return {str(p): p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()}


class Ceremony:
    """One election (test group, n = 3, k = 2) and its guardians' folders under root."""

    def __init__(self, root: Path, manifest: Path) -> None:
        self.root = root
        self.record = root / "record"
        self.publics, self.shares, self.complaints = root / "publics", root / "shares", root / "complaints"
        run("election", "init", "--manifest", manifest, "-n", 3, "-k", 2, "--out", self.record, "--group", "test")
        self.publics.mkdir()

    def secret(self, name: str) -> Path:
        return self.root / name / "secret.json"

    def keygen(self, name: str, *, expect: int = 0, x: int | None = None) -> str:
        (self.root / name).mkdir(exist_ok=True)
        return run(
            "guardian", "keygen", "--record", self.record, "--id", name, "--x", x or NAMES.index(name) + 1,
            "--secret", self.secret(name), "--public-out", self.publics / f"guardian-{name}.json", expect=expect,
        )  # fmt: skip

    def send(self, name: str, *, expect: int = 0) -> str:
        return run(
            "guardian", "shares", "--record", self.record, "--secret", self.secret(name),
            "--publics", self.publics, "--out", self.shares, expect=expect,
        )  # fmt: skip

    def receive(self, name: str, *, expect: int = 0, shares: Path | None = None) -> str:
        return run(
            "guardian", "receive", "--record", self.record, "--secret", self.secret(name), "--publics", self.publics,
            "--shares", shares or self.shares, "--complaints", self.complaints, expect=expect,
        )  # fmt: skip

    def finalize(self, *, expect: int = 0, complaints: bool = False) -> str:
        options = ("--complaints", self.complaints) if complaints else ()
        return run("ceremony", "finalize", "--record", self.record, "--publics", self.publics, *options, expect=expect)

    def complete(self) -> Ceremony:
        for name in NAMES:
            self.keygen(name)
        for name in NAMES:
            self.send(name)
        for name in NAMES:
            self.receive(name)
        self.finalize()
        return self


@pytest.fixture()
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "manifest.json"
    path.write_bytes(demo_manifest_bytes())
    return path


@pytest.fixture()
def ceremony(tmp_path: Path, manifest: Path) -> Ceremony:
    return Ceremony(tmp_path / "election", manifest)


def test_shares_are_refused_until_every_public_record_is_in(ceremony: Ceremony) -> None:
    """Blocker 2: with 2 of 3 public records, `guardian shares` wrote 1 share and exited 0; the rerun then failed."""
    ceremony.keygen("alice")
    ceremony.keygen("bob")
    out = ceremony.send("alice", expect=2)
    assert "2 of the n = 3 public records" in out and "x = 3" in out
    assert not ceremony.shares.exists() or not list(ceremony.shares.iterdir())
    ceremony.keygen("carol")
    assert "2 encrypted shares written" in ceremony.send("alice")
    before = snapshot(ceremony.shares)
    assert "nothing written" in ceremony.send("alice")
    assert snapshot(ceremony.shares) == before


def test_receive_without_its_shares_is_not_success(ceremony: Ceremony) -> None:
    """Blocker 2: `receive` with no shares folder, or with shares missing, exited 0 ("waiting for the others")."""
    for name in NAMES:
        ceremony.keygen(name)
    assert "--shares" in ceremony.receive("carol", expect=2, shares=ceremony.root / "no-such-folder")
    ceremony.send("alice")
    before = snapshot(ceremony.root / "carol", ceremony.publics)
    out = ceremony.receive("carol", expect=1)
    assert "waiting for the shares of bob" in out and "alice" not in out.split("waiting")[1].split(" in ")[0]
    assert snapshot(ceremony.root / "carol", ceremony.publics) == before
    ceremony.send("bob")
    assert "statement published" in ceremony.receive("carol")


def test_every_ceremony_step_can_be_run_again(ceremony: Ceremony) -> None:
    """Blocker 2: re-running a step with the same inputs succeeds and writes nothing; other inputs are refused."""
    ceremony.complete()
    before = snapshot(ceremony.root)
    assert "nothing written" in ceremony.keygen("alice")
    assert "nothing written" in ceremony.send("bob")
    assert "already verified" in ceremony.receive("carol")
    assert "already published: nothing written" in ceremony.finalize()
    assert snapshot(ceremony.root) == before
    assert "never replaced" in ceremony.keygen("alice", x=2, expect=2)
    wrong = ceremony.shares / "share-alice-to-bob.json"
    wrong.write_bytes((ceremony.shares / "share-carol-to-bob.json").read_bytes())
    assert "not from alice to bob" in ceremony.send("alice", expect=2)


def test_election_init_can_be_run_again(ceremony: Ceremony, manifest: Path) -> None:
    """Re-running `election init` with the same inputs keeps the election (and its identifier); others are refused."""
    before = snapshot(ceremony.record)
    init = ("election", "init", "--manifest", manifest, "-n", 3, "--out", ceremony.record, "--group", "test")
    assert "nothing written" in run(*init, "-k", 2)
    assert snapshot(ceremony.record) == before
    assert "k differ" in run(*init, "-k", 3, expect=2)
    assert snapshot(ceremony.record) == before


def test_finalize_needs_every_guardians_statement(ceremony: Ceremony) -> None:
    """Blocker 3: finalize published K when no share had been exchanged at all."""
    for name in NAMES:
        ceremony.keygen(name)
    out = ceremony.finalize(expect=2)
    assert "alice, bob, carol" in out and "guardian receive" in out
    for name in NAMES:
        ceremony.send(name)
    ceremony.receive("alice")
    ceremony.receive("bob")
    assert "from guardian carol " in ceremony.finalize(expect=2)
    assert not (ceremony.record / "election_initialized.json").exists()
    ceremony.receive("carol")
    (ceremony.shares / "share-bob-to-alice.json").write_bytes(
        (ceremony.shares / "share-carol-to-alice.json").read_bytes()
    )
    out = run("ceremony", "finalize", "--record", ceremony.record, "--publics", ceremony.publics,
              "--shares", ceremony.shares, expect=2)  # fmt: skip
    assert "received-alice.json: names a share from bob other than" in out
    assert "joint key published" in ceremony.finalize()


def test_finalize_is_refused_after_a_complaint(ceremony: Ceremony) -> None:
    """Blocker 3: finalize published K after a guardian's `receive` reported a bad share."""
    for name in NAMES:
        ceremony.keygen(name)
    for name in NAMES:
        ceremony.send(name)
    ceremony.receive("alice")
    ceremony.receive("carol")
    share_file = ceremony.shares / "share-alice-to-bob.json"
    share = json.loads(share_file.read_text())
    share["c1"] = ("0" if share["c1"][0] != "0" else "1") + share["c1"][1:]
    share_file.write_text(json.dumps(share))
    ceremony.receive("bob", expect=1)
    assert (ceremony.complaints / "complaint-bob-against-alice.json").exists()
    # even with a statement for bob put in place by hand, the complaint stops the ceremony
    statement = json.loads((ceremony.publics / "received-alice.json").read_text())
    statement.update(guardian_id="bob", x_coordinate=2)
    (ceremony.publics / "received-bob.json").write_text(json.dumps(statement))
    out = ceremony.finalize(expect=2, complaints=True)
    assert "bob against alice" in out and "no joint key" in out
    assert not (ceremony.record / "election_initialized.json").exists()


def test_a_secret_file_of_another_election_is_refused(tmp_path: Path, manifest: Path) -> None:
    """Serious 6: same manifest, n and k (same H_B): the other election's secret ran `guardian decrypt` and
    wrote its nonces; now it is refused before anything is computed, and no file is written."""
    ours = Ceremony(tmp_path / "ours", manifest).complete()
    theirs = Ceremony(tmp_path / "theirs", manifest).complete()
    config = json.loads((ours.record / "election_config.json").read_text())
    other = json.loads((theirs.record / "election_config.json").read_text())
    assert config["election_base_hash"] == other["election_base_hash"]
    ballots = tmp_path / "ballots.jsonl"
    ballots.write_text(ballot_line("b1", 0, (0, 1), True) + "\n")
    run("encrypt", "--record", ours.record, "--ballots", ballots, "--device", "booth-1")
    run("tally", "--record", ours.record)
    partials, nonces = tmp_path / "partials", tmp_path / "nonces.json"
    out = run(
        "guardian", "decrypt", "--record", ours.record, "--secret", theirs.secret("alice"),
        "--out", partials, "--nonces", nonces, expect=2,
    )  # fmt: skip
    assert "another election" in out
    assert not nonces.exists() and not partials.exists()
    out = run(
        "guardian", "shares", "--record", ours.record, "--secret", theirs.secret("alice"),
        "--publics", ours.publics, "--out", tmp_path / "shares", expect=2,
    )  # fmt: skip
    assert "another election" in out
    mixed = tmp_path / "mixed-publics"
    shutil.copytree(ours.publics, mixed)
    shutil.copy(theirs.publics / "guardian-carol.json", mixed / "guardian-carol.json")
    out = run("ceremony", "finalize", "--record", ours.record, "--publics", mixed, expect=2)
    assert "guardian-carol.json" in out and "another election" in out
    assert config["metadata"]["ballotchain_election_id"] != other["metadata"]["ballotchain_election_id"]


def test_a_secret_file_bound_to_no_election_identifier_is_refused(ceremony: Ceremony) -> None:
    """A secret file made before elections had an identifier cannot be used in an election that has one."""
    ceremony.keygen("alice")
    state = json.loads(ceremony.secret("alice").read_text())
    del state["election_id"]
    ceremony.secret("alice").write_text(json.dumps(state))
    out = ceremony.send("alice", expect=2)
    assert "names no election identifier" in out and "secret.json" in out
