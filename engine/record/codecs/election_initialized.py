"""election_initialized.json: K, H_E and the guardians' public records, spec 2.0.0 section 3.2."""

from __future__ import annotations

from typing import Any

from engine.election import ElectionConfig, ElectionInitialized, GuardianRecord
from engine.group import Group
from engine.proofs import SchnorrProof
from engine.record.codecs.values import hex_p, hex_q, set_metadata
from engine.record.cursor import JsonCursor
from engine.record.layout import INITIALIZED

INITIALIZED_KEYS = ("joint_public_key", "extended_base_hash", "guardians", "metadata")
GUARDIAN_KEYS = ("guardian_id", "x_coordinate", "coefficient_proofs")
SCHNORR_KEYS = ("public_key", "challenge", "response")


def decode_initialized(
    obj: Any, config: ElectionConfig, file: str = INITIALIZED, notes: list[str] | None = None
) -> ElectionInitialized:
    """K (eq. 8), H_E (eq. 23) and each guardian's commitments with Schnorr proofs (eq. 10-12)."""
    group = config.group
    o = JsonCursor.root(obj, file, notes, INITIALIZED_KEYS)
    metadata = o.opt("metadata")
    return ElectionInitialized(
        config=config,
        joint_public_key=o.get("joint_public_key").element_p(group),
        extended_base_hash=o.get("extended_base_hash").uint256(),
        guardians=tuple(decode_guardian(n, group) for n in o.get("guardians").items(nonempty=True)),
        metadata=() if metadata is None else metadata.string_map(),
    )


def decode_guardian(n: JsonCursor, group: Group) -> GuardianRecord:
    """One guardian's commitments K_i,j with their Schnorr proofs (eq. 10-12); ``n``'s other keys
    are the caller's (the ceremony's public record file adds its own)."""
    n.obj(GUARDIAN_KEYS)
    proofs = []
    for p in n.get("coefficient_proofs").items(nonempty=True):
        p.obj(SCHNORR_KEYS)
        proofs.append(
            SchnorrProof(
                p.get("public_key").element_p(group),
                p.get("challenge").element_q(group),
                p.get("response").element_q(group),
            )
        )
    return GuardianRecord(n.get("guardian_id").ident(), n.get("x_coordinate").integer(1), tuple(proofs))


def encode_initialized(init: ElectionInitialized) -> dict[str, Any]:
    out: dict[str, Any] = {
        "joint_public_key": hex_p(init.joint_public_key),
        "extended_base_hash": init.extended_base_hash.hex(),
        "guardians": [encode_guardian(g) for g in init.guardians],
    }
    set_metadata(out, init.metadata)
    return out


def encode_guardian(g: GuardianRecord) -> dict[str, Any]:
    return {
        "guardian_id": g.guardian_id,
        "x_coordinate": g.x_coordinate,
        "coefficient_proofs": [
            {"public_key": hex_p(p.public_key), "challenge": hex_q(p.challenge), "response": hex_q(p.response)}
            for p in g.coefficient_proofs
        ],
    }
