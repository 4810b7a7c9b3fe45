"""Identifiers from outside (issue 9, defects 2 and 3), attacked through the command line and HTTP.

One rule (engine.ids: ASCII letters, digits, '-', '_', '.', starting with a letter or digit, at most
64 bytes) is checked wherever a guardian, ballot, device, contest or selection id comes in. A
guardian whose id climbs out of a folder cannot make another guardian's `guardian receive`
overwrite its secret file; a voter's ballot id of 200 two-byte characters cannot make the board's
export fail. Each attack is refused with exit 2 (or a 4xx) and a reason, and the honest election
then goes on. Test group throughout.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from engine.cli.demo_cmd import demo_manifest_bytes, run_ceremony
from engine.record import ElectionRecord
from tests.adversarial.online_board import board_over_http, close_and_export, make_online_election
from tests.adversarial.online_board import refused as board_refused
from tests.support.elections import ballot_line, run

EVIL = "x/../../alice/secret"
BAD_IDS = (EVIL, "../alice", "a" * 65, "é" * 200, "", ".hidden", "a b", "a\nb", "a\\b", "-rf")
REASON = "an id "  # the start of every reason engine.ids gives


def refused(*args: object, words: str = REASON) -> str:
    out = run(*args, expect=2)
    assert words in out, out
    return out


def edit_json(path: Path, change: Any) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=4))


# ---------------------------------------------------------------- defect 3: guardian ids


@pytest.fixture()
def guardians(tmp_path: Path) -> dict[str, Path]:
    """An initialised election (n = 3, k = 2) and three guardians' keys: alice, bob and mallory."""
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(demo_manifest_bytes())
    record = tmp_path / "record"
    run("election", "init", "--manifest", manifest, "-n", 3, "-k", 2, "--out", record, "--group", "test")
    publics = tmp_path / "publics"
    publics.mkdir()
    homes = {}
    for x, name in enumerate(["alice", "bob", "mallory"], start=1):
        homes[name] = tmp_path / name
        run(
            "guardian", "keygen", "--record", record, "--id", name, "--x", x,
            "--secret", homes[name] / "secret.json", "--public-out", publics / f"guardian-{name}.json",
        )  # fmt: skip
    return {"root": tmp_path, "record": record, "publics": publics, **homes}


def shares_of(g: dict[str, Path], name: str, out: Path, *, expect: int = 0) -> str:
    return run(
        "guardian", "shares", "--record", g["record"], "--secret", g[name] / "secret.json",
        "--publics", g["publics"], "--out", out, expect=expect,
    )  # fmt: skip


def receive(g: dict[str, Path], name: str, shares: Path, *, expect: int = 0) -> str:
    return run(
        "guardian", "receive", "--record", g["record"], "--secret", g[name] / "secret.json",
        "--publics", g["publics"], "--shares", shares, "--complaints", g["root"] / "complaints", expect=expect,
    )  # fmt: skip


@pytest.mark.parametrize("bad", BAD_IDS)
def test_keygen_refuses_a_bad_guardian_id(tmp_path: Path, bad: str) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(demo_manifest_bytes())
    record = tmp_path / "record"
    run("election", "init", "--manifest", manifest, "-n", 2, "-k", 2, "--out", record, "--group", "test")
    secret, public = tmp_path / "g" / "secret.json", tmp_path / "guardian-g.json"
    out = refused("guardian", "keygen", "--record", record, f"--id={bad}", "--x", 1, "--secret", secret,
                  "--public-out", public)  # fmt: skip
    assert "guardian id" in out
    assert not secret.exists() and not public.exists()


def test_a_guardian_cannot_overwrite_another_guardians_secret(guardians: dict[str, Path]) -> None:
    """Defect 3: mallory publishes her record under the id x/../../alice/secret and sends alice a
    bad share; alice's complaint would have been written over alice/secret.json."""
    g, root = guardians, guardians["root"]
    alice_secret = (g["alice"] / "secret.json").read_bytes()
    honest_public = (g["publics"] / "guardian-mallory.json").read_bytes()
    shares_of(g, "mallory", root / "mallory-out")
    shares = root / "shares"
    shares.mkdir()
    forged_share = shares / "share-mallory-to-alice.json"
    shutil.copy(root / "mallory-out" / "share-mallory-to-alice.json", forged_share)

    def evil_share(doc: dict[str, Any]) -> None:
        doc["sender_id"] = EVIL
        doc["c2"] = "00" * 32  # a wrong MAC: alice would complain about it

    edit_json(forged_share, evil_share)
    edit_json(g["publics"] / "guardian-mallory.json", lambda doc: doc.update(guardian_id=EVIL))

    for name in ("alice", "bob"):
        assert "guardian_id" in refused(*_shares_args(g, name, root / "out"))
    assert "guardian_id" in refused(*_receive_args(g, "alice", shares))
    assert (g["alice"] / "secret.json").read_bytes() == alice_secret
    assert not (root / "complaints").exists() and not (root / "out").exists()

    # the public records honest again, the forged share alone is refused by its reader
    (g["publics"] / "guardian-mallory.json").write_bytes(honest_public)
    assert "sender_id" in refused(*_receive_args(g, "alice", shares))
    edit_json(forged_share, lambda doc: doc.update(sender_id="mallory", recipient_id="../alice"))
    assert "recipient_id" in refused(*_receive_args(g, "alice", shares))
    assert (g["alice"] / "secret.json").read_bytes() == alice_secret
    forged_share.unlink()

    # the honest ceremony completes
    for name in ("alice", "bob", "mallory"):
        shares_of(g, name, shares)
    for name in ("alice", "bob", "mallory"):
        assert "key share" in receive(g, name, shares)
    run("ceremony", "finalize", "--record", g["record"], "--publics", g["publics"])
    assert len(ElectionRecord(g["record"]).initialized.guardians) == 3


def test_a_forged_secret_state_or_partial_decryption_id_is_refused(guardians: dict[str, Path]) -> None:
    """Ids inside a guardian's own secret file and in the decryption exchange files go through the rule too."""
    g, root = guardians, guardians["root"]
    shares = root / "shares"
    for name in ("alice", "bob", "mallory"):
        shares_of(g, name, shares)
    for name in ("alice", "bob", "mallory"):
        receive(g, name, shares)
    run("ceremony", "finalize", "--record", g["record"], "--publics", g["publics"])
    forged_state = root / "forged-secret.json"
    shutil.copy(g["mallory"] / "secret.json", forged_state)
    edit_json(forged_state, lambda doc: doc.update(guardian_id=EVIL))
    assert "guardian_id" in refused(
        "guardian", "shares", "--record", g["record"], "--secret", forged_state, "--publics", g["publics"],
        "--out", root / "s2",
    )  # fmt: skip

    ballots = root / "ballots.jsonl"
    ballots.write_text("\n".join(ballot_line(f"b{i}", i, (0, i + 1), i % 2 == 0) for i in range(3)))
    run("encrypt", "--record", g["record"], "--ballots", ballots, "--device", "booth-1")
    run("tally", "--record", g["record"])
    partials, challenges = root / "partials", root / "challenges"
    for name in ("alice", "bob", "mallory"):
        run(
            "guardian", "decrypt", "--record", g["record"], "--secret", g[name] / "secret.json",
            "--out", partials, "--nonces", g[name] / "nonces.json",
        )  # fmt: skip
    alice_secret = (g["alice"] / "secret.json").read_bytes()
    edit_json(partials / "partial-bob.json", lambda doc: doc.update(guardian_id="../../alice/secret"))
    out = run("decrypt", "challenge", "--record", g["record"], "--partials", partials, "--out", challenges, expect=1)
    assert "guardian_id" in out and REASON in out  # bob's file is left out with the reason, k = 2 others remain
    assert sorted(p.name for p in challenges.iterdir()) == ["challenges-alice.json", "challenges-mallory.json"]
    assert (g["alice"] / "secret.json").read_bytes() == alice_secret


def _shares_args(g: dict[str, Path], name: str, out: Path) -> tuple[object, ...]:
    return ("guardian", "shares", "--record", g["record"], "--secret", g[name] / "secret.json",
            "--publics", g["publics"], "--out", out)  # fmt: skip


def _receive_args(g: dict[str, Path], name: str, shares: Path) -> tuple[object, ...]:
    return ("guardian", "receive", "--record", g["record"], "--secret", g[name] / "secret.json",
            "--publics", g["publics"], "--shares", shares, "--complaints", g["root"] / "complaints")  # fmt: skip


# ---------------------------------------------------------------- defect 2: ballot and device ids

LONG_IDS = ("é" * 200, "a" * 65, "a/b", "../b", ".b")


@pytest.fixture(scope="module")
def election(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ids")
    record = root / "record"
    run_ceremony(record, root / "private", root / "exchange", 2, 2, "test", chain=False, step=lambda _s: None)
    return record


@pytest.mark.parametrize("bad", LONG_IDS)
def test_encrypt_refuses_a_bad_ballot_id(election: Path, tmp_path: Path, bad: str) -> None:
    ballots = tmp_path / "ballots.jsonl"
    ballots.write_text(ballot_line("fine-1", 0, (0, 1), True) + "\n" + ballot_line(bad, 1, (1, 2), False))
    assert "ballot_id" in refused("encrypt", "--record", election, "--ballots", ballots, "--device", "dev-a")
    assert not (election / "encrypted_ballots" / "dev-a").exists()


def test_encrypt_refuses_bad_device_and_challenge_ids(election: Path, tmp_path: Path) -> None:
    ballots = tmp_path / "ballots.jsonl"
    ballots.write_text(ballot_line("c-1", 0, (0, 1), True))
    for bad in LONG_IDS:
        assert "device" in refused("encrypt", "--record", election, "--ballots", ballots, f"--device={bad}")
        assert "--challenge" in refused(
            "encrypt", "--record", election, "--ballots", ballots, "--device", "dev-b", f"--challenge={bad}"
        )
    assert not (election / "encrypted_ballots" / "dev-b").exists()
    assert "c-1\tCAST" in run("encrypt", "--record", election, "--ballots", ballots, "--device", "dev-b")


def test_contest_and_selection_ids_inside_a_ballot_are_checked(election: Path, tmp_path: Path) -> None:
    line = json.loads(ballot_line("s-1", 0, (0, 1), True))
    line["contests"][0]["selections"][0]["selection_id"] = "k/../../x"
    ballots = tmp_path / "ballots.jsonl"
    ballots.write_text(json.dumps(line))
    assert "selection_id" in refused("encrypt", "--record", election, "--ballots", ballots, "--device", "dev-c")


@pytest.mark.parametrize(
    "where",
    [
        lambda m: m["contests"][0].update(object_id="m" * 65),
        lambda m: m["contests"][0]["ballot_selections"][0].update(object_id="../kim"),
        lambda m: m["ballot_styles"][0].update(object_id="style one"),
        lambda m: (m["geopolitical_units"][0].update(object_id="r/s"), _rename_unit(m, "r/s")),
    ],
    ids=["contest", "selection", "ballot-style", "geopolitical-unit"],
)
def test_election_init_refuses_bad_manifest_ids(tmp_path: Path, where: Any) -> None:
    manifest = json.loads(demo_manifest_bytes())
    where(manifest)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    refused("election", "init", "--manifest", path, "-n", 2, "-k", 2, "--out", tmp_path / "r", "--group", "test")
    assert not (tmp_path / "r").exists()


def _rename_unit(manifest: dict[str, Any], unit: str) -> None:
    for contest in manifest["contests"]:
        contest["electoral_district_id"] = unit
    for style in manifest["ballot_styles"]:
        style["geopolitical_unit_ids"] = [unit]


def test_the_board_refuses_a_ballot_id_it_could_not_export(tmp_path: Path) -> None:
    """Defect 2 over HTTP: the ids are refused with a 400 and a reason, nothing is logged, and the
    honest board still closes and exports."""
    e = make_online_election(tmp_path, voters=2)
    with board_over_http(e) as board:
        size = board.size
        for bad in LONG_IDS:
            reason = board_refused(board, board.vote(e, 0, e.encrypt(0, ballot_id=bad)), 400, "ballot_id", size)
            assert REASON in reason
        assert board.vote(e, 1, e.encrypt(1, ballot_id="honest-1")).status_code == 200
    record = close_and_export(e)
    assert [b.ballot_id for b in ElectionRecord(record).encrypted_ballots()] == ["honest-1"]
