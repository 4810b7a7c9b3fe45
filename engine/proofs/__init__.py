"""Zero-knowledge proofs of spec 2.0.0, stored as (challenge, response) pairs."""

from engine.proofs.chaum_pedersen import (
    DecryptionProof,
    decryption_challenge,
    decryption_commitments,
    prove_decryption,
    verify_decryption,
)
from engine.proofs.contest_data_decryption import (
    contest_data_challenge,
    contest_data_proof_form,
    verify_contest_data_decryption,
)
from engine.proofs.range_proof import RangeProof, prove_range, verify_range
from engine.proofs.schnorr import SchnorrProof, prove_coefficient, verify_coefficient

__all__ = [
    "DecryptionProof",
    "RangeProof",
    "SchnorrProof",
    "contest_data_challenge",
    "contest_data_proof_form",
    "decryption_challenge",
    "decryption_commitments",
    "prove_coefficient",
    "prove_decryption",
    "prove_range",
    "verify_coefficient",
    "verify_contest_data_decryption",
    "verify_decryption",
    "verify_range",
]
