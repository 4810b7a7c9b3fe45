"""The election record, spec 2.0.0 section 3.7: value types <-> egk's JSON layout, on disk.

The only part of the engine that knows JSON. ``ElectionRecord`` reads a record directory, or for
the verifier one at an fsspec URL (engine.record.files), and ``PrivateData`` the trustees' secrets
and plaintext ballots, validating every value;
``ElectionRecordWriter`` and ``PrivateDataWriter`` write them atomically in egk's format.
engine.record.codecs holds one codec module per record file, over engine.record.cursor's
JsonCursor; engine.record.layout the file names.
"""

from engine.record.codecs.constants import ElectionConstants
from engine.record.errors import RangeViolation, RecordError, UnknownGroupError, ValueKind
from engine.record.reader import ElectionRecord, PrivateData, load_encrypted_ballots, read_encrypted_ballot
from engine.record.writer import ElectionRecordWriter, PrivateDataWriter, atomic_write

__all__ = [
    "ElectionConstants",
    "ElectionRecord",
    "ElectionRecordWriter",
    "PrivateData",
    "PrivateDataWriter",
    "RangeViolation",
    "RecordError",
    "UnknownGroupError",
    "ValueKind",
    "atomic_write",
    "load_encrypted_ballots",
    "read_encrypted_ballot",
]
