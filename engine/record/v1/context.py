"""context.json and coefficients.json of an ElectionGuard 1.0 record (electionguard-python 1.4's
``CiphertextElectionContext`` and ``LagrangeCoefficientsRecord``)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.record.cursor import JsonCursor
from engine.record.v1.values import V1Constants, hex_int, mod_p, mod_q

CONTEXT_KEYS = (
    "number_of_guardians",
    "quorum",
    "elgamal_public_key",
    "commitment_hash",
    "manifest_hash",
    "crypto_base_hash",
    "crypto_extended_base_hash",
    "extended_data",
    "configuration",
)


@dataclass(frozen=True, slots=True)
class V1Context:
    """n, k, the election key K, and the hashes: commitment hash, manifest hash, Q and Q' (spec 1.0)."""

    number_of_guardians: int
    quorum: int
    joint_key: int
    commitment_hash: int
    manifest_hash: int
    base_hash: int
    extended_base_hash: int


def decode_context(obj: object, file: str, c: V1Constants) -> V1Context:
    o = JsonCursor.root(obj, file, None, CONTEXT_KEYS)
    n = o.get("number_of_guardians").integer(1, 10_000)
    k = o.get("quorum").integer(1, n)
    return V1Context(
        number_of_guardians=n,
        quorum=k,
        joint_key=mod_p(o.get("elgamal_public_key"), c),
        commitment_hash=mod_q(o.get("commitment_hash"), c),
        manifest_hash=mod_q(o.get("manifest_hash"), c),
        base_hash=mod_q(o.get("crypto_base_hash"), c),
        extended_base_hash=mod_q(o.get("crypto_extended_base_hash"), c),
    )


def decode_coefficients(obj: object, file: str, c: V1Constants) -> tuple[tuple[str, int], ...]:
    """The Lagrange coefficient w_l of each available guardian, by guardian id."""
    o = JsonCursor.root(obj, file, None, ("coefficients",))
    table = o.get("coefficients").obj(())
    if not isinstance(table.value, dict):
        table.fail("expected an object")
    out = []
    for guardian_id in table.value:
        w = hex_int(table.get(guardian_id))
        if w >= c.q:
            table.get(guardian_id).fail("not an integer mod q (0..q-1)")
        out.append((guardian_id, w))
    return tuple(out)
