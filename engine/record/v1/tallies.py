"""encrypted_tally.json, tally.json and spoiled_ballots/spoiled_ballot_<id>.json of an ElectionGuard
1.0 record: the homomorphic tally, and the decryptions (of the tally and of each spoiled ballot) with
every guardian's decryption share, its Chaum-Pedersen proof, and for a missing guardian the
compensated shares of the others (spec 1.0, "Decryption of tallies", "Decryption with missing guardians")."""

from __future__ import annotations

from dataclasses import dataclass

from engine.record.cursor import JsonCursor
from engine.record.v1.values import V1Ciphertext, V1Constants, ciphertext, mod_p, mod_q

PROOF_KEYS = ("pad", "data", "challenge", "response", "usage")
SHARE_KEYS = ("object_id", "guardian_id", "share", "proof", "recovered_parts")
PART_KEYS = ("object_id", "guardian_id", "missing_guardian_id", "share", "recovery_key", "proof")
DECRYPTED_SELECTION_KEYS = ("object_id", "tally", "value", "message", "shares")
ENCRYPTED_SELECTION_KEYS = ("object_id", "sequence_order", "description_hash", "ciphertext")
MAX_TALLY = 1_000_000_000


@dataclass(frozen=True, slots=True)
class V1ShareProof:
    """A Chaum-Pedersen proof that a share M = A^s for the s behind a public key: (a, b), c, v."""

    a: int
    b: int
    c: int
    v: int


@dataclass(frozen=True, slots=True)
class V1RecoveredPart:
    """Guardian l's compensated share M_i,l of missing guardian i, with its recovery key and proof."""

    guardian_id: str
    missing_guardian_id: str
    share: int
    recovery_key: int
    proof: V1ShareProof


@dataclass(frozen=True, slots=True)
class V1Share:
    """Guardian i's share M_i: with a proof when i was present, with recovered parts when it was missing."""

    guardian_id: str
    share: int
    proof: V1ShareProof | None
    recovered_parts: tuple[V1RecoveredPart, ...]


@dataclass(frozen=True, slots=True)
class V1DecryptedSelection:
    """A decrypted selection: the count t, the value M = g^t, the ciphertext (A, B) and the shares."""

    object_id: str
    tally: int
    value: int
    message: V1Ciphertext
    shares: tuple[V1Share, ...]


@dataclass(frozen=True, slots=True)
class V1Decryption:
    """tally.json or a spoiled ballot's decryption: contest id -> its decrypted selections."""

    object_id: str
    contests: tuple[tuple[str, tuple[V1DecryptedSelection, ...]], ...]


@dataclass(frozen=True, slots=True)
class V1EncryptedTally:
    """encrypted_tally.json: contest id -> (selection id, ciphertext) pairs."""

    object_id: str
    contests: tuple[tuple[str, tuple[tuple[str, V1Ciphertext], ...]], ...]


def _proof(n: JsonCursor, c: V1Constants) -> V1ShareProof:
    o = n.obj(PROOF_KEYS)
    return V1ShareProof(
        mod_p(o.get("pad"), c), mod_p(o.get("data"), c), mod_q(o.get("challenge"), c), mod_q(o.get("response"), c)
    )


def _map(n: JsonCursor) -> list[tuple[str, JsonCursor]]:
    if not isinstance(n.value, dict):
        n.fail("expected an object")
    return [(key, n.get(key)) for key in n.value]


def _share(n: JsonCursor, c: V1Constants) -> V1Share:
    o = n.obj(SHARE_KEYS)
    proof = o.opt("proof")
    parts_node = o.opt("recovered_parts")
    parts = []
    for _, p in _map(parts_node) if parts_node is not None else []:
        q = p.obj(PART_KEYS)
        parts.append(
            V1RecoveredPart(
                guardian_id=q.get("guardian_id").text(),
                missing_guardian_id=q.get("missing_guardian_id").text(),
                share=mod_p(q.get("share"), c),
                recovery_key=mod_p(q.get("recovery_key"), c),
                proof=_proof(q.get("proof"), c),
            )
        )
    if proof is None and not parts:
        o.fail("a share has either a proof or recovered parts")
    return V1Share(
        guardian_id=o.get("guardian_id").text(),
        share=mod_p(o.get("share"), c),
        proof=None if proof is None else _proof(proof, c),
        recovered_parts=tuple(parts),
    )


def _decrypted_selection(n: JsonCursor, c: V1Constants) -> V1DecryptedSelection:
    o = n.obj(DECRYPTED_SELECTION_KEYS)
    return V1DecryptedSelection(
        object_id=o.get("object_id").text(),
        tally=o.get("tally").integer(0, MAX_TALLY),
        value=mod_p(o.get("value"), c),
        message=ciphertext(o.get("message"), c),
        shares=tuple(_share(s, c) for s in o.get("shares").items(nonempty=True)),
    )


def decode_decryption(obj: object, file: str, c: V1Constants) -> V1Decryption:
    o = JsonCursor.root(obj, file, None, ("object_id", "contests"))
    contests = []
    for contest_id, n in _map(o.get("contests")):
        selections = _map(n.obj(("object_id", "selections")).get("selections"))
        contests.append((contest_id, tuple(_decrypted_selection(s, c) for _, s in selections)))
    return V1Decryption(o.get("object_id").text(), tuple(contests))


def decode_encrypted_tally(obj: object, file: str, c: V1Constants) -> V1EncryptedTally:
    o = JsonCursor.root(obj, file, None, ("object_id", "contests"))
    contests = []
    for contest_id, n in _map(o.get("contests")):
        contest = n.obj(("object_id", "sequence_order", "description_hash", "selections"))
        selections = tuple(
            (sid, ciphertext(s.obj(ENCRYPTED_SELECTION_KEYS).get("ciphertext"), c))
            for sid, s in _map(contest.get("selections"))
        )
        contests.append((contest_id, selections))
    return V1EncryptedTally(o.get("object_id").text(), tuple(contests))
