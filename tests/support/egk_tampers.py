"""The tamper cases on egk's chainedJson record: for every check id, one change to the valid record
that the check exists to catch, with the checks that cannot help failing with it (spec 2.0.0
section 6). tests/verify/test_verify_tamper.py runs each case; test_range_checks.py runs the range
cases with the reader's messages reworded; test_batch_verify.py runs the ballot cases in batch mode.

A case copies the record (``copy_record``) and changes the copy; ``verify`` reuses the verdicts of
the record's one verification in this process (tests.support.egk_verification), so that each run
re-verifies only what the case changed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.group import PRODUCTION_GROUP
from engine.hash import UInt256
from engine.verify import Report, verify_record
from engine.verify.hashes import EGK, confirmation_code
from tests.support.egk_data import workflow
from tests.support.egk_verification import egk_verification

RECORD = "chainedJson"
DEVICE = "runWorkflowChainedJson"
P = int(PRODUCTION_GROUP.p)
Q = int(PRODUCTION_GROUP.q)
G = int(PRODUCTION_GROUP.g)

# ---------------------------------------------------------------- helpers


def hex_p(x: int) -> str:
    return format(x, "01024X")


def hex_q(x: int) -> str:
    return format(x, "064X")


def other_element(h: str) -> str:
    """x * g mod p: still in the subgroup, but a different value."""
    return hex_p(int(h, 16) * G % P)


def bumped(h: str) -> str:
    """A different value mod q (for challenges and responses)."""
    return hex_q((int(h, 16) + 1) % Q)


def flip_hash(h: str) -> str:
    return ("0" if h[0] != "0" else "1") + h[1:]


def eballot(ballot_id: str) -> str:
    return f"encrypted_ballots/{DEVICE}/eballot-{ballot_id}.json"


def dballot(ballot_id: str) -> str:
    return f"challenged_ballots/dballot-{ballot_id}.json"


CHAIN = f"encrypted_ballots/{DEVICE}/ballot_chain.json"


def load(root: Path, rel: str) -> Any:
    return json.loads((root / rel).read_text())


def save(root: Path, rel: str, obj: Any) -> None:
    (root / rel).write_text(json.dumps(obj, indent=4))


def edit(rel: str, change: Callable[[Any], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        obj = load(root, rel)
        change(obj)
        save(root, rel, obj)

    return apply


def copy_record(tmp_path: Path) -> Path:
    dst = tmp_path / RECORD
    shutil.copytree(workflow(RECORD), dst, ignore=shutil.ignore_patterns("private_data"))
    for path in dst.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return dst


def verify(root: Path) -> Report:
    return verify_record(root, cache=egk_verification(RECORD).verdicts)


# ---------------------------------------------------------------- the changes


def _sel(obj: Any, contest: int = 0, selection: int = 0) -> Any:
    return obj["contests"][contest]["selections"][selection]


def set_field(rel: str, path: list[Any], value: Callable[[Any], Any]) -> Callable[[Path], None]:
    def change(obj: Any) -> None:
        node = obj
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value(node[path[-1]])

    return edit(rel, change)


def replace_manifest_byte(root: Path) -> None:
    data = (root / "manifest.json").read_bytes()
    i = data.index(b'"subtitle"')
    (root / "manifest.json").write_bytes(data[: i + 1] + b"S" + data[i + 2 :])


def replay_ballot(root: Path) -> None:
    """Ballot stuffing by replay: a copy of a valid cast ballot under a new id."""
    obj = load(root, eballot("id-1"))
    obj["ballot_id"] = "id-99"
    save(root, eballot("id-99"), obj)


def duplicate_ballot_id(root: Path) -> None:
    """A second ballot with an existing id, from a second device."""
    obj = load(root, eballot("id-2"))
    obj["encrypting_device"] = "device2"
    (root / "encrypted_ballots" / "device2").mkdir()
    save(root, "encrypted_ballots/device2/eballot-id-2.json", obj)


def copied_ballot(root: Path) -> None:
    """Cortier and Smyth's ballot copying: id-1's ciphertexts and proofs under a new id and a new B_aux
    (so a new, valid confirmation code), from a second device."""
    obj = load(root, eballot("id-1"))
    obj["ballot_id"] = "id-99"
    obj["encrypting_device"] = "device2"
    obj["code_baux"] = "C0" * 32
    h_e = UInt256.from_hex(obj["election_id"])
    hashes = [UInt256.from_hex(c["contest_hash"]) for c in obj["contests"]]
    obj["confirmation_code"] = confirmation_code(h_e, hashes, bytes.fromhex(obj["code_baux"]), EGK).hex()
    (root / "encrypted_ballots" / "device2").mkdir()
    save(root, "encrypted_ballots/device2/eballot-id-99.json", obj)


def copied_contest_data(root: Path) -> None:
    """id-1's first contest data (C0, C1, C2) copied into id-2's: were id-2 challenged, decryption would
    publish id-1's write-ins (the contest data is not under the confirmation code)."""
    source = load(root, eballot("id-1"))["contests"][0]["encrypted_contest_data"]
    set_field(eballot("id-2"), ["contests", 0, "encrypted_contest_data"], lambda _: source)(root)


def publish_contest_data(change: Callable[[Any], None]) -> Callable[[Any], None]:
    """Change the published (decoded) contest data of a challenged contest; its proof stays valid."""

    def apply(obj: Any) -> None:
        change(obj["contests"][0]["decrypted_contest_data"]["contest_data"])

    return apply


def swap_chain_order(root: Path) -> None:
    chain = load(root, CHAIN)
    ids = chain["ballot_ids"]
    ids[2], ids[3] = ids[3], ids[2]
    save(root, CHAIN, chain)


def drop_from_chain(root: Path) -> None:
    chain = load(root, CHAIN)
    chain["ballot_ids"].remove("id-5")
    save(root, CHAIN, chain)


def cast_to_spoiled(root: Path) -> None:
    set_field(eballot("id-2"), ["state"], lambda _: "SPOILED")(root)


def remove_cast_ballot(root: Path) -> None:
    (root / eballot("id-4")).unlink()


def drop_cast_id(root: Path) -> None:
    set_field("encrypted_tally.json", ["cast_ballot_ids"], lambda ids: [i for i in ids if i != "id-7"])(root)


def remove_dballot(root: Path) -> None:
    (root / dballot("id-6")).unlink()


def foreign_ciphertext(root: Path) -> None:
    """Decryption of another ballot's ciphertext (a valid proof) presented as this ballot's."""
    other = load(root, dballot("id-6"))
    obj = load(root, dballot("id-3"))
    obj["contests"][0]["selections"][1] = other["contests"][0]["selections"][1]
    save(root, dballot("id-3"), obj)


def rename_tally_contest(obj: Any) -> None:
    obj["contests"][1]["contest_id"] = "contest-x"


def rename_tally_selection(obj: Any) -> None:
    _sel(obj, 1, 2)["selection_id"] = "selection-x"


def drop_tally_selection(obj: Any) -> None:
    del obj["contests"][1]["selections"][2]


def drop_tally_contest(obj: Any) -> None:
    del obj["contests"][4]


def selection_value(value: int, which: tuple[int, ...] = (0,)) -> Callable[[Any], None]:
    """Claim `value` for challenged selections with T = K^value consistently (only the proof breaks)."""

    def change(obj: Any) -> None:
        k = int(load_k(), 16)
        for s in which:
            sel = _sel(obj, 0, s)
            sel["tally"] = value
            sel["b_over_m"] = hex_p(pow(k, value, P))

    return change


_K: list[str] = []


def load_k() -> str:
    if not _K:
        _K.append(load(workflow(RECORD), "election_initialized.json")["joint_public_key"])
    return _K[0]


def contest_data_into_tally(bad: Callable[[Any], None] | None = None) -> Callable[[Path], None]:
    """Give a tally contest a decrypted contest data (copied, valid, from a challenged ballot)."""

    def apply(root: Path) -> None:
        data = load(root, dballot("id-3"))["contests"][0]["decrypted_contest_data"]
        if bad is not None:
            bad(data)
        tally = load(root, "tally.json")
        tally["contests"][0]["decrypted_contest_data"] = data
        save(root, "tally.json", tally)

    return apply


def out_of_range(field: str, value: str) -> Callable[[Any], None]:
    def change(d: Any) -> None:
        d["proof"][field] = value

    return change


@dataclass(frozen=True)
class Tamper:
    check_id: str
    name: str
    apply: Callable[[Path], None]
    also: frozenset[str] = frozenset()  # the checks that cannot help failing too


# A left-out ballot file (a proof value out of range) is missing from the sums (8.A, 8.B), from
# the cast set (R.cast_set) and from its device's chain (R.chain_cover, 7.E for its successor).
LEFT_OUT_CAST = frozenset({"8.A", "8.B", "R.cast_set", "R.chain_cover", "7.E"})
# Every hash with H_E in its key changes when H_E does; the ballots still name the old H_E.
H_E_DEPENDENT = frozenset({"5.D", "6.D", "7.A", "7.B", "7.D", "7.E", "7.G", "9.B", "12.B", "14.B", "R.election_id"})
K_DEPENDENT = frozenset({"4.A", "5.D", "6.D", "7.A", "9.B", "10.A", "12.B", "13.A", "14.B"})
PAD_11 = ["contests", 0, "selections", 1, "encrypted_vote", "pad"]

TAMPERS = [
    Tamper("1.A", "spec version", set_field("election_config.json", ["config_version"], lambda _: "v2.0.1")),
    Tamper("1.F", "H_P", set_field("election_config.json", ["parameter_base_hash"], flip_hash)),
    Tamper("1.G", "a manifest byte", replace_manifest_byte),
    Tamper(
        "1.G",
        "H_M (H_B is computed from the record's H_M)",
        set_field("election_config.json", ["manifest_hash"], flip_hash),
        frozenset({"1.H"}),
    ),
    Tamper(
        "1.H",
        "H_B (H_E is computed from the record's H_B)",
        set_field("election_config.json", ["election_base_hash"], flip_hash),
        frozenset({"4.A"}),
    ),
    Tamper(
        "2.A",
        "a guardian commitment outside the subgroup (its proof breaks too)",
        set_field(
            "election_initialized.json", ["guardians", 1, "coefficient_proofs", 2, "public_key"], lambda _: hex_p(P - 1)
        ),
        frozenset({"2.C"}),
    ),
    Tamper(
        "2.B",
        "a coefficient response >= q (nothing further can be verified)",
        set_field(
            "election_initialized.json", ["guardians", 0, "coefficient_proofs", 1, "response"], lambda _: hex_q(Q)
        ),
    ),
    Tamper(
        "2.C",
        "a coefficient challenge",
        set_field("election_initialized.json", ["guardians", 2, "coefficient_proofs", 0, "challenge"], bumped),
    ),
    Tamper(
        "2.C",
        "a guardian commitment (another subgroup element)",
        set_field("election_initialized.json", ["guardians", 0, "coefficient_proofs", 1, "public_key"], other_element),
    ),
    Tamper(
        "3.A",
        "a guardian key K_i = 1 (its proof and the product break too)",
        set_field(
            "election_initialized.json", ["guardians", 1, "coefficient_proofs", 0, "public_key"], lambda _: hex_p(1)
        ),
        frozenset({"2.C", "3.B"}),
    ),
    Tamper(
        "3.B",
        "the joint key (everything encrypted to K breaks)",
        set_field("election_initialized.json", ["joint_public_key"], other_element),
        K_DEPENDENT,
    ),
    Tamper(
        "4.A",
        "H_E (every proof and hash keyed by H_E breaks)",
        set_field("election_initialized.json", ["extended_base_hash"], flip_hash),
        H_E_DEPENDENT,
    ),
    Tamper(
        "5.A",
        "a cast selection's pad replaced by p - 1",
        set_field(eballot("id-2"), PAD_11, lambda _: hex_p(P - 1)),
        frozenset({"6.A", "5.D", "6.D", "7.A", "8.A"}),
    ),
    Tamper(
        "5.A",
        "a selection's pad >= p (the ballot file is left out)",
        set_field(eballot("id-2"), PAD_11, lambda _: hex_p(P + 1)),
        LEFT_OUT_CAST,
    ),
    Tamper(
        "5.B",
        "a selection-proof challenge >= 2^256 (the ballot file is left out)",
        set_field(
            eballot("id-5"), ["contests", 3, "selections", 2, "proof", "proofs", 0, "challenge"], lambda h: "1" + h
        ),
        LEFT_OUT_CAST,
    ),
    Tamper(
        "5.C",
        "a selection-proof response >= q (the ballot file is left out)",
        set_field(
            eballot("id-5"), ["contests", 3, "selections", 2, "proof", "proofs", 1, "response"], lambda _: hex_q(Q)
        ),
        LEFT_OUT_CAST,
    ),
    Tamper(
        "5.D",
        "a selection-proof response",
        set_field(eballot("id-7"), ["contests", 5, "selections", 0, "proof", "proofs", 1, "response"], bumped),
    ),
    Tamper(
        "6.A",
        "a challenged ballot's selection data outside the subgroup",
        set_field(eballot("id-3"), ["contests", 0, "selections", 1, "encrypted_vote", "data"], lambda _: hex_p(P - 1)),
        frozenset({"5.A", "5.D", "6.D", "7.A", "R.challenged"}),
    ),
    Tamper(
        "6.B",
        "a contest-proof challenge >= 2^256 (the ballot file is left out)",
        set_field(eballot("id-8"), ["contests", 2, "proof", "proofs", 0, "challenge"], lambda h: "F" + h),
        LEFT_OUT_CAST,
    ),
    Tamper(
        "6.C",
        "a contest-proof response >= q (the ballot file is left out)",
        set_field(eballot("id-8"), ["contests", 2, "proof", "proofs", 1, "response"], lambda _: hex_q(Q + 5)),
        LEFT_OUT_CAST,
    ),
    Tamper(
        "6.D",
        "a contest-proof response",
        set_field(eballot("id-10"), ["contests", 7, "proof", "proofs", 0, "response"], bumped),
    ),
    Tamper(
        "7.A",
        "a contest hash (the code is over the record's contest hashes)",
        set_field(eballot("id-11"), ["contests", 9, "contest_hash"], flip_hash),
        frozenset({"7.B"}),
    ),
    Tamper(
        "7.B",
        "a confirmation code (the next ballot's B_aux holds it)",
        set_field(eballot("id-4"), ["confirmation_code"], flip_hash),
        frozenset({"7.E"}),
    ),
    Tamper(
        "7.C",
        "a replayed ballot under a new id (its ciphertexts are the original's)",
        replay_ballot,
        frozenset({"R.chain_cover", "R.cast_set", "8.A", "8.B", "R.unique_ciphertexts"}),
    ),
    Tamper("7.D", "the chain's H_0", set_field(CHAIN, ["baux0"], flip_hash)),
    Tamper("7.E", "two ballots swapped in the chain", swap_chain_order),
    Tamper("7.F", "the chain's last confirmation code", set_field(CHAIN, ["last_confirmation_code"], flip_hash)),
    Tamper("7.G", "the chain's closing hash", set_field(CHAIN, ["closing_hash"], flip_hash)),
    Tamper(
        "8.A",
        "an aggregate pad (its decryption proof and tally.json's copy break too)",
        set_field("encrypted_tally.json", PAD_11, other_element),
        frozenset({"9.B", "R.tally_copy"}),
    ),
    Tamper(
        "8.B",
        "an aggregate data",
        set_field("encrypted_tally.json", ["contests", 3, "selections", 4, "encrypted_vote", "data"], other_element),
        frozenset({"9.B", "R.tally_copy"}),
    ),
    Tamper(
        "8.A",
        "a cast ballot removed",
        remove_cast_ballot,
        frozenset({"8.B", "R.cast_set", "R.chain_cover", "7.E"}),
    ),
    Tamper(
        "9.A",
        "a tally proof response >= q (tally.json is left out)",
        set_field("tally.json", ["contests", 2, "selections", 3, "proof", "response"], lambda _: hex_q(Q)),
    ),
    Tamper(
        "9.B",
        "a tally proof challenge",
        set_field("tally.json", ["contests", 6, "selections", 1, "proof", "challenge"], bumped),
    ),
    Tamper(
        "10.A", "a tally count", set_field("tally.json", ["contests", 1, "selections", 0, "tally"], lambda t: t + 1)
    ),
    Tamper(
        "10.A",
        "a b_over_m (the proof is over M = B / T)",
        set_field("tally.json", ["contests", 1, "selections", 1, "b_over_m"], other_element),
        frozenset({"9.B"}),
    ),
    Tamper(
        "10.B",
        "a tally contest label",
        edit("tally.json", rename_tally_contest),
        frozenset({"10.C", "10.E"}),
    ),
    Tamper("10.C", "a tally option label", edit("tally.json", rename_tally_selection), frozenset({"10.D"})),
    Tamper("10.D", "a tally option removed", edit("tally.json", drop_tally_selection)),
    Tamper("10.E", "a tally contest removed", edit("tally.json", drop_tally_contest)),
    Tamper(
        "11.A",
        "a tally contest-data response >= q (tally.json is left out)",
        contest_data_into_tally(out_of_range("response", hex_q(Q))),
    ),
    Tamper(
        "11.B",
        "a tally contest-data proof challenge",
        contest_data_into_tally(lambda d: d["proof"].update(challenge=bumped(d["proof"]["challenge"]))),
    ),
    Tamper(
        "12.A",
        "a challenged-ballot response >= q (the file is left out)",
        set_field(dballot("id-9"), ["contests", 4, "selections", 2, "proof", "response"], lambda _: hex_q(Q)),
    ),
    Tamper(
        "12.B",
        "a challenged-ballot proof response",
        set_field(dballot("id-9"), ["contests", 4, "selections", 2, "proof", "response"], bumped),
    ),
    Tamper(
        "13.A",
        "a challenged selection value",
        set_field(dballot("id-6"), ["contests", 0, "selections", 0, "tally"], lambda t: 1 - t),
    ),
    Tamper(
        "13.B",
        "a challenged selection value 2 with S = K^2 (no valid proof exists for it)",
        edit(dballot("id-3"), selection_value(2)),
        frozenset({"12.B", "13.C"}),
    ),
    Tamper(
        "13.C",
        "two selections of a one-vote contest decrypted as 1 with S = K",
        edit(dballot("id-3"), selection_value(1, (0, 1))),
        frozenset({"12.B"}),
    ),
    Tamper(
        "13.D",
        "a challenged contest label",
        set_field(dballot("id-9"), ["contests", 3, "contest_id"], lambda _: "contest-x"),
        # the contest id is in the contest data's KDF context: C1 no longer opens under the new label
        frozenset({"13.E", "R.challenged", "R.contest_data"}),
    ),
    Tamper(
        "13.E",
        "a challenged option label",
        set_field(dballot("id-9"), ["contests", 3, "selections", 1, "selection_id"], lambda _: "selection-x"),
        frozenset({"13.F", "R.challenged"}),
    ),
    Tamper(
        "13.F",
        "a challenged option removed",
        edit(dballot("id-9"), lambda o: o["contests"][3]["selections"].pop(1)),
        frozenset({"R.challenged"}),
    ),
    Tamper(
        "14.A",
        "a contest-data response >= q (the file is left out)",
        set_field(dballot("id-6"), ["contests", 2, "decrypted_contest_data", "proof", "response"], lambda _: hex_q(Q)),
    ),
    Tamper(
        "14.B",
        "a contest-data proof challenge",
        set_field(dballot("id-6"), ["contests", 2, "decrypted_contest_data", "proof", "challenge"], bumped),
    ),
    Tamper(
        "R.guardians",
        "two guardians with one id",
        set_field("election_initialized.json", ["guardians", 1, "guardian_id"], lambda _: "guardian1"),
    ),
    Tamper("R.election_id", "a ballot's election id", set_field(eballot("id-8"), ["election_id"], flip_hash)),
    Tamper(
        "R.ballot_ids",
        "two ballots with one id (the second a copy)",
        duplicate_ballot_id,
        frozenset({"R.chain_cover", "R.unique_ciphertexts"}),
    ),
    Tamper(
        "R.ballot_manifest",
        "a ballot contest's votes_allowed",
        set_field(eballot("id-10"), ["contests", 12, "votes_allowed"], lambda v: v + 1),
    ),
    Tamper(
        "R.subgroup",
        "a cast ballot's contest data C0 outside the subgroup (it is not under the confirmation code)",
        set_field(eballot("id-11"), ["contests", 0, "encrypted_contest_data", "c0"], lambda _: hex_p(P - 1)),
    ),
    Tamper(
        "R.cast_set",
        "a cast ballot moved to SPOILED",
        cast_to_spoiled,
        frozenset({"8.A", "8.B", "R.challenged"}),
    ),
    Tamper("R.cast_set", "a cast ballot missing from the tally's cast ids", drop_cast_id),
    Tamper(
        "R.tally_copy",
        "tally.json's copy of an aggregate",
        set_field("tally.json", PAD_11, other_element),
    ),
    Tamper("R.chain_cover", "a ballot dropped from its chain", drop_from_chain, frozenset({"7.E"})),
    Tamper("R.challenged", "a decryption of another ballot's ciphertext", foreign_ciphertext),
    Tamper("R.challenged", "a challenged ballot without its decryption", remove_dballot),
    Tamper(
        "R.contest_data",
        "a write-in published for a challenged contest that has none",
        edit(dballot("id-3"), publish_contest_data(lambda d: d.update(write_ins=["Mallory"]))),
    ),
    Tamper(
        "R.contest_data",
        "a challenged contest's status published as over_vote",
        edit(dballot("id-6"), publish_contest_data(lambda d: d.update(status="over_vote"))),
    ),
    Tamper(
        "R.contest_data",
        "the tally's contest data (with a valid proof) published with another status",
        contest_data_into_tally(lambda d: d["contest_data"].update(status="under_vote")),
    ),
    Tamper(
        "R.challenged",
        "the decrypted contest data's numBytes (in the KDF, not in the proof)",
        set_field(
            dballot("id-9"),
            ["contests", 1, "decrypted_contest_data", "encrypted_contest_data", "numBytes"],
            lambda n: n - 1,
        ),
        # under another numBytes the contest data opens to nothing, and the empty contest data it publishes
        # is all R.contest_data asks of such a contest: R.challenged must catch the change
    ),
    Tamper(
        "R.unique_ciphertexts",
        "a cast ballot copied under a new id and B_aux with a valid new code (Cortier-Smyth)",
        copied_ballot,
        # the copy is on an unchained device of a chained election, and the tally does not count it
        frozenset({"R.chain_cover", "R.cast_set", "8.A", "8.B"}),
    ),
    Tamper("R.unique_ciphertexts", "a contest data copied from another ballot", copied_contest_data),
]

TAMPERS += [
    Tamper(
        check_id,
        f"constants.json's {key}",
        set_field("constants.json", [key], lambda h: h[:-1] + ("D" if h[-1] != "D" else "E")),
    )
    for check_id, key in (("1.B", "large_prime"), ("1.C", "small_prime"), ("1.D", "cofactor"), ("1.E", "generator"))
]
