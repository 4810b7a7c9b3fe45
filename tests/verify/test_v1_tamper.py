"""Every ElectionGuard 1.0 check id fails on a copy of an electionguard-python 1.4 record with one
tampered value (test group, 3 guardians, guardian 3 missing): the tamper's check id fails, and
only it, except where the tampered value feeds another check that must fail too (listed).

A challenge tamper shifts the challenge by one and recomputes the proof's commitments from the
verification equations, so that only the challenge's hash is wrong; a membership tamper negates a
commitment (-x is outside Z_p^r) and recomputes the challenge with 1.0's hash, so that only the
membership and the equations fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engine.verify.report import Status
from engine.verify.v1 import verify_v1_record
from engine.verify.v1.hash import h1, hx
from tests.support.eg1_records import copy_record, hex_of, load, save

RECORD = "test-missing-guardian"
BALLOT = "submitted_ballots/submitted_ballot_ballot-1.json"
SPOILED = "spoiled_ballots/spoiled_ballot_ballot-3.json"


@dataclass(frozen=True)
class Group1:
    p: int
    q: int
    g: int
    k: int
    qbar: int

    @classmethod
    def of(cls, record: Path) -> Group1:
        c, ctx = load(record, "constants.json"), load(record, "context.json")
        p, q, g = (int(c[key], 16) for key in ("large_prime", "small_prime", "generator"))
        return cls(p, q, g, int(ctx["elgamal_public_key"], 16), int(ctx["crypto_extended_base_hash"], 16))

    def exp(self, *pairs: tuple[int, int]) -> int:
        out = 1
        for base, e in pairs:
            out = out * pow(base, e % self.q, self.p) % self.p
        return out


def i(text: str) -> int:
    return int(text, 16)


def edit(file: str, change: Callable[[Any, Group1], None]) -> Callable[[Path], None]:
    def apply(record: Path) -> None:
        document = load(record, file)
        change(document, Group1.of(record))
        save(record, file, document)

    return apply


def first_selection(ballot: Any) -> Any:
    return ballot["contests"][0]["ballot_selections"][0]


def first_share(decryption: Any, index: int) -> Any:
    return decryption["contests"]["mayor"]["selections"]["mayor-kim"]["shares"][index]


def schnorr_challenge_shift(guardian: Any, gr: Group1) -> None:
    pr = guardian["election_proofs"][1]
    k, u, c = i(pr["public_key"]), i(pr["response"]), (i(pr["challenge"]) + 1) % gr.q
    pr["challenge"], pr["commitment"] = hex_of(c), hex_of(gr.exp((gr.g, u), (k, -c)))


def schnorr_outside(guardian: Any, gr: Group1) -> None:
    pr = guardian["election_proofs"][1]
    h = gr.p - i(pr["commitment"])
    pr["commitment"], pr["challenge"] = hex_of(h), hex_of(h1(gr.q, pr["public_key"], hex_of(h)))


def selection_challenge_shift(ballot: Any, gr: Group1) -> None:
    s = first_selection(ballot)
    pr, alpha, beta = s["proof"], i(s["ciphertext"]["pad"]), i(s["ciphertext"]["data"])
    c0 = (i(pr["proof_zero_challenge"]) + 1) % gr.q
    pr["proof_zero_challenge"], pr["challenge"] = hex_of(c0), hex_of((i(pr["challenge"]) + 1) % gr.q)
    v0 = i(pr["proof_zero_response"])
    pr["proof_zero_pad"] = hex_of(gr.exp((gr.g, v0), (alpha, -c0)))
    pr["proof_zero_data"] = hex_of(gr.exp((gr.k, v0), (beta, -c0)))


def selection_outside(ballot: Any, gr: Group1) -> None:
    s = first_selection(ballot)
    pr = s["proof"]
    pr["proof_zero_pad"] = hex_of(gr.p - i(pr["proof_zero_pad"]))
    items = [s["ciphertext"]["pad"], s["ciphertext"]["data"]]
    items += [pr[k] for k in ("proof_zero_pad", "proof_zero_data", "proof_one_pad", "proof_one_data")]
    c = h1(gr.q, hx(gr.qbar), *(hx(i(x)) for x in items))
    pr["challenge"], pr["proof_zero_challenge"] = hex_of(c), hex_of((c - i(pr["proof_one_challenge"])) % gr.q)


def contest_challenge_shift(ballot: Any, gr: Group1) -> None:
    contest = ballot["contests"][0]
    pr, acc = contest["proof"], contest["ciphertext_accumulation"]
    c, v, big_l = (i(pr["challenge"]) + 1) % gr.q, i(pr["response"]), pr["constant"]
    pr["challenge"] = hex_of(c)
    pr["pad"] = hex_of(gr.exp((gr.g, v), (i(acc["pad"]), -c)))
    pr["data"] = hex_of(gr.exp((gr.g, big_l * c), (gr.k, v), (i(acc["data"]), -c)))


def share_challenge_shift(share_of: Callable[[Any], Any], key_of: Callable[[Path], int]) -> Callable[[Path], None]:
    def apply(record: Path) -> None:
        tally = load(record, "tally.json")
        gr = Group1.of(record)
        selection = tally["contests"]["mayor"]["selections"]["mayor-kim"]
        part = share_of(selection)
        pr, big_a = part["proof"], i(selection["message"]["pad"])
        c, v = (i(pr["challenge"]) + 1) % gr.q, i(pr["response"])
        pr["challenge"] = hex_of(c)
        pr["pad"] = hex_of(gr.exp((gr.g, v), (key_of(record), -c)))
        pr["data"] = hex_of(gr.exp((big_a, v), (i(part["share"]), -c)))
        save(record, "tally.json", tally)

    return apply


def guardian_key(guardian_id: str) -> Callable[[Path], int]:
    return lambda record: i(load(record, f"guardians/guardian_{guardian_id}.json")["election_public_key"])


def recovery_key_of_part(record: Path) -> int:
    return i(
        load(record, "tally.json")["contests"]["mayor"]["selections"]["mayor-kim"]["shares"][2]["recovered_parts"]["1"][
            "recovery_key"
        ]
    )


def set_(file: str, change: Callable[[Any], None]) -> Callable[[Path], None]:
    return edit(file, lambda document, _gr: change(document))


def bump(obj: Any, key: str, q: int = 1 << 16) -> None:
    obj[key] = hex_of((i(obj[key]) + 1) % q)


def remove(file: str) -> Callable[[Path], None]:
    return lambda record: (record / file).unlink()


@dataclass(frozen=True)
class Tamper:
    check_id: str
    apply: Callable[[Path], None]
    also: frozenset[str] = field(default_factory=frozenset)
    allow_test_group: bool = True


TAMPERS = {
    "V1.1.a": Tamper("V1.1.a", lambda record: None, allow_test_group=False),
    "V1.1.b": Tamper("V1.1.b", set_("context.json", lambda d: bump(d, "crypto_base_hash", 65521))),
    "V1.1.c": Tamper("V1.1.c", set_("manifest.json", lambda d: d.update(election_scope_id="another-election"))),
    "V1.2.a": Tamper("V1.2.a", edit("guardians/guardian_1.json", schnorr_outside), frozenset({"V1.2.c"})),
    "V1.2.b": Tamper("V1.2.b", edit("guardians/guardian_1.json", schnorr_challenge_shift)),
    "V1.2.c": Tamper(
        "V1.2.c", set_("guardians/guardian_1.json", lambda d: bump(d["election_proofs"][1], "response", 65521))
    ),
    "V1.3.a": Tamper("V1.3.a", set_("guardians/guardian_1.json", lambda d: d["election_proofs"].pop())),
    "V1.3.b": Tamper(
        "V1.3.b", set_("context.json", lambda d: bump(d, "commitment_hash", 65521)), frozenset({"V1.1.b"})
    ),
    "V1.4.a": Tamper("V1.4.a", edit(BALLOT, selection_outside), frozenset({"V1.4.c"})),
    "V1.4.b": Tamper("V1.4.b", edit(BALLOT, selection_challenge_shift)),
    "V1.4.c": Tamper("V1.4.c", set_(BALLOT, lambda d: bump(first_selection(d)["proof"], "proof_zero_response", 65521))),
    "V1.5.a": Tamper(
        "V1.5.a",
        set_(BALLOT, lambda d: bump(d["contests"][0]["ciphertext_accumulation"], "pad")),
        frozenset({"V1.5.b", "V1.5.c"}),
    ),
    "V1.5.b": Tamper("V1.5.b", edit(BALLOT, contest_challenge_shift)),
    "V1.5.c": Tamper("V1.5.c", set_(BALLOT, lambda d: bump(d["contests"][0]["proof"], "response", 65521))),
    "V1.6.a": Tamper("V1.6.a", set_(BALLOT, lambda d: bump(first_selection(d), "crypto_hash", 65521))),
    "V1.6.b": Tamper("V1.6.b", set_(BALLOT, lambda d: d.update(timestamp=d["timestamp"] + 1))),
    "V1.7.a": Tamper("V1.7.a", remove("submitted_ballots/submitted_ballot_ballot-5.json")),
    "V1.7.b": Tamper(
        "V1.7.b",
        set_("tally.json", lambda d: bump(d["contests"]["mayor"]["selections"]["mayor-kim"]["message"], "data")),
        frozenset({"V1.8.a", "V1.9.a", "V1.10.a"}),
    ),
    "V1.8.a": Tamper("V1.8.a", share_challenge_shift(lambda s: s["shares"][0], guardian_key("1"))),
    "V1.8.b": Tamper("V1.8.b", set_("tally.json", lambda d: bump(first_share(d, 0)["proof"], "response", 65521))),
    "V1.9.a": Tamper(
        "V1.9.a", share_challenge_shift(lambda s: s["shares"][2]["recovered_parts"]["1"], recovery_key_of_part)
    ),
    "V1.9.b": Tamper(
        "V1.9.b",
        set_("tally.json", lambda d: bump(first_share(d, 2)["recovered_parts"]["1"]["proof"], "response", 65521)),
    ),
    "V1.9.c": Tamper("V1.9.c", set_("coefficients.json", lambda d: d["coefficients"].update({"1": "03"}))),
    "V1.10.a": Tamper(
        "V1.10.a", set_("tally.json", lambda d: d["contests"]["mayor"]["selections"]["mayor-kim"].update(tally=7))
    ),
    "V1.10.b": Tamper("V1.10.b", set_("tally.json", lambda d: d["contests"]["mayor"]["selections"].pop("mayor-kim"))),
    "V1.11.a": Tamper("V1.11.a", remove(SPOILED)),
    "V1.11.b": Tamper(
        "V1.11.b",
        set_(SPOILED, lambda d: d["contests"]["mayor"]["selections"]["mayor-kim"].update(tally=2)),
        frozenset({"V1.10.a"}),
    ),
    "V1.12.a": Tamper("V1.12.a", set_(BALLOT, lambda d: d.update(style_id="style-2"))),
}


def test_every_v1_check_id_has_a_tamper() -> None:
    from engine.verify.catalog import V1_CHECKS

    assert set(TAMPERS) == {check_id for check_id, _ in V1_CHECKS}


@pytest.mark.parametrize("check_id", sorted(TAMPERS))
def test_a_tampered_value_fails_its_check(check_id: str, tmp_path: Path) -> None:
    tamper = TAMPERS[check_id]
    record = copy_record(RECORD, tmp_path)
    tamper.apply(record)
    report = verify_v1_record(record, accept_test_group=tamper.allow_test_group)
    failed = set(report.failed_ids)
    assert check_id in failed, [str(f) for f in report.findings]
    assert failed <= {check_id} | tamper.also, [str(f) for f in report.findings]
    assert report.check(check_id).status is Status.FAILED
    assert not report.ok


@pytest.mark.parametrize("check_id", ["V1.2.c", "V1.4.c", "V1.5.c", "V1.8.b", "V1.9.b"])
def test_strict_mode_finds_the_same_proof(check_id: str, tmp_path: Path) -> None:
    tamper = TAMPERS[check_id]
    record = copy_record(RECORD, tmp_path)
    tamper.apply(record)
    batch = verify_v1_record(record, accept_test_group=True)
    strict = verify_v1_record(record, accept_test_group=True, strict=True)
    assert batch.findings_for(check_id) == strict.findings_for(check_id)
    assert len(strict.findings_for(check_id)) == 1
