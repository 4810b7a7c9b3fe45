"""encrypt_ballot computes each contest's powers of g and K in one batch per base: its output is the one the
per-selection primitives (encrypt, prove_range_committed, encrypt_contest_data) give for the same nonces,
u_j and c_j, for every vote, overvotes included."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.ballot import IdForm, ProofRandomness, encrypt_ballot, selection_nonce, validate_plaintext_ballot
from engine.contest_data import contest_data_nonce, contest_data_status, encrypt_contest_data
from engine.election import ContestData, PlaintextBallot, PlaintextContest, PlaintextSelection
from engine.elgamal import add_all, encrypt
from engine.proofs.range_proof import prove_range_committed
from tests.protocol.test_ballot import MANIFEST, manifests, valid_ballots
from tests.support.small_election import CTX, H_E, KEYS, G


def _fixed_randomness(manifest, normal) -> ProofRandomness:
    selections, contests = {}, {}
    for pc in normal.contests:
        desc = manifest.contest(pc.contest_id)
        for ps in pc.selections:
            n = desc.option_limit + 1
            selections[(pc.contest_id, ps.selection_id)] = (
                [G.random_q() for _ in range(n)],
                [G.random_q() for _ in range(n)],
            )
        n = desc.votes_allowed + 1
        contests[pc.contest_id] = ([G.random_q() for _ in range(n)], [G.random_q() for _ in range(n)])
    return ProofRandomness(selections, contests)


@given(st.data())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_batched_contest_encryption_equals_the_per_selection_primitives(data):
    manifest = data.draw(manifests())
    ballot = data.draw(valid_ballots(manifest))
    _check_against_primitives(manifest, ballot, data.draw(st.sampled_from(IdForm)))


def test_an_overvoted_contest_equals_the_per_selection_primitives():
    ballot = PlaintextBallot(
        "b-over",
        "both",
        (
            PlaintextContest("mayor", 2, (PlaintextSelection("ann", 1, 1), PlaintextSelection("cy", 2, 1))),
            PlaintextContest("budget", 3, (PlaintextSelection("yes", 1, 2), PlaintextSelection("no", 2, 1)), ("W",)),
        ),
    )
    _check_against_primitives(MANIFEST, ballot, IdForm.INDEX)


def _check_against_primitives(manifest, ballot, form):
    normal = validate_plaintext_ballot(manifest, ballot, overvotes="record")
    randomness = _fixed_randomness(manifest, normal)
    result = encrypt_ballot(
        manifest, CTX, ballot, device="d", form=form, proof_randomness=randomness, timestamp=1, overvotes="record"
    )
    k, xi_b = KEYS.public, result.ballot_nonce
    for ec, pc, committed in zip(
        result.ballot.contests, normal.contests, result.proof_commitments.contests, strict=True
    ):
        desc = manifest.contest(pc.contest_id)
        ind = desc.sequence_order if form is IdForm.INDEX else desc.object_id
        total = sum(s.vote for s in pc.selections)
        status = contest_data_status(total, desc.votes_allowed)
        overvoted = status == "over_vote"
        nonces = []
        for es, ps, (sid, commitments) in zip(ec.selections, pc.selections, committed.selections, strict=True):
            xi = selection_nonce(H_E, xi_b, ind, ps.sequence_order if form is IdForm.INDEX else ps.selection_id, G)
            u, c = randomness.selections[(pc.contest_id, ps.selection_id)]
            vote = 0 if overvoted else ps.vote
            ciphertext = encrypt(vote, xi, k)
            assert es.ciphertext == ciphertext
            assert (es.proof, commitments) == prove_range_committed(
                H_E, k, ciphertext, xi, vote, desc.option_limit, u=u, c=c
            )
            assert sid == ps.selection_id
            nonces.append(xi)
        u, c = randomness.contests[pc.contest_id]
        aggregate = add_all([s.ciphertext for s in ec.selections], G)
        assert (ec.proof, committed.limit) == prove_range_committed(
            H_E,
            k,
            aggregate,
            G.reduce_q(sum(int(x) for x in nonces)),
            0 if overvoted else total,
            desc.votes_allowed,
            u=u,
            c=c,
        )
        data_nonce = contest_data_nonce(H_E, xi_b, ind, G)
        over_votes = tuple(s.sequence_order for s in pc.selections if s.vote > 0) if overvoted else ()
        plain = ContestData(over_votes, pc.write_ins, status)
        assert ec.contest_data == encrypt_contest_data(plain, desc.votes_allowed, data_nonce, H_E, k, desc.object_id)
