"""guardians/guardian_<id>.json and encryption_devices/device_<id>.json of an ElectionGuard 1.0 record."""

from __future__ import annotations

from dataclasses import dataclass

from engine.record.cursor import JsonCursor
from engine.record.v1.values import V1Constants, mod_p, mod_q

GUARDIAN_KEYS = ("guardian_id", "sequence_order", "election_public_key", "election_commitments", "election_proofs")
SCHNORR_KEYS = ("public_key", "commitment", "challenge", "response", "usage")
DEVICE_KEYS = ("device_id", "session_id", "launch_code", "location")


@dataclass(frozen=True, slots=True)
class V1SchnorrProof:
    """Proof of knowledge of a coefficient a_ij: K_ij, h_ij = g^w, c_ij, u_ij = w + c a_ij (spec 1.0)."""

    public_key: int
    commitment: int
    challenge: int
    response: int


@dataclass(frozen=True, slots=True)
class V1Guardian:
    """A guardian's public record: its id, sequence order i, key K_i and commitments K_i,0..K_i,k-1."""

    guardian_id: str
    sequence_order: int
    election_public_key: int
    commitments: tuple[int, ...]
    proofs: tuple[V1SchnorrProof, ...]


@dataclass(frozen=True, slots=True)
class V1Device:
    """An encryption device; its hash H(device id, session id, launch code, location) seeds its ballot codes."""

    device_id: int
    session_id: int
    launch_code: int
    location: str


def decode_guardian(obj: object, file: str, c: V1Constants) -> V1Guardian:
    o = JsonCursor.root(obj, file, None, GUARDIAN_KEYS)
    proofs = []
    for n in o.get("election_proofs").items(nonempty=True):
        p = n.obj(SCHNORR_KEYS)
        proofs.append(
            V1SchnorrProof(
                mod_p(p.get("public_key"), c),
                mod_p(p.get("commitment"), c),
                mod_q(p.get("challenge"), c),
                mod_q(p.get("response"), c),
            )
        )
    return V1Guardian(
        guardian_id=o.get("guardian_id").text(),
        sequence_order=o.get("sequence_order").integer(1),
        election_public_key=mod_p(o.get("election_public_key"), c),
        commitments=tuple(mod_p(n, c) for n in o.get("election_commitments").items(nonempty=True)),
        proofs=tuple(proofs),
    )


def decode_device(obj: object, file: str) -> V1Device:
    o = JsonCursor.root(obj, file, None, DEVICE_KEYS)
    big = (1 << 63) - 1
    return V1Device(
        o.get("device_id").integer(0, big),
        o.get("session_id").integer(0, big),
        o.get("launch_code").integer(0, big),
        o.get("location").text(),
    )
