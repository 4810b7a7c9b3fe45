"""Key ceremony properties on the small test group: full ceremonies, tampering, complaints, refusals."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.ceremony import (
    SPEC_SHARE_ENCODING,
    CeremonyError,
    CeremonyRefused,
    Complaint,
    EncryptedShare,
    GuardianSecrets,
    ShareVerificationError,
    commitment_product,
    decrypt_share,
    decrypting_trustee,
    encrypt_share,
    encrypt_share_value,
    finalize_ceremony,
    generate_guardian,
    joint_public_key,
    key_share,
    lagrange_coefficient,
    polynomial_value,
    public_key_share,
    public_record,
    resolve_complaint,
    verify_guardian_record,
)
from engine.election import ElectionConfig, GuardianRecord
from engine.group import PRODUCTION_GROUP, TEST_GROUP, group_by_name
from engine.hash import UInt256, election_base_hash, extended_base_hash, manifest_hash, parameter_base_hash
from engine.hashed_elgamal import HashedCiphertext
from engine.proofs import SchnorrProof, prove_coefficient

TG = TEST_GROUP
H_P = parameter_base_hash(TG)


@dataclass(frozen=True)
class Ceremony:
    secrets: list[GuardianSecrets]
    records: list[GuardianRecord]
    shares: dict[tuple[int, int], EncryptedShare]  # (i, l) -> E_l(P_i(l))
    key_shares: dict[int, object]  # i -> P(i)


def run_ceremony(n: int, k: int) -> Ceremony:
    secrets = [generate_guardian(TG, f"guardian{i}", i, k) for i in range(1, n + 1)]
    records = [public_record(s, H_P) for s in secrets]
    shares = {
        (s.x_coordinate, r.x_coordinate): encrypt_share(s, r, H_P)
        for s in secrets
        for r in records
        if s.x_coordinate != r.x_coordinate
    }
    key_shares = {}
    for me in secrets:
        received = {
            sender.guardian_id: decrypt_share(me, record, shares[(sender.x_coordinate, me.x_coordinate)], H_P)
            for sender, record in zip(secrets, records)
            if sender.x_coordinate != me.x_coordinate
        }
        for sender in secrets:
            if sender.guardian_id in received:
                assert received[sender.guardian_id] == sender.value_at(me.x_coordinate)
        key_shares[me.x_coordinate] = key_share(me, received)
    return Ceremony(secrets, records, shares, key_shares)


def make_config(n: int, k: int, group=TG) -> ElectionConfig:
    h_p = parameter_base_hash(group)
    manifest = b'{"election_scope_id": "test"}'
    h_m = manifest_hash(h_p, manifest)
    return ElectionConfig(group, "v2.0.0", n, k, h_p, h_m, election_base_hash(h_p, h_m, n, k), manifest)


def interpolate_at_zero(shares: dict, subset) -> object:
    total = TG.element_q(0)
    for i in subset:
        total = total + lagrange_coefficient(i, subset, TG) * shares[i]
    return total


@pytest.fixture(scope="module")
def five_three() -> Ceremony:
    return run_ceremony(5, 3)


# ---------------------------------------------------------------- a full ceremony


def test_full_ceremony_n5_k3(five_three):
    c = five_three
    joint_secret = sum((s.secret_key for s in c.secrets), TG.element_q(0))
    assert joint_public_key(c.records) == TG.g_pow(joint_secret)
    for record in c.records:
        assert verify_guardian_record(record, H_P, 3) == []
    for i, share in c.key_shares.items():
        assert TG.g_pow(share) == public_key_share(c.records, i)
    for subset in combinations(range(1, 6), 3):
        assert interpolate_at_zero(c.key_shares, subset) == joint_secret
    for subset in combinations(range(1, 6), 2):
        assert interpolate_at_zero(c.key_shares, subset) != joint_secret

    config = make_config(5, 3)
    initialized = finalize_ceremony(config, list(reversed(c.records)))
    assert initialized.joint_public_key == TG.g_pow(joint_secret)
    assert initialized.extended_base_hash == extended_base_hash(config.election_base_hash, initialized.joint_public_key)
    assert [g.x_coordinate for g in initialized.guardians] == [1, 2, 3, 4, 5]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_quorum_reconstructs_the_joint_secret(data):
    n = data.draw(st.integers(1, 5), label="n")
    k = data.draw(st.integers(1, n), label="k")
    c = run_ceremony(n, k)
    joint_secret = sum((s.secret_key for s in c.secrets), TG.element_q(0))
    assert joint_public_key(c.records) == TG.g_pow(joint_secret)
    subset = sorted(data.draw(st.sets(st.integers(1, n), min_size=k, max_size=n), label="U"))
    assert interpolate_at_zero(c.key_shares, subset) == joint_secret
    initialized = finalize_ceremony(make_config(n, k), c.records)
    assert initialized.joint_public_key == TG.g_pow(joint_secret)


@given(st.lists(st.integers(1, 2**64), min_size=1, max_size=6), st.integers(0, 50))
def test_polynomial_value_is_the_sum_of_terms(coeffs, x):
    a = tuple(TG.reduce_q(v) for v in coeffs)
    assert polynomial_value(a, x) == TG.reduce_q(sum(int(aj) * x**j for j, aj in enumerate(a)))


def test_commitment_product_is_g_to_the_polynomial(five_three):
    s, r = five_three.secrets[1], five_three.records[1]
    for x in range(0, 8):
        assert commitment_product(r.commitments, x) == TG.g_pow(s.value_at(x))


# ---------------------------------------------------------------- tampering and wrong shares


def share_and_parties(c: Ceremony, i: int, ell: int):
    return c.shares[(i, ell)], c.secrets[ell - 1], c.records[i - 1]


@pytest.mark.parametrize("field_name", ["c1", "c2"])
def test_every_tampered_byte_is_caught_and_names_the_sender(five_three, field_name):
    share, recipient, sender_record = share_and_parties(five_three, 2, 4)
    original = share.c1 if field_name == "c1" else share.c2.data
    for position in range(32):
        for mask in (0x01, 0x80):
            tampered = bytearray(original)
            tampered[position] ^= mask
            value = bytes(tampered) if field_name == "c1" else UInt256(bytes(tampered))
            bad = dataclasses.replace(share, ciphertext=dataclasses.replace(share.ciphertext, **{field_name: value}))
            with pytest.raises(ShareVerificationError) as caught:
                decrypt_share(recipient, sender_record, bad, H_P)
            assert caught.value.sender_id == "guardian2"
            assert caught.value.recipient_id == "guardian4"
            assert "guardian2" in str(caught.value) and "MAC" in caught.value.reason


def test_tampered_c0_is_caught(five_three):
    share, recipient, sender_record = share_and_parties(five_three, 3, 1)
    for c0 in (share.c0 * TG.generator, TG.element_p(int(TG.p) - 1), TG.one):
        with pytest.raises(ShareVerificationError, match="guardian3"):
            decrypt_share(
                recipient,
                sender_record,
                dataclasses.replace(share, ciphertext=dataclasses.replace(share.ciphertext, c0=c0)),
                H_P,
            )


@pytest.mark.parametrize("j", [0, 1, 2])
def test_tampered_commitment_is_caught_by_eq_21(five_three, j):
    share, recipient, sender_record = share_and_parties(five_three, 5, 2)
    proofs = list(sender_record.coefficient_proofs)
    proofs[j] = dataclasses.replace(proofs[j], public_key=proofs[j].public_key * TG.generator)
    forged = dataclasses.replace(sender_record, coefficient_proofs=tuple(proofs))
    with pytest.raises(ShareVerificationError) as caught:
        decrypt_share(recipient, forged, share, H_P)
    assert caught.value.sender_id == "guardian5" and "eq. 21" in caught.value.reason
    assert any("(2.C)" in p for p in verify_guardian_record(forged, H_P, 3))


def test_a_wrong_share_encrypted_correctly_is_caught_and_the_complaint_upheld(five_three):
    c = five_three
    sender, recipient = c.secrets[0], c.secrets[2]
    sender_record, recipient_record = c.records[0], c.records[2]
    wrong = sender.value_at(3) + 1
    nonce = TG.random_nonzero_q()
    bad_share = encrypt_share_value(wrong, 1, recipient_record, H_P, nonce)
    with pytest.raises(ShareVerificationError) as caught:
        decrypt_share(recipient, sender_record, bad_share, H_P)
    error = caught.value
    assert error.sender_id == "guardian1" and "eq. 21" in error.reason
    complaint = Complaint.from_error(error)
    assert complaint == Complaint("guardian3", "guardian1", error.reason)

    # G_1 reveals what it encrypted: it matches the encryption but not eq. 21
    verdict = resolve_complaint(complaint, sender_record, recipient_record, bad_share, wrong, nonce, H_P)
    assert verdict.upheld and "eq. 21" in verdict.reason
    # G_1 reveals the right P_1(3): it does not match what it published
    right = sender.value_at(3)
    verdict = resolve_complaint(complaint, sender_record, recipient_record, bad_share, right, nonce, H_P)
    assert verdict.upheld and "encryption" in verdict.reason


def test_a_false_complaint_is_dismissed(five_three):
    c = five_three
    sender, sender_record, recipient_record = c.secrets[3], c.records[3], c.records[0]
    nonce = TG.random_nonzero_q()
    share = encrypt_share(sender, recipient_record, H_P, nonce)
    complaint = Complaint("guardian1", "guardian4", "says it did not verify")
    verdict = resolve_complaint(complaint, sender_record, recipient_record, share, sender.value_at(1), nonce, H_P)
    assert not verdict.upheld
    other_nonce = nonce + 1
    verdict = resolve_complaint(complaint, sender_record, recipient_record, share, sender.value_at(1), other_nonce, H_P)
    assert verdict.upheld
    with pytest.raises(CeremonyError):
        resolve_complaint(
            Complaint("guardian2", "guardian4", "x"),
            sender_record,
            recipient_record,
            share,
            sender.value_at(1),
            nonce,
            H_P,
        )


def test_a_share_for_someone_else_or_from_someone_else_is_rejected(five_three):
    c = five_three
    share = c.shares[(1, 2)]
    with pytest.raises(ShareVerificationError, match="addressed"):
        decrypt_share(c.secrets[2], c.records[0], share, H_P)
    with pytest.raises(ShareVerificationError, match="guardian4"):
        decrypt_share(c.secrets[1], c.records[3], share, H_P)


def test_the_share_encoding_must_agree(five_three):
    c = five_three
    with pytest.raises(ShareVerificationError, match="MAC"):
        decrypt_share(c.secrets[1], c.records[0], c.shares[(1, 2)], H_P, SPEC_SHARE_ENCODING)
    share = encrypt_share(c.secrets[0], c.records[1], H_P, encoding=SPEC_SHARE_ENCODING)
    assert decrypt_share(c.secrets[1], c.records[0], share, H_P, SPEC_SHARE_ENCODING) == c.secrets[0].value_at(2)


def test_encrypt_share_validates_its_input(five_three):
    c = five_three
    with pytest.raises(CeremonyError):
        encrypt_share(c.secrets[0], c.records[0], H_P)
    with pytest.raises(CeremonyError):
        encrypt_share(c.secrets[0], c.records[1], H_P, nonce=TG.element_q(0))
    with pytest.raises(CeremonyError):
        encrypt_share(c.secrets[0], c.records[1], H_P, nonce=PRODUCTION_GROUP.element_q(5))
    with pytest.raises(CeremonyError):
        EncryptedShare(1, 2, HashedCiphertext(TG.generator, b"\x00" * 31, UInt256(b"\x00" * 32), 31))
    with pytest.raises(CeremonyError):
        EncryptedShare(0, 2, HashedCiphertext(TG.generator, b"\x00" * 32, UInt256(b"\x00" * 32), 32))


# ---------------------------------------------------------------- finalize refuses bad input


def test_finalize_refuses_duplicate_x(five_three):
    records = list(five_three.records)
    impostor = public_record(generate_guardian(TG, "impostor", 2, 3), H_P)
    records[0] = impostor
    with pytest.raises(CeremonyRefused) as caught:
        finalize_ceremony(make_config(5, 3), records)
    text = str(caught.value)
    assert "duplicate x coordinates" in text and "[1]" in text


def test_finalize_refuses_a_missing_guardian(five_three):
    with pytest.raises(CeremonyRefused, match="4 guardian records for n = 5"):
        finalize_ceremony(make_config(5, 3), five_three.records[:4])


def test_finalize_refuses_wrong_k(five_three):
    with pytest.raises(CeremonyRefused, match="quorum k is 2"):
        finalize_ceremony(make_config(5, 2), five_three.records)
    short = [public_record(generate_guardian(TG, f"g{i}", i, 2), H_P) for i in range(1, 4)]
    with pytest.raises(CeremonyRefused, match="has 2 coefficient commitments"):
        finalize_ceremony(make_config(3, 3), short)


def test_finalize_refuses_a_forged_proof(five_three):
    records = list(five_three.records)
    proofs = list(records[3].coefficient_proofs)
    proofs[1] = dataclasses.replace(proofs[1], response=proofs[1].response + 1)
    records[3] = dataclasses.replace(records[3], coefficient_proofs=tuple(proofs))
    with pytest.raises(CeremonyRefused) as caught:
        finalize_ceremony(make_config(5, 3), records)
    assert caught.value.problems == ("guardian 'guardian4': (2.C) the Schnorr proof of coefficient 1 does not verify",)


def test_finalize_refuses_another_group_and_duplicate_ids(five_three):
    with pytest.raises(CeremonyRefused, match="not in the election's group"):
        finalize_ceremony(make_config(5, 3, PRODUCTION_GROUP), five_three.records)
    records = list(five_three.records)
    records[4] = dataclasses.replace(records[4], guardian_id="guardian1")
    with pytest.raises(CeremonyRefused, match="duplicate guardian ids"):
        finalize_ceremony(make_config(5, 3), records)


def test_a_commitment_of_one_is_refused():
    zero = TG.element_q(0)
    proofs = (prove_coefficient(H_P, 1, 0, zero), prove_coefficient(H_P, 1, 1, TG.random_nonzero_q()))
    record = GuardianRecord("g1", 1, proofs)
    problems = verify_guardian_record(record, H_P, 2)
    assert problems == ["guardian 'g1': (3.A) K_i = K_1,0 is 1"]
    with pytest.raises(CeremonyError, match="3.A"):
        joint_public_key([record])


def test_a_commitment_outside_the_subgroup_is_refused():
    good = prove_coefficient(H_P, 1, 0, TG.random_nonzero_q())
    outside = SchnorrProof(TG.element_p(int(TG.p) - 1), good.challenge, good.response)
    problems = verify_guardian_record(GuardianRecord("g1", 1, (outside,)), H_P, 1)
    assert problems == ["guardian 'g1': (2.A) K_1,0 is not in Z_p^r"]


# ---------------------------------------------------------------- values and small functions


def test_guardian_secrets_validate_and_do_not_print_coefficients():
    s = generate_guardian(TG, "alice", 3, 2)
    assert str(int(s.secret_key)) not in repr(s)
    with pytest.raises(CeremonyError):
        GuardianSecrets("alice", 0, TG, s.coefficients)
    with pytest.raises(CeremonyError):
        GuardianSecrets("", 1, TG, s.coefficients)
    with pytest.raises(CeremonyError):
        GuardianSecrets("alice", 1, TG, (s.coefficients[0], TG.element_q(0)))
    with pytest.raises(CeremonyError):
        GuardianSecrets("alice", 1, PRODUCTION_GROUP, s.coefficients)
    with pytest.raises(CeremonyError):
        GuardianSecrets("alice", 1, TG, ())
    with pytest.raises(CeremonyError):
        generate_guardian(TG, "alice", 1, 0)


def test_guardian_state_is_plain_data_that_round_trips():
    s = generate_guardian(TG, "alice", 2, 3)
    saved = {
        "guardian_id": s.guardian_id,
        "x_coordinate": s.x_coordinate,
        "group": s.group.name,
        "coefficients": [int(a) for a in s.coefficients],
    }
    loaded = GuardianSecrets(
        saved["guardian_id"],
        saved["x_coordinate"],
        group_by_name(saved["group"]),
        tuple(group_by_name(saved["group"]).element_q(a) for a in saved["coefficients"]),
    )
    assert loaded == s
    trustee = decrypting_trustee(s, TG.element_q(7))
    assert (
        trustee.guardian_id,
        trustee.x_coordinate,
        trustee.polynomial_coefficients,
        trustee.key_share,
    ) == (
        "alice",
        2,
        s.coefficients,
        TG.element_q(7),
    )


def test_key_share_rejects_its_own_share_and_other_groups():
    s = generate_guardian(TG, "alice", 1, 2)
    with pytest.raises(CeremonyError):
        key_share(s, {"alice": TG.element_q(1)})
    with pytest.raises(CeremonyError):
        key_share(s, {"bob": PRODUCTION_GROUP.element_q(1)})
    assert key_share(s, {}) == s.value_at(1)


def test_lagrange_coefficients():
    q = int(TG.q)
    assert lagrange_coefficient(1, [1, 2, 3], TG) == TG.element_q(3)
    assert lagrange_coefficient(2, [1, 2, 3], TG) == TG.element_q(q - 3)
    assert lagrange_coefficient(3, [1, 2, 3], TG) == TG.element_q(1)
    assert lagrange_coefficient(4, [4], TG) == TG.element_q(1)
    rng = random.Random(5)
    for _ in range(20):
        indices = rng.sample(range(1, 30), rng.randint(1, 6))
        total = sum((lagrange_coefficient(i, indices, TG) for i in indices), TG.element_q(0))
        assert total == TG.element_q(1)
    with pytest.raises(CeremonyError):
        lagrange_coefficient(4, [1, 2, 3], TG)
    with pytest.raises(CeremonyError):
        lagrange_coefficient(1, [1, 2, 2], TG)
    with pytest.raises(CeremonyError):
        lagrange_coefficient(0, [0, 1], TG)
