"""The record layer reads egk's three workflow records and writes them back byte for byte."""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import shutil
import stat
import tempfile
import types
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.election import (
    BallotChain,
    BallotState,
    ContestData,
    DecryptedContest,
    DecryptedContestData,
    DecryptedSelection,
    DecryptedTallyOrBallot,
    DecryptingTrustee,
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    EncryptedTally,
    EncryptedTallyContest,
    EncryptedTallySelection,
    HashedCiphertext,
    PlaintextBallot,
    PlaintextContest,
    PlaintextSelection,
)
from engine.elgamal import Ciphertext
from engine.errors import BallotchainError
from engine.group import PRODUCTION_GROUP, TEST_GROUP
from engine.hash import (
    UInt256,
    election_base_hash,
    extended_base_hash,
    manifest_hash,
    parameter_base_hash,
)
from engine.proofs import DecryptionProof, RangeProof
from engine.record import (
    ElectionConstants,
    ElectionRecord,
    ElectionRecordWriter,
    PrivateData,
    PrivateDataWriter,
    RecordError,
    jsonio,
    load_encrypted_ballots,
    read_encrypted_ballot,
)
from engine.record import writer as writer_module
from engine.record.codecs.decrypted import CONTEST_DATA_STATUSES
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot
from engine.record.codecs.manifest import decode_manifest, encode_manifest
from engine.record.codecs.values import hex_p, hex_q
from tests.support.egk_data import WORKFLOWS, workflow

CHAINED_BALLOT = "encrypted_ballots/runWorkflowChainedJson/eballot-id-3.json"


def write_everything(record: ElectionRecord, out: Path, private_out: Path) -> None:
    w = ElectionRecordWriter(out)
    w.write_constants(record.constants)
    w.write_manifest(record.manifest, record.config.manifest_bytes)
    w.write_config(record.config)
    w.write_initialized(record.initialized)
    for ballot in record.encrypted_ballots():
        w.write_encrypted_ballot(ballot)
    for chain in record.ballot_chains():
        w.write_ballot_chain(chain)
    w.write_encrypted_tally(record.encrypted_tally)
    w.write_tally(record.tally)
    for dballot in record.challenged_ballots():
        w.write_challenged_ballot(dballot)
    pw = w.private_writer(private_out)
    private = record.private_data()
    for trustee in private.trustees():
        pw.write_trustee(trustee)
    for pballot in private.plaintext_ballots():
        pw.write_plaintext_ballot(pballot)


def read_everything(record: ElectionRecord, private: PrivateData) -> dict[str, object]:
    return {
        "constants": record.constants,
        "manifest": record.manifest,
        "manifest_extra": record.manifest.extra,
        "config": record.config,
        "initialized": record.initialized,
        "ballots": list(record.encrypted_ballots()),
        "chains": list(record.ballot_chains()),
        "encrypted_tally": record.encrypted_tally,
        "tally": record.tally,
        "challenged": list(record.challenged_ballots()),
        "trustees": list(private.trustees()),
        "pballots": list(private.plaintext_ballots()),
    }


@pytest.mark.parametrize("name", WORKFLOWS)
def test_egk_record_round_trip_is_lossless(name, tmp_path):
    egk = ElectionRecord(workflow(name))
    original = read_everything(egk, egk.private_data())
    assert original["ballots"] and original["trustees"] and original["pballots"]
    out, private_out = tmp_path / "record", tmp_path / "private"
    write_everything(egk, out, private_out)

    ours = ElectionRecord(out)
    assert read_everything(ours, ours.private_data(private_out)) == original
    assert ours.record_files() == egk.record_files()
    assert egk.notes == [] and ours.notes == []

    pairs = [(out / f, egk.root / f) for f in egk.record_files()]
    pairs += [(private_out / p.relative_to(egk.root / "private_data"), p) for p in _private_files(egk.root)]
    assert len(pairs) >= 30
    for written, source in pairs:
        assert json.loads(written.read_bytes()) == json.loads(source.read_bytes()), written
        assert written.read_bytes() == source.read_bytes(), f"{written} differs in layout from egk's"


def _private_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "private_data").rglob("*.json"))


@pytest.mark.parametrize("name", WORKFLOWS)
def test_record_hashes_recompute(name):
    record = ElectionRecord(workflow(name))
    config = record.config
    h_p = parameter_base_hash(record.group)
    assert h_p == config.parameter_base_hash
    assert manifest_hash(h_p, config.manifest_bytes) == config.manifest_hash
    h_b = election_base_hash(h_p, config.manifest_hash, config.number_of_guardians, config.quorum)
    assert h_b == config.election_base_hash
    init = record.initialized
    assert extended_base_hash(h_b, init.joint_public_key) == init.extended_base_hash
    assert all(b.election_id == init.extended_base_hash for b in record.encrypted_ballots())


def test_egk_values_are_read_as_expected():
    record = ElectionRecord(workflow("chainedJson"))
    assert record.group is PRODUCTION_GROUP
    assert record.constants.name == "production group, low memory use, 4096 bits"
    assert record.config.chain_confirmation_codes
    assert record.config.baux0 == b"device information"
    assert record.config.metadata == (("Created by", "runFakeKeyCeremony"),)
    states = {b.ballot_id: b.state for b in record.encrypted_ballots()}
    assert sorted(i for i, s in states.items() if s is BallotState.SPOILED) == ["id-3", "id-6", "id-9"]
    assert [b.id for b in record.challenged_ballots()] == ["id-3", "id-6", "id-9"]
    (chain,) = record.ballot_chains()
    assert chain.chaining and chain.closing_hash is not None and len(chain.baux0) == 32
    # egk writes elements mod p at full width: K^0 = 1 is 1023 zeros and a 1
    zero = record.tally.contests[0].selections[2]
    assert zero.tally == 0 and zero.b_over_m == PRODUCTION_GROUP.one
    assert hex_p(zero.b_over_m) == "0" * 1023 + "1"
    assert record.manifest.candidate_ids[0] == "candidate43"
    assert dict(record.manifest.extra)["contact_information"]["phone"] == "911"


def test_manifest_codec_reproduces_egk_bytes_and_keeps_unknown_fields():
    record = ElectionRecord(workflow("allAvailableJson"))
    assert jsonio.dumps(encode_manifest(record.manifest)) == record.manifest_bytes
    doc = json.loads(record.manifest_bytes)
    doc["x_note"] = {"a": [1, None]}
    doc["/odd"] = True
    doc["contests"][0]["color"] = "red"
    doc["contests"][0]["ballot_selections"][1]["rank"] = 2
    doc["ballot_styles"][0]["lang"] = ["ko"]
    manifest = decode_manifest(doc)
    assert json.loads(jsonio.dumps(encode_manifest(manifest))) == doc


def test_ballots_are_streamed_one_file_at_a_time(tmp_path):
    root = _copy_record("chainedJson", tmp_path)
    last = sorted((root / "encrypted_ballots/runWorkflowChainedJson").glob("eballot-*.json"))[-1]
    last.write_text("{")
    ballots = ElectionRecord(root).encrypted_ballots()
    assert isinstance(ballots, types.GeneratorType)
    assert next(ballots).ballot_id == "id-1"
    with pytest.raises(RecordError, match="eballot-id-9.json: not valid JSON"):
        list(ballots)


def test_load_encrypted_ballots_from_a_record_a_device_or_a_file(tmp_path):
    root = workflow("chainedJson")
    device = root / "encrypted_ballots" / "runWorkflowChainedJson"
    every = list(load_encrypted_ballots(str(root)))
    assert len(every) == 11 and list(load_encrypted_ballots(device)) == every
    (id3,) = load_encrypted_ballots(device / "eballot-id-3.json")
    assert id3.ballot_id == "id-3" and id3 in every
    with pytest.raises(RecordError, match="neither a record"):
        list(load_encrypted_ballots(tmp_path))


def test_private_data_in_a_folder_of_its_own(tmp_path):
    source = workflow("someAvailableJson") / "private_data"
    shutil.copytree(source, tmp_path / "secret")
    shutil.copytree(source, tmp_path / "egk_layout" / "private_data")
    record = ElectionRecord(workflow("someAvailableJson"))
    for private in (
        record.private_data(tmp_path / "secret"),
        PrivateData(tmp_path / "egk_layout", record.group),
    ):
        assert [t.guardian_id for t in private.trustees()] == [f"guardian{i}" for i in range(1, 6)]
        assert private.trustee("guardian2").x_coordinate == 2
        assert private.plaintext_ballot("id-7").ballot_id == "id-7"


# ---------------------------------------------------------------- bad input


def _copy_record(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(workflow(name), root, ignore=shutil.ignore_patterns("private_data"))
    return root


def _edit(path: Path, change) -> None:
    doc = json.loads(path.read_bytes())
    change(doc)
    path.write_bytes(jsonio.dumps(doc))


def _read_ballot(root: Path) -> EncryptedBallot:
    return ElectionRecord(root).encrypted_ballot("id-3")


def _set_pad(value):
    def change(doc):
        doc["contests"][1]["selections"][0]["encrypted_vote"]["pad"] = value

    return change


P_HEX = format(int(PRODUCTION_GROUP.p), "X")
Q_HEX = format(int(PRODUCTION_GROUP.q), "X")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(timestamp="1699907102"), "timestamp: expected an integer, found a string"),
        (lambda d: d.update(timestamp=True), "timestamp: expected an integer, found a boolean"),
        (lambda d: d.update(contests={}), "contests: expected an array, found an object"),
        (_set_pad(P_HEX), "contests[1].selections[0].encrypted_vote.pad: not an integer mod p"),
        (_set_pad("G" + P_HEX[1:]), "contests[1].selections[0].encrypted_vote.pad: not a hex string"),
        (_set_pad(" 12"), "contests[1].selections[0].encrypted_vote.pad: not a hex string"),
        (_set_pad("0x12"), "contests[1].selections[0].encrypted_vote.pad: not a hex string"),
        (_set_pad("1" * 1025), "pad: 1025 hex digits, more than 1024"),
        (_set_pad(None), "contests[1].selections[0].encrypted_vote.pad: expected a string, found null"),
        (lambda d: d.pop("confirmation_code"), "confirmation_code: missing field"),
        (
            lambda d: d.update(confirmation_code="AB"),
            "confirmation_code: a hash value has 64 hex digits, not 2",
        ),
        (lambda d: d.update(state="LOST"), "state: unknown ballot state 'LOST'"),
        (lambda d: d.update(code_baux="ABC"), "code_baux: odd number of hex digits"),
        (lambda d: d.update(ballot_id="id-4"), "ballot_id: 'id-4' does not match the file name"),
        (
            lambda d: d.update(encrypting_device="other"),
            "encrypting_device: 'other' does not match the folder",
        ),
        (
            lambda d: d["contests"][0]["proof"]["proofs"][1].update(challenge=Q_HEX),
            "contests[0].proof.proofs[1].challenge: not an integer mod q",
        ),
        (
            lambda d: d["contests"][0]["proof"].update(proofs=[]),
            "contests[0].proof.proofs: expected a non-empty",
        ),
        (
            lambda d: d["contests"][2].update(pre_encryption={"x": 1}),
            "contests[2].pre_encryption.preencryption_hash: missing field",
        ),
        (
            lambda d: d["contests"][0]["selections"][0].update(sequence_order=-1),
            "sequence_order: -1 is not in",
        ),
    ],
)
def test_bad_ballot_field_is_a_record_error_naming_file_and_field(tmp_path, change, message):
    root = _copy_record("chainedJson", tmp_path)
    _edit(root / CHAINED_BALLOT, change)
    with pytest.raises(RecordError) as info:
        _read_ballot(root)
    assert str(info.value).startswith(CHAINED_BALLOT + ": ")
    assert message in str(info.value)
    assert isinstance(info.value, BallotchainError)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"ballot_id": "id-3", "contests": [', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"a": 1, "a": 2}', "duplicate key 'a'"),
        (b'{"timestamp": NaN}', "NaN is not a JSON number"),
        (b"[" * 100000 + b"]" * 100000, "not valid JSON"),
        (b"[]", "expected an object, found an array"),
    ],
)
def test_malformed_json_is_a_record_error(tmp_path, content, message):
    root = _copy_record("chainedJson", tmp_path)
    (root / CHAINED_BALLOT).write_bytes(content)
    with pytest.raises(RecordError) as info:
        _read_ballot(root)
    assert str(info.value).startswith(CHAINED_BALLOT + ": ") and message in str(info.value)


def test_missing_and_bad_top_level_files(tmp_path):
    root = _copy_record("allAvailableJson", tmp_path)
    (root / "constants.json").unlink()
    with pytest.raises(RecordError, match=r"^constants.json: missing file$"):
        _ = ElectionRecord(root).config
    with pytest.raises(RecordError, match="not a directory"):
        ElectionRecord(root / "nowhere")

    root = _copy_record("someAvailableJson", tmp_path)
    _edit(root / "constants.json", lambda d: d.update(generator="02"))
    with pytest.raises(RecordError, match="constants.json: the parameters are not those of a known group"):
        _ = ElectionRecord(root).group

    root = _copy_record("chainedJson", tmp_path)
    _edit(root / "election_config.json", lambda d: d.update(quorum=4))
    _edit(root / "manifest.json", lambda d: d["contests"][3].update(votes_allowed=0))
    record = ElectionRecord(root)
    with pytest.raises(RecordError, match=r"^election_config.json: quorum: 4 is not in 1..3$"):
        _ = record.config
    with pytest.raises(RecordError, match="^manifest.json: contest 'contest4': votes_allowed 0"):
        _ = record.manifest
    _edit(root / "tally.json", lambda d: d["contests"][0]["selections"][0].update(b_over_m="00"))
    _edit(root / "challenged_ballots/dballot-id-6.json", _set_status("unsure"))
    assert record.tally.contests[0].selections[0].b_over_m == PRODUCTION_GROUP.element_p(0)
    with pytest.raises(RecordError, match=r"dballot-id-6.json: contests\[0\].decrypted_contest_data"):
        list(record.challenged_ballots())
    with pytest.raises(RecordError, match="an id holds only ASCII letters"):
        record.encrypted_ballot("../../constants")


def _set_status(status):
    def change(doc):
        doc["contests"][0]["decrypted_contest_data"]["contest_data"]["status"] = status

    return change


def test_unknown_fields_are_noted_not_fatal(tmp_path):
    root = _copy_record("chainedJson", tmp_path)
    _edit(root / CHAINED_BALLOT, lambda d: d["contests"][0].update(ballot_count=3))
    record = ElectionRecord(root)
    assert _read_ballot(root) == ElectionRecord(workflow("chainedJson")).encrypted_ballot("id-3")
    record.encrypted_ballot("id-3")
    assert record.notes == [f"{CHAINED_BALLOT}: contests[0].ballot_count: unknown field skipped"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_damage_to_a_ballot_is_a_record_error_or_a_valid_ballot(data):
    doc = json.loads(_egk_ballot_bytes())
    node, path = doc, []
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(list(node.keys()) if isinstance(node, dict) else range(len(node))))
        path.append(key)
        if not isinstance(node[key], (dict, list)):
            break
        node = node[key]
    if path:
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        parent[path[-1]] = data.draw(JSON)
    try:
        decode_encrypted_ballot(doc, PRODUCTION_GROUP, "x.json")
    except RecordError as exc:
        assert str(exc).startswith("x.json: ")


@functools.lru_cache(maxsize=1)
def _egk_ballot_bytes() -> bytes:
    return (workflow("chainedJson") / CHAINED_BALLOT).read_bytes()


# ---------------------------------------------------------------- writing


def test_atomic_write_keeps_the_previous_file_when_writing_fails(tmp_path, monkeypatch):
    record = ElectionRecord(workflow("allAvailableJson"))
    w = ElectionRecordWriter(tmp_path, overwrite=True)
    path = w.write_tally(record.tally)
    before = path.read_bytes()
    changed = DecryptedTallyOrBallot("other", record.tally.contests, record.tally.election_id)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    for target in ("replace", "fsync", "write"):
        with monkeypatch.context() as m:
            m.setattr(writer_module.os, target, fail)
            with pytest.raises(RecordError, match="^tally.json: cannot write: No space left on device$"):
                w.write_tally(changed)
        assert path.read_bytes() == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["tally.json"]

    writes = []

    def half_then_fail(fd, data):
        if writes:
            raise OSError(5, "Input/output error")
        writes.append(1)
        return os.write(fd, bytes(data[: len(data) // 2]))

    monkeypatch.setattr(writer_module.os, "write", half_then_fail)
    with pytest.raises(RecordError, match="Input/output error"):
        w.write_tally(changed)
    monkeypatch.undo()
    assert path.read_bytes() == before

    def bad_serializer(value):
        raise RuntimeError("serializer broke")

    monkeypatch.setattr(writer_module, "dumps", bad_serializer)
    with pytest.raises(RuntimeError):
        w.write_tally(changed)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tally.json"]


def test_existing_files_are_not_overwritten_unless_told(tmp_path):
    record = ElectionRecord(workflow("chainedJson"))
    ballot = record.encrypted_ballot("id-1")
    w = ElectionRecordWriter(tmp_path)
    path = w.write_encrypted_ballot(ballot)
    with pytest.raises(RecordError, match="eballot-id-1.json: already exists"):
        w.write_encrypted_ballot(ballot)
    with pytest.raises(RecordError, match="an id holds only ASCII letters"):
        w.write_encrypted_ballot(_replace(ballot, ballot_id="../../escape"))
    assert ElectionRecordWriter(tmp_path, overwrite=True).write_encrypted_ballot(ballot) == path
    assert [p.name for p in path.parent.iterdir()] == ["eballot-id-1.json"]


def _replace(value, **changes):
    return dataclasses.replace(value, **changes)


def test_secret_files_are_0600_and_never_inside_the_public_record(tmp_path):
    record = ElectionRecord(workflow("allAvailableJson"))
    trustee = next(record.private_data().trustees())
    public = tmp_path / "public"
    w = ElectionRecordWriter(public)
    w.write_constants(record.constants)
    path = w.private_writer(tmp_path / "private").write_trustee(trustee)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert PrivateData(tmp_path / "private", record.group).trustee(trustee.guardian_id) == trustee

    with pytest.raises(RecordError, match="inside the public record"):
        w.private_writer(public / "private_data")
    w.write_config(record.config)
    with pytest.raises(RecordError, match="inside the public record"):
        PrivateDataWriter(public / "private_data" / "deeper")
    (tmp_path / "private" / "election_config.json").write_text("{}")
    with pytest.raises(RecordError, match="inside the public record"):
        PrivateDataWriter(tmp_path / "private", overwrite=True)


# ---------------------------------------------------------------- property round trips on the test group

G = TEST_GROUP
elements_p = st.integers(0, int(G.p) - 1).map(G.element_p)
elements_q = st.integers(0, int(G.q) - 1).map(G.element_q)
hashes = st.binary(min_size=32, max_size=32).map(UInt256)
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,12}", fullmatch=True)
small = st.integers(0, 2**31 - 1)
texts = st.text(max_size=12)
ciphertexts = st.builds(Ciphertext, elements_p, elements_p)
range_proofs = st.integers(1, 3).flatmap(
    lambda n: st.builds(
        RangeProof,
        st.lists(elements_q, min_size=n, max_size=n).map(tuple),
        st.lists(elements_q, min_size=n, max_size=n).map(tuple),
    )
)
decryption_proofs = st.builds(DecryptionProof, elements_q, elements_q)
hashed = st.builds(HashedCiphertext, elements_p, st.binary(max_size=40), hashes, small)
ballots = st.builds(
    EncryptedBallot,
    ballot_id=ids,
    ballot_style_id=ids,
    encrypting_device=ids,
    timestamp=st.integers(-(2**63), 2**63 - 1),
    code_baux=st.binary(max_size=50),
    confirmation_code=hashes,
    election_id=hashes,
    contests=st.lists(
        st.builds(
            EncryptedContest,
            ids,
            small,
            small,
            hashes,
            st.lists(st.builds(EncryptedSelection, ids, small, ciphertexts, range_proofs), max_size=3).map(tuple),
            range_proofs,
            hashed,
        ),
        max_size=2,
    ).map(tuple),
    state=st.sampled_from(BallotState),
    encrypted_sn=st.none() | ciphertexts,
    is_preencrypt=st.booleans(),
)
metadata = st.lists(st.tuples(texts, texts), max_size=2, unique_by=lambda kv: kv[0]).map(tuple)
decrypted = st.builds(
    DecryptedTallyOrBallot,
    id=ids,
    contests=st.lists(
        st.builds(
            DecryptedContest,
            ids,
            st.lists(
                st.builds(DecryptedSelection, ids, small, elements_p, ciphertexts, decryption_proofs),
                max_size=2,
            ).map(tuple),
            st.none()
            | st.builds(
                DecryptedContestData,
                st.builds(
                    ContestData,
                    st.lists(small, max_size=2).map(tuple),
                    st.lists(texts, max_size=2).map(tuple),
                    st.sampled_from(CONTEST_DATA_STATUSES),
                ),
                hashed,
                decryption_proofs,
                elements_p,
            ),
        ),
        max_size=2,
    ).map(tuple),
    election_id=hashes,
    metadata=metadata,
)
encrypted_tallies = st.builds(
    EncryptedTally,
    texts,
    st.lists(
        st.builds(
            EncryptedTallyContest,
            ids,
            small,
            st.lists(st.builds(EncryptedTallySelection, ids, small, ciphertexts), max_size=2).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    st.lists(ids, max_size=3).map(tuple),
    hashes,
)
chains = st.builds(
    BallotChain,
    ids,
    st.binary(max_size=40),
    st.lists(ids, max_size=3).map(tuple),
    hashes,
    st.booleans(),
    st.none() | hashes,
)
trustees = st.builds(
    DecryptingTrustee,
    ids,
    st.integers(1, 2**31 - 1),
    st.lists(elements_q, min_size=1, max_size=3).map(tuple),
    elements_q,
)
pballots = st.builds(
    PlaintextBallot,
    ids,
    ids,
    st.lists(
        st.builds(
            PlaintextContest,
            ids,
            small,
            st.lists(st.builds(PlaintextSelection, ids, small, small), max_size=2).map(tuple),
            st.lists(texts, max_size=2).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
    st.none() | st.integers(0, 2**63 - 1),
)


@settings(max_examples=40, deadline=None)
@given(ballot=ballots, chain=chains, tally=decrypted, encrypted_tally=encrypted_tallies)
def test_random_public_values_round_trip(ballot, chain, tally, encrypted_tally):
    with tempfile.TemporaryDirectory() as d:
        w = ElectionRecordWriter(d)
        w.write_constants(G)
        path = w.write_encrypted_ballot(ballot)
        w.write_ballot_chain(chain)
        w.write_tally(tally)
        w.write_challenged_ballot(tally)
        w.write_encrypted_tally(encrypted_tally)
        record = ElectionRecord(d)
        assert record.group is G and record.constants == ElectionConstants(G, "test group, 512 bits")
        assert record.encrypted_ballot(ballot.ballot_id) == ballot
        assert read_encrypted_ballot(path, G) == ballot
        assert record.ballot_chain(chain.encrypting_device) == chain
        assert record.tally == tally
        assert record.challenged_ballot(tally.id) == tally
        assert record.encrypted_tally == encrypted_tally
        assert record.notes == []


@settings(max_examples=40, deadline=None)
@given(trustee=trustees, pballot=pballots)
def test_random_private_values_round_trip(trustee, pballot):
    with tempfile.TemporaryDirectory() as d:
        w = PrivateDataWriter(d)
        assert stat.S_IMODE(w.write_trustee(trustee).stat().st_mode) == 0o600
        assert stat.S_IMODE(w.write_plaintext_ballot(pballot).stat().st_mode) == 0o600
        private = PrivateData(d, G)
        assert private.trustee(trustee.guardian_id) == trustee
        assert private.plaintext_ballot(pballot.ballot_id) == pballot


@given(x=elements_p, c=elements_q)
def test_test_group_hex_is_fixed_width(x, c):
    assert len(hex_p(x)) == 2 * G.p_bytes and len(hex_q(c)) == 2 * G.q_bytes
    assert hex_p(x) == hex_p(x).upper()
