"""Contest data: its byte encoding and its hashed ElGamal encryption, spec 2.0.0 sections 3.3.6-3.3.7.

The encryption follows eq. 50-55 in the form egk writes into its records (docs/PROTOCOL.md deviation 4),
found by decrypting every contest of the three egk workflow records:

- the KDF (eq. 52) uses Label = "share_enc_keys" and Context = "contest_data" || contest id (UTF-8,
  no length prefixes), and its length field is b(8 * numBytes, 4), not b((b_D + 1) * 256, 4);
- the plaintext D is the protocol-buffers message egk calls ContestData (field 1 status enum,
  2 packed uint32 over_votes, 3 repeated string write_ins, 4 string filler), padded up to
  (L + 1) * 32 bytes with a filler of '*' characters instead of 0x00 bytes (section 3.3.7);
- C1 holds ceil(numBytes / 32) whole blocks (the last block of D zero-padded before the XOR) and
  numBytes, the length of D, travels with the ciphertext.

The nonce of eq. 50 comes in the two forms egk has used, see ``IdForm``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum

from engine import domains
from engine.election import ContestData, indicator_bytes
from engine.errors import BallotchainError
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import HASH_BYTES, UInt256, hash_elems, small_int_bytes
from engine.hashed_elgamal import BLOCK_BYTES, HashedCiphertext, block_count, kdf_keys, mac_matches, seal, unseal

KDF_LABEL = b"share_enc_keys"
CONTEXT_PREFIX = b"contest_data"
NONCE_LABEL = b"contest_data"

# ContestData.status <-> its protocol-buffers enum value (egk's common.proto)
STATUS_CODES = {"normal": 0, "null_vote": 1, "over_vote": 2, "under_vote": 3}
STATUS_NAMES = {v: k for k, v in STATUS_CODES.items()}

# egk's truncation markers: a write-in list or a write-in text cut short ends with "*", a cut
# over_votes list ends with -1 (written as the uint32 0xFFFFFFFF).
TRUNCATED_TEXT = "*"
TRUNCATED_OVERVOTES = -1
WRITE_IN_CHOP = 30
FILLER_CHAR = "*"

_UINT32_MAX = 0xFFFFFFFF
_FIELD_STATUS, _FIELD_OVER_VOTES, _FIELD_WRITE_INS, _FIELD_FILLER = 1, 2, 3, 4
_VARINT, _LENGTH_DELIMITED = 0, 2


class ContestDataError(BallotchainError, ValueError):
    """Contest data cannot be encoded, decoded or decrypted (bad MAC, malformed plaintext)."""


class IdForm(str, Enum):
    """How ind_c(Lambda) and ind_o(lambda) enter H in eq. 25, 50 and 57.

    INDEX: b(sequence_order, 4), as the spec (section 5.5.3) writes it and as the egk version that
    made the workflow records and BallotChainingTestVector computes the contest hash and the
    selection nonces. LABEL: the UTF-8 bytes of the contest / selection id with no length prefix,
    as the egk version of BallotEncryption-, ConfirmationCode-, DecryptWithNonce- and
    DecryptBallotTestVector computes them.
    """

    INDEX = "index"
    LABEL = "label"


# ---------------------------------------------------------------- the plaintext D (section 3.3.7)


def contest_data_status(votes: int, contest_limit: int) -> str:
    """Section 3.3.7: null_vote with no vote, under_vote below L, over_vote above L, else normal."""
    if votes == 0:
        return "null_vote"
    if votes > contest_limit:
        return "over_vote"
    if votes < contest_limit:
        return "under_vote"
    return "normal"


def encode_contest_data(data: ContestData, filler: str = "") -> bytes:
    """egk's protocol-buffers bytes of ContestData (proto3: default values are left out)."""
    _check_contest_data(data)
    out = bytearray()
    status = STATUS_CODES[data.status]
    if status:
        out += _key(_FIELD_STATUS, _VARINT) + _varint(status)
    if data.over_votes:
        packed = b"".join(_varint(_UINT32_MAX if v == TRUNCATED_OVERVOTES else v) for v in data.over_votes)
        out += _key(_FIELD_OVER_VOTES, _LENGTH_DELIMITED) + _varint(len(packed)) + packed
    for text in data.write_ins:
        out += _length_delimited(_FIELD_WRITE_INS, text.encode("utf-8"))
    if filler:
        out += _length_delimited(_FIELD_FILLER, filler.encode("utf-8"))
    return bytes(out)


def decode_contest_data(raw: bytes) -> ContestData:
    """ContestData from egk's protocol-buffers bytes; the filler is dropped. Strict on the fields."""
    status = 0
    over_votes: list[int] = []
    write_ins: list[str] = []
    pos = 0
    while pos < len(raw):
        key, pos = _read_varint(raw, pos)
        field, wire = key >> 3, key & 7
        if field == _FIELD_STATUS and wire == _VARINT:
            status, pos = _read_varint(raw, pos)
        elif field == _FIELD_OVER_VOTES and wire == _VARINT:
            value, pos = _read_varint(raw, pos)
            over_votes.append(_over_vote(value))
        elif field == _FIELD_OVER_VOTES and wire == _LENGTH_DELIMITED:
            body, pos = _read_length_delimited(raw, pos)
            inner = 0
            while inner < len(body):
                value, inner = _read_varint(body, inner)
                over_votes.append(_over_vote(value))
        elif field == _FIELD_WRITE_INS and wire == _LENGTH_DELIMITED:
            body, pos = _read_length_delimited(raw, pos)
            write_ins.append(_utf8(body))
        elif field == _FIELD_FILLER and wire == _LENGTH_DELIMITED:
            body, pos = _read_length_delimited(raw, pos)
            _utf8(body)
        else:
            raise ContestDataError(f"contest data has an unknown field {field} (wire type {wire})")
    if status not in STATUS_NAMES:
        raise ContestDataError(f"contest data has an unknown status {status}")
    return ContestData(tuple(over_votes), tuple(write_ins), STATUS_NAMES[status])


def contest_data_size(contest_limit: int) -> int:
    """The target length of D: (L + 1) blocks of 32 bytes, as egk sizes it (b_D = L + 1)."""
    if isinstance(contest_limit, bool) or not isinstance(contest_limit, int) or contest_limit < 1:
        raise ContestDataError(f"a contest selection limit is a positive integer, not {contest_limit!r}")
    return (contest_limit + 1) * BLOCK_BYTES


def pad_contest_data(data: ContestData, contest_limit: int) -> bytes:
    """D for a contest with selection limit L: the encoding shortened and padded to (L + 1) * 32 bytes.

    Too long: egk's steps in order (keep L write-ins and add "*"; cut each write-in longer than 30
    characters to 30 and add "*"; keep L + 1 over_votes and add -1), then, where egk would still
    overflow, shorten the longest write-in one character at a time, and finally drop the write-ins
    (leaving "*") and the over_votes (leaving -1). Too short: a filler of '*' characters sized so that
    D is exactly (L + 1) * 32 bytes; egk's own arithmetic gives one byte more once the filler reaches
    128 bytes (L >= 4), which the spec's fixed length rules out. One byte short cannot be filled.
    """
    size = contest_data_size(contest_limit)
    trial = data
    encoded = encode_contest_data(trial)
    if len(encoded) > size and len(trial.write_ins) > contest_limit:
        trial = replace(trial, write_ins=trial.write_ins[:contest_limit] + (TRUNCATED_TEXT,))
        encoded = encode_contest_data(trial)
    if len(encoded) > size and trial.write_ins:
        trial = replace(trial, write_ins=tuple(_chop(w, WRITE_IN_CHOP) for w in trial.write_ins))
        encoded = encode_contest_data(trial)
    if len(encoded) > size and len(trial.over_votes) > contest_limit + 1:
        trial = replace(trial, over_votes=trial.over_votes[: contest_limit + 1] + (TRUNCATED_OVERVOTES,))
        encoded = encode_contest_data(trial)
    while len(encoded) > size:
        trial = _shrink(trial)
        encoded = encode_contest_data(trial)
    return encoded + _filler_field(size - len(encoded))


def _chop(text: str, keep: int) -> str:
    return text if len(text) <= keep else text[:keep] + TRUNCATED_TEXT


def _shrink(data: ContestData) -> ContestData:
    """One step beyond egk's truncation: a character off the longest write-in, or drop a list."""
    lengths = [len(w) for w in data.write_ins]
    if lengths and max(lengths) > len(TRUNCATED_TEXT):
        i = lengths.index(max(lengths))
        body = data.write_ins[i].removesuffix(TRUNCATED_TEXT)
        shorter = body[:-1] + TRUNCATED_TEXT
        return replace(data, write_ins=data.write_ins[:i] + (shorter,) + data.write_ins[i + 1 :])
    if data.write_ins and data.write_ins != (TRUNCATED_TEXT,):
        return replace(data, write_ins=(TRUNCATED_TEXT,))
    if data.over_votes and data.over_votes != (TRUNCATED_OVERVOTES,):
        return replace(data, over_votes=(TRUNCATED_OVERVOTES,))
    raise ContestDataError("contest data cannot be shortened to its fixed length")


def _filler_field(room: int) -> bytes:
    """The longest filler field (key, length, '*' * n) that takes at most ``room`` bytes."""
    for length_bytes in range(1, 6):
        n = room - 1 - length_bytes
        if n < 0:
            break
        if len(_varint(n)) <= length_bytes:
            return _length_delimited(_FIELD_FILLER, (FILLER_CHAR * n).encode("ascii"))
    return b""


def _check_contest_data(data: ContestData) -> None:
    if not isinstance(data, ContestData):
        raise ContestDataError(f"expected ContestData, not {type(data).__name__}")
    if data.status not in STATUS_CODES:
        raise ContestDataError(f"unknown contest data status {data.status!r}")
    for v in data.over_votes:
        if isinstance(v, bool) or not isinstance(v, int) or not (v == TRUNCATED_OVERVOTES or 0 <= v < _UINT32_MAX):
            raise ContestDataError(f"an over_votes entry is a sequence order in 0..2^32-2 or -1, not {v!r}")
    for w in data.write_ins:
        if not isinstance(w, str):
            raise ContestDataError(f"a write-in is text, not {type(w).__name__}")


def _over_vote(value: int) -> int:
    if value == _UINT32_MAX:
        return TRUNCATED_OVERVOTES
    if value > _UINT32_MAX:
        raise ContestDataError("an over_votes entry exceeds 32 bits")
    return value


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContestDataError("contest data text is not UTF-8") from exc


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low = n & 0x7F
        n >>= 7
        if n:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _length_delimited(field: int, body: bytes) -> bytes:
    return _key(field, _LENGTH_DELIMITED) + _varint(len(body)) + body


def _read_varint(raw: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if pos >= len(raw):
            raise ContestDataError("contest data ends inside a varint")
        byte = raw[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ContestDataError("contest data has a varint longer than 64 bits")


def _read_length_delimited(raw: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = _read_varint(raw, pos)
    if pos + length > len(raw):
        raise ContestDataError("contest data ends inside a field")
    return raw[pos : pos + length], pos + length


# ---------------------------------------------------------------- hashed ElGamal (section 3.3.6)


@dataclass(frozen=True)
class ContestDataKeys:
    """k_0 (the MAC key) and k_1..k_bD of eq. 52, as egk derives them."""

    mac_key: bytes
    encryption_keys: tuple[bytes, ...]


def contest_data_nonce_hash(h_e: UInt256, ballot_nonce: UInt256, contest_ind: int | str) -> UInt256:
    """xi = H(H_E; 0x20, xi_B, ind_c(Lambda), "contest_data"), eq. 50, as egk hashes it.

    The label is the 12 raw bytes "contest_data" with no length prefix (the spec's table in 5.5.3
    has b(12, 4) first); ind_c is b(sequence_order, 4) or the contest id's bytes (IdForm). The
    LABEL form reproduces DecryptWithNonceTestVector; the INDEX form is egk's later code.
    """
    return hash_elems(h_e, domains.CONTEST_DATA_NONCE, ballot_nonce, indicator_bytes(contest_ind), NONCE_LABEL)


def contest_data_nonce(h_e: UInt256, ballot_nonce: UInt256, contest_ind: int | str, group: Group) -> ElementModQ:
    """The nonce xi of eq. 50 as an element of Z_q (contest_data_nonce_hash reduced mod q)."""
    return contest_data_nonce_hash(h_e, ballot_nonce, contest_ind).to_q(group)


def derive_contest_data_keys(
    h_e: UInt256,
    public_key: ElementModP,
    c0: ElementModP,
    beta: ElementModP,
    contest_id: str,
    num_bytes: int,
) -> ContestDataKeys:
    """k = H(H_E; 0x22, K, alpha, beta) (eq. 51), then k_i = HMAC(k, b(i,4) || Label || 0x00 ||
    Context || b(8 numBytes, 4)) for i = 0..ceil(numBytes/32) (eq. 52, egk's Label/Context/length)."""
    _check_num_bytes(num_bytes)
    k = hash_elems(h_e, domains.CONTEST_DATA_KEY, public_key, c0, beta)
    tail = KDF_LABEL + b"\x00" + CONTEXT_PREFIX + contest_id.encode("utf-8") + small_int_bytes(8 * num_bytes)
    keys = kdf_keys(k, (small_int_bytes(i) for i in range(block_count(num_bytes) + 1)), tail)
    return ContestDataKeys(keys[0], keys[1:])


def encrypt_contest_data_bytes(
    plaintext: bytes, nonce: ElementModQ, h_e: UInt256, public_key: ElementModP, contest_id: str
) -> HashedCiphertext:
    """(C0, C1, C2) of eq. 53-55 for D = plaintext with the nonce xi of eq. 50.

    xi and beta = K^xi are secret: both powers come from the constant-time tables.
    """
    group = nonce.group
    c0 = group.g_pow_secret(nonce)
    beta = group.k_pow_secret(public_key, nonce)
    return seal_contest_data_bytes(plaintext, c0, beta, h_e, public_key, contest_id)


def seal_contest_data_bytes(
    plaintext: bytes, c0: ElementModP, beta: ElementModP, h_e: UInt256, public_key: ElementModP, contest_id: str
) -> HashedCiphertext:
    """(C0, C1, C2) of eq. 53-55 for D = plaintext, given C0 = g^xi and beta = K^xi (eq. 50-51)
    already computed, e.g. with the rest of a contest's exponentiations (encrypt_ballot)."""
    keys = derive_contest_data_keys(h_e, public_key, c0, beta, contest_id, len(plaintext))
    return seal(c0, plaintext, keys.mac_key, keys.encryption_keys)


def encrypt_contest_data(
    data: ContestData,
    contest_limit: int,
    nonce: ElementModQ,
    h_e: UInt256,
    public_key: ElementModP,
    contest_id: str,
) -> HashedCiphertext:
    """Encrypt a contest's data (section 3.3.6): D = pad_contest_data(data, L), then eq. 53-55."""
    return encrypt_contest_data_bytes(pad_contest_data(data, contest_limit), nonce, h_e, public_key, contest_id)


def seal_contest_data(
    data: ContestData,
    contest_limit: int,
    c0: ElementModP,
    beta: ElementModP,
    h_e: UInt256,
    public_key: ElementModP,
    contest_id: str,
) -> HashedCiphertext:
    """encrypt_contest_data with C0 = g^xi and beta = K^xi already computed (seal_contest_data_bytes)."""
    return seal_contest_data_bytes(pad_contest_data(data, contest_limit), c0, beta, h_e, public_key, contest_id)


def decrypt_contest_data_bytes(
    ciphertext: HashedCiphertext, beta: ElementModP, h_e: UInt256, public_key: ElementModP, contest_id: str
) -> bytes:
    """D from (C0, C1, C2) and beta = C0^s (or K^xi): the MAC is checked first, eq. 86-89."""
    _check_ciphertext(ciphertext)
    keys = derive_contest_data_keys(h_e, public_key, ciphertext.c0, beta, contest_id, ciphertext.num_bytes)
    if len(ciphertext.c1) != len(keys.encryption_keys) * BLOCK_BYTES:
        raise ContestDataError(
            f"C1 has {len(ciphertext.c1)} bytes; {ciphertext.num_bytes} bytes of data need "
            f"{len(keys.encryption_keys) * BLOCK_BYTES}"
        )
    if not mac_matches(keys.mac_key, ciphertext):
        raise ContestDataError(f"the MAC of the contest data of {contest_id!r} does not match (eq. 55)")
    return unseal(ciphertext, keys.encryption_keys)


def decrypt_contest_data(
    ciphertext: HashedCiphertext, beta: ElementModP, h_e: UInt256, public_key: ElementModP, contest_id: str
) -> ContestData:
    """The ContestData in (C0, C1, C2), given beta = C0^s: MAC check, decryption, decoding."""
    return decode_contest_data(decrypt_contest_data_bytes(ciphertext, beta, h_e, public_key, contest_id))


def decrypt_contest_data_with_secret(
    ciphertext: HashedCiphertext, secret: ElementModQ, h_e: UInt256, public_key: ElementModP, contest_id: str
) -> ContestData:
    """Decryption by a holder of the whole secret s: beta = C0^s."""
    _check_ciphertext(ciphertext)
    return decrypt_contest_data(ciphertext, ciphertext.c0.pow_secret(secret), h_e, public_key, contest_id)


def decrypt_contest_data_with_nonce(
    ciphertext: HashedCiphertext, nonce: ElementModQ, h_e: UInt256, public_key: ElementModP, contest_id: str
) -> ContestData:
    """Decryption with the encryption nonce xi of eq. 50: C0 must be g^xi, and beta = K^xi.

    For challenged ballots, whose nonces are published: public exponents, fast tables.
    """
    _check_ciphertext(ciphertext)
    group = nonce.group
    if group.g_pow(nonce) != ciphertext.c0:
        raise ContestDataError(f"the nonce does not match the contest data of {contest_id!r}")
    beta = group.k_pow(public_key, nonce)
    return decrypt_contest_data(ciphertext, beta, h_e, public_key, contest_id)


def _check_num_bytes(num_bytes: int) -> None:
    if isinstance(num_bytes, bool) or not isinstance(num_bytes, int) or not 0 <= num_bytes < (1 << 28):
        raise ContestDataError(f"the contest data length must be in 0..2^28-1 bytes, not {num_bytes!r}")


def _check_ciphertext(ciphertext: HashedCiphertext) -> None:
    if not isinstance(ciphertext, HashedCiphertext):
        raise ContestDataError(f"expected a HashedCiphertext, not {type(ciphertext).__name__}")
    if not isinstance(ciphertext.c0, ElementModP) or not isinstance(ciphertext.c2, UInt256):
        raise ContestDataError("malformed contest data ciphertext")
    if not isinstance(ciphertext.c1, bytes) or len(ciphertext.c2.data) != HASH_BYTES:
        raise ContestDataError("malformed contest data ciphertext")
    _check_num_bytes(ciphertext.num_bytes)
