"""egk JSON read straight into engine.election values, without the record layer (engine.record), for
the known-answer tests of aggregation and decryption (tests/protocol/test_tally.py, test_decrypt_kat.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.election import (
    BallotState,
    DecryptingTrustee,
    ElectionConfig,
    ElectionInitialized,
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    EncryptedTally,
    EncryptedTallyContest,
    EncryptedTallySelection,
    GuardianRecord,
    HashedCiphertext,
)
from engine.elgamal import Ciphertext
from engine.group import PRODUCTION_GROUP, ElementModP, ElementModQ, Group
from engine.hash import UInt256
from engine.manifest import BallotStyle, ContestDescription, Manifest, SelectionDescription
from engine.proofs import RangeProof, SchnorrProof

G = PRODUCTION_GROUP


def egk_p(text: str, group: Group = G) -> ElementModP:
    return group.element_p(int(text, 16))


def egk_q(text: str, group: Group = G) -> ElementModQ:
    return group.element_q(int(text, 16))


def egk_ciphertext(node: dict[str, str]) -> Ciphertext:
    return Ciphertext(egk_p(node["pad"]), egk_p(node["data"]))


def egk_range_proof(node: dict[str, Any] | None) -> RangeProof:
    steps = node["proofs"] if node else []
    return RangeProof(tuple(egk_q(s["challenge"]) for s in steps), tuple(egk_q(s["response"]) for s in steps))


def egk_hashed_ciphertext(node: dict[str, Any]) -> HashedCiphertext:
    return HashedCiphertext(
        egk_p(node["c0"]), bytes.fromhex(node["c1"]), UInt256.from_hex(node["c2"]), node["numBytes"]
    )


def egk_manifest(node: dict[str, Any]) -> Manifest:
    contests = tuple(
        ContestDescription(
            c["object_id"],
            c["sequence_order"],
            c["electoral_district_id"],
            c["vote_variation"],
            c["number_elected"],
            c["votes_allowed"],
            c["name"],
            tuple(
                SelectionDescription(s["object_id"], s["sequence_order"], s["candidate_id"])
                for s in c["ballot_selections"]
            ),
        )
        for c in node["contests"]
    )
    styles = tuple(BallotStyle(s["object_id"], tuple(s["geopolitical_unit_ids"])) for s in node["ballot_styles"])
    units = tuple(u["object_id"] for u in node["geopolitical_units"])
    return Manifest(
        node["election_scope_id"],
        node["spec_version"],
        node["type"],
        node["start_date"],
        node["end_date"],
        units,
        contests,
        styles,
    )


def egk_ballot(node: dict[str, Any]) -> EncryptedBallot:
    contests = tuple(
        EncryptedContest(
            c["contest_id"],
            c["sequence_order"],
            c["votes_allowed"],
            UInt256.from_hex(c["contest_hash"]),
            tuple(
                EncryptedSelection(
                    s["selection_id"],
                    s["sequence_order"],
                    egk_ciphertext(s["encrypted_vote"]),
                    egk_range_proof(s["proof"]),
                )
                for s in c["selections"]
            ),
            egk_range_proof(c["proof"]),
            egk_hashed_ciphertext(c["encrypted_contest_data"]),
        )
        for c in node["contests"]
    )
    sn = node.get("encrypted_sn")
    return EncryptedBallot(
        node["ballot_id"],
        node["ballot_style_id"],
        node["encrypting_device"],
        node["timestamp"],
        bytes.fromhex(node["code_baux"]),
        UInt256.from_hex(node["confirmation_code"]),
        UInt256.from_hex(node["election_id"]),
        contests,
        BallotState(node["state"]),
        egk_ciphertext(sn) if sn else None,
        node.get("is_preencrypt", False),
    )


def egk_encrypted_tally(node: dict[str, Any]) -> EncryptedTally:
    contests = tuple(
        EncryptedTallyContest(
            c["contest_id"],
            c["sequence_order"],
            tuple(
                EncryptedTallySelection(s["selection_id"], s["sequence_order"], egk_ciphertext(s["encrypted_vote"]))
                for s in c["selections"]
            ),
        )
        for c in node["contests"]
    )
    return EncryptedTally(
        node["tally_id"], contests, tuple(node["cast_ballot_ids"]), UInt256.from_hex(node["election_id"])
    )


def egk_election_initialized(folder: Path) -> ElectionInitialized:
    config = json.loads((folder / "election_config.json").read_text())
    init = json.loads((folder / "election_initialized.json").read_text())
    cfg = ElectionConfig(
        G,
        config["config_version"],
        config["number_of_guardians"],
        config["quorum"],
        UInt256.from_hex(config["parameter_base_hash"]),
        UInt256.from_hex(config["manifest_hash"]),
        UInt256.from_hex(config["election_base_hash"]),
        (folder / "manifest.json").read_bytes(),
        config["chain_confirmation_codes"],
        bytes(config["baux0"]),
    )
    guardians = tuple(
        GuardianRecord(
            g["guardian_id"],
            g["x_coordinate"],
            tuple(
                SchnorrProof(egk_p(p["public_key"]), egk_q(p["challenge"]), egk_q(p["response"]))
                for p in g["coefficient_proofs"]
            ),
        )
        for g in init["guardians"]
    )
    return ElectionInitialized(
        cfg, egk_p(init["joint_public_key"]), UInt256.from_hex(init["extended_base_hash"]), guardians
    )


def egk_trustee(node: dict[str, Any]) -> DecryptingTrustee:
    """A trustee from a workflow's private_data or from a test vector (camelCase field names)."""
    return DecryptingTrustee(
        node["id"],
        node["x_coordinate"] if "x_coordinate" in node else node["xCoordinate"],
        tuple(egk_q(a) for a in node["polynomial_coefficients"]),
        egk_q(node["key_share"] if "key_share" in node else node["keyShare"]),
    )


def egk_workflow_ballots(folder: Path) -> list[EncryptedBallot]:
    files = sorted((folder / "encrypted_ballots").glob("*/eballot-*.json"))
    return [egk_ballot(json.loads(f.read_text())) for f in files]
