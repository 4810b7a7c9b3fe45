"""The voter's proofs of knowledge of the contest data nonces, for tests that change a ballot after encrypting it.

The board refuses a submission without a proof, per contest, that the voter knows xi with C0 = g^xi
(engine.proofs.pad_knowledge). A voter's client proves it from the encryption's own nonces
(engine.ballot.prove_contest_data_knowledge). Tests that change an encrypted ballot before submitting
it (another id or state, a contest taken from another ballot) still need proofs for the ballot they
submit: ``remember`` keeps xi for every C0 the tests encrypt, and ``proofs_for`` proves with them. A C0
encrypted elsewhere (a forged one) gets a proof of zeros, which does not verify. The same ballot gets
the same proofs each time (they are kept), so a helper that signs and one that posts agree on them.
"""

from __future__ import annotations

from engine.ballot import BallotEncryptionResult
from engine.election import EncryptedBallot
from engine.group import ElementModP, ElementModQ
from engine.proofs.pad_knowledge import PadKnowledgeProof, prove_pad_knowledge

_NONCES: dict[ElementModP, ElementModQ] = {}
_PROOFS: dict[tuple[object, ...], tuple[PadKnowledgeProof, ...]] = {}


def remember(result: BallotEncryptionResult) -> EncryptedBallot:
    """The encrypted ballot, its contest data nonces kept for ``proofs_for``."""
    _NONCES.update(zip((c.contest_data.c0 for c in result.ballot.contests), result.contest_data_nonces))
    return result.ballot


def proofs_for(ballot: EncryptedBallot) -> tuple[PadKnowledgeProof, ...]:
    """One proof per contest of the ballot, in its order, bound to this ballot's H_E and H(B)."""
    contests = tuple((c.sequence_order, c.contest_data) for c in ballot.contests)
    key = (ballot.election_id, ballot.confirmation_code, contests)
    if key not in _PROOFS:
        _PROOFS[key] = _prove(ballot)
    return _PROOFS[key]


def _prove(ballot: EncryptedBallot) -> tuple[PadKnowledgeProof, ...]:
    out = []
    for c in ballot.contests:
        xi = _NONCES.get(c.contest_data.c0)
        if xi is None:
            zero = c.contest_data.c0.group.element_q(0)
            out.append(PadKnowledgeProof(zero, zero))
        else:
            out.append(
                prove_pad_knowledge(ballot.election_id, ballot.confirmation_code, c.sequence_order, c.contest_data, xi)
            )
    return tuple(out)
