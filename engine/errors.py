"""The engine's error hierarchy: every failure a caller can act on is one of these."""


class BallotchainError(Exception):
    """Base class of every error the engine raises on purpose."""


class BackendError(BallotchainError):
    """A bignum backend is unavailable, failed its self-test, or was given bad arguments."""


class GroupError(BallotchainError, ValueError):
    """A value is out of range, outside the subgroup, or of the wrong type."""


class EncodingError(BallotchainError, ValueError):
    """A value cannot be encoded for hashing (wrong length or range)."""


class ProofError(BallotchainError):
    """A proof could not be produced from the given witness."""


class DecryptionError(BallotchainError):
    """A decryption could not be completed (e.g. a plaintext beyond the search bound)."""
