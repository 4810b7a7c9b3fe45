"""A chained test-group election with two guardians (alice and bob, n = k = 2) run command by command,
and the honest tally and decryption of a record of it (tests/adversarial/test_chaining.py,
tests/cli/test_chain_batches.py). A guardian's files are in ROOT/<name>/."""

from __future__ import annotations

from pathlib import Path

from tests.support.elections import run

GUARDIANS = ("alice", "bob")


def chained_ceremony(root: Path, manifest: Path, complaints: Path | None = None) -> Path:
    """election init --chain on ``manifest`` and the key ceremony of GUARDIANS; the record ROOT/record."""
    record, publics, shares = root / "record", root / "publics", root / "shares"
    run("election", "init", "--manifest", manifest, "-n", 2, "-k", 2, "--out", record, "--group", "test", "--chain")
    for x, name in enumerate(GUARDIANS, start=1):
        run(
            "guardian", "keygen", "--record", record, "--id", name, "--x", x,
            "--secret", root / name / "secret.json", "--public-out", publics / f"guardian-{name}.json",
        )  # fmt: skip
    for name in GUARDIANS:
        run("guardian", "shares", "--record", record, "--secret", root / name / "secret.json",
            "--publics", publics, "--out", shares)  # fmt: skip
    where = ("--complaints", complaints) if complaints is not None else ()
    for name in GUARDIANS:
        run("guardian", "receive", "--record", record, "--secret", root / name / "secret.json",
            "--publics", publics, "--shares", shares, *where)  # fmt: skip
    run("ceremony", "finalize", "--record", record, "--publics", publics)
    return record


def tally_and_decrypt(root: Path, record: Path) -> None:
    """The tallyer's and the guardians' honest steps on whatever record they are given."""
    work = root / f"decryption-{record.name}"
    partials, challenges, responses = work / "partials", work / "challenges", work / "responses"
    run("tally", "--record", record)
    for name in GUARDIANS:
        run("guardian", "decrypt", "--record", record, "--secret", root / name / "secret.json",
            "--out", partials, "--nonces", work / f"nonces-{name}.json")  # fmt: skip
    run("decrypt", "challenge", "--record", record, "--partials", partials, "--out", challenges)
    for name in GUARDIANS:
        run("guardian", "respond", "--record", record, "--secret", root / name / "secret.json",
            "--nonces", work / f"nonces-{name}.json", "--challenges", challenges, "--out", responses)  # fmt: skip
    run("decrypt", "combine", "--record", record, "--partials", partials, "--responses", responses)
