"""The board's HTTP API described in OpenAPI 3.0 (served at GET /openapi.json, fuzzed by schemathesis).

Written by hand to match engine.server.app: every path, its query parameters (non-negative
integers of at most 18 digits, nothing else accepted), the submission's body (an egk encrypted
ballot, a did:key, an Ed25519 signature, the proofs of knowledge of the contest data nonces), each
answer's schema and every status the server gives.
OpenAPI 3.0 (JSON Schema draft 4 semantics): an integer is written without a fraction, as the
server requires (1.0 is refused where an integer is due).
The ballot's schema is the served election's: its style, contest and selection ids and how many of
each the manifest has (a ballot of any other shape is refused, with a 4xx).
Hex values the server writes are upper case; it reads either case. A refusal is always
``{"error": reason}``; a 5xx is never an intended answer (tests/adversarial/test_server_fuzz.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.group import Group
from engine.ids import MAX_ID_BYTES
from engine.manifest import Manifest

OPENAPI_VERSION = "3.0.3"
MAX_QUERY_INTEGER = 10**18 - 1

_HEX_32 = {"type": "string", "pattern": "^[0-9A-F]{64}$"}
_HEX_64 = {"type": "string", "pattern": "^[0-9A-F]{128}$"}
_IDENTIFIER = {"type": "string", "pattern": f"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{MAX_ID_BYTES - 1}}}$"}
_SIGNATURE_TEXT = "^([0-9A-Fa-f]{128}|[A-Za-z0-9+/]{86}(==)?|[A-Za-z0-9_-]{86}(==)?)$"
_HEX = {"type": "string", "pattern": "^([0-9A-Fa-f]{2})*$"}
_HASH_IN = {"type": "string", "pattern": "^[0-9A-Fa-f]{64}$"}
_HEX_ELEMENT = {"type": "string", "pattern": "^[0-9A-F]+$"}
_COUNT = {"type": "integer", "minimum": 0}
_ORDER = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
_HASHES = {"type": "array", "items": _HEX_32}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """A JSON object with exactly these properties (all required but ``optional``)."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _refusal(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _query(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_QUERY_INTEGER},
    }


def _get(summary: str, answer: dict[str, Any], *, parameters: tuple[dict[str, Any], ...] = (), **refusals: str) -> Any:
    responses = {"200": answer, "400": _refusal("A query parameter that is unknown, missing, repeated or malformed.")}
    responses.update({status.lstrip("_"): _refusal(text) for status, text in refusals.items()})
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = list(parameters)
    return {"get": operation}


@dataclass(frozen=True)
class BallotShape:
    """What the election lets an encrypted ballot hold: its ids, at most how many contests, selections per
    contest and range-proof pairs per proof (spec 2.0.0 eq. 46 and 56: one pair per value 0..L), and at most
    how many hex digits an element mod p or mod q has."""

    p_digits: int
    q_digits: int
    style_ids: tuple[str, ...]
    contest_ids: tuple[str, ...]
    selection_ids: tuple[str, ...]
    contests: int
    selections: int
    proof_pairs: int

    @classmethod
    def of(cls, manifest: Manifest, group: Group) -> BallotShape:
        contests = manifest.contests
        return cls(
            p_digits=2 * group.p_bytes,
            q_digits=2 * group.q_bytes,
            style_ids=tuple(sorted({s.object_id for s in manifest.ballot_styles})),
            contest_ids=tuple(sorted({c.object_id for c in contests})),
            selection_ids=tuple(sorted({s.object_id for c in contests for s in c.ballot_selections})),
            contests=len(contests),
            selections=max(len(c.ballot_selections) for c in contests),
            proof_pairs=max(c.votes_allowed for c in contests) + 1,
        )


def _ids(values: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


def _digits(most: int) -> dict[str, Any]:
    return {"type": "string", "pattern": f"^[0-9A-Fa-f]{{1,{most}}}$"}


def _array(items: dict[str, Any], most: int) -> dict[str, Any]:
    return {"type": "array", "items": items, "maxItems": most}


def _ballot_schemas(shape: BallotShape) -> dict[str, Any]:
    """An egk encrypted ballot (spec 2.0.0 section 3.3) as the record writes it, of this election's shape."""
    mod_p, mod_q = _digits(shape.p_digits), _digits(shape.q_digits)
    ciphertext = _object({"pad": mod_p, "data": mod_p})
    pair = _object({"challenge": mod_q, "response": mod_q})
    range_proof = _object({"proofs": {**_array(pair, shape.proof_pairs), "minItems": 1}})
    contest_data = _object({"c0": mod_p, "c1": _HEX, "c2": _HASH_IN, "numBytes": _ORDER})
    selection = _object(
        {
            "selection_id": _ids(shape.selection_ids),
            "sequence_order": _ORDER,
            "encrypted_vote": _ref("Ciphertext"),
            "proof": _ref("RangeProof"),
        }
    )
    contest = _object(
        {
            "contest_id": _ids(shape.contest_ids),
            "sequence_order": _ORDER,
            "votes_allowed": _ORDER,
            "contest_hash": _HASH_IN,
            "selections": _array(_ref("EncryptedSelection"), shape.selections),
            "proof": _ref("RangeProof"),
            "encrypted_contest_data": _ref("HashedCiphertext"),
        }
    )
    ballot = _object(
        {
            "ballot_id": _IDENTIFIER,
            "ballot_style_id": _ids(shape.style_ids),
            "encrypting_device": _IDENTIFIER,
            "timestamp": {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1},
            "code_baux": _HEX,
            "confirmation_code": _HASH_IN,
            "election_id": _HASH_IN,
            "contests": _array(_ref("EncryptedContest"), shape.contests),
            "state": {"type": "string", "enum": ["CAST", "SPOILED"]},
            "encrypted_sn": _ref("Ciphertext"),
            "is_preencrypt": {"type": "boolean"},
        },
        optional=("encrypted_sn",),
    )
    commitment_pair = _object({"a": mod_p, "b": mod_p})
    commitments = {**_array(commitment_pair, shape.proof_pairs), "minItems": 1}
    proof_commitments = _object(
        {
            "ballot_id": _IDENTIFIER,
            "contests": _array(
                _object(
                    {
                        "contest_id": _ids(shape.contest_ids),
                        "selections": _array(
                            _object({"selection_id": _ids(shape.selection_ids), "commitments": commitments}),
                            shape.selections,
                        ),
                        "limit_commitments": commitments,
                    }
                ),
                shape.contests,
            ),
        }
    )
    return {
        "ProofCommitments": proof_commitments,
        "Ciphertext": ciphertext,
        "RangeProof": range_proof,
        "NonceKnowledgeProof": pair,
        "HashedCiphertext": contest_data,
        "EncryptedSelection": selection,
        "EncryptedContest": contest,
        "EncryptedBallot": ballot,
    }


def _schemas(max_did: int, shape: BallotShape) -> dict[str, Any]:
    sth = _object({"tree_size": _COUNT, "root": _HEX_32, "timestamp": _COUNT, "signature": _HEX_64})
    return {
        "Error": _object({"error": {"type": "string"}}),
        "Index": _object({"service": {"type": "string"}, "endpoints": {"type": "array", "items": {"type": "string"}}}),
        "Election": _object(
            {
                "election_id": _HEX_32,
                "manifest_hash": _HEX_32,
                "joint_public_key": _HEX_ELEMENT,
                "group": {"type": "string"},
                "board_public_key": _HEX_32,
                "registrar_public_key": _HEX_32,
                "roster_root": _HEX_32,
                "record": {
                    "type": "object",
                    "description": "The election record's files by name (constants.json, manifest.json, "
                    "election_config.json, election_initialized.json, board_keys.json), their exact text.",
                    "additionalProperties": {"type": "string"},
                },
            }
        ),
        "Roster": _object(
            {
                "kind": {"type": "string"},
                "binding": {"type": "string", "enum": ["H_E", "H_M"]},
                "election_hash": _HEX_32,
                "dids": {"type": "array", "items": {"type": "string"}},
                "root": _HEX_32,
                "registrar_public_key": _HEX_32,
                "signature": _HEX_64,
            }
        ),
        "SignedTreeHead": sth,
        "TreeHead": _object({"sth": _ref("SignedTreeHead"), "board_public_key": _HEX_32}),
        "Receipt": _object(
            {
                "ballot_id": {"type": "string"},
                "confirmation_code": _HEX_32,
                "leaf_index": _COUNT,
                "inclusion_proof": _HASHES,
                "sth": _ref("SignedTreeHead"),
                "entry_timestamp": {"type": "integer"},
            },
            optional=("entry_timestamp",),
        ),
        "InclusionProof": _object({"leaf_index": _COUNT, "tree_size": _COUNT, "inclusion_proof": _HASHES}),
        "ConsistencyProof": _object({"old_size": _COUNT, "new_size": _COUNT, "consistency_proof": _HASHES}),
        "EntriesPage": _object(
            {
                "start": _COUNT,
                "end": _COUNT,
                "count": _COUNT,
                "entries": {"type": "array", "items": {"type": "string", "format": "byte"}},
            }
        ),
        "Submission": _object(
            {
                "ballot": _ref("EncryptedBallot"),
                "did": {
                    "type": "string",
                    "pattern": "^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{44}$",
                    "maxLength": max_did,
                    "description": "The voter's did:key (Ed25519), on the registrar's roster.",
                },
                "signature": {
                    "type": "string",
                    "pattern": _SIGNATURE_TEXT,
                    "description": "The voter's Ed25519 signature over (H_E, the whole ballot, its contest data "
                    "proofs): 128 hex digits, or its 64 bytes in base64 (standard or URL-safe, padding optional).",
                },
                "contest_data_proofs": {
                    **_array(_ref("NonceKnowledgeProof"), shape.contests),
                    "description": "For each contest of the ballot, in its order, the Schnorr proof (c, v) that the "
                    "voter knows xi with C0 = g^xi for the contest data (C0, C1, C2), challenge over H_E, H(B), the "
                    "contest's sequence order, C0, C1, C2, numBytes and g^u (tag 0xB0, docs/PROTOCOL.md). Missing, "
                    "extra or failing proofs are refused with 422.",
                },
                "proof_commitments": {
                    **_ref("ProofCommitments"),
                    "description": "Optional: the commitments (a_j, b_j) of every range proof of the ballot (spec "
                    "2.0.0 eq. 46 and 56), as proof_commitments/ files hold them (docs/BATCH_VERIFICATION.md). "
                    "With them the board checks the proofs in a randomized batch with other submissions; they are "
                    "neither logged nor signed. Commitments that are not the proof's are refused with 422 "
                    "([R.proof_commitments]).",
                },
            },
            optional=("proof_commitments",),
        ),
        **_ballot_schemas(shape),
    }


def openapi_document(*, max_body: int, page: int, page_bytes: int, max_did: int, shape: BallotShape) -> dict[str, Any]:
    """The API's OpenAPI 3.0 description, with the server's limits and the election's ballot shape."""
    submit = {
        "summary": "Submit a ballot signed by the voter's DID; the answer is the receipt.",
        "requestBody": {
            "required": True,
            "description": f"At most {max_body} bytes of JSON, nested at most 32 levels.",
            "content": {"application/json": {"schema": _ref("Submission")}},
        },
        "responses": {
            "200": _json(_ref("Receipt"), "Logged (or a replay of a logged submission): the receipt."),
            "400": _refusal("Malformed: bad JSON, unknown or missing fields, a value out of range, a bad identifier."),
            "403": _refusal("The DID is not on the roster, or the signature does not verify."),
            "404": _refusal("A ballot the submission refers to is not on the board."),
            "409": _refusal("A ballot id, confirmation code or ciphertext already on the board; voting closed."),
            "413": _refusal(f"The body is over {max_body} bytes."),
            "415": _refusal("The body is not application/json."),
            "422": _refusal(
                "The ballot does not verify (spec 2.0.0 verifications 5-7), is of another election, or a contest "
                "data proof of knowledge of the nonce is missing, extra or does not verify (the contest is named)."
            ),
            "429": _refusal("The voter's DID has made as many submissions as one voter may."),
        },
    }
    paths = {
        "/": _get("What the service is and its endpoints.", _json(_ref("Index"), "The index.")),
        "/election": _get(
            "The election: H_E, K, H_M, the board's and registrar's keys, the record's files.",
            _json(_ref("Election"), "The election."),
        ),
        "/roster": _get("The registrar's signed roster of eligible DIDs.", _json(_ref("Roster"), "The roster.")),
        "/ballots": {"post": submit},
        "/sth": _get("The latest signed tree head.", _json(_ref("TreeHead"), "The head and the board's key.")),
        "/checkpoint": _get(
            "The latest signed tree head as a c2sp.org/tlog-checkpoint note signed by the board's key.",
            {"description": "The signed checkpoint.", "content": {"text/plain": {"schema": {"type": "string"}}}},
        ),
        "/proof/inclusion": _get(
            "The audit path of one leaf in the tree of a given size (RFC 9162 2.1.3).",
            _json(_ref("InclusionProof"), "The proof."),
            parameters=(_query("index", "The leaf."), _query("size", "The tree size.")),
        ),
        "/proof/consistency": _get(
            "The proof that the tree of size new extends the tree of size old (RFC 9162 2.1.4).",
            _json(_ref("ConsistencyProof"), "The proof."),
            parameters=(_query("old", "The older tree size."), _query("new", "The newer tree size.")),
        ),
        "/entries": _get(
            f"Log entries from start on, before end: at most {page} entries and about {page_bytes} bytes of base64 "
            "(one entry whatever its size); the answer's end is where the next page starts.",
            _json(_ref("EntriesPage"), "A page of entries."),
            parameters=(_query("start", "The first entry."), _query("end", "The end of the range (exclusive).")),
            _404="start is beyond the log's size.",
        ),
        "/openapi.json": _get("This description.", _json({"type": "object"}, "The OpenAPI description of this API.")),
        "/metrics": _get(
            "The server's metrics in the Prometheus text format: submissions accepted and refused by reason, "
            "group-commit batch sizes, append latency, log size.",
            {"description": "The metrics.", "content": {"text/plain": {"schema": {"type": "string"}}}},
        ),
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Ballotchain bulletin board",
            "version": "1",
            "description": "The ballot-casting API of an online ElectionGuard 2.0 election: an append-only "
            "Merkle log (RFC 9162) of signed submissions, with signed tree heads.",
        },
        "paths": paths,
        "components": {"schemas": _schemas(max_did, shape)},
    }
