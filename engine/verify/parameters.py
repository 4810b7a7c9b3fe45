"""Verification 1 (parameter validation), spec 2.0.0 section 6.2.1.

H_P is a constant of the specification version and the group (the verifier computes it, 1.F checks
the record's copy); H_M is computed over the manifest file's bytes exactly as published (1.G); H_B
is checked against the record's own H_M (1.H), so that a wrong H_M shows in 1.G and 1.H, while a
changed manifest file shows in 1.G alone.
"""

from __future__ import annotations

from engine.election import ElectionConfig
from engine.group import PRODUCTION_GROUP, TEST_GROUP, Group
from engine.hash import SPEC_VERSION, UInt256, election_base_hash, manifest_hash, parameter_base_hash
from engine.record.layout import CONFIG, CONSTANTS
from engine.verify.report import Recorder


def expected_group(accept_test_group: bool, group: Group) -> Group:
    """The parameters of spec 3.1.1; with accept_test_group, the engine's small test group is allowed too."""
    if accept_test_group and group is TEST_GROUP:
        return TEST_GROUP
    return PRODUCTION_GROUP


def verify_unknown_parameters(rec: Recorder, values: dict[str, int], *, accept_test_group: bool = False) -> None:
    """Checks 1.B-1.E for a constants.json that describes no group this engine knows."""
    candidates = [PRODUCTION_GROUP, TEST_GROUP] if accept_test_group else [PRODUCTION_GROUP]
    with rec.timed("1.B"):
        for check_id, key, name, attribute in (
            ("1.B", "large_prime", "large prime p", "p"),
            ("1.C", "small_prime", "small prime q", "q"),
            ("1.D", "cofactor", "cofactor r", "r"),
            ("1.E", "generator", "generator g", "g"),
        ):
            rec.expect(
                any(values[key] == getattr(g, attribute) for g in candidates),
                check_id,
                f"the {name} is not the one of spec 3.1.1",
                file=CONSTANTS,
            )


def verify_parameters(
    rec: Recorder, group: Group, config: ElectionConfig, *, accept_test_group: bool = False
) -> UInt256:
    """Checks 1.A-1.H; returns H_P of the record's group (for verification 2)."""
    with rec.timed("1.A"):
        rec.expect(
            config.config_version == SPEC_VERSION,
            "1.A",
            f"the record's spec version is {config.config_version!r}, the verifier's {SPEC_VERSION!r}",
            file=CONFIG,
        )
    with rec.timed("1.B"):
        want = expected_group(accept_test_group, group)
        if want is TEST_GROUP:
            rec.note("1.B", "the record uses the engine's insecure test group (accepted on request)")
        for check_id, name, have, expected in (
            ("1.B", "large prime p", group.p, want.p),
            ("1.C", "small prime q", group.q, want.q),
            ("1.D", "cofactor r", group.r, want.r),
            ("1.E", "generator g", group.g, want.g),
        ):
            rec.expect(
                have == expected,
                check_id,
                f"the {name} is not the one of spec 3.1.1 (the record uses the {group.name} group)",
                file=CONSTANTS,
            )
    with rec.timed("1.F"):
        h_p = parameter_base_hash(group)
        rec.expect(
            config.parameter_base_hash == h_p,
            "1.F",
            f"H_P is {config.parameter_base_hash.hex()}, expected {h_p.hex()}",
            file=CONFIG,
        )
    with rec.timed("1.G"):
        h_m = manifest_hash(h_p, config.manifest_bytes)
        rec.expect(
            config.manifest_hash == h_m,
            "1.G",
            f"H_M is {config.manifest_hash.hex()}, but the manifest file hashes to {h_m.hex()}",
            file=CONFIG,
        )
    with rec.timed("1.H"):
        h_b = election_base_hash(h_p, config.manifest_hash, config.number_of_guardians, config.quorum)
        rec.expect(
            config.election_base_hash == h_b,
            "1.H",
            f"H_B is {config.election_base_hash.hex()}, expected {h_b.hex()} from H_P, H_M, "
            f"n = {config.number_of_guardians}, k = {config.quorum}",
            file=CONFIG,
        )
    return h_p
