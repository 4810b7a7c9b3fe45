"""Small test-group elections driven through the command line, and the helpers the CLI tests share.

The fixtures in tests/conftest.py build each of these once per session; a test that changes one
works on its own copy (``copy_election``). An election folder holds ``record/`` (the public election
record), ``private/<guardian>/guardian-secret.json`` and, once a guardian has decrypted,
``private/<guardian>/nonces.json``, and ``exchange/`` (the ceremony's files), as ``ballotchain demo``
lays them out (engine.cli.demo_cmd.run_ceremony).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from engine.cli.demo_cmd import demo_manifest_bytes, run_ceremony
from engine.cli.main import cli

GUARDIANS = ("guardian-1", "guardian-2", "guardian-3")
QUORUM = 2
DEVICE = "booth-1"
MAYORS = ("kim-minji", "lee-junho", "park-seoyeon", "choi-dohyun", "jung-haeun")
COUNCILLORS = ("han-jiwoo", "yoon-seojun", "kang-yuna", "cho-minseo", "lim-taeyang", "shin-eunji", "oh-sungmin")


def run(*args: object, expect: int = 0, env: dict[str, str] | None = None) -> str:
    """``ballotchain ARGS`` in-process; fail unless it exits ``expect`` (exit 2: one line, no traceback)."""
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=True)
    if result.exit_code != expect:
        raise AssertionError(f"exit {result.exit_code} (wanted {expect}) for {args}:\n{result.output}")
    if expect == 2:
        assert "Traceback" not in result.output
        assert isinstance(result.exception, SystemExit), result.exception
        assert result.output.strip().count("\n") == 0, result.output
    return result.output


def invoke(*args: object, env: dict[str, str] | None = None) -> Result:
    """``ballotchain ARGS`` in-process, whatever its exit code; an exception other than SystemExit is raised."""
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)
    assert "Traceback" not in result.output, result.output
    return result


def verify_json(record: Path, expect: int) -> dict[str, Any]:
    """``verify RECORD --json --allow-test-group``, which must exit ``expect``; its JSON report."""
    result = CliRunner().invoke(cli, ["verify", str(record), "--json", "--allow-test-group"], catch_exceptions=False)
    assert result.exit_code == expect, result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def ballot_line(ballot_id: str, mayor: int, council: tuple[int, int], yes: bool) -> str:
    """A plaintext ballot of the demo manifest as one JSON line: a mayor, two councillors, yes or no."""

    def contest(cid: str, order: int, names: Sequence[str], marked: set[int]) -> dict[str, Any]:
        return {
            "contest_id": cid,
            "sequence_order": order,
            "selections": [
                {"selection_id": n, "sequence_order": i + 1, "vote": int(i in marked)} for i, n in enumerate(names)
            ],
        }

    ballot = {
        "ballot_id": ballot_id,
        "ballot_style": "riverside-ballot",
        "contests": [
            contest("mayor", 1, MAYORS, {mayor}),
            contest("council", 2, COUNCILLORS, set(council)),
            contest("referendum", 3, ["yes", "no"], {0 if yes else 1}),
        ],
    }
    return json.dumps(ballot)


# Four ballots, b4 challenged: kim-minji 2, park-seoyeon 1; han-jiwoo 2, cho-minseo 2; yes 2, no 1.
FOUR_BALLOTS = (
    ballot_line("b1", 0, (0, 1), True),
    ballot_line("b2", 2, (1, 3), False),
    ballot_line("b3", 0, (0, 3), True),
    ballot_line("b4", 4, (5, 6), True),
)
# Four ballots for the decryption tests, b3 and b4 challenged.
TWO_CHALLENGED = (
    ballot_line("b1", 0, (0, 1), True),
    ballot_line("b2", 2, (1, 3), False),
    ballot_line("b3", 1, (2, 4), True),
    ballot_line("b4", 4, (5, 6), False),
)


def edit_json(path: Path, change: Callable[[Any], None]) -> None:
    """Change a JSON file in place (``change`` edits the parsed document)."""
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


def copy_election(template: Path, destination: Path) -> Path:
    """A copy of an election folder (modes kept: secret files stay 0600) that a test may change."""
    shutil.copytree(template, destination)
    return destination


def make_ceremony(root: Path) -> Path:
    """n = 3, k = 2, chained, on the test group: the record, each guardian's secret, the exchange."""
    (root / "private").mkdir(parents=True)
    run_ceremony(root / "record", root / "private", root / "exchange", 3, QUORUM, "test", chain=True, step=_quiet)
    return root


def encrypt(root: Path, lines: Iterable[str], challenged: Iterable[str] = ()) -> None:
    """Encrypt the ballots on DEVICE into the record, the ``challenged`` ids as SPOILED."""
    ballots = root / "ballots.jsonl"
    ballots.write_text("\n".join(lines))
    challenges = [option for ballot_id in challenged for option in ("--challenge", ballot_id)]
    run("encrypt", "--record", root / "record", "--ballots", ballots, "--device", DEVICE, *challenges)


def secret(root: Path, guardian: str) -> Path:
    return root / "private" / guardian / "guardian-secret.json"


def nonces(root: Path, guardian: str) -> Path:
    return root / "private" / guardian / "nonces.json"


def guardians_decrypt(root: Path, guardians: Sequence[str], partials: Path) -> None:
    """Step 1 of the decryption: each guardian's partial decryptions into ``partials``."""
    for g in guardians:
        run("guardian", "decrypt", "--record", root / "record", "--secret", secret(root, g),
            "--out", partials, "--nonces", nonces(root, g))  # fmt: skip


def guardians_respond(root: Path, guardians: Sequence[str], challenges: Path, responses: Path) -> None:
    """Step 3 of the decryption: each guardian's responses to its challenges into ``responses``."""
    for g in guardians:
        run("guardian", "respond", "--record", root / "record", "--secret", secret(root, g),
            "--nonces", nonces(root, g), "--challenges", challenges, "--out", responses)  # fmt: skip


def decrypt(root: Path, guardians: Sequence[str] = ("guardian-1", "guardian-3")) -> None:
    """The whole decryption of a tallied record by ``guardians``: partials, challenges, responses, combine."""
    record, partials = root / "record", root / "partials"
    challenges, responses = root / "challenges", root / "responses"
    guardians_decrypt(root, guardians, partials)
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    guardians_respond(root, guardians, challenges, responses)
    run("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)


def complete_round(root: Path, guardians: Sequence[str], printed: str, exclude: str, expect: int = 0) -> Any:
    """Run the new decryption round exactly as a failed command printed it (secret and nonce files filled in)."""
    commands = [line.strip() for line in printed.splitlines() if line.strip().startswith("ballotchain ")]
    assert len(commands) == 4, printed
    first, challenge, respond, combine = (c.split()[1:] for c in commands)
    assert f"--exclude {exclude}" in " ".join(challenge) and f"--exclude {exclude}" in " ".join(combine)
    for g in guardians:
        filled = [secret(root, g) if a == "SECRET" else nonces(root, g) if a == "NONCES" else a for a in first]
        run(*filled[: filled.index("(each")] if "(each" in filled else filled)
    run(*challenge)
    for g in guardians:
        filled = [secret(root, g) if a == "SECRET" else nonces(root, g) if a == "NONCES" else a for a in respond]
        run(*filled[: filled.index("(each")] if "(each" in filled else filled)
    result = invoke(*combine)
    assert result.exit_code == expect, result.output
    return result


def make_cli_ceremony(root: Path) -> dict[str, Path]:
    """A 3-guardian, quorum-2 chained ceremony run command by command, each guardian in its own folder."""
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / "manifest.json"
    manifest.write_bytes(demo_manifest_bytes())
    record = root / "record"
    run("election", "init", "--manifest", manifest, "-n", 3, "-k", 2, "--out", record, "--group", "test", "--chain")
    publics, shares = root / "publics", root / "shares"
    publics.mkdir()
    folders = {}
    for x, name in enumerate(["alice", "bob", "carol"], start=1):
        home = root / name
        home.mkdir()
        folders[name] = home
        run(
            "guardian", "keygen", "--record", record, "--id", name, "--x", x,
            "--secret", home / "secret.json", "--public-out", publics / f"guardian-{name}.json",
        )  # fmt: skip
    for home in folders.values():
        run("guardian", "shares", "--record", record, "--secret", home / "secret.json",
            "--publics", publics, "--out", shares)  # fmt: skip
    for home in folders.values():
        out = run(
            "guardian", "receive", "--record", record, "--secret", home / "secret.json",
            "--publics", publics, "--shares", shares, "--complaints", root / "complaints",
        )  # fmt: skip
        assert "key share" in out
    run("ceremony", "finalize", "--record", record, "--publics", publics)
    return cli_election_paths(root)


def cli_election_paths(root: Path) -> dict[str, Path]:
    """The folders of a make_cli_ceremony election at ``root`` (or at a copy of it)."""
    names = ("record", "publics", "shares", "alice", "bob", "carol")
    return {"root": root, **{name: root / name for name in names}}


def _quiet(_text: str) -> None:
    return None
