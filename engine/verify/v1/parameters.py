"""ElectionGuard 1.0 parameter and key checks (spec 1.0, "Parameter verification", "Guardian
public-key validation", "Election public-key validation"): V1.1 constants, base and manifest hashes, V1.2
the guardians' Schnorr proofs, V1.3 the election key and the commitment hash."""

from __future__ import annotations

from engine.record.v1 import V1Constants, V1Context, V1Guardian, V1Manifest
from engine.verify.report import Recorder
from engine.verify.v1.equations import Claim, Equation, Membership
from engine.verify.v1.hash import h1, hx
from engine.verify.v1.manifest_hash import manifest_hash
from engine.verify.v1.standard import STANDARD_G, STANDARD_P, STANDARD_Q

# electionguard-python 1.4's LARGE_TEST_CONSTANTS (PRIME_OPTION=TestOnly): tests and demos only.
TEST_CONSTANTS = V1Constants(18446744073704586917, 65521, 281539415968996, 15463152587872997502)


def is_standard(c: V1Constants) -> bool:
    """spec 1.0's 4096-bit group: q = 2^256 - 189, p and g those of electionguard-python's STANDARD_CONSTANTS."""
    return c.q == STANDARD_Q and c.p == STANDARD_P and c.g == STANDARD_G and c.r == (c.p - 1) // c.q


def check_constants(c: V1Constants, rec: Recorder, *, accept_test_group: bool) -> bool:
    """V1.1.a; returns whether the record is in the test group."""
    test = c == TEST_CONSTANTS
    if is_standard(c):
        rec.passed("V1.1.a")
    elif test and accept_test_group:
        rec.passed("V1.1.a")
        rec.note("V1.1.a", "electionguard-python's small test group (PRIME_OPTION=TestOnly), accepted as asked")
    elif test:
        rec.failed_at(
            "V1.1.a",
            "the record uses electionguard-python's small test group (--allow-test-group accepts it)",
            {"file": "constants.json"},
        )
    else:
        rec.failed_at("V1.1.a", "the constants are not spec 1.0's group", {"file": "constants.json"})
    return test


def check_base_hashes(c: V1Constants, ctx: V1Context, rec: Recorder) -> None:
    """V1.1.b: Q = H(p, q, g, n, k, manifest hash) and Q' = H(Q, commitment hash)."""
    base = h1(c.q, hx(c.p), hx(c.q), hx(c.g), str(ctx.number_of_guardians), str(ctx.quorum), hx(ctx.manifest_hash))
    rec.expect(
        base == ctx.base_hash, "V1.1.b", "crypto_base_hash is not H(p, q, g, n, k, manifest hash)", file="context.json"
    )
    extended = h1(c.q, hx(ctx.base_hash), hx(ctx.commitment_hash))
    rec.expect(
        extended == ctx.extended_base_hash,
        "V1.1.b",
        "crypto_extended_base_hash is not H(Q, commitment hash)",
        file="context.json",
    )


def check_manifest_hash(c: V1Constants, ctx: V1Context, manifest: V1Manifest, rec: Recorder) -> None:
    """V1.1.c: the context's manifest hash is the manifest's."""
    rec.expect(
        manifest_hash(c.q, manifest) == ctx.manifest_hash,
        "V1.1.c",
        "the context's manifest_hash is not H(manifest.json)",
        file="manifest.json",
    )


def check_guardians(
    c: V1Constants, ctx: V1Context, guardians: tuple[V1Guardian, ...], rec: Recorder
) -> tuple[list[Membership], list[Claim]]:
    """V1.2.b and V1.3.a-b now; V1.2.a memberships and V1.2.c equations returned for the batches."""
    memberships: list[Membership] = []
    claims: list[Claim] = []
    orders = sorted(gd.sequence_order for gd in guardians)
    rec.expect(
        orders == list(range(1, ctx.number_of_guardians + 1)),
        "V1.3.a",
        f"the guardians' sequence orders are {orders}, not 1..{ctx.number_of_guardians}",
        file="guardians",
    )
    key = 1
    for gd in sorted(guardians, key=lambda x: x.sequence_order):
        file = f"guardians/guardian_{gd.guardian_id}.json"
        shape_ok = (
            len(gd.commitments) == ctx.quorum
            and len(gd.proofs) == ctx.quorum
            and gd.election_public_key == gd.commitments[0]
            and all(pr.public_key == k for pr, k in zip(gd.proofs, gd.commitments))
        )
        rec.expect(
            shape_ok,
            "V1.3.a",
            "the guardian does not have k commitments, each with its proof, and K_i = K_i,0",
            file=file,
        )
        key = key * gd.election_public_key % c.p
        for j, pr in enumerate(gd.proofs):
            where = (("file", file), ("selection_id", f"coefficient {j}"))
            memberships.append(
                Membership("V1.2.a", (pr.public_key, pr.commitment), "K_ij or h_ij is not in Z_p^r", where)
            )
            rec.expect(
                h1(c.q, hx(pr.public_key), hx(pr.commitment)) == pr.challenge,
                "V1.2.b",
                "the Schnorr challenge is not H(K_ij, h_ij)",
                **dict(where),
            )
            claims.append(
                Claim(
                    "V1.2.c",
                    (Equation(pr.commitment, (c.g, pr.public_key), (pr.response, c.q - pr.challenge)),),
                    "g^u_ij is not h_ij K_ij^c_ij",
                    where,
                )
            )
    rec.expect(
        key == ctx.joint_key,
        "V1.3.a",
        "the election key is not the product of the guardians' keys",
        file="context.json",
    )
    commitments = [hx(k) for gd in guardians for k in gd.commitments]
    rec.expect(
        h1(c.q, commitments) == ctx.commitment_hash,
        "V1.3.b",
        "the commitment hash is not H(K_1,0, ..., K_n,k-1)",
        file="context.json",
    )
    return memberships, claims
