"""The hash H and its encodings, spec 2.0.0 section 5."""

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import EncodingError
from engine.group import PRODUCTION_GROUP, TEST_GROUP
from engine.hash import (
    Blob,
    Text,
    UInt256,
    election_base_hash,
    encode,
    hash_elems,
    manifest_hash,
    parameter_base_hash,
)
from tests.support.egk_data import WORKFLOWS, vector, workflow

SPEC_EQ5 = "2B3B025E50E09C119CBA7E9448ACD1CABC9447EF39BF06327D81C665CDD86296"


def test_parameter_base_hash_is_the_value_printed_in_the_spec():
    assert parameter_base_hash(PRODUCTION_GROUP).hex() == SPEC_EQ5


def test_parameter_base_hash_matches_egk_vector_with_its_version_string():
    # egk's ParametersTestVector predates "v2.0.0" and hashes the version "v2.0".
    tv = vector("ParametersTestVector")["parameter_base_hash"]
    primes = tv["primes"]
    assert int(primes["large_prime"], 16) == PRODUCTION_GROUP.p
    assert int(primes["small_prime"], 16) == PRODUCTION_GROUP.q
    assert int(primes["generator"], 16) == PRODUCTION_GROUP.g
    assert parameter_base_hash(PRODUCTION_GROUP, "v2.0").hex() == tv["expected"]


@pytest.mark.parametrize("name", WORKFLOWS)
def test_base_hashes_of_egk_records_recompute(name):
    import json

    folder = workflow(name)
    config = json.loads((folder / "election_config.json").read_text())
    h_p = parameter_base_hash(PRODUCTION_GROUP)
    assert h_p.hex() == config["parameter_base_hash"]
    h_m = manifest_hash(h_p, (folder / "manifest.json").read_bytes())
    assert h_m.hex() == config["manifest_hash"]
    h_b = election_base_hash(h_p, h_m, config["number_of_guardians"], config["quorum"])
    assert h_b.hex() == config["election_base_hash"]


def test_encodings_follow_section_5_1():
    g = PRODUCTION_GROUP
    assert encode(g.element_p(15)) == bytes(511) + b"\x0f"
    assert encode(g.element_q(16)) == bytes(31) + b"\x10"
    assert encode(5) == b"\x00\x00\x00\x05"
    assert encode(Text("ElectionGuard")).hex().upper() == "0000000D456C656374696F6E4775617264"
    assert encode(Blob(b"ab")) == b"\x00\x00\x00\x02ab"
    assert len(encode(TEST_GROUP.element_p(1))) == TEST_GROUP.p_bytes


@pytest.mark.parametrize("bad", [-1, 1 << 31, True, 1.5, None])
def test_small_integers_out_of_range_are_refused(bad):
    with pytest.raises(EncodingError):
        encode(bad)


def test_hash_key_must_be_32_bytes():
    with pytest.raises(EncodingError):
        hash_elems(b"short", 0x01)
    with pytest.raises(EncodingError):
        UInt256(b"x" * 31)
    with pytest.raises(EncodingError):
        UInt256.from_hex("zz")


@given(st.binary(min_size=32, max_size=32), st.integers(0, 255), st.binary(max_size=200))
def test_h_is_hmac_sha256_with_tag_first(key, tag, data):
    got = hash_elems(key, tag, data)
    assert got.data == hmac.new(key, bytes([tag]) + data, hashlib.sha256).digest()


@given(st.text(min_size=2, max_size=30), st.data())
def test_length_prefixes_keep_string_boundaries(s, data):
    i = data.draw(st.integers(0, len(s)))
    j = data.draw(st.integers(0, len(s)).filter(lambda j: j != i))
    first = encode(Text(s[:i])) + encode(Text(s[i:]))
    second = encode(Text(s[:j])) + encode(Text(s[j:]))
    assert first != second
