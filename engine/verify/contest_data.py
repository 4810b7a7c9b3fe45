"""R.contest_data: the published contest data is what C1 decrypts to with the proven beta.

Verifications 11 and 14 (spec 2.0.0 eq. 81, tag 0x31) prove that beta = C0^s for the contest
data's C0, but not that the published plaintext (status, over-votes, write-ins) is what (C0, C1,
C2) hold: a tallyer could publish any contest data beside a valid proof. With beta proven, anyone
can decrypt, so the verifier does (spec 3.6.5, eq. 86-89), in the form egk's records use
(docs/PROTOCOL.md deviations 3 and 4):

- k = H(H_E; 0x22, K, C0, beta) (eq. 51); k_i = HMAC-SHA-256(k, b(i, 4) || "share_enc_keys" || 0x00
  || "contest_data" || contest id || b(8 numBytes, 4)) for i = 0..ceil(numBytes / 32) (eq. 52);
- C2 = HMAC-SHA-256(k_0, C0 || C1) (eq. 55); D = (C1 xor k_1 || k_2 || ...) cut to numBytes (eq. 54);
- D is egk's protocol-buffers ContestData: 1 status (enum normal, null_vote, over_vote, under_vote),
  2 over_votes (packed uint32, 0xFFFFFFFF the truncation mark -1), 3 write_ins (strings),
  4 filler (a string of '*', dropped).

The hashed ElGamal construction (KDF, MAC, key stream) is the one engine.hashed_elgamal gives
every user. The inputs of the key derivation in egk's form and the decoding of the plaintext are
the verifier's own, written from the specification and the records, not the code that encrypted or
decrypted the record (engine.contest_data): the import-linter contract keeps the two apart, so that
one mistake in egk's deviations cannot both make and pass a record (docs/ARCHITECTURE.md, "The
verifier's independence").

Contest data that does not open under the proven beta (its MAC C2 fails, C1's length does not fit
numBytes, or the plaintext is not a ContestData message) is a fact about the ballot, not about
whoever decrypted it: C0, C1, C2 and numBytes are the ballot's own (R.challenged) and beta is
proven, so anyone can see that the encrypting device (or the voter) wrote contest data that opens
to nothing. The one published value it admits is then the empty ContestData (status normal, no
over-votes, no write-ins), which is what decryption publishes for it; the report notes the ballot,
the contest and the reason. So one voter's garbage cannot fail the election's verification, and a
tallyer cannot claim any contest data for it.
"""

from __future__ import annotations

from engine import domains
from engine.election import ContestData, DecryptedContestData
from engine.group import ElementModP
from engine.hash import UInt256, hash_elems, small_int_bytes
from engine.hashed_elgamal import BLOCK_BYTES, block_count, kdf_keys, mac_matches, unseal
from engine.verify.report import Recorder

CHECK = "R.contest_data"
MAX_NUM_BYTES = (1 << 28) - 1
KDF_LABEL = b"share_enc_keys"
KDF_CONTEXT = b"contest_data"
STATUSES = ("normal", "null_vote", "over_vote", "under_vote")  # egk's ContestDataStatus enum, in order
TRUNCATED_OVERVOTES = -1
_UINT32_MAX = 0xFFFFFFFF
_EMPTY = ContestData()


class Undecodable(ValueError):
    """C1 does not open to a well-formed ContestData message."""


def open_contest_data(
    h_e: UInt256, joint_key: ElementModP, contest_id: str, decrypted: DecryptedContestData
) -> ContestData:
    """Decrypt (C0, C1, C2) with the published beta, eq. 51-55 in egk's form; Undecodable if it does not open."""
    encrypted = decrypted.encrypted_contest_data
    num_bytes = encrypted.num_bytes
    if not 0 <= num_bytes <= MAX_NUM_BYTES:
        raise Undecodable(f"its numBytes {num_bytes} is not in 0..2^28-1")
    blocks = block_count(num_bytes)
    if len(encrypted.c1) != blocks * BLOCK_BYTES:
        raise Undecodable(f"C1 has {len(encrypted.c1)} bytes, but numBytes {num_bytes} needs {blocks * BLOCK_BYTES}")
    k = hash_elems(h_e, domains.CONTEST_DATA_KEY, joint_key, encrypted.c0, decrypted.beta)
    tail = KDF_LABEL + b"\x00" + KDF_CONTEXT + contest_id.encode("utf-8") + small_int_bytes(8 * num_bytes)
    keys = kdf_keys(k, (small_int_bytes(i) for i in range(blocks + 1)), tail)
    if not mac_matches(keys[0], encrypted):
        raise Undecodable("its MAC C2 fails (eq. 55)")
    return decode_contest_data_message(unseal(encrypted, keys[1:]))


def decode_contest_data_message(raw: bytes) -> ContestData:
    """egk's ContestData protocol-buffers message (proto3; the filler dropped); Undecodable if malformed."""
    status = 0
    over_votes: list[int] = []
    write_ins: list[str] = []
    pos = 0
    while pos < len(raw):
        key, pos = _varint(raw, pos)
        field, wire = key >> 3, key & 7
        if (field, wire) == (1, 0):
            status, pos = _varint(raw, pos)
        elif (field, wire) == (2, 0):
            value, pos = _varint(raw, pos)
            over_votes.append(_over_vote(value))
        elif (field, wire) == (2, 2):
            body, pos = _length_delimited(raw, pos)
            inner = 0
            while inner < len(body):
                value, inner = _varint(body, inner)
                over_votes.append(_over_vote(value))
        elif (field, wire) in ((3, 2), (4, 2)):
            body, pos = _length_delimited(raw, pos)
            text = _utf8(body)
            if field == 3:
                write_ins.append(text)
        else:
            raise Undecodable(f"the plaintext has an unknown field {field} (wire type {wire})")
    if status >= len(STATUSES):
        raise Undecodable(f"the plaintext has an unknown status {status}")
    return ContestData(tuple(over_votes), tuple(write_ins), STATUSES[status])


def _varint(raw: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for shift in range(0, 64, 7):
        if pos >= len(raw):
            raise Undecodable("the plaintext ends inside a varint")
        byte = raw[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
    raise Undecodable("the plaintext has a varint longer than 64 bits")


def _length_delimited(raw: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = _varint(raw, pos)
    if pos + length > len(raw):
        raise Undecodable("the plaintext ends inside a field")
    return raw[pos : pos + length], pos + length


def _over_vote(value: int) -> int:
    if value == _UINT32_MAX:
        return TRUNCATED_OVERVOTES
    if value > _UINT32_MAX:
        raise Undecodable("the plaintext has an over_votes entry beyond 32 bits")
    return value


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Undecodable("the plaintext has a text field that is not UTF-8") from None


def _describe(data: ContestData) -> str:
    return f"status {data.status}, over-votes {list(data.over_votes)}, write-ins {list(data.write_ins)}"


def verify_published_contest_data(
    rec: Recorder,
    h_e: UInt256,
    joint_key: ElementModP,
    contest_id: str,
    decrypted: DecryptedContestData,
    where: dict[str, str],
) -> None:
    """R.contest_data for one contest whose beta is proven (11.B or 14.B passed)."""
    published = decrypted.contest_data
    with rec.timed(CHECK):
        try:
            opened = open_contest_data(h_e, joint_key, contest_id, decrypted)
        except Undecodable as exc:
            rec.note(
                CHECK,
                f"ballot {where.get('ballot_id') or '(the tally)'}, contest {contest_id}: the contest data does not "
                f"open under the proven beta ({exc}); the encrypting device wrote it so",
            )
            rec.expect(
                published == _EMPTY,
                CHECK,
                f"the contest data opens to nothing ({exc}), but the record publishes {_describe(published)}",
                **where,
            )
            return
        rec.expect(
            published == opened,
            CHECK,
            f"the record publishes {_describe(published)}; C1 decrypts to {_describe(opened)}",
            **where,
        )
