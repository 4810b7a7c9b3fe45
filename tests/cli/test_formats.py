"""The formats a person writes (issue 15, blocker 1): the JSON Schemas shipped with the package
accept the demo's and egk's manifests and plaintext ballots; `manifest new` and `ballot template`
write files that `election init` and `encrypt` accept; `vote` gives a ballot with the id "auto" a
fresh id of its own (docs/FORMATS.md)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from engine.ballot import validate_plaintext_ballot
from engine.cli.board_cmds import credential_path, read_plaintext_ballot
from engine.cli.format_cmds import schema_bytes
from engine.client import BoardClient, fetch_election, prepare_submission, save_json, submit_signed
from engine.credentials.did import VoterCredential
from engine.record.codecs.manifest import decode_manifest
from engine.record.codecs.plaintext_ballot import decode_plaintext_ballot
from tests.support.egk_data import WORKFLOWS, workflow
from tests.support.online_cli import run, served

DATA = Path(__file__).resolve().parents[2] / "engine" / "cli" / "data"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(schema_bytes(name))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def problems(name: str, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(document)]


@pytest.mark.once
def test_the_schemas_ship_with_the_package_and_print(tmp_path: Path) -> None:
    for name, file in (("manifest", "manifest.schema.json"), ("plaintext ballot", "plaintext_ballot.schema.json")):
        assert schema_bytes(name) == (DATA / file).read_bytes()
        assert json.loads(schema_bytes(name))["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert json.loads(run("manifest", "schema")) == json.loads(schema_bytes("manifest"))
    assert json.loads(run("ballot", "schema")) == json.loads(schema_bytes("plaintext ballot"))


def test_the_demo_manifest_and_ballots_validate(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    run(
        "demo", "--out", out, "--voters", 4, "--guardians", 2, "--quorum", 2, "--absent", 0,
        "--group", "test", "--devices", 1, "--jobs", 1,
    )  # fmt: skip
    assert problems("manifest", json.loads((out / "private" / "manifest.json").read_text())) == []
    lines = (out / "private" / "voters" / "ballots.jsonl").read_text().splitlines()
    assert len(lines) == 4
    for line in lines:
        assert problems("plaintext ballot", json.loads(line)) == []


@pytest.mark.once
@pytest.mark.parametrize("name", WORKFLOWS)
def test_egk_manifests_and_plaintext_ballots_validate(name: str) -> None:
    folder = workflow(name)
    assert problems("manifest", json.loads((folder / "manifest.json").read_text())) == []
    ballots = sorted((folder / "private_data" / "input").glob("pballot-*.json"))
    assert ballots
    for file in ballots:
        assert problems("plaintext ballot", json.loads(file.read_text())) == [], file


@pytest.mark.once
def test_the_schemas_refuse_what_the_engine_refuses() -> None:
    manifest = json.loads((DATA / "demo_manifest.json").read_text())
    manifest["contests"][0]["object_id"] = "../mayor"  # the identifier rule of engine/ids.py
    assert problems("manifest", manifest)
    del manifest["ballot_styles"]
    assert any("ballot_styles" in p for p in problems("manifest", manifest))
    ballot = {"ballot_id": "b1", "ballot_style": "s", "contests": [{"contest_id": "c", "sequence_order": 1}]}
    assert any("selections" in p for p in problems("plaintext ballot", ballot))
    ballot["contests"][0]["selections"] = [{"selection_id": "x", "sequence_order": 1, "votes": 1}]
    assert problems("plaintext ballot", ballot)  # "votes" for "vote": a typo is not skipped silently


def doc_examples() -> list[Any]:
    """The JSON examples of docs/FORMATS.md (indented blocks that start with "{"), in order."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "FORMATS.md").read_text()
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("    ") or (blocks[-1] and not line.strip()):
            blocks[-1].append(line[4:])
        elif blocks[-1]:
            blocks.append([])
    return [json.loads("\n".join(b)) for b in blocks if b and b[0].startswith("{")]


@pytest.mark.once
def test_the_examples_of_formats_md_are_valid() -> None:
    manifest_json, ballot_json = doc_examples()
    assert problems("manifest", manifest_json) == []
    assert problems("plaintext ballot", ballot_json) == []
    manifest = decode_manifest(manifest_json)
    ballot = validate_plaintext_ballot(manifest, decode_plaintext_ballot(ballot_json))
    assert [s.vote for s in ballot.contests[0].selections] == [1, 0, 1]


def one_guardian_election(root: Path, manifest: Path) -> Path:
    """election init and a one-guardian key ceremony on ``manifest`` (test group)."""
    record, publics, shares = root / "record", root / "publics", root / "shares"
    run("election", "init", "--manifest", manifest, "-n", 1, "-k", 1, "--out", record, "--group", "test")
    publics.mkdir()
    secret = root / "alice" / "secret.json"
    run(
        "guardian", "keygen", "--record", record, "--id", "alice", "--x", 1,
        "--secret", secret, "--public-out", publics / "guardian-alice.json",
    )  # fmt: skip
    run("guardian", "shares", "--record", record, "--secret", secret, "--publics", publics, "--out", shares)
    run(
        "guardian", "receive", "--record", record, "--secret", secret, "--publics", publics,
        "--shares", shares, "--complaints", root / "complaints",
    )  # fmt: skip
    run("ceremony", "finalize", "--record", record, "--publics", publics)
    return record


def test_manifest_new_and_ballot_template_pass_election_init_and_encrypt(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    run("manifest", "new", "--out", manifest, "--contest", "mayor=kim,lee,park", "--contest", "council:2=a,b,c,d")
    assert problems("manifest", json.loads(manifest.read_text())) == []
    record = one_guardian_election(tmp_path, manifest)
    ballots = tmp_path / "ballots"
    for n in (1, 2):
        run("ballot", "template", "--manifest", manifest, "--out", ballots / f"pballot-{n}.json")
    ids = []
    for n, file in enumerate(sorted(ballots.iterdir())):
        ballot = json.loads(file.read_text())
        assert problems("plaintext ballot", ballot) == []
        assert all(s["vote"] == 0 for c in ballot["contests"] for s in c["selections"])
        ballot["contests"][0]["selections"][n]["vote"] = 1  # the voter marks a choice
        file.write_text(json.dumps(ballot))
        ids.append(ballot["ballot_id"])
    assert len(set(ids)) == 2 and all(i.startswith("ballot-") for i in ids)
    out = run("encrypt", "--record", record, "--ballots", ballots, "--device", "booth-1")
    assert all(f"{i}\tCAST" in out for i in ids)
    run("tally", "--record", record)


def test_manifest_new_preencrypted_starts_an_election_that_takes_pre_encrypted_ballots(tmp_path: Path) -> None:
    plain, pre = tmp_path / "plain.json", tmp_path / "pre.json"
    run("manifest", "new", "--out", plain, "--contest", "mayor=kim,lee")
    run("manifest", "new", "--out", pre, "--contest", "mayor=kim,lee", "--preencrypted")
    assert "preencrypted_ballots" not in json.loads(plain.read_text())  # egk's layout unless asked
    assert json.loads(pre.read_text())["preencrypted_ballots"] is True
    assert problems("manifest", json.loads(pre.read_text())) == []
    record = one_guardian_election(tmp_path / "pre-election", pre)
    out = run("preencrypt", "make", "--record", record, "--count", 1, "--out", tmp_path / "printed")
    assert out.startswith("pre-0001\t")


def test_a_ballot_template_has_exactly_its_styles_contests(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    run("manifest", "new", "--out", manifest, "--contest", "mayor=kim,lee", "--district", "city")
    edited = json.loads(manifest.read_text())
    edited["geopolitical_units"].append({"object_id": "north", "name": "North", "type": "ward"})
    edited["contests"].append(
        {
            "object_id": "north-council", "sequence_order": 2, "electoral_district_id": "north",
            "vote_variation": "one_of_m", "number_elected": 1, "votes_allowed": 1, "name": "North council",
            "ballot_selections": [{"object_id": "ann", "sequence_order": 1, "candidate_id": "ann"}],
        }
    )  # fmt: skip
    edited["ballot_styles"].append({"object_id": "north-style", "geopolitical_unit_ids": ["city", "north"]})
    manifest.write_text(json.dumps(edited))
    run("ballot", "template", "--manifest", manifest, "--out", tmp_path / "b.json", expect=2)  # two styles: which?
    for style, contests in (("ballot-style-1", ["mayor"]), ("north-style", ["mayor", "north-council"])):
        out = tmp_path / f"{style}.json"
        run("ballot", "template", "--manifest", manifest, "--style", style, "--out", out)
        ballot = json.loads(out.read_text())
        assert ballot["ballot_style"] == style
        assert [c["contest_id"] for c in ballot["contests"]] == contests


def test_format_commands_refuse_bad_input_in_one_line(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    run("manifest", "new", "--out", manifest)
    before = manifest.read_bytes()
    run("manifest", "new", "--out", manifest, "--contest", "x=a,b", expect=2)  # never replaced
    assert manifest.read_bytes() == before
    for spec in ("no-options", "bad id=a,b", "c:two=a,b", "c=a,../b"):
        run("manifest", "new", "--out", tmp_path / "m2.json", "--contest", spec, expect=2)
    run("manifest", "new", "--out", tmp_path / "m2.json", "--contest", "c:3=a,b", expect=2)  # L > options
    assert not (tmp_path / "m2.json").exists()
    run("ballot", "template", "--manifest", manifest, "--style", "nope", "--out", tmp_path / "b.json", expect=2)
    run("ballot", "template", "--manifest", manifest, "--id", "../x", "--out", tmp_path / "b.json", expect=2)
    run("ballot", "template", "--manifest", tmp_path / "missing.json", "--out", tmp_path / "b.json", expect=2)
    run("ballot", "template", "--manifest", manifest, "--out", tmp_path / "b.json")
    run("ballot", "template", "--manifest", manifest, "--out", tmp_path / "b.json", expect=2)


def test_vote_gives_a_ballot_with_id_auto_a_fresh_id(online_election: dict[str, Path]) -> None:
    e = online_election
    ballot = e["root"] / "my-ballot.json"
    run("ballot", "template", "--manifest", e["record"] / "manifest.json", "--id", "auto", "--out", ballot)
    assert json.loads(ballot.read_text())["ballot_id"] == "auto"
    receipts = [e["root"] / f"receipt-{n}.json" for n in (1, 2)]
    with served(e["record"], e["roster"], e["db"], e["key"]) as url:
        for n, receipt in zip((1, 2), receipts):  # two voters, the same file: no id to invent, no 409
            run(
                "vote", "--board", url, "--credential", credential_path(e["credentials"], n), "--ballot", ballot,
                "--receipt", receipt, "--allow-test-group",
            )  # fmt: skip
    ids = [json.loads(r.read_text())["receipt"]["ballot_id"] for r in receipts]
    assert len(set(ids)) == 2 and all(i.startswith("ballot-") and i != "auto" for i in ids)


def test_vote_with_id_auto_sends_a_pending_submission_again(online_election: dict[str, Path]) -> None:
    e = online_election
    ballot = e["root"] / "my-ballot.json"
    run("ballot", "template", "--manifest", e["record"] / "manifest.json", "--id", "auto", "--out", ballot)
    receipt = e["root"] / "receipt.json"
    pending = receipt.with_name(receipt.name + ".pending")
    with served(e["record"], e["roster"], e["db"], e["key"]) as url, BoardClient(url) as client:
        online = fetch_election(client, allow_test_group=True)
        voter = VoterCredential.load(credential_path(e["credentials"], 1))
        plaintext = dataclasses.replace(read_plaintext_ballot(ballot), ballot_id="ballot-00000000000000aa")
        submission = prepare_submission(online, voter, plaintext)
        save_json(pending, submission.to_json(), overwrite=False, secret=True)
        accepted = submit_signed(client, online, submission)  # the board logs it; the answer never arrives
        other = ("--ballot", ballot, "--receipt", receipt, "--allow-test-group")
        run("vote", "--board", url, "--credential", credential_path(e["credentials"], 2), *other, expect=2)
        run("vote", "--board", url, "--credential", credential_path(e["credentials"], 1), *other)
    assert json.loads(receipt.read_text())["receipt"] == accepted.receipt.to_json()
    assert json.loads(receipt.read_text())["receipt"]["ballot_id"] == "ballot-00000000000000aa"
    assert not pending.exists()
