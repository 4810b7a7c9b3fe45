"""The key ceremony against egk: its KeyCeremony and ShareEncryption vectors, and its three workflow records.

The two vectors predate egk's 2.0.0 encodings (found by experiment, each checked below):
H_P is computed with ver = "v2.0" (ParametersTestVector), the indices i, j, l enter the hashes
as 2-byte integers, and H_E is the spec-1.9 form H(H_B; 0x12, K, K_1,0, ..., K_n,k-1). The share
KDF there uses Label "share_enc_keys", Context "share_encrypt" || b(i,2) || b(l,2) and the length
0x0200. The workflow records use the 2.0.0 encodings, which the engine follows.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest

from engine.ceremony import (
    DEFAULT_SHARE_ENCODING,
    EncryptedShare,
    GuardianSecrets,
    ShareEncoding,
    ShareVerificationError,
    decrypt_share,
    encrypt_share,
    finalize_ceremony,
    guardian_secrets_from_trustee,
    joint_public_key,
    key_share,
    lagrange_coefficient,
    public_key_share,
    public_record,
    verify_guardian_record,
)
from engine.election import DecryptingTrustee, ElectionConfig, GuardianRecord
from engine.group import PRODUCTION_GROUP as G
from engine.hash import UInt256, extended_base_hash, hash_bytes, hash_elems, parameter_base_hash
from engine.hashed_elgamal import HashedCiphertext
from engine.proofs import SchnorrProof, prove_coefficient, verify_coefficient
from tests.support.egk_data import WORKFLOWS, vector, workflow

# The share encoding of the vectors' egk: 2-byte indices, otherwise egk's labels.
VECTOR_SHARE_ENCODING = ShareEncoding("egk-vectors", b"share_enc_keys", b"share_encrypt", 2, b"\x02\x00")


def q_of(hexstr: str):
    return G.element_q(int(hexstr, 16))


def p_of(hexstr: str):
    return G.element_p(int(hexstr, 16))


def idx2(n: int) -> bytes:
    """A small integer as the vectors' egk hashed it: 2 bytes, big-endian."""
    return n.to_bytes(2, "big")


def vector_parameter_base_hash() -> UInt256:
    """H_P of eq. 4 with ver = "v2.0" padded to 32 bytes, as the vectors' egk computed it."""
    data = b"\x00" + int(G.p).to_bytes(512, "big") + int(G.q).to_bytes(32, "big") + int(G.g).to_bytes(512, "big")
    return hash_bytes(b"v2.0".ljust(32, b"\x00"), data)


def test_vector_parameter_base_hash_is_the_v2_0_one():
    tv = vector("ParametersTestVector")["parameter_base_hash"]
    assert tv["protocolVersion"] == "v2.0"
    assert vector_parameter_base_hash() == UInt256.from_hex(tv["expected"])
    assert parameter_base_hash(G) != vector_parameter_base_hash()


# ---------------------------------------------------------------- KeyCeremonyTestVector


def test_key_ceremony_vector_commitments_proofs_joint_key_and_extended_hash():
    tv = vector("KeyCeremonyTestVector")
    h_p = vector_parameter_base_hash()
    records = []
    for guardian in tv["guardians"]:
        i = guardian["coordinate"]
        secrets = GuardianSecrets(guardian["name"], i, G, tuple(q_of(a) for a in guardian["polynomial_coefficients"]))
        expected = [
            SchnorrProof(p_of(e["public_key"]), q_of(e["challenge"]), q_of(e["response"]))
            for e in guardian["expected_proofs"]
        ]
        assert secrets.commitments() == tuple(e.public_key for e in expected)
        for j, (a, u) in enumerate(zip(secrets.coefficients, guardian["proof_nonces"])):
            # eq. 10-12 with the vector's nonce u_i,j; i and j hashed as 2 bytes in this vector
            assert prove_coefficient(h_p, idx2(i), idx2(j), a, q_of(u)) == expected[j]  # type: ignore[arg-type]
            assert verify_coefficient(h_p, idx2(i), idx2(j), expected[j])  # type: ignore[arg-type]
        records.append(GuardianRecord(guardian["name"], i, tuple(expected)))

    joint = joint_public_key(records)
    assert joint == p_of(tv["expected_joint_public_key"])
    assert joint == G.product([G.g_pow(q_of(g["polynomial_coefficients"][0])) for g in tv["guardians"]])

    h_b = UInt256.from_hex(tv["election_base_hash"])
    all_commitments = [k for r in records for k in r.commitments]
    # the vector's H_E is spec 1.9's (eq. 20 there): the commitments follow K
    assert hash_elems(h_b, 0x12, joint, *all_commitments) == UInt256.from_hex(tv["expected_extended_base_hash"])
    assert extended_base_hash(h_b, joint) != UInt256.from_hex(tv["expected_extended_base_hash"])


# ---------------------------------------------------------------- ShareEncryptionTestVector


def test_share_encryption_vector_bit_for_bit():
    tv = vector("ShareEncryptionTestVector")
    h_p = vector_parameter_base_hash()
    secrets = {
        g["name"]: GuardianSecrets(g["name"], g["coordinate"], G, tuple(q_of(a) for a in g["polynomial_coefficients"]))
        for g in tv["guardians"]
    }
    records = {name: public_record(s, h_p) for name, s in secrets.items()}
    nonces = {e["name"]: {k: q_of(v) for k, v in e["share_nonces"].items()} for e in tv["expected_guardian_shares"]}
    checked = 0
    for entry in tv["expected_guardian_shares"]:
        me = entry["name"]
        received = {}
        for share in entry["expected_shares"]:
            # this vector lists, under each guardian, the shares it receives
            sender, recipient = share["polynomialOwner"], share["secretShareFor"]
            assert recipient == me and share["ownerXcoord"] == secrets[sender].x_coordinate
            y = q_of(share["yCoordinate"])
            assert secrets[sender].value_at(secrets[recipient].x_coordinate) == y
            enc = share["encryptedCoordinate"]
            assert enc["numBytes"] == 32
            expected = EncryptedShare(
                secrets[sender].x_coordinate,
                secrets[recipient].x_coordinate,
                HashedCiphertext(p_of(enc["c0"]), bytes.fromhex(enc["c1"]), UInt256.from_hex(enc["c2"]), 32),
            )
            made = encrypt_share(
                secrets[sender], records[recipient], h_p, nonces[sender][recipient], VECTOR_SHARE_ENCODING
            )
            assert made == expected
            assert decrypt_share(secrets[recipient], records[sender], expected, h_p, VECTOR_SHARE_ENCODING) == y
            with pytest.raises(ShareVerificationError, match=sender):
                decrypt_share(secrets[recipient], records[sender], expected, h_p, DEFAULT_SHARE_ENCODING)
            received[sender] = y
            checked += 1
        assert key_share(secrets[me], received) == q_of(entry["expected_my_share_of_secret"])
    assert checked == 6


# ---------------------------------------------------------------- the egk workflow records


def load_config(folder: Path) -> ElectionConfig:
    raw = json.loads((folder / "election_config.json").read_text())
    return ElectionConfig(
        group=G,
        config_version=raw["config_version"],
        number_of_guardians=raw["number_of_guardians"],
        quorum=raw["quorum"],
        parameter_base_hash=UInt256.from_hex(raw["parameter_base_hash"]),
        manifest_hash=UInt256.from_hex(raw["manifest_hash"]),
        election_base_hash=UInt256.from_hex(raw["election_base_hash"]),
        manifest_bytes=(folder / "manifest.json").read_bytes(),
        chain_confirmation_codes=raw["chain_confirmation_codes"],
        baux0=bytes(raw["baux0"]),
        metadata=tuple(raw.get("metadata", {}).items()),
    )


def load_guardians(folder: Path) -> tuple[dict, list[GuardianRecord]]:
    raw = json.loads((folder / "election_initialized.json").read_text())
    records = [
        GuardianRecord(
            g["guardian_id"],
            g["x_coordinate"],
            tuple(
                SchnorrProof(p_of(p["public_key"]), q_of(p["challenge"]), q_of(p["response"]))
                for p in g["coefficient_proofs"]
            ),
        )
        for g in raw["guardians"]
    ]
    return raw, records


def load_trustees(folder: Path) -> list[DecryptingTrustee]:
    trustees = []
    for path in sorted((folder / "private_data" / "trustees").glob("decryptingTrustee-*.json")):
        raw = json.loads(path.read_text())
        trustees.append(
            DecryptingTrustee(
                raw["id"],
                raw["x_coordinate"],
                tuple(q_of(a) for a in raw["polynomial_coefficients"]),
                q_of(raw["key_share"]),
            )
        )
    return trustees


@pytest.mark.parametrize("name", WORKFLOWS)
def test_workflow_guardians_joint_key_and_extended_hash(name):
    folder = workflow(name)
    config = load_config(folder)
    raw, records = load_guardians(folder)
    assert config.parameter_base_hash == parameter_base_hash(G)
    assert len(records) == config.number_of_guardians
    for record in records:
        assert verify_guardian_record(record, config.parameter_base_hash, config.quorum) == []
    joint = joint_public_key(records)
    assert joint == p_of(raw["joint_public_key"])
    assert joint == G.product([r.public_key for r in records])

    initialized = finalize_ceremony(config, records)
    assert initialized.joint_public_key == joint
    assert initialized.extended_base_hash == UInt256.from_hex(raw["extended_base_hash"])
    assert [g.x_coordinate for g in initialized.guardians] == list(range(1, config.number_of_guardians + 1))


@pytest.mark.parametrize("name", WORKFLOWS)
def test_workflow_trustees_coefficients_and_key_shares(name):
    folder = workflow(name)
    config = load_config(folder)
    _, records = load_guardians(folder)
    by_x = {r.x_coordinate: r for r in records}
    trustees = load_trustees(folder)
    assert len(trustees) == config.number_of_guardians
    secrets = {t.x_coordinate: guardian_secrets_from_trustee(t) for t in trustees}
    for trustee in trustees:
        mine = secrets[trustee.x_coordinate]
        record = by_x[trustee.x_coordinate]
        assert mine.guardian_id == record.guardian_id
        assert mine.commitments() == record.commitments
        # eq. 21-22: g^P(i) from every guardian's public commitments
        assert G.g_pow(trustee.key_share) == public_key_share(records, trustee.x_coordinate)
        # eq. 22 from the polynomials themselves: P(i) = sum_j P_j(i)
        received = {s.guardian_id: s.value_at(mine.x_coordinate) for x, s in secrets.items() if x != mine.x_coordinate}
        assert key_share(mine, received) == trustee.key_share

    # any k key shares give the joint secret s = sum_i s_i by Lagrange interpolation at 0 (eq. 67)
    joint_secret = sum((s.secret_key for s in secrets.values()), G.element_q(0))
    shares = {t.x_coordinate: t.key_share for t in trustees}
    for subset in combinations(sorted(shares), config.quorum):
        combined = G.element_q(0)
        for i in subset:
            combined = combined + lagrange_coefficient(i, subset, G) * shares[i]
        assert combined == joint_secret
    assert G.g_pow(joint_secret) == joint_public_key(records)
