"""Zero-knowledge proofs of spec 2.0.0, stored as (challenge, response) pairs."""

from engine.proofs.chaum_pedersen import (
    DecryptionProof,
    decryption_challenge,
    prove_decryption,
    verify_decryption,
)
from engine.proofs.range_proof import RangeProof, prove_range, verify_range
from engine.proofs.schnorr import SchnorrProof, prove_coefficient, verify_coefficient

__all__ = [
    "DecryptionProof",
    "RangeProof",
    "SchnorrProof",
    "decryption_challenge",
    "prove_coefficient",
    "prove_decryption",
    "prove_range",
    "verify_coefficient",
    "verify_decryption",
    "verify_range",
]
