"""Contest data (spec 3.3.6-3.3.7 in egk's form): encoding, padding, hashed ElGamal, MAC."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.contest_data import (
    FILLER_CHAR,
    STATUS_CODES,
    TRUNCATED_OVERVOTES,
    ContestDataError,
    contest_data_nonce,
    contest_data_size,
    contest_data_status,
    decode_contest_data,
    decrypt_contest_data,
    decrypt_contest_data_bytes,
    decrypt_contest_data_with_nonce,
    decrypt_contest_data_with_secret,
    derive_contest_data_keys,
    encode_contest_data,
    encrypt_contest_data,
    encrypt_contest_data_bytes,
    pad_contest_data,
)
from engine.election import ContestData, HashedCiphertext
from engine.elgamal import KeyPair
from engine.group import TEST_GROUP
from engine.hash import UInt256

KEYS = KeyPair.from_secret(TEST_GROUP.element_q(0x1234_5678_9ABC_DEF1))
H_E = UInt256(bytes(range(32)))

statuses = st.sampled_from(sorted(STATUS_CODES))
over_vote_lists = st.lists(st.integers(0, 2**32 - 2) | st.just(TRUNCATED_OVERVOTES), max_size=8).map(tuple)
write_in_lists = st.lists(st.text(max_size=80), max_size=5).map(tuple)
contest_datas = st.builds(ContestData, over_vote_lists, write_in_lists, statuses)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- encoding


def test_known_encodings():
    """egk's protocol-buffers bytes: status 1, packed over_votes 2, write_ins 3, filler 4."""
    assert encode_contest_data(ContestData()) == b""
    assert encode_contest_data(ContestData(status="null_vote")) == b"\x08\x01"
    assert encode_contest_data(ContestData((1, 2, 300), (), "over_vote")) == b"\x08\x02\x12\x04\x01\x02\xac\x02"
    assert encode_contest_data(ContestData((), ("Ann", ""), "normal")) == b"\x1a\x03Ann\x1a\x00"
    assert encode_contest_data(ContestData((-1,), (), "over_vote")) == b"\x08\x02\x12\x05\xff\xff\xff\xff\x0f"
    # the record's plaintext of a normal contest with L = 1, and of a null vote
    assert pad_contest_data(ContestData(), 1) == b'">' + FILLER_CHAR.encode() * 62
    assert pad_contest_data(ContestData(status="null_vote"), 1) == b'\x08\x01"<' + b"*" * 60


@given(contest_datas)
@FAST
def test_encoding_round_trips(data):
    assert decode_contest_data(encode_contest_data(data)) == data
    assert decode_contest_data(encode_contest_data(data, filler="***")) == data


def test_decoder_accepts_unpacked_over_votes():
    assert decode_contest_data(b"\x10\x03\x10\x05") == ContestData((3, 5), (), "normal")


@pytest.mark.parametrize(
    "raw",
    [
        b"\x08",  # ends inside a varint
        b"\x08\x07",  # unknown status
        b"\x1a\x05ab",  # ends inside a string
        b"\x1a\x02\xff\xfe",  # not UTF-8
        b"\x28\x01",  # unknown field 5
        b"\x0a\x00",  # status with the wrong wire type
        b"\x12\x05\xff\xff\xff\xff\x1f",  # over_votes entry beyond 32 bits
        b"\x08" + b"\xff" * 11,  # varint too long
    ],
)
def test_decoder_rejects_malformed_bytes(raw):
    with pytest.raises(ContestDataError):
        decode_contest_data(raw)


@pytest.mark.parametrize(
    "data",
    [
        ContestData(status="spoiled"),
        ContestData(over_votes=(-2,)),
        ContestData(over_votes=(True,)),  # type: ignore[arg-type]
        ContestData(write_ins=(b"x",)),  # type: ignore[arg-type]
    ],
)
def test_encoder_rejects_bad_values(data):
    with pytest.raises(ContestDataError):
        encode_contest_data(data)


def test_status_from_votes():
    assert [contest_data_status(v, 2) for v in range(4)] == ["null_vote", "under_vote", "normal", "over_vote"]


# ---------------------------------------------------------------- padding and truncation


@given(contest_datas, st.integers(1, 6))
@FAST
def test_padding_is_fixed_length_and_keeps_what_fits(data, limit):
    size = contest_data_size(limit)
    padded = pad_contest_data(data, limit)
    decoded = decode_contest_data(padded)
    room = size - len(encode_contest_data(data))
    assert len(padded) <= size
    assert decoded.status == data.status
    if room >= 0:
        assert decoded == data
        # a filler field is 1 + len(varint(n)) + n bytes: no n gives 1 or 130 bytes
        assert len(padded) == (size - 1 if room in (1, 130) else size)
    else:
        marked = any(w.endswith("*") for w in decoded.write_ins) or TRUNCATED_OVERVOTES in decoded.over_votes
        assert marked


def test_long_write_ins_are_cut_as_egk_cuts_them():
    """More than L write-ins: L kept plus "*"; each longer than 30 characters cut to 30 plus "*"."""
    fits = ContestData((), ("a" * 40, "b" * 5, "c" * 5), "normal")
    assert decode_contest_data(pad_contest_data(fits, 1)) == fits
    too_many = ContestData((), ("a" * 40, "b" * 40, "c" * 5), "normal")
    assert decode_contest_data(pad_contest_data(too_many, 1)).write_ins == ("a" * 40, "*")
    too_long = ContestData((), ("a" * 70,), "normal")
    padded = pad_contest_data(too_long, 1)
    assert len(padded) == 64
    assert decode_contest_data(padded).write_ins == ("a" * 30 + "*",)


def test_write_ins_still_too_long_are_shortened_further():
    data = ContestData((), ("é" * 31, "ü" * 31), "normal")
    padded = pad_contest_data(data, 1)
    decoded = decode_contest_data(padded)
    assert len(padded) == 64
    assert all(w.endswith("*") for w in decoded.write_ins)


def test_long_over_vote_lists_are_cut_with_minus_one():
    data = ContestData(tuple(range(1_000_000, 1_000_040)), (), "over_vote")
    decoded = decode_contest_data(pad_contest_data(data, 1))
    assert decoded.over_votes[-1] == TRUNCATED_OVERVOTES
    assert decoded.status == "over_vote"


def test_filler_reaches_exact_length_beyond_128_bytes():
    for limit in range(1, 12):
        assert len(pad_contest_data(ContestData(), limit)) == contest_data_size(limit)


def test_bad_limit():
    with pytest.raises(ContestDataError):
        contest_data_size(0)


# ---------------------------------------------------------------- hashed ElGamal


def _encrypt(data: ContestData, limit: int = 1, contest_id: str = "contest-1") -> tuple[HashedCiphertext, object]:
    nonce = contest_data_nonce(H_E, UInt256(b"\x07" * 32), 3, TEST_GROUP)
    return encrypt_contest_data(data, limit, nonce, H_E, KEYS.public, contest_id), nonce


@given(contest_datas, st.integers(1, 4), st.text(min_size=1, max_size=12))
@FAST
def test_encryption_round_trips(data, limit, contest_id):
    ct, nonce = _encrypt(data, limit, contest_id)
    padded = pad_contest_data(data, limit)
    assert ct.num_bytes == len(padded)
    assert len(ct.c1) == -(-len(padded) // 32) * 32
    expected = decode_contest_data(padded)
    assert decrypt_contest_data_with_secret(ct, KEYS.secret, H_E, KEYS.public, contest_id) == expected
    assert decrypt_contest_data_with_nonce(ct, nonce, H_E, KEYS.public, contest_id) == expected
    beta = ct.c0.pow_secret(KEYS.secret)
    assert decrypt_contest_data_bytes(ct, beta, H_E, KEYS.public, contest_id) == padded


@given(st.data())
@FAST
def test_tampering_any_byte_fails_the_mac(draw):
    data = ContestData((2, 3), ("write-in",), "over_vote")
    ct, _ = _encrypt(data)
    beta = ct.c0.pow_secret(KEYS.secret)
    i = draw.draw(st.integers(0, len(ct.c1) - 1))
    bit = draw.draw(st.integers(0, 7))
    c1 = bytearray(ct.c1)
    c1[i] ^= 1 << bit
    with pytest.raises(ContestDataError, match="MAC"):
        decrypt_contest_data(replace(ct, c1=bytes(c1)), beta, H_E, KEYS.public, "contest-1")
    c2 = bytearray(ct.c2.data)
    c2[i % 32] ^= 1 << bit
    with pytest.raises(ContestDataError, match="MAC"):
        decrypt_contest_data(replace(ct, c2=UInt256(bytes(c2))), beta, H_E, KEYS.public, "contest-1")


def test_wrong_context_or_key_fails_the_mac():
    ct, nonce = _encrypt(ContestData(status="null_vote"))
    beta = ct.c0.pow_secret(KEYS.secret)
    with pytest.raises(ContestDataError, match="MAC"):
        decrypt_contest_data(ct, beta, H_E, KEYS.public, "contest-2")
    with pytest.raises(ContestDataError, match="MAC"):
        decrypt_contest_data(ct, beta * TEST_GROUP.generator, H_E, KEYS.public, "contest-1")
    with pytest.raises(ContestDataError, match="MAC"):
        decrypt_contest_data(replace(ct, c0=ct.c0 * TEST_GROUP.generator), beta, H_E, KEYS.public, "contest-1")
    with pytest.raises(ContestDataError, match="nonce"):
        decrypt_contest_data_with_nonce(ct, nonce + 1, H_E, KEYS.public, "contest-1")


def test_malformed_ciphertexts_are_rejected():
    ct, _ = _encrypt(ContestData())
    beta = ct.c0.pow_secret(KEYS.secret)
    with pytest.raises(ContestDataError, match="C1"):
        decrypt_contest_data(replace(ct, c1=ct.c1[:-1]), beta, H_E, KEYS.public, "contest-1")
    with pytest.raises(ContestDataError):
        decrypt_contest_data(replace(ct, num_bytes=-1), beta, H_E, KEYS.public, "contest-1")
    with pytest.raises(ContestDataError):
        decrypt_contest_data("not a ciphertext", beta, H_E, KEYS.public, "contest-1")  # type: ignore[arg-type]


def test_keys_follow_egk_kdf():
    """k_i = HMAC(k, b(i,4) || "share_enc_keys" || 0x00 || "contest_data" || id || b(8 n, 4))."""
    import hashlib
    import hmac

    from engine.hash import hash_elems

    ct, _ = _encrypt(ContestData())
    beta = ct.c0.pow_secret(KEYS.secret)
    keys = derive_contest_data_keys(H_E, KEYS.public, ct.c0, beta, "c", 40)
    k = hash_elems(H_E, 0x22, KEYS.public, ct.c0, beta).data
    msg = b"share_enc_keys\x00contest_datac" + (320).to_bytes(4, "big")
    assert keys.mac_key == hmac.new(k, b"\x00\x00\x00\x00" + msg, hashlib.sha256).digest()
    assert keys.encryption_keys[1] == hmac.new(k, b"\x00\x00\x00\x02" + msg, hashlib.sha256).digest()
    assert len(keys.encryption_keys) == 2


def test_raw_bytes_encryption_with_partial_last_block():
    nonce = TEST_GROUP.element_q(99)
    ct = encrypt_contest_data_bytes(b"x" * 33, nonce, H_E, KEYS.public, "id")
    assert (ct.num_bytes, len(ct.c1)) == (33, 64)
    assert decrypt_contest_data_bytes(ct, ct.c0.pow_secret(KEYS.secret), H_E, KEYS.public, "id") == b"x" * 33
