"""The proof of knowledge of a contest data nonce (engine.proofs.pad_knowledge): completeness, soundness
against a change to any input of its challenge or to the proof, the attack it exists to stop, its domain
tag, and the constant-time path for the secret (TEST_GROUP, hypothesis bounded)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import domains
from engine.election import HashedCiphertext
from engine.errors import ProofError
from engine.group import TEST_GROUP, ElementModQ
from engine.hash import UInt256
from engine.proofs.pad_knowledge import (
    PadKnowledgeProof,
    pad_knowledge_challenge,
    prove_pad_knowledge,
    verify_pad_knowledge,
)

G = TEST_GROUP
H_E = UInt256(bytes(range(32)))
CODE = UInt256(bytes(range(32, 64)))
nonces = st.integers(1, int(G.q) - 1).map(G.element_q)
hashes = st.binary(min_size=32, max_size=32).map(UInt256)


@st.composite
def ciphertexts(draw: st.DrawFn) -> tuple[HashedCiphertext, ElementModQ]:
    """A contest data ciphertext with C0 = g^xi (C1, C2 need not decrypt: the proof is about C0)."""
    xi = draw(nonces)
    c1 = draw(st.binary(min_size=0, max_size=96))
    return HashedCiphertext(G.g_pow(xi), c1, draw(hashes), draw(st.integers(0, len(c1)))), xi


def proven(h_e: UInt256, code: UInt256, index: int, ct: HashedCiphertext, xi: ElementModQ) -> PadKnowledgeProof:
    proof = prove_pad_knowledge(h_e, code, index, ct, xi)
    assert verify_pad_knowledge(h_e, code, index, ct, proof)
    return proof


@settings(max_examples=40, deadline=None)
@given(hashes, hashes, st.integers(0, 2**31 - 1), ciphertexts())
def test_an_honest_proof_verifies(h_e: UInt256, code: UInt256, index: int, case: tuple) -> None:
    ct, xi = case
    proven(h_e, code, index, ct, xi)


def _flip(data: bytes, at: int) -> bytes:
    at %= len(data)
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


@settings(max_examples=30, deadline=None)
@given(ciphertexts(), st.integers(0, 1000), st.integers(1, int(G.q) - 1), st.integers(0, 10**6))
def test_a_change_to_any_input_or_to_the_proof_fails(case: tuple, index: int, delta: int, at: int) -> None:
    ct, xi = case
    proof = proven(H_E, CODE, index, ct, xi)
    changed_inputs = [
        (UInt256(_flip(H_E.data, at)), CODE, index, ct),
        (H_E, UInt256(_flip(CODE.data, at)), index, ct),
        (H_E, CODE, index + 1, ct),
        (H_E, CODE, index, dataclasses.replace(ct, c0=ct.c0 * G.generator)),
        (H_E, CODE, index, dataclasses.replace(ct, c1=ct.c1 + b"\x00")),
        (H_E, CODE, index, dataclasses.replace(ct, c2=UInt256(_flip(ct.c2.data, at)))),
        (H_E, CODE, index, dataclasses.replace(ct, num_bytes=ct.num_bytes + 1)),
    ]
    if ct.c1:
        changed_inputs.append((H_E, CODE, index, dataclasses.replace(ct, c1=_flip(ct.c1, at))))
    for h_e, code, i, c in changed_inputs:
        assert not verify_pad_knowledge(h_e, code, i, c, proof)
    assert not verify_pad_knowledge(H_E, CODE, index, ct, PadKnowledgeProof(proof.challenge + delta, proof.response))
    assert not verify_pad_knowledge(H_E, CODE, index, ct, PadKnowledgeProof(proof.challenge, proof.response + delta))


@settings(max_examples=20, deadline=None)
@given(nonces, nonces, st.integers(1, int(G.q) - 1), st.integers(1, int(G.q) - 1))
def test_another_voters_pad_times_g_to_t_cannot_be_proven(xi_a: ElementModQ, t: ElementModQ, c: int, v: int) -> None:
    """C0 = alpha_A g^t: the attacker knows t, not xi_A + t. A proof made with t, with the victim's
    ciphertext's proof re-used, or simulated at random, does not verify."""
    alpha_a = G.g_pow(xi_a)
    forged = HashedCiphertext(alpha_a * G.g_pow(t), bytes(64), UInt256(bytes(32)), 64)
    with pytest.raises(ProofError):
        prove_pad_knowledge(H_E, CODE, 1, forged, t)
    u = G.random_q()
    commitment = G.g_pow(u)
    challenge = pad_knowledge_challenge(H_E, CODE, 1, forged, commitment)
    with_t = PadKnowledgeProof(challenge, u - challenge * t)
    assert not verify_pad_knowledge(H_E, CODE, 1, forged, with_t)
    victims = proven(H_E, CODE, 1, HashedCiphertext(alpha_a, bytes(64), UInt256(bytes(32)), 64), xi_a)
    assert not verify_pad_knowledge(H_E, CODE, 1, forged, victims)
    assert not verify_pad_knowledge(H_E, CODE, 1, forged, PadKnowledgeProof(G.element_q(c), G.element_q(v)))


def test_the_prover_refuses_a_nonce_that_is_not_c0s() -> None:
    xi = G.element_q(12345)
    ct = HashedCiphertext(G.g_pow(xi), b"", UInt256(bytes(32)), 0)
    with pytest.raises(ProofError, match="C0"):
        prove_pad_knowledge(H_E, CODE, 0, ct, xi + 1)


def test_malformed_proofs_and_inputs_are_false_not_errors() -> None:
    xi = G.element_q(777)
    ct = HashedCiphertext(G.g_pow(xi), bytes(32), UInt256(bytes(32)), 32)
    proof = proven(H_E, CODE, 3, ct, xi)
    assert not verify_pad_knowledge(H_E, CODE, -1, ct, proof)
    assert not verify_pad_knowledge(H_E, CODE, 2**31, ct, proof)
    assert not verify_pad_knowledge(H_E, CODE, 3, ct, "proof")  # type: ignore[arg-type]
    assert not verify_pad_knowledge(H_E, CODE, 3, ct, PadKnowledgeProof(proof.challenge, 5))  # type: ignore[arg-type]


def test_the_secret_exponents_take_the_constant_time_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """g^xi (the check of the nonce) and g^u come from the secret table, never the variable-time one."""
    xi = G.element_q(4242)
    ct = HashedCiphertext(G.g_pow(xi), bytes(32), UInt256(bytes(32)), 32)

    def variable_time(*_args: object) -> None:
        raise AssertionError("a secret exponent went through the variable-time g_pow")

    monkeypatch.setattr(G, "g_pow", variable_time)
    proof = prove_pad_knowledge(H_E, CODE, 0, ct, xi)
    monkeypatch.undo()
    assert verify_pad_knowledge(H_E, CODE, 0, ct, proof)


def test_the_domain_tag_is_none_of_the_specs() -> None:
    """0xB0 is Ballotchain's own: no tag the engine uses for the spec's hashes (2.0.0 uses 0x00-0x02,
    0x10-0x12, 0x20-0x24, 0x30-0x31, 0x40-0x43; 2.1.0 goes up to 0x45)."""
    spec_tags = {
        0x00, 0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x14, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28,
        0x29, 0x2A, 0x2B, 0x30, 0x31, 0x32, 0x33, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45,
    }  # fmt: skip
    engine_tags = {value for name, value in vars(domains).items() if name.isupper() and name != "PAD_KNOWLEDGE_PROOF"}
    assert engine_tags <= spec_tags
    assert domains.PAD_KNOWLEDGE_PROOF not in spec_tags | engine_tags
    assert domains.PAD_KNOWLEDGE_PROOF >= 0x50
