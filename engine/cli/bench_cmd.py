"""`ballotchain bench [--quick] [--json] [--cpu-time]`: the engine's headline figures on this machine.

Medians over repetitions, each with its ratio to one powmod measured in the same process: of elapsed
time by default, of this process's CPU time with --cpu-time (steadier on a loaded machine).
"""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import time
from collections.abc import Callable

import click

from engine.backend import get_backend
from engine.ballot import encrypt_ballot
from engine.ceremony import decrypting_trustee, finalize_ceremony, generate_guardian, key_share, public_record
from engine.cli.common import console, group_option
from engine.cli.sample_election import demo_manifest_bytes, random_ballots
from engine.decrypt import decrypt_tally
from engine.election import (
    DecryptingTrustee,
    ElectionInitialized,
    EncryptedBallot,
    EncryptedTally,
    make_election_config,
)
from engine.group import group_by_name
from engine.manifest import Manifest
from engine.proofs import verify_range
from engine.record.codecs.manifest import decode_manifest
from engine.record.jsonio import loads
from engine.tally import TallyAccumulator


def _median_seconds(
    action: Callable[[], object], repeats: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    times = []
    for _ in range(repeats):
        t0 = clock()
        action()
        times.append(clock() - t0)
    return statistics.median(times)


def bench_election(
    group_name: str, n: int = 5, k: int = 3
) -> tuple[Manifest, ElectionInitialized, list[DecryptingTrustee]]:
    """The demo manifest with an in-process n-of-k ceremony (shares exchanged in memory)."""
    group = group_by_name(group_name)
    manifest_bytes = demo_manifest_bytes()
    manifest = decode_manifest(loads(manifest_bytes, "demo manifest"))
    config = make_election_config(group, manifest_bytes, n, k)
    h_p = config.parameter_base_hash
    guardians = [generate_guardian(group, f"g{i}", i, k) for i in range(1, n + 1)]
    trustees = [
        decrypting_trustee(
            g, key_share(g, {o.guardian_id: o.value_at(g.x_coordinate) for o in guardians if o is not g})
        )
        for g in guardians
    ]
    init = finalize_ceremony(config, [public_record(g, h_p) for g in guardians])
    return manifest, init, trustees


def verify_ballot_proofs(init: ElectionInitialized, ballot: EncryptedBallot) -> bool:
    """The per-selection work of verification 5 and 6: subgroup checks and every range proof."""
    group, k, h_e = init.joint_public_key.group, init.joint_public_key, init.extended_base_hash
    elements = [e for c in ballot.contests for s in c.selections for e in (s.ciphertext.pad, s.ciphertext.data)]
    ok = group.all_in_subgroup(elements)
    for contest in ballot.contests:
        total = None
        for s in contest.selections:
            ok &= verify_range(h_e, k, s.ciphertext, s.proof, 1)
            total = s.ciphertext if total is None else total + s.ciphertext
        assert total is not None
        ok &= verify_range(h_e, k, total, contest.proof, contest.votes_allowed)
    return ok


def run_bench(quick: bool, group_name: str, cpu_time: bool = False) -> dict[str, object]:
    """The figures; with cpu_time, every median is of this process's CPU time (all its threads)."""
    clock = time.process_time if cpu_time else time.perf_counter
    median = lambda action, repeats: _median_seconds(action, repeats, clock)  # noqa: E731
    backend = get_backend()
    group = group_by_name(group_name)
    repeats = 3 if quick else 7
    manifest, init, trustees = bench_election(group_name)
    plaintexts = random_ballots(manifest, 8, random.Random(1))
    selections = sum(len(c.selections) for c in plaintexts[0].contests)
    x, e = group.g_pow(group.random_q()), group.random_q()
    powmod_s = median(lambda: backend.powmod(x.value, e.value, group.p), repeats * 5)
    group.secret_table_for(init.joint_public_key)  # the K table, built once as a voting device would
    encrypt_s = median(lambda: encrypt_ballot(manifest, init, plaintexts[0], device="bench"), repeats)
    ballot = encrypt_ballot(manifest, init, plaintexts[1], device="bench").ballot
    verify_s = median(lambda: verify_ballot_proofs(init, ballot), repeats)
    copies = [dataclasses.replace(ballot, ballot_id=f"b{i}") for i in range(200 if quick else 1000)]

    def tally_all() -> EncryptedTally:
        acc = TallyAccumulator(manifest, init.extended_base_hash, group)
        acc.add_all(copies)
        return acc.build("bench")

    tally_s = median(tally_all, repeats)
    encrypted_tally = tally_all()
    decrypt_s = median(lambda: decrypt_tally(init, trustees[:3], encrypted_tally), max(1, repeats // 2))
    per = lambda seconds: seconds * 1000 / selections  # noqa: E731
    return {
        "backend": backend.name,
        "gmp": backend.gmp_source,
        "group": group_name,
        "quick": quick,
        "clock": "cpu" if cpu_time else "wall",
        "selections_per_ballot": selections,
        "powmod_ms": powmod_s * 1000,
        "encrypt_ms_per_ballot": encrypt_s * 1000,
        "encrypt_ms_per_selection": per(encrypt_s),
        "encrypt_ballots_per_second": 1 / encrypt_s,
        "verify_ms_per_selection": per(verify_s),
        "tally_adds_per_second": len(copies) * selections / tally_s,
        "decrypt_ms_per_selection_3_of_5": per(decrypt_s),
        "ratios_to_powmod": {
            "encrypt_per_selection": per(encrypt_s) / (powmod_s * 1000),
            "verify_per_selection": per(verify_s) / (powmod_s * 1000),
            "decrypt_per_selection_3_of_5": per(decrypt_s) / (powmod_s * 1000),
        },
    }


@click.command("bench")
@click.option("--quick", is_flag=True, help="Fewer repetitions.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--cpu-time", is_flag=True, help="Medians of this process's CPU time instead of elapsed time.")
@group_option
def bench_command(quick: bool, as_json: bool, cpu_time: bool, group_name: str) -> None:
    """Measure encryption, verification and tally speed on this machine."""
    figures = run_bench(quick, group_name, cpu_time)
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        console.print(f"{key:28} {value:.3f}" if isinstance(value, float) else f"{key:28} {value}")
