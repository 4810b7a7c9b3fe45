"""Distributed verification (issue 11, item 4): the same report on a Dask cluster (a real `dask scheduler` and
two `dask worker` processes on loopback, and a LocalCluster) as in local processes, for a valid record and for
tampered ones; a worker lost mid-run costs time, not results; workers read their own ballots (the local pool
too), and small records are cut so that every process gets work."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from engine.cli.main import cli
from engine.dask_cluster import open_cluster
from engine.verify import Report, verify_record
from engine.verify import distributed as verify_distributed
from engine.verify.runner import partition_size
from tests.support.dask_processes import KILLED_MARKER, dask_processes, verify_partition_killing_its_worker_once
from tests.support.demo_records import two_device_record

pytest.importorskip("distributed")
pytestmark = pytest.mark.once  # how the work is spread and combined, not the arithmetic


def without_timings(doc: dict[str, Any]) -> dict[str, Any]:
    doc.pop("seconds")
    for check in doc["checks"]:
        check.pop("seconds")
    return doc


def comparable(report: Report) -> dict[str, Any]:
    """The report's JSON without its timing fields."""
    return without_timings(report.to_json_dict())


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete test-group election of 24 voters on two chained devices, some ballots challenged."""
    return two_device_record(tmp_path_factory, "dask-demo", seed=11)


@pytest.fixture()
def record(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "record"
    shutil.copytree(pristine, copy)
    return copy


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with dask_processes(tmp_path_factory.mktemp("dask-logs")) as address:
        yield address


def ballot_files(root: Path, device: str) -> list[Path]:
    return sorted((root / "encrypted_ballots" / device).glob("eballot-*.json"))


def bump_a_response(root: Path) -> None:
    """5.D fails for one selection of one ballot."""
    path = ballot_files(root, "device-1")[3]
    doc = json.loads(path.read_text())
    entry = doc["contests"][0]["selections"][0]["proof"]["proofs"][0]
    width = len(entry["response"])
    entry["response"] = format(int(entry["response"], 16) ^ 1, f"0{width}X")
    path.write_text(json.dumps(doc))


def repeat_a_cast_ballot_on_the_other_device(root: Path) -> None:
    """R.ballot_ids fails: a cast ballot of device-1 is also in device-2's folder (another partition)."""
    for path in ballot_files(root, "device-1"):
        doc = json.loads(path.read_text())
        if doc["state"] == "CAST":
            doc["encrypting_device"] = "device-2"
            (root / "encrypted_ballots" / "device-2" / path.name).write_text(json.dumps(doc))
            return
    raise AssertionError("no cast ballot")


def repeat_a_confirmation_code(root: Path) -> None:
    """7.C fails (and 7.B for the copier): two ballots of different devices have one confirmation code."""
    source, target = ballot_files(root, "device-1")[2], ballot_files(root, "device-2")[4]
    doc = json.loads(target.read_text())
    doc["confirmation_code"] = json.loads(source.read_text())["confirmation_code"]
    target.write_text(json.dumps(doc))


def break_a_chain(root: Path) -> None:
    """7.E and R.chain_cover fail: a ballot of device-1's chain is gone, and the chain's order is swapped."""
    ballot_files(root, "device-1")[5].unlink()
    path = root / "encrypted_ballots" / "device-2" / "ballot_chain.json"
    doc = json.loads(path.read_text())
    ids = doc["ballot_ids"]
    ids[1], ids[2] = ids[2], ids[1]
    path.write_text(json.dumps(doc))


def copy_a_ciphertext(root: Path) -> None:
    """R.unique_ciphertexts fails: a selection's ciphertext and proof of a device-1 ballot copied into a device-2
    ballot (another partition)."""
    source, target = ballot_files(root, "device-1")[1], ballot_files(root, "device-2")[6]
    copied = json.loads(source.read_text())["contests"][0]["selections"][0]
    doc = json.loads(target.read_text())
    selection = doc["contests"][0]["selections"][0]
    selection["encrypted_vote"], selection["proof"] = copied["encrypted_vote"], copied["proof"]
    target.write_text(json.dumps(doc))


TAMPERS: dict[str, Callable[[Path], None]] = {
    "valid": lambda _root: None,
    "bad-proof": bump_a_response,
    "repeated-id": repeat_a_cast_ballot_on_the_other_device,
    "repeated-code": repeat_a_confirmation_code,
    "broken-chain": break_a_chain,
    "copied-ciphertext": copy_a_ciphertext,
}
EXPECTED_FAILURE = {
    "bad-proof": "5.D",
    "repeated-id": "R.ballot_ids",
    "repeated-code": "7.C",
    "broken-chain": "7.E",
    "copied-ciphertext": "R.unique_ciphertexts",
}


@pytest.mark.parametrize("tamper", list(TAMPERS), ids=list(TAMPERS))
def test_a_scheduler_and_two_worker_processes_give_the_local_report(record: Path, scheduler: str, tamper: str) -> None:
    TAMPERS[tamper](record)
    local = verify_record(record, jobs=2, accept_test_group=True)
    with open_cluster(scheduler=scheduler) as client:
        distributed = verify_record(record, accept_test_group=True, cluster=client)
    assert comparable(distributed) == comparable(local)
    assert local.ok is (tamper == "valid")
    if tamper != "valid":
        assert EXPECTED_FAILURE[tamper] in local.failed_ids
    if tamper == "repeated-id":
        assert "R.ballot_ids" in local.failed_ids and local.check("8.A").failed == 0


@pytest.mark.parametrize("tamper", [t for t in TAMPERS if t != "valid"])
def test_workers_reading_their_own_ballots_give_the_parents_report(record: Path, tamper: str) -> None:
    """The partitions read by workers (no cache) and the ballots read by the parent (a cache) agree."""
    TAMPERS[tamper](record)
    by_workers = verify_record(record, jobs=2, accept_test_group=True, chunk_ballots=3)
    by_parent = verify_record(record, jobs=2, accept_test_group=True, cache={})
    assert comparable(by_workers) == comparable(by_parent)


@pytest.mark.parametrize("where", ["--scheduler", "--cluster"])
def test_the_command_on_a_cluster_prints_the_local_report_and_exits_alike(
    record: Path, scheduler: str, where: str
) -> None:
    bump_a_response(record)
    args = ["verify", str(record), "--allow-test-group", "--json", "--jobs", "2"]
    local = CliRunner().invoke(cli, args)
    remote = CliRunner().invoke(cli, [*args, where, scheduler if where == "--scheduler" else "local"])
    assert (local.exit_code, remote.exit_code) == (1, 1), remote.output
    docs = [without_timings(json.loads(result.stdout)) for result in (local, remote)]
    assert docs[0] == docs[1]
    assert docs[1]["failed"] == ["5.D"]


def test_a_worker_lost_mid_run_costs_time_not_results(
    record: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = verify_record(record, jobs=1, accept_test_group=True)
    monkeypatch.setattr(verify_distributed, "_TASK", verify_partition_killing_its_worker_once)
    with open_cluster(scheduler=scheduler) as client:
        distributed = verify_record(record, accept_test_group=True, cluster=client, chunk_ballots=4)
    assert (record.parent / KILLED_MARKER).exists()
    doc = comparable(distributed)
    doc["jobs"] = 1
    assert doc == comparable(local) and distributed.ok


def test_an_unreachable_scheduler_or_both_options_exit_2_in_one_line(
    record: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine import dask_cluster
    from tests.support.dask_processes import free_port

    monkeypatch.setattr(dask_cluster, "CONNECT_TIMEOUT_S", 1)
    nowhere = f"tcp://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(cli, ["verify", str(record), "--allow-test-group", "--scheduler", nowhere])
    assert result.exit_code == 2
    assert result.stderr.startswith("ballotchain: cannot reach the Dask scheduler") and result.stderr.count("\n") == 1
    both = ["verify", str(record), "--allow-test-group", "--scheduler", nowhere, "--cluster", "local"]
    result = CliRunner().invoke(cli, both)
    assert result.exit_code == 2 and "give one of them" in result.stderr


def test_a_small_record_is_cut_so_that_every_process_gets_work() -> None:
    assert partition_size(11, 2, 10) == 2  # egk's allAvailableJson: 6 tasks for 2 processes
    assert partition_size(11, 1, 10) == 40
    assert partition_size(10_000, 2, 10) == 40  # a large record keeps tasks of about 400 selections


def test_an_electionguard_1_record_on_the_scheduler_gives_the_local_report(scheduler: str) -> None:
    record = Path(__file__).resolve().parents[1] / "vectors" / "eg1" / "records" / "test-missing-guardian"
    args = ["verify", str(record), "--allow-test-group", "--json", "--jobs", "2"]
    local, remote = CliRunner().invoke(cli, args), CliRunner().invoke(cli, [*args, "--scheduler", scheduler])
    assert (local.exit_code, remote.exit_code) == (0, 0), remote.output
    docs = [without_timings(json.loads(result.stdout)) for result in (local, remote)]
    assert docs[0] == docs[1]


def test_an_unreadable_ballot_file_exits_2_on_the_scheduler_as_locally(record: Path, scheduler: str) -> None:
    ballot_files(record, "device-2")[1].write_text("{ not json")
    args = ["verify", str(record), "--allow-test-group", "--json"]
    for where in (["--jobs", "2"], ["--scheduler", scheduler]):
        result = CliRunner().invoke(cli, [*args, *where])
        assert result.exit_code == 2, result.output
        doc = json.loads(result.stdout)
        assert doc["ok"] is False and "eballot-" in doc["error"]


def test_the_client_keeps_a_short_log_of_the_messages_it_sends(scheduler: str) -> None:
    """Dask's connections log their last 1000 messages by default: one per window of tasks, so the client grew
    with the ballots; ours keep MESSAGE_LOG_LENGTH."""
    from engine.dask_cluster import MESSAGE_LOG_LENGTH

    with open_cluster(scheduler=scheduler) as client:
        assert client.scheduler_comm.recent_message_log.maxlen == MESSAGE_LOG_LENGTH
