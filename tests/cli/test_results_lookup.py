"""`results` and `lookup`, the answers for people (issue 15, item 6), through the command line on the test group:

- `results` shows the candidates' names and the numbers of cast and challenged ballots, only once the
  tally verifies: a tally.json with a count changed is refused (exit 1, the failed checks named, no count);
- `lookup RECORD CODE` says a ballot was cast and counted, or challenged (with its decryption), by its
  confirmation code or a unique prefix of it, or replaced on an online record's board log by a later ballot
  of the same voter; an unknown code exits 1, a malformed one exits 2.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from engine.board.entries import BallotSubmitted, BallotSuperseded, encode_entry
from engine.cli.main import cli
from engine.record import ElectionRecord
from tests.support.elections import decrypt, run


@pytest.fixture(scope="module")
def decrypted(voting_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """The election of tests.verify.test_verify_phases, tallied and decrypted: b1-b3 cast, b4 challenged."""
    root = tmp_path_factory.mktemp("decrypted") / "e"
    shutil.copytree(voting_template, root)
    run("tally", "--record", root / "record")
    decrypt(root)
    return root


@pytest.fixture()
def record(decrypted: Path, tmp_path: Path) -> Path:
    root = tmp_path / "e"
    shutil.copytree(decrypted, root)
    return root / "record"


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def code_of(record: Path, ballot_id: str) -> str:
    return ElectionRecord(record).encrypted_ballot(ballot_id).confirmation_code.hex()


def test_results_show_names_and_ballot_counts(record: Path) -> None:
    result = invoke("results", record)
    assert result.exit_code == 0, result.output
    assert "Kim Min-ji" in result.output and "kim-minji" not in result.output
    assert "3 ballots cast" in result.output and "1 challenged" in result.output


def test_results_plot(record: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    result = invoke("results", record, "--plot", tmp_path / "chart.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "chart.png").stat().st_size > 0


def test_results_refuse_a_tally_with_a_count_changed(record: Path) -> None:
    """Failed before issue 15: results printed the changed count."""
    path = record / "tally.json"
    tally = json.loads(path.read_text())
    mayor = next(c for c in tally["contests"] if c["contest_id"] == "mayor")
    kim = next(s for s in mayor["selections"] if s["selection_id"] == "kim-minji")
    kim["tally"] = 7
    path.write_text(json.dumps(tally))
    result = invoke("results", record)
    assert result.exit_code == 1, result.output
    assert "does not verify" in result.output and "10.A" in result.output
    assert "Kim Min-ji" not in result.output and "Results" not in result.output


def test_lookup_a_cast_ballot_by_its_code_in_any_case_or_a_prefix(record: Path) -> None:
    code = code_of(record, "b1")
    for given in (code, code.lower(), code[:12].lower()):
        result = invoke("lookup", record, given)
        assert result.exit_code == 0, result.output
        assert "ballot b1" in result.output and "counted in the tally" in result.output


def test_lookup_a_challenged_ballot_shows_its_decryption(record: Path) -> None:
    result = invoke("lookup", record, code_of(record, "b4"))
    assert result.exit_code == 0, result.output
    assert "challenged, not counted" in result.output
    assert "Mayor: Jung Ha-eun" in result.output  # ballot_line("b4", 4, ...): the fifth mayor


def test_lookup_an_unknown_code_exits_1(record: Path) -> None:
    code = code_of(record, "b1")
    unknown = ("0" if code[0] != "0" else "1") + code[1:]
    result = invoke("lookup", record, unknown)
    assert result.exit_code == 1
    assert "no ballot" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("bad", ["not-hex!", "abc", "g" * 64, "0" * 65])
def test_lookup_a_malformed_code_exits_2(record: Path, bad: str) -> None:
    result = invoke("lookup", record, bad)
    assert result.exit_code == 2, result.output
    assert "CODE" in result.output and result.output.strip().count("\n") == 0


def test_lookup_a_ballot_replaced_on_the_board_log(record: Path) -> None:
    """An online record: the log holds b1's submission and its supersession by b2 (the export leaves b1 out)."""
    ballot = ElectionRecord(record).encrypted_ballot("b1")
    did = "did:key:z6MkvoterOne"
    entries = [
        BallotSubmitted("b1", did, ballot.confirmation_code, bytes(64), ballot, 1, ()),
        BallotSuperseded(did, "b1", "b2", 2),
    ]
    (record / "board").mkdir()
    (record / "board" / "entries.jsonl").write_bytes(b"".join(encode_entry(e) + b"\n" for e in entries))
    (record / "encrypted_ballots" / "booth-1" / "eballot-b1.json").unlink()
    result = invoke("lookup", record, ballot.confirmation_code.hex())
    assert result.exit_code == 0, result.output
    assert "ballot b1" in result.output and "replaced by a later ballot of the same voter (b2)" in result.output
