"""Threshold decryption properties on TEST_GROUP, spec 3.6: any k of n guardians decrypt the true
counts with proofs that verify; a cheating guardian is named; the discrete log reaches 10^8.

Guardians are built here from random polynomials (P(i) = sum_j P_j(i), K_j,m = g^a_j,m), without
the key-ceremony module.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.ceremony import lagrange_coefficient
from engine.contest_data import encrypt_contest_data
from engine.decrypt import (
    CONTEST_DATA_ERROR_KEY,
    DecryptionContext,
    DecryptionJob,
    GuardianResponses,
    GuardianShareError,
    PartialDecryption,
    QuorumError,
    combine_decryptions,
    compute_challenges,
    decrypt_challenged_ballot,
    decrypt_items,
    decrypt_tally,
    guardian_partial_decrypt,
    guardian_respond,
    response_faults,
    screen_shares,
    tally_value,
)
from engine.election import (
    BallotState,
    ContestData,
    DecryptingTrustee,
    ElectionConfig,
    ElectionInitialized,
    EncryptedTally,
    EncryptedTallyContest,
    EncryptedTallySelection,
    GuardianRecord,
)
from engine.elgamal import Ciphertext, encrypt
from engine.errors import DecryptionError
from engine.group import TEST_GROUP as T
from engine.group import ElementModQ
from engine.hash import UInt256, hash_elems
from engine.proofs import (
    DecryptionProof,
    SchnorrProof,
    contest_data_challenge,
    verify_contest_data_decryption,
    verify_decryption,
)
from engine.tally import tally_ballots
from tests.support.small_tally import H_E, small_ballot, small_manifest

ZERO = T.element_q(0)


@dataclasses.dataclass(frozen=True)
class Election:
    init: ElectionInitialized
    trustees: tuple[DecryptingTrustee, ...]
    secret: ElementModQ  # s = sum_j a_j,0, for checks only

    @property
    def context(self) -> DecryptionContext:
        return DecryptionContext.from_init(self.init)

    @property
    def key(self):
        return self.init.joint_public_key


def make_election(n: int, k: int, seed: int) -> Election:
    rng = random.Random(seed)
    q = int(T.q)
    coefficients = [[rng.randrange(1, q) for _ in range(k)] for _ in range(n)]

    def p_j(j: int, x: int) -> int:
        return sum(a * pow(x, m, q) for m, a in enumerate(coefficients[j])) % q

    records, trustees = [], []
    for i in range(1, n + 1):
        gid = f"guardian{i}"
        commitments = tuple(SchnorrProof(T.g_pow(T.element_q(a)), ZERO, ZERO) for a in coefficients[i - 1])
        records.append(GuardianRecord(gid, i, commitments))
        share = sum(p_j(j, i) for j in range(n)) % q
        trustees.append(
            DecryptingTrustee(gid, i, tuple(T.element_q(a) for a in coefficients[i - 1]), T.element_q(share))
        )
    secret = T.element_q(sum(c[0] for c in coefficients) % q)
    config = ElectionConfig(T, "v2.0.0", n, k, UInt256(bytes(32)), UInt256(bytes(32)), UInt256(bytes(32)), b"{}")
    init = ElectionInitialized(config, T.g_pow(secret), H_E, tuple(records))
    return Election(init, tuple(trustees), secret)


@st.composite
def elections_with_quorums(draw):
    n = draw(st.integers(1, 4))
    k = draw(st.integers(1, n))
    election = make_election(n, k, draw(st.integers(0, 2**32)))
    size = draw(st.integers(k, n))
    present = draw(st.permutations(election.trustees))[:size]
    return election, tuple(present)


# ------------------------------------------------------------------ the happy path


@settings(max_examples=40, deadline=None)
@given(
    elections_with_quorums(),
    st.lists(st.dictionaries(st.sampled_from(["c0s0", "c0s1", "c1s0", "c1s2"]), st.integers(0, 1)), max_size=6),
)
def test_any_quorum_decrypts_the_true_counts_with_valid_proofs(setup, votes):
    election, present = setup
    manifest = small_manifest()
    ballots = [small_ballot(manifest, f"b{i}", v, public_key=election.key) for i, v in enumerate(votes)]
    encrypted = tally_ballots(manifest, H_E, ballots, "t", group=T)
    decrypted = decrypt_tally(election.init, present, encrypted)
    for contest in decrypted.contests:
        for s in contest.selections:
            assert s.tally == sum(v.get(s.selection_id, 0) for v in votes)
            assert s.b_over_m == election.key**s.tally
            m = s.ciphertext.data / s.b_over_m
            assert m == s.ciphertext.pad**election.secret
            assert verify_decryption(H_E, election.key, s.ciphertext, m, s.proof)
    assert decrypted.id == "t" and decrypted.election_id == H_E


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(st.just(n), st.integers(1, n), st.integers(0, 2**32))))
def test_lagrange_weights_reconstruct_s(shape):
    n, k, seed = shape
    election = make_election(n, k, seed)
    xs = [t.x_coordinate for t in election.trustees[n - k :]]
    total = sum(
        int(lagrange_coefficient(t.x_coordinate, xs, T).value) * int(t.key_share.value)
        for t in election.trustees[n - k :]
    )
    assert total % int(T.q) == int(election.secret.value)


def test_injected_nonces_make_the_proof_deterministic():
    election = make_election(3, 2, 7)
    ct = encrypt(1, T.element_q(99), election.key)
    nonces = {t.guardian_id: [T.element_q(1000 + t.x_coordinate)] for t in election.trustees}
    first = decrypt_items(election.context, election.trustees, [ct], nonces=nonces)
    second = decrypt_items(election.context, election.trustees, [ct], nonces=nonces)
    assert first == second
    u = T.element_q(sum(1000 + t.x_coordinate for t in election.trustees))
    assert first[0].proof.response == u - first[0].proof.challenge * election.secret


# ------------------------------------------------------------------ cheating guardians are named


def _run_steps(election: Election, present, items, *, tamper_share=None, tamper_response=None):
    results = [guardian_partial_decrypt(t, items) for t in present]
    shares = []
    for s, _ in results:
        if tamper_share is not None and s.guardian_id in tamper_share:
            bad = PartialDecryption(s.shares[0].value * T.generator, s.shares[0].a, s.shares[0].b)
            s = dataclasses.replace(s, shares=(bad, *s.shares[1:]))
        shares.append(s)
    combination = compute_challenges(election.context, items, shares)
    responses = []
    for _, state in results:
        r = guardian_respond(state, combination.challenges_for(state.guardian_id))
        if tamper_response is not None and r.guardian_id in tamper_response:
            r = GuardianResponses(r.guardian_id, (r.responses[0] + 1, *r.responses[1:]))
        responses.append(r)
    return combine_decryptions(election.context, combination, responses)


@settings(max_examples=25, deadline=None)
@given(elections_with_quorums(), st.data())
def test_a_wrong_partial_decryption_is_named(setup, data):
    election, present = setup
    cheater = data.draw(st.sampled_from(present)).guardian_id
    items = [encrypt(1, T.random_q(), election.key), encrypt(0, T.random_q(), election.key)]
    with pytest.raises(GuardianShareError) as info:
        _run_steps(election, present, items, tamper_share={cheater})
    assert info.value.guardian_ids == (cheater,)
    assert cheater in str(info.value)


@settings(max_examples=25, deadline=None)
@given(elections_with_quorums(), st.data())
def test_a_wrong_response_is_named(setup, data):
    election, present = setup
    cheaters = set(data.draw(st.lists(st.sampled_from([t.guardian_id for t in present]), min_size=1)))
    items = [encrypt(1, T.random_q(), election.key)]
    with pytest.raises(GuardianShareError) as info:
        _run_steps(election, present, items, tamper_response=cheaters)
    assert set(info.value.guardian_ids) == cheaters
    for c in cheaters:
        assert c in str(info.value)


def test_honest_steps_give_valid_proofs():
    election = make_election(4, 3, 11)
    items = [encrypt(1, T.random_q(), election.key)]
    (d,) = _run_steps(election, election.trustees[1:], items)
    assert d.value == items[0].pad ** election.secret
    assert verify_decryption(H_E, election.key, items[0], d.value, d.proof)


def test_a_guardian_with_a_corrupted_key_share_is_named():
    election = make_election(3, 2, 53)
    corrupt = dataclasses.replace(election.trustees[2], key_share=election.trustees[2].key_share + 1)
    items = [encrypt(1, T.random_q(), election.key)]
    with pytest.raises(GuardianShareError, match="guardian3") as info:
        decrypt_items(election.context, [election.trustees[0], corrupt], items)
    assert info.value.guardian_ids == ("guardian3",)


def test_a_context_whose_key_is_not_the_guardians_product_is_refused():
    election = make_election(2, 2, 59)
    with pytest.raises(DecryptionError, match="eq. 8"):
        dataclasses.replace(election.context, public_key=election.key * T.generator)


def test_a_missing_response_names_the_guardian():
    election = make_election(2, 2, 3)
    items = [encrypt(0, T.random_q(), election.key)]
    results = [guardian_partial_decrypt(t, items) for t in election.trustees]
    combination = compute_challenges(election.context, items, [s for s, _ in results])
    _, state = results[0]
    only = guardian_respond(state, combination.challenges_for(state.guardian_id))
    with pytest.raises(GuardianShareError, match="guardian2") as info:
        combine_decryptions(election.context, combination, [only])
    assert info.value.guardian_ids == ("guardian2",)


def test_a_share_outside_the_subgroup_is_named():
    election = make_election(2, 2, 5)
    items = [encrypt(1, T.random_q(), election.key)]
    results = [guardian_partial_decrypt(t, items) for t in election.trustees]
    shares = [s for s, _ in results]
    bad = PartialDecryption(T.element_p(int(T.p) - 1), shares[1].shares[0].a, shares[1].shares[0].b)
    shares[1] = dataclasses.replace(shares[1], shares=(bad,))
    with pytest.raises(GuardianShareError, match="guardian2"):
        compute_challenges(election.context, items, shares)


# ------------------------------------------------------------------ refusals


def test_quorum_and_identity_checks():
    election = make_election(3, 2, 13)
    items = [encrypt(1, T.random_q(), election.key)]
    with pytest.raises(QuorumError, match="^1 guardian is available; the quorum is k = 2$"):
        decrypt_items(election.context, election.trustees[:1], items)
    with pytest.raises(QuorumError, match="twice"):
        decrypt_items(election.context, [election.trustees[0]] * 2, items)
    stranger = dataclasses.replace(election.trustees[0], guardian_id="mallory")
    with pytest.raises(QuorumError, match="mallory"):
        decrypt_items(election.context, [stranger, election.trustees[1]], items)
    moved = dataclasses.replace(election.trustees[0], x_coordinate=9)
    with pytest.raises(QuorumError, match="x coordinate"):
        decrypt_items(election.context, [moved, election.trustees[1]], items)


def test_a_guardian_answers_only_once():
    election = make_election(1, 1, 17)
    items = [encrypt(1, T.random_q(), election.key)]
    shares, state = guardian_partial_decrypt(election.trustees[0], items)
    combination = compute_challenges(election.context, items, [shares])
    challenges = combination.challenges_for("guardian1")
    guardian_respond(state, challenges)
    with pytest.raises(DecryptionError, match="already answered"):
        guardian_respond(state, challenges)
    assert "nonces" in repr(state) and str(int(election.trustees[0].key_share.value)) not in repr(state)


def test_a_guardian_refuses_a_base_outside_the_subgroup():
    election = make_election(1, 1, 19)
    bad = Ciphertext(T.element_p(int(T.p) - 1), T.one)
    with pytest.raises(DecryptionError, match="subgroup"):
        guardian_partial_decrypt(election.trustees[0], [bad])


def test_a_tally_of_another_election_is_refused():
    election = make_election(1, 1, 23)
    tally = EncryptedTally("t", (), (), UInt256(bytes(32)))
    with pytest.raises(DecryptionError, match="another election"):
        decrypt_tally(election.init, election.trustees, tally)


# ------------------------------------------------------------------ discrete log bound


def _one_option_tally(ct: Ciphertext, cast: int) -> EncryptedTally:
    selection = EncryptedTallySelection("s", 0, ct)
    return EncryptedTally("t", (EncryptedTallyContest("c", 0, (selection,)),), tuple(f"b{i}" for i in range(cast)), H_E)


def test_discrete_log_reaches_ten_to_the_eighth():
    election = make_election(2, 2, 29)
    t = 10**8 - 12345
    tally = _one_option_tally(encrypt(t, T.random_q(), election.key), 0)
    decrypted = decrypt_tally(election.init, election.trustees, tally, bound=10**8)
    assert decrypted.contests[0].selections[0].tally == t
    edge = _one_option_tally(encrypt(10**8, T.random_q(), election.key), 10**4)
    decrypted = decrypt_tally(election.init, election.trustees, edge, max_votes=10**4)
    assert decrypted.contests[0].selections[0].tally == 10**8


def test_beyond_the_bound_is_a_clear_error():
    election = make_election(2, 2, 31)
    tally = _one_option_tally(encrypt(10**8 + 1, T.random_q(), election.key), 0)
    with pytest.raises(DecryptionError, match="contest 'c', selection 's'.*0..100000000"):
        decrypt_tally(election.init, election.trustees, tally, bound=10**8)
    small = _one_option_tally(encrypt(4, T.random_q(), election.key), 3)
    with pytest.raises(DecryptionError, match="0..3"):
        decrypt_tally(election.init, election.trustees, small)
    assert decrypt_tally(election.init, election.trustees, small, max_votes=2).contests[0].selections[0].tally == 4
    with pytest.raises(DecryptionError, match="bound"):
        tally_value(small.contests[0].selections[0].ciphertext, T.one, election.key, -1, "x")


# ------------------------------------------------------------------ challenged ballots and contest data


def _challenged_ballot(election: Election, votes: dict[str, int], data: dict[str, ContestData]):
    manifest = small_manifest()
    ballot = small_ballot(manifest, "spoil-me", votes, public_key=election.key, state=BallotState.SPOILED)
    contests = tuple(
        dataclasses.replace(
            c,
            contest_data=encrypt_contest_data(
                data.get(c.contest_id, ContestData()),
                c.votes_allowed,
                T.random_q(),
                H_E,
                election.key,
                c.contest_id,
            ),
        )
        for c in ballot.contests
    )
    return dataclasses.replace(ballot, contests=contests)


def test_challenged_ballot_round_trip_with_contest_data():
    election = make_election(3, 2, 37)
    data = {"c1": ContestData((0, 2), ("Ms. Write-In",), "over_vote")}
    ballot = _challenged_ballot(election, {"c0s1": 1, "c1s2": 1}, data)
    decrypted = decrypt_challenged_ballot(election.init, election.trustees[1:], ballot)
    assert decrypted.id == "spoil-me"
    tallies = {s.selection_id: s.tally for c in decrypted.contests for s in c.selections}
    assert tallies == {"c0s0": 0, "c0s1": 1, "c1s0": 0, "c1s1": 0, "c1s2": 1}
    for contest, enc in zip(decrypted.contests, ballot.contests):
        d = contest.decrypted_contest_data
        assert d is not None
        assert d.contest_data == data.get(contest.contest_id, ContestData())
        assert d.beta == enc.contest_data.c0**election.secret
        assert verify_contest_data_decryption(H_E, election.key, enc.contest_data, d.beta, d.proof)
        assert not verify_contest_data_decryption(H_E, election.key, enc.contest_data, d.beta * T.generator, d.proof)
        for s, es in zip(contest.selections, enc.selections):
            m = es.ciphertext.data / s.b_over_m
            assert verify_decryption(H_E, election.key, es.ciphertext, m, s.proof)


def test_cast_ballots_are_not_decrypted():
    election = make_election(1, 1, 41)
    ballot = dataclasses.replace(_challenged_ballot(election, {}, {}), state=BallotState.CAST)
    with pytest.raises(DecryptionError, match="not challenged"):
        decrypt_challenged_ballot(election.init, election.trustees, ballot)


def test_a_selection_beyond_one_on_a_challenged_ballot_is_an_error():
    election = make_election(1, 1, 43)
    ballot = _challenged_ballot(election, {"c0s0": 2}, {})
    with pytest.raises(DecryptionError, match="selection 'c0s0'"):
        decrypt_challenged_ballot(election.init, election.trustees, ballot)


def test_the_contest_data_challenge_hashes_c1_as_hex_text():
    election = make_election(1, 1, 47)
    enc = encrypt_contest_data(ContestData(), 1, T.random_q(), H_E, election.key, "c0")
    a, b, beta = T.generator, T.one, enc.c0
    c = contest_data_challenge(H_E, election.key, enc, a, b, beta)
    upper = enc.c1.hex().upper().encode("ascii")
    assert c == hash_elems(H_E, 0x31, election.key, enc.c0, upper, enc.c2, a, b, beta).to_q(T)
    assert c != hash_elems(H_E, 0x31, election.key, enc.c0, enc.c1, enc.c2, a, b, beta).to_q(T)
    proof = DecryptionProof(c, ZERO)
    assert not verify_contest_data_decryption(H_E, election.key, enc, beta, proof)


# ------------------------------------------------------------------ no single bad party stops the decryption


def test_screening_leaves_out_each_bad_guardian_and_keeps_the_others():
    election = make_election(4, 2, 61)
    items = [encrypt(1, T.random_q(), election.key), encrypt(0, T.random_q(), election.key)]
    shares = [guardian_partial_decrypt(t, items)[0] for t in election.trustees]
    outside = PartialDecryption(T.element_p(int(T.p) - 1), shares[1].shares[0].a, shares[1].shares[0].b)
    shares[1] = dataclasses.replace(shares[1], shares=(outside, shares[1].shares[1]))
    shares[2] = dataclasses.replace(shares[2], shares=shares[2].shares[:1])
    stranger = dataclasses.replace(shares[3], guardian_id="mallory")
    good, faults = screen_shares(election.context, [shares[0], shares[1], shares[2], stranger, shares[3]], len(items))
    assert [s.guardian_id for s in good] == ["guardian1", "guardian4"]
    reasons = {f.guardian_id: f.reason for f in faults}
    assert "subgroup" in reasons["guardian2"] and "1 partial decryptions for 2 items" in reasons["guardian3"]
    assert "not a guardian" in reasons["mallory"]
    twice = screen_shares(election.context, [shares[0], shares[0], shares[3]], len(items))
    assert [s.guardian_id for s in twice[0]] == ["guardian4"]
    assert [(f.guardian_id, f.reason) for f in twice[1]] == [("guardian1", "gave partial decryptions twice")]


def test_response_faults_name_each_bad_or_silent_guardian_with_the_first_bad_item():
    election = make_election(3, 2, 67)
    items = [encrypt(1, T.random_q(), election.key), encrypt(1, T.random_q(), election.key)]
    results = [guardian_partial_decrypt(t, items) for t in election.trustees]
    combination = compute_challenges(election.context, items, [s for s, _ in results])
    responses = [guardian_respond(st, combination.challenges_for(st.guardian_id)) for _, st in results]
    wrong = GuardianResponses("guardian2", (responses[1].responses[0], responses[1].responses[1] + 1))
    faults = response_faults(election.context, combination, [responses[0], wrong])
    assert [(f.guardian_id, f.item) for f in faults] == [("guardian2", 1), ("guardian3", None)]
    assert faults[1].reason == "gave no response"
    assert response_faults(election.context, combination, responses) == ()


def test_corrupted_contest_data_is_published_as_empty_with_its_proven_beta():
    election = make_election(3, 2, 71)
    ballot = _challenged_ballot(election, {"c0s1": 1}, {"c1": ContestData((), ("Write-In",), "normal")})
    bad = ballot.contests[1]
    flipped = bytes([bad.contest_data.c1[0] ^ 1]) + bad.contest_data.c1[1:]
    ballot = dataclasses.replace(
        ballot,
        contests=(
            ballot.contests[0],
            dataclasses.replace(bad, contest_data=dataclasses.replace(bad.contest_data, c1=flipped)),
        ),
    )
    tally = tally_ballots(small_manifest(), H_E, [], "t", group=T)
    job = DecryptionJob.of(election.init, tally, [ballot])
    decryptions = decrypt_items(election.context, election.trustees[:2], job.items(election.init))
    published = job.assemble(election.init, decryptions)
    assert [(p.check_id, p.ballot_id, p.contest_id) for p in published.problems] == [
        ("R.contest_data", "spoil-me", "c1")
    ]
    assert "MAC" in published.problems[0].reason
    (decrypted,) = published.ballots
    assert dict(decrypted.metadata) == {CONTEST_DATA_ERROR_KEY + "c1": published.problems[0].reason}
    good, corrupt = decrypted.contests
    assert good.decrypted_contest_data is not None and good.decrypted_contest_data.contest_data == ContestData()
    data = corrupt.decrypted_contest_data
    assert data is not None and data.contest_data == ContestData()
    assert data.beta == bad.contest_data.c0**election.secret
    assert verify_contest_data_decryption(H_E, election.key, data.encrypted_contest_data, data.beta, data.proof)
    assert [s.tally for c in decrypted.contests for s in c.selections] == [0, 1, 0, 0, 0]


def test_a_challenged_ballot_no_guardian_can_decrypt_is_left_out_of_the_job():
    election = make_election(2, 2, 73)
    good = _challenged_ballot(election, {"c0s0": 1}, {})
    bad = dataclasses.replace(_challenged_ballot(election, {}, {}), ballot_id="bad-c0")
    first = bad.contests[0]
    outside = dataclasses.replace(first.contest_data, c0=T.element_p(int(T.p) - 1))
    bad = dataclasses.replace(bad, contests=(dataclasses.replace(first, contest_data=outside), *bad.contests[1:]))
    other = dataclasses.replace(_challenged_ballot(election, {}, {}), ballot_id="other", election_id=UInt256(bytes(32)))
    tally = tally_ballots(small_manifest(), H_E, [], "t", group=T)
    job = DecryptionJob.of(election.init, tally, [bad, other, good])
    assert [b.ballot_id for b in job.challenged] == ["spoil-me"]
    assert [(p.check_id, p.ballot_id, p.contest_id) for p in job.left_out] == [
        ("R.subgroup", "bad-c0", "c0"),
        ("R.election_id", "other", ""),
    ]
    published = job.assemble(
        election.init, decrypt_items(election.context, election.trustees, job.items(election.init))
    )
    assert [b.id for b in published.ballots] == ["spoil-me"] and len(published.problems) == 2
