"""Ballot encryption on the test group: validation, proofs that verify, decryption, hashes, chaining."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from engine.ballot import (
    BallotChainer,
    BallotError,
    IdForm,
    cast,
    chain_closing_hash,
    chain_initial_hash,
    challenge,
    confirmation_code,
    contest_hash,
    decrypt_ballot_with_nonce,
    encrypt_ballot,
    encryption_context,
    make_ballot_chain,
    prove_contest_data_knowledge,
    validate_plaintext_ballot,
)
from engine.contest_data import contest_data_nonce, decrypt_contest_data_with_secret
from engine.election import (
    BallotState,
    ContestData,
    ElectionConfig,
    ElectionInitialized,
    PlaintextBallot,
    PlaintextContest,
    PlaintextSelection,
)
from engine.elgamal import Ciphertext, decrypt_with_secret
from engine.group import PRODUCTION_GROUP
from engine.hash import UInt256, hash_bytes
from engine.manifest import BallotStyle, Manifest, validate_manifest
from engine.proofs import verify_range
from engine.proofs.pad_knowledge import verify_pad_knowledge
from tests.support.small_election import CTX, H_E, KEYS, G, contest

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- manifests and ballots


def manifest_of(contests) -> Manifest:
    return validate_manifest(
        Manifest(
            election_scope_id="test",
            spec_version="v2.0.0",
            type="general",
            start_date="s",
            end_date="e",
            geopolitical_unit_ids=("d1", "d2"),
            contests=tuple(contests),
            ballot_styles=(BallotStyle("both", ("d1", "d2")), BallotStyle("only-d2", ("d2",))),
        )
    )


MANIFEST = manifest_of(
    [
        contest("mayor", 2, "d1", [("ann", 1), ("bob", 0), ("cy", 2)], 1),
        contest("council", 1, "d2", [("dee", 5), ("eve", 3), ("fay", 4)], 2),
        contest("budget", 3, "d2", [("yes", 1), ("no", 2)], 2, r=2),
    ]
)


def sel(sid: str, seq: int, vote: int) -> PlaintextSelection:
    return PlaintextSelection(sid, seq, vote)


def simple_ballot(**overrides) -> PlaintextBallot:
    base = PlaintextBallot(
        "b-1",
        "both",
        (
            PlaintextContest("mayor", 2, (sel("ann", 1, 1),)),
            PlaintextContest("council", 1, (sel("eve", 3, 1), sel("fay", 4, 1)), ("Zed",)),
        ),
    )
    return replace(base, **overrides)


@st.composite
def manifests(draw):
    n = draw(st.integers(1, 3))
    orders = draw(st.permutations(range(10, 10 + n)))
    contests = []
    for i in range(n):
        m = draw(st.integers(1, 4))
        limit = draw(st.integers(1, m))
        r = draw(st.integers(1, min(limit, 2)))
        sel_orders = draw(st.permutations(range(m)))
        options = [(f"c{i}-s{j}", sel_orders[j]) for j in range(m)]
        district = "d2" if i == 0 else draw(st.sampled_from(["d1", "d2"]))
        contests.append(contest(f"contest-{i}", orders[i], district, options, limit, r))
    return manifest_of(contests)


@st.composite
def valid_ballots(draw, manifest: Manifest):
    style = draw(st.sampled_from(["both", "only-d2"]))
    contests = []
    for desc in manifest.contests_for_style(style):
        if not draw(st.booleans()) and len(contests) > 0:
            continue
        budget = desc.votes_allowed
        selections = []
        for s in desc.ballot_selections:
            if draw(st.booleans()):
                vote = draw(st.integers(0, min(desc.option_limit, budget)))
                budget -= vote
                selections.append(sel(s.object_id, s.sequence_order, vote))
        write_ins = tuple(draw(st.lists(st.text("abcxyz ", max_size=8), max_size=2)))
        contests.append(PlaintextContest(desc.object_id, desc.sequence_order, tuple(selections), write_ins))
    return PlaintextBallot(f"ballot-{draw(st.integers(0, 999))}", style, tuple(contests))


def aggregate(selections) -> Ciphertext:
    return Ciphertext(
        G.product([s.ciphertext.pad for s in selections]), G.product([s.ciphertext.data for s in selections])
    )


def expected_data(contest: PlaintextContest, limit: int) -> ContestData:
    votes = sum(s.vote for s in contest.selections)
    status = "null_vote" if votes == 0 else "under_vote" if votes < limit else "normal"
    return ContestData((), contest.write_ins, status)


# ---------------------------------------------------------------- properties


@given(st.data())
@SETTINGS
def test_encrypted_ballots_verify_and_decrypt(data):
    manifest = data.draw(manifests())
    ballot = data.draw(valid_ballots(manifest))
    form = data.draw(st.sampled_from(IdForm))
    result = encrypt_ballot(manifest, CTX, ballot, device="dev", code_baux=b"aux", form=form, timestamp=7)
    encrypted = result.ballot
    normal = validate_plaintext_ballot(manifest, ballot)
    assert [c.contest_id for c in encrypted.contests] == [c.contest_id for c in normal.contests]
    assert [c.sequence_order for c in encrypted.contests] == sorted(c.sequence_order for c in encrypted.contests)
    for ec, pc, cd in zip(encrypted.contests, normal.contests, result.contest_data, strict=True):
        desc = manifest.contest(ec.contest_id)
        assert [s.sequence_order for s in ec.selections] == sorted(s.sequence_order for s in desc.ballot_selections)
        for es, ps in zip(ec.selections, pc.selections, strict=True):
            assert es.selection_id == ps.selection_id
            assert verify_range(H_E, KEYS.public, es.ciphertext, es.proof, desc.option_limit)
            assert decrypt_with_secret(es.ciphertext, KEYS.secret, KEYS.public, desc.option_limit) == ps.vote
        assert verify_range(H_E, KEYS.public, aggregate(ec.selections), ec.proof, desc.votes_allowed)
        ind = ec.sequence_order if form is IdForm.INDEX else ec.contest_id
        assert contest_hash(H_E, ind, KEYS.public, [s.ciphertext for s in ec.selections]) == ec.contest_hash
        assert cd == expected_data(pc, desc.votes_allowed)
        assert decrypt_contest_data_with_secret(ec.contest_data, KEYS.secret, H_E, KEYS.public, ec.contest_id) == cd
    hashes = [c.contest_hash for c in encrypted.contests]
    assert confirmation_code(H_E, hashes, b"aux") == encrypted.confirmation_code
    assert decrypt_ballot_with_nonce(manifest, CTX, encrypted, result.ballot_nonce, form=form) == replace(
        normal, sn=None
    )


@given(st.data())
@SETTINGS
def test_a_vote_beyond_the_limits_fails_validation(data):
    manifest = data.draw(manifests())
    ballot = data.draw(valid_ballots(manifest))
    normal = validate_plaintext_ballot(manifest, ballot)
    i = data.draw(st.integers(0, len(normal.contests) - 1))
    pc = normal.contests[i]
    desc = manifest.contest(pc.contest_id)
    j = data.draw(st.integers(0, len(pc.selections) - 1))
    bad = data.draw(st.integers(desc.option_limit + 1, desc.option_limit + 5) | st.integers(-5, -1))
    selections = pc.selections[:j] + (replace(pc.selections[j], vote=bad),) + pc.selections[j + 1 :]
    tampered = replace(
        normal,
        contests=normal.contests[:i] + (replace(pc, selections=selections),) + normal.contests[i + 1 :],
    )
    with pytest.raises(BallotError, match="not in 0"):
        validate_plaintext_ballot(manifest, tampered, overvotes="record")


@given(st.data())
@SETTINGS
def test_overvotes_are_rejected_or_recorded(data):
    manifest = data.draw(manifests())
    candidates = [c for c in manifest.contests if len(c.ballot_selections) * c.option_limit > c.votes_allowed]
    assume(candidates)
    desc = data.draw(st.sampled_from(candidates))
    style = "only-d2" if desc.electoral_district_id == "d2" else "both"
    votes = [desc.option_limit] * len(desc.ballot_selections)
    ballot = PlaintextBallot(
        "over",
        style,
        (
            PlaintextContest(
                desc.object_id,
                desc.sequence_order,
                tuple(sel(s.object_id, s.sequence_order, v) for s, v in zip(desc.ballot_selections, votes)),
                ("w",),
            ),
        ),
    )
    with pytest.raises(BallotError, match="exceed the selection limit"):
        validate_plaintext_ballot(manifest, ballot)
    with pytest.raises(BallotError, match="exceed the selection limit"):
        encrypt_ballot(manifest, CTX, ballot, device="dev")
    result = encrypt_ballot(manifest, CTX, ballot, device="dev", overvotes="record")
    ec = next(c for c in result.ballot.contests if c.contest_id == desc.object_id)
    for es in ec.selections:
        assert verify_range(H_E, KEYS.public, es.ciphertext, es.proof, desc.option_limit)
        assert decrypt_with_secret(es.ciphertext, KEYS.secret, KEYS.public, desc.option_limit) == 0
    assert verify_range(H_E, KEYS.public, aggregate(ec.selections), ec.proof, desc.votes_allowed)
    data_ = decrypt_contest_data_with_secret(ec.contest_data, KEYS.secret, H_E, KEYS.public, ec.contest_id)
    assert data_.status == "over_vote"
    assert data_.over_votes == tuple(sorted(s.sequence_order for s in desc.ballot_selections))
    assert data_.write_ins == ("w",)
    audited = decrypt_ballot_with_nonce(manifest, CTX, result.ballot, result.ballot_nonce)
    contest = next(c for c in audited.contests if c.contest_id == desc.object_id)
    assert all(s.vote == 1 for s in contest.selections)


# ---------------------------------------------------------------- validation, one error at a time


def test_normal_form_orders_and_fills_in():
    normal = validate_plaintext_ballot(MANIFEST, simple_ballot())
    assert [c.contest_id for c in normal.contests] == ["council", "mayor", "budget"]
    assert [(s.selection_id, s.vote) for s in normal.contests[0].selections] == [
        ("eve", 1),
        ("fay", 1),
        ("dee", 0),
    ]
    assert [(s.selection_id, s.vote) for s in normal.contests[1].selections] == [
        ("bob", 0),
        ("ann", 1),
        ("cy", 0),
    ]
    assert normal.contests[0].write_ins == ("Zed",)
    assert [s.vote for s in normal.contests[2].selections] == [0, 0]
    assert validate_plaintext_ballot(MANIFEST, normal) == normal


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        (simple_ballot(ballot_style="nope"), "unknown ballot style"),
        (simple_ballot(ballot_id=""), "ballot id"),
        (simple_ballot(sn=-1), "serial number"),
        (simple_ballot(contests=(PlaintextContest("senate", 9, ()),)), "unknown contest"),
        (simple_ballot(ballot_style="only-d2"), "not on ballot style"),
        (
            simple_ballot(contests=(PlaintextContest("budget", 3, ()), PlaintextContest("budget", 3, ()))),
            "duplicate contest",
        ),
        (simple_ballot(contests=(PlaintextContest("budget", 4, ()),)), "sequence order"),
        (
            simple_ballot(contests=(PlaintextContest("budget", 3, (sel("maybe", 3, 1),)),)),
            "unknown selection",
        ),
        (
            simple_ballot(contests=(PlaintextContest("budget", 3, (sel("yes", 1, 1), sel("yes", 1, 0))),)),
            "duplicate selection",
        ),
        (simple_ballot(contests=(PlaintextContest("budget", 3, (sel("yes", 2, 1),)),)), "sequence order"),
        (simple_ballot(contests=(PlaintextContest("budget", 3, (sel("yes", 1, 3),)),)), r"not in 0\.\.2"),
        (simple_ballot(contests=(PlaintextContest("budget", 3, (sel("yes", 1, -1),)),)), "not in 0"),
        (simple_ballot(contests=(PlaintextContest("budget", 3, (sel("yes", 1, True),)),)), "not in 0"),
        (
            simple_ballot(contests=(PlaintextContest("mayor", 2, (sel("ann", 1, 1), sel("bob", 0, 1))),)),
            "exceed",
        ),
        (simple_ballot(contests=(PlaintextContest("budget", 3, (), ["x"]),)), "write-ins"),  # type: ignore[arg-type]
        (simple_ballot(contests=("budget",)), "PlaintextContest"),
        ("not a ballot", "PlaintextBallot"),
    ],
)
def test_invalid_ballots_are_rejected(ballot, message):
    with pytest.raises(BallotError, match=message):
        validate_plaintext_ballot(MANIFEST, ballot)


def test_bad_policy_and_arguments():
    with pytest.raises(BallotError, match="overvotes"):
        validate_plaintext_ballot(MANIFEST, simple_ballot(), overvotes="ignore")  # type: ignore[arg-type]
    for kwargs in (
        {"device": ""},
        {"device": "d", "timestamp": -1},
        {"device": "d", "code_baux": "aux"},
        {"device": "d", "ballot_nonce": b"\x00" * 32},
        {"device": "d", "state": "CAST"},
        {"device": "d", "form": "index"},
    ):
        with pytest.raises(BallotError):
            encrypt_ballot(MANIFEST, CTX, simple_ballot(), **kwargs)  # type: ignore[arg-type]


def test_ballot_error_is_a_value_error():
    assert issubclass(BallotError, ValueError)


# ---------------------------------------------------------------- encryption details


def test_encryption_is_determined_by_the_ballot_nonce():
    nonce = UInt256(b"\x42" * 32)
    a = encrypt_ballot(MANIFEST, CTX, simple_ballot(), device="d", ballot_nonce=nonce, timestamp=5)
    b = encrypt_ballot(MANIFEST, CTX, simple_ballot(), device="d", ballot_nonce=nonce, timestamp=5)
    assert [c.contest_hash for c in a.ballot.contests] == [c.contest_hash for c in b.ballot.contests]
    assert a.ballot.confirmation_code == b.ballot.confirmation_code
    assert a.ballot.contests[0].contest_data == b.ballot.contests[0].contest_data
    c = encrypt_ballot(MANIFEST, CTX, simple_ballot(), device="d", ballot_nonce=nonce, code_baux=b"x")
    assert c.ballot.confirmation_code != a.ballot.confirmation_code
    other = encrypt_ballot(MANIFEST, CTX, simple_ballot(), device="d")
    assert other.ballot_nonce != nonce
    assert other.ballot.confirmation_code != a.ballot.confirmation_code


def test_ballot_fields():
    ballot = simple_ballot(sn=17)
    result = encrypt_ballot(MANIFEST, CTX, ballot, device="kiosk-7", timestamp=1234, code_baux=b"B")
    eb = result.ballot
    assert (eb.ballot_id, eb.ballot_style_id, eb.encrypting_device, eb.timestamp) == (
        "b-1",
        "both",
        "kiosk-7",
        1234,
    )
    assert (eb.code_baux, eb.election_id, eb.state, eb.is_preencrypt) == (b"B", H_E, BallotState.CAST, False)
    assert [c.votes_allowed for c in eb.contests] == [2, 1, 2]
    assert eb.encrypted_sn is not None
    assert decrypt_with_secret(eb.encrypted_sn, KEYS.secret, KEYS.public, 100) == 17
    assert encrypt_ballot(MANIFEST, CTX, simple_ballot(), device="d").ballot.encrypted_sn is None


def test_wrong_nonce_fails_the_audit():
    result = encrypt_ballot(MANIFEST, CTX, simple_ballot(), device="d")
    with pytest.raises(BallotError, match="nonce"):
        decrypt_ballot_with_nonce(MANIFEST, CTX, result.ballot, UInt256(b"\x01" * 32))
    with pytest.raises(BallotError, match="nonce"):
        decrypt_ballot_with_nonce(MANIFEST, CTX, result.ballot, result.ballot_nonce, form=IdForm.LABEL)


def test_the_contest_data_nonces_are_exposed_and_proven():
    """Each contest's xi of eq. 50 (C0 = g^xi) comes with the encryption, in the ballot's contest order,
    and the voter's proofs of knowledge of them verify for the ballot, cast or challenged."""
    result = encrypt_ballot(MANIFEST, CTX, simple_ballot(), device="d")
    ballot = result.ballot
    assert len(result.contest_data_nonces) == len(ballot.contests) == 3
    for c, xi in zip(ballot.contests, result.contest_data_nonces):
        assert G.g_pow(xi) == c.contest_data.c0
        assert xi == contest_data_nonce(H_E, result.ballot_nonce, c.sequence_order, G)
    proofs = prove_contest_data_knowledge(result)
    for b in (ballot, challenge(ballot)):
        for c, proof in zip(b.contests, proofs):
            assert verify_pad_knowledge(H_E, b.confirmation_code, c.sequence_order, c.contest_data, proof)
    other = ballot.contests[1]
    assert not verify_pad_knowledge(H_E, ballot.confirmation_code, other.sequence_order, other.contest_data, proofs[0])
    with pytest.raises(BallotError, match="one contest data nonce per contest"):
        prove_contest_data_knowledge(replace(result, contest_data_nonces=result.contest_data_nonces[1:]))


def test_cast_and_challenge():
    eb = encrypt_ballot(MANIFEST, CTX, simple_ballot(), device="d", state=BallotState.SPOILED).ballot
    assert eb.state is BallotState.SPOILED
    assert cast(eb).state is BallotState.CAST
    assert challenge(cast(eb)).state is BallotState.SPOILED
    assert eb.state is BallotState.SPOILED
    assert cast(eb).confirmation_code == eb.confirmation_code


def test_encryption_context_inputs():
    config = ElectionConfig(G, "v2.0.0", 1, 1, H_E, H_E, H_E, b"{}")
    init = ElectionInitialized(config, KEYS.public, H_E, ())
    assert encryption_context(init) == CTX
    assert encryption_context((H_E, KEYS.public)) == CTX
    assert encryption_context((H_E, KEYS.public, G)) == CTX
    assert encryption_context(CTX) is CTX
    with pytest.raises(BallotError, match="group"):
        encryption_context((H_E, KEYS.public, PRODUCTION_GROUP))
    with pytest.raises(BallotError):
        encryption_context("election")  # type: ignore[arg-type]
    with pytest.raises(BallotError):
        encryption_context((H_E, 5))  # type: ignore[arg-type]


# ---------------------------------------------------------------- chaining


def test_chain_links_codes_and_closes():
    baux0 = b"device kiosk-7 at school 12"
    chain = BallotChainer.start(H_E, "kiosk-7", baux0)
    h0 = chain_initial_hash(H_E, baux0)
    assert h0 == hash_bytes(H_E, b"\x24" + baux0)
    assert chain.next_code_baux() == h0.data
    ballots = []
    for i in range(3):
        eb = encrypt_ballot(
            MANIFEST,
            CTX,
            simple_ballot(ballot_id=f"b-{i}"),
            device="kiosk-7",
            code_baux=chain.next_code_baux(),
        ).ballot
        if i:
            assert eb.code_baux == ballots[-1].confirmation_code.data + baux0
        ballots.append(eb)
        chain = chain.append(eb)
    closed = chain.close()
    assert closed == make_ballot_chain(H_E, "kiosk-7", baux0, ballots)
    assert closed.ballot_ids == ("b-0", "b-1", "b-2")
    assert closed.baux0 == h0.data
    assert closed.last_confirmation_code == ballots[-1].confirmation_code
    assert closed.closing_hash == hash_bytes(H_E, b"\x24" + ballots[-1].confirmation_code.data + baux0 + b"CLOSE")
    assert closed.closing_hash == chain_closing_hash(H_E, ballots[-1].confirmation_code, baux0)
    with pytest.raises(BallotError, match="does not continue"):
        make_ballot_chain(H_E, "kiosk-7", baux0, [ballots[0], ballots[2]])
    with pytest.raises(BallotError, match="device"):
        make_ballot_chain(H_E, "kiosk-8", baux0, ballots)
    with pytest.raises(BallotError, match="another election"):
        make_ballot_chain(H_E, "kiosk-7", baux0, [replace(ballots[0], election_id=UInt256(b"\x00" * 32))])


def test_empty_chain_closes_on_h0():
    closed = BallotChainer.start(H_E, "d", b"x").close()
    h0 = chain_initial_hash(H_E, b"x")
    assert closed.last_confirmation_code == h0
    assert closed.closing_hash == chain_closing_hash(H_E, h0, b"x")
    assert closed.ballot_ids == ()
    with pytest.raises(BallotError):
        BallotChainer.start(H_E, "", b"x")
    with pytest.raises(BallotError):
        chain_initial_hash(H_E, "x")  # type: ignore[arg-type]
