"""The bulletin board: an RFC 9162 transparency log of the election's submissions.

``merkle`` (tree hashing and proofs), ``entries`` (the canonical leaf encoding), ``sth`` (signed
tree heads, the board key), ``storage`` (SQLite, durable appends), ``log`` (the transparency log)
and ``board`` (the rules for accepting ballots: ``engine.board.board.BallotBoard``, which needs
``engine.credentials`` and is therefore imported from its module, not from this package).
"""

from engine.board.entries import (
    BallotSubmitted,
    BallotSuperseded,
    ElectionPublished,
    Entry,
    EntryError,
    VotingClosed,
    decode_entry,
    encode_entry,
)
from engine.board.log import LogError, TransparencyLog
from engine.board.merkle import (
    MerkleError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from engine.board.sth import BoardKey, SignedTreeHead, verify_sth
from engine.board.storage import LogStorage, SQLiteLogStorage, StorageError

__all__ = [
    "BallotSubmitted",
    "BallotSuperseded",
    "BoardKey",
    "ElectionPublished",
    "Entry",
    "EntryError",
    "LogError",
    "LogStorage",
    "MerkleError",
    "SQLiteLogStorage",
    "SignedTreeHead",
    "StorageError",
    "TransparencyLog",
    "VotingClosed",
    "consistency_proof",
    "decode_entry",
    "encode_entry",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
    "verify_sth",
]
