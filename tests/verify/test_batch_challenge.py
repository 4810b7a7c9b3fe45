"""The batch's own challenge hash (issue 12: the hash input built in one join) is engine.proofs.range_challenge."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.elgamal import Ciphertext
from engine.group import group_by_name
from engine.hash import UInt256
from engine.proofs.range_proof import range_challenge
from engine.verify.batch_proofs import RangeProofBatch

G = group_by_name("test")
P = st.integers(0, int(G.p) - 1).map(G.element_p)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=32, max_size=32), P, P, P, st.lists(P, min_size=2, max_size=8))
def test_the_batch_challenge_is_eq_46s(h_e: bytes, k: object, alpha: object, beta: object, commitments: list) -> None:  # type: ignore[type-arg]
    batch = RangeProofBatch.new(G, k, UInt256(h_e))  # type: ignore[arg-type]
    ciphertext = Ciphertext(alpha, beta)  # type: ignore[arg-type]
    expected = range_challenge(UInt256(h_e), k, ciphertext, commitments)  # type: ignore[arg-type]
    assert batch._challenge(ciphertext, tuple(commitments)) == expected.value
