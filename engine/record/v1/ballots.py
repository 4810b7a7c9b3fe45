"""submitted_ballots/submitted_ballot_<id>.json of an ElectionGuard 1.0 record: the encrypted ballots
with their disjunctive (0/1) and constant (selection limit) Chaum-Pedersen proofs, whose commitments
(a, b) are published beside their challenges and responses (spec 1.0, "Ballot correctness")."""

from __future__ import annotations

from dataclasses import dataclass

from engine.record.cursor import JsonCursor
from engine.record.v1.values import V1Ciphertext, V1Constants, ciphertext, mod_p, mod_q

BALLOT_KEYS = (
    "object_id",
    "style_id",
    "manifest_hash",
    "code_seed",
    "contests",
    "code",
    "timestamp",
    "crypto_hash",
    "nonce",
    "state",
)
CONTEST_KEYS = (
    "object_id",
    "sequence_order",
    "description_hash",
    "ballot_selections",
    "ciphertext_accumulation",
    "crypto_hash",
    "nonce",
    "proof",
    "extended_data",
)
SELECTION_KEYS = (
    "object_id",
    "sequence_order",
    "description_hash",
    "ciphertext",
    "crypto_hash",
    "is_placeholder_selection",
    "nonce",
    "proof",
)
DISJUNCTIVE_KEYS = (
    "proof_zero_pad",
    "proof_zero_data",
    "proof_one_pad",
    "proof_one_data",
    "proof_zero_challenge",
    "proof_one_challenge",
    "challenge",
    "proof_zero_response",
    "proof_one_response",
    "usage",
)
CONSTANT_KEYS = ("pad", "data", "challenge", "response", "constant", "usage")

STATE_CAST = 1
STATE_SPOILED = 2


@dataclass(frozen=True, slots=True)
class V1DisjunctiveProof:
    """The 0/1 proof of a selection: commitments (a0, b0), (a1, b1), challenges c0, c1, c and responses v0, v1."""

    a0: int
    b0: int
    a1: int
    b1: int
    c0: int
    c1: int
    c: int
    v0: int
    v1: int


@dataclass(frozen=True, slots=True)
class V1ConstantProof:
    """The selection-limit proof of a contest: commitment (a, b), challenge c, response v and constant L."""

    a: int
    b: int
    c: int
    v: int
    constant: int


@dataclass(frozen=True, slots=True)
class V1Selection:
    object_id: str
    sequence_order: int
    description_hash: int
    ciphertext: V1Ciphertext
    crypto_hash: int
    is_placeholder: bool
    proof: V1DisjunctiveProof


@dataclass(frozen=True, slots=True)
class V1Contest:
    object_id: str
    sequence_order: int
    description_hash: int
    selections: tuple[V1Selection, ...]
    accumulation: V1Ciphertext
    crypto_hash: int
    proof: V1ConstantProof


@dataclass(frozen=True, slots=True)
class V1SubmittedBallot:
    """A submitted ballot: its ids, hashes, code chain (code seed, code, timestamp), state and contests."""

    object_id: str
    style_id: str
    manifest_hash: int
    code_seed: int
    code: int
    timestamp: int
    crypto_hash: int
    state: int
    contests: tuple[V1Contest, ...]


def _disjunctive(n: JsonCursor, c: V1Constants) -> V1DisjunctiveProof:
    o = n.obj(DISJUNCTIVE_KEYS)
    p = [mod_p(o.get(k), c) for k in DISJUNCTIVE_KEYS[:4]]
    q = [mod_q(o.get(k), c) for k in DISJUNCTIVE_KEYS[4:9]]
    return V1DisjunctiveProof(*p, *q)


def _constant(n: JsonCursor, c: V1Constants) -> V1ConstantProof:
    o = n.obj(CONSTANT_KEYS)
    return V1ConstantProof(
        mod_p(o.get("pad"), c),
        mod_p(o.get("data"), c),
        mod_q(o.get("challenge"), c),
        mod_q(o.get("response"), c),
        o.get("constant").integer(0),
    )


def _selection(n: JsonCursor, c: V1Constants) -> V1Selection:
    o = n.obj(SELECTION_KEYS)
    return V1Selection(
        object_id=o.get("object_id").text(),
        sequence_order=o.get("sequence_order").integer(),
        description_hash=mod_q(o.get("description_hash"), c),
        ciphertext=ciphertext(o.get("ciphertext"), c),
        crypto_hash=mod_q(o.get("crypto_hash"), c),
        is_placeholder=o.get("is_placeholder_selection").boolean(),
        proof=_disjunctive(o.get("proof"), c),
    )


def _contest(n: JsonCursor, c: V1Constants) -> V1Contest:
    o = n.obj(CONTEST_KEYS)
    return V1Contest(
        object_id=o.get("object_id").text(),
        sequence_order=o.get("sequence_order").integer(),
        description_hash=mod_q(o.get("description_hash"), c),
        selections=tuple(_selection(s, c) for s in o.get("ballot_selections").items(nonempty=True)),
        accumulation=ciphertext(o.get("ciphertext_accumulation"), c),
        crypto_hash=mod_q(o.get("crypto_hash"), c),
        proof=_constant(o.get("proof"), c),
    )


def decode_submitted_ballot(obj: object, file: str, c: V1Constants) -> V1SubmittedBallot:
    o = JsonCursor.root(obj, file, None, BALLOT_KEYS)
    state = o.get("state").integer()
    if state not in (STATE_CAST, STATE_SPOILED):
        o.get("state").fail(f"{state} is neither CAST ({STATE_CAST}) nor SPOILED ({STATE_SPOILED})")
    return V1SubmittedBallot(
        object_id=o.get("object_id").text(),
        style_id=o.get("style_id").text(),
        manifest_hash=mod_q(o.get("manifest_hash"), c),
        code_seed=mod_q(o.get("code_seed"), c),
        code=mod_q(o.get("code"), c),
        timestamp=o.get("timestamp").integer(0, (1 << 63) - 1),
        crypto_hash=mod_q(o.get("crypto_hash"), c),
        state=state,
        contests=tuple(_contest(n, c) for n in o.get("contests").items(nonempty=True)),
    )
