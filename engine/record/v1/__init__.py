"""ElectionGuard 1.0 records (electionguard-python 1.x's layout and JSON): immutable values and a reader.

Only the layout and the encodings live here; the 1.0 hash and the checks are engine.verify.v1's.
"""

from engine.record.v1.ballots import (
    STATE_CAST,
    STATE_SPOILED,
    V1ConstantProof,
    V1Contest,
    V1DisjunctiveProof,
    V1Selection,
    V1SubmittedBallot,
)
from engine.record.v1.context import V1Context
from engine.record.v1.guardians import V1Device, V1Guardian, V1SchnorrProof
from engine.record.v1.layout import looks_like_v1
from engine.record.v1.manifest import V1Manifest, V1ManifestContest
from engine.record.v1.reader import V1Record
from engine.record.v1.tallies import (
    V1DecryptedSelection,
    V1Decryption,
    V1EncryptedTally,
    V1RecoveredPart,
    V1Share,
    V1ShareProof,
)
from engine.record.v1.values import V1Ciphertext, V1Constants

__all__ = [
    "STATE_CAST",
    "STATE_SPOILED",
    "V1Ciphertext",
    "V1ConstantProof",
    "V1Constants",
    "V1Contest",
    "V1Context",
    "V1DecryptedSelection",
    "V1Decryption",
    "V1Device",
    "V1DisjunctiveProof",
    "V1EncryptedTally",
    "V1Guardian",
    "V1Manifest",
    "V1ManifestContest",
    "V1Record",
    "V1RecoveredPart",
    "V1SchnorrProof",
    "V1Selection",
    "V1Share",
    "V1ShareProof",
    "V1SubmittedBallot",
    "looks_like_v1",
]
