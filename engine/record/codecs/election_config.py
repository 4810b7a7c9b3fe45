"""election_config.json: n, k, H_P, H_M, H_B and the chaining settings, spec 2.0.0 sections 3.1 and 3.4.3."""

from __future__ import annotations

from typing import Any

from engine.election import ElectionConfig
from engine.group import Group
from engine.record.codecs.values import set_metadata
from engine.record.cursor import JsonCursor
from engine.record.layout import CONFIG

CONFIG_KEYS = (
    "config_version",
    "number_of_guardians",
    "quorum",
    "parameter_base_hash",
    "manifest_hash",
    "election_base_hash",
    "chain_confirmation_codes",
    "baux0",
    "metadata",
)


def decode_config(
    obj: Any,
    group: Group,
    manifest_bytes: bytes,
    file: str = CONFIG,
    notes: list[str] | None = None,
) -> ElectionConfig:
    """n, k, H_P (eq. 4), H_M (eq. 6), H_B (eq. 7), chaining and B_aux,0 (spec 3.4.3)."""
    o = JsonCursor.root(obj, file, notes, CONFIG_KEYS)
    n = o.get("number_of_guardians").integer(1)
    metadata = o.opt("metadata")
    return ElectionConfig(
        group=group,
        config_version=o.get("config_version").text(),
        number_of_guardians=n,
        quorum=o.get("quorum").integer(1, n),
        parameter_base_hash=o.get("parameter_base_hash").uint256(),
        manifest_hash=o.get("manifest_hash").uint256(),
        election_base_hash=o.get("election_base_hash").uint256(),
        manifest_bytes=manifest_bytes,
        chain_confirmation_codes=o.get("chain_confirmation_codes").boolean(),
        baux0=o.get("baux0").byte_array(),
        metadata=() if metadata is None else metadata.string_map(),
    )


def encode_config(config: ElectionConfig) -> dict[str, Any]:
    out: dict[str, Any] = {
        "config_version": config.config_version,
        "number_of_guardians": config.number_of_guardians,
        "quorum": config.quorum,
        "parameter_base_hash": config.parameter_base_hash.hex(),
        "manifest_hash": config.manifest_hash.hex(),
        "election_base_hash": config.election_base_hash.hex(),
        "chain_confirmation_codes": config.chain_confirmation_codes,
        "baux0": list(config.baux0),
    }
    set_metadata(out, config.metadata)
    return out
