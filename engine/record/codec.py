"""Value types <-> egk's JSON objects, spec 2.0.0 section 3.7 (election record).

Each ``encode_*`` returns a JSON-compatible dict whose keys are in egk's order, so that
``jsonio.dumps`` writes the file egk would write; each ``decode_*`` takes a parsed JSON value and
validates it completely (types, hex digits, ranges mod p and mod q, required fields, enum values),
raising ``RecordError`` with the file and field path. Subgroup membership is not checked here: the
verifier batches those checks (spec 6, verification 2.A ...).

Encodings, as egk writes them (checked against egk's workflow records):
- elements mod p: upper-case hex, fixed width 2 * l_p digits (1024 for the production group), so
  ``b_over_m`` = K^0 = 1 is 1023 zeros and a 1; elements mod q: 2 * l_q digits (64); hash values
  (UInt256): 64 digits; byte strings (``code_baux``, ``c1``, the chain's ``baux0``): hex of the bytes;
  ``election_config.json``'s ``baux0``: a JSON array of byte values.
- fields whose value is null are left out (egk serializes with explicitNulls = false), as are the
  empty ``metadata`` maps; the manifest keeps its nulls (egk's manifest file has them).
On reading, hex digits of either case are accepted and elements mod p/q may have fewer digits;
hash values must have exactly 64. Keys this engine does not know are skipped and their field paths
appended to ``notes`` when a list is given; keys with meaning this engine cannot keep
(``pre_encryption``) are errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from engine.election import (
    BallotChain,
    BallotState,
    ContestData,
    DecryptedContest,
    DecryptedContestData,
    DecryptedSelection,
    DecryptedTallyOrBallot,
    DecryptingTrustee,
    ElectionConfig,
    ElectionInitialized,
    EncryptedBallot,
    EncryptedContest,
    EncryptedSelection,
    EncryptedTally,
    EncryptedTallyContest,
    EncryptedTallySelection,
    GuardianRecord,
    HashedCiphertext,
    PlaintextBallot,
    PlaintextContest,
    PlaintextSelection,
)
from engine.elgamal import Ciphertext
from engine.errors import GroupError
from engine.group import ElementModP, ElementModQ, Group, group_for_parameters
from engine.hash import UInt256
from engine.ids import identifier_problem, shown_identifier
from engine.manifest import (
    BallotStyle,
    ContestDescription,
    Manifest,
    ManifestError,
    SelectionDescription,
    validate_manifest,
)
from engine.proofs import DecryptionProof, RangeProof, SchnorrProof
from engine.record.errors import RecordError

SMALL_INT_MAX = (1 << 31) - 1  # integers hashed as 4 bytes (spec 5.1.3)
LONG_MIN, LONG_MAX = -(1 << 63), (1 << 63) - 1  # egk's Long (timestamps, serial numbers)

CONTEST_DATA_STATUSES = ("normal", "null_vote", "over_vote", "under_vote")

# Keys in egk's order: the order of the files egk writes, and the keys decoding knows.
CONSTANTS_KEYS = ("name", "large_prime", "small_prime", "cofactor", "generator")
CONFIG_KEYS = (
    "config_version",
    "number_of_guardians",
    "quorum",
    "parameter_base_hash",
    "manifest_hash",
    "election_base_hash",
    "chain_confirmation_codes",
    "baux0",
    "metadata",
)
INITIALIZED_KEYS = ("joint_public_key", "extended_base_hash", "guardians", "metadata")
GUARDIAN_KEYS = ("guardian_id", "x_coordinate", "coefficient_proofs")
SCHNORR_KEYS = ("public_key", "challenge", "response")
CIPHERTEXT_KEYS = ("pad", "data")
CHAUM_PEDERSEN_KEYS = ("challenge", "response")
HASHED_CIPHERTEXT_KEYS = ("c0", "c1", "c2", "numBytes")
BALLOT_KEYS = (
    "ballot_id",
    "ballot_style_id",
    "encrypting_device",
    "timestamp",
    "code_baux",
    "confirmation_code",
    "election_id",
    "contests",
    "state",
    "encrypted_sn",
    "is_preencrypt",
    "primary_nonce",
)
BALLOT_CONTEST_KEYS = (
    "contest_id",
    "sequence_order",
    "votes_allowed",
    "contest_hash",
    "selections",
    "proof",
    "encrypted_contest_data",
    "pre_encryption",
)
BALLOT_SELECTION_KEYS = ("selection_id", "sequence_order", "encrypted_vote", "proof")
CHAIN_KEYS = (
    "encrypting_device",
    "baux0",
    "ballot_ids",
    "last_confirmation_code",
    "chaining",
    "closing_hash",
)
TALLY_KEYS = ("tally_id", "contests", "cast_ballot_ids", "election_id")
TALLY_CONTEST_KEYS = ("contest_id", "sequence_order", "selections")
TALLY_SELECTION_KEYS = ("selection_id", "sequence_order", "encrypted_vote")
DECRYPTED_KEYS = ("id", "contests", "election_id", "metadata")
DECRYPTED_CONTEST_KEYS = ("contest_id", "selections", "decrypted_contest_data")
DECRYPTED_SELECTION_KEYS = ("selection_id", "tally", "b_over_m", "encrypted_vote", "proof")
DECRYPTED_CONTEST_DATA_KEYS = ("contest_data", "encrypted_contest_data", "proof", "beta")
CONTEST_DATA_KEYS = ("over_votes", "write_ins", "status")
TRUSTEE_KEYS = ("id", "x_coordinate", "polynomial_coefficients", "key_share")
PLAINTEXT_BALLOT_KEYS = ("ballot_id", "ballot_style", "contests", "sn")
PLAINTEXT_CONTEST_KEYS = ("contest_id", "sequence_order", "selections", "write_ins")
PLAINTEXT_SELECTION_KEYS = ("selection_id", "sequence_order", "vote")

MANIFEST_KEYS = (
    "election_scope_id",
    "spec_version",
    "type",
    "start_date",
    "end_date",
    "geopolitical_units",
    "parties",
    "candidates",
    "contests",
    "ballot_styles",
    "name",
    "contact_information",
)
MANIFEST_CONTEST_KEYS = (
    "object_id",
    "sequence_order",
    "electoral_district_id",
    "vote_variation",
    "number_elected",
    "votes_allowed",
    "name",
    "ballot_selections",
    "ballot_title",
    "ballot_subtitle",
    "option_limit",  # ours, written only when R != 1; egk has no option limit (docs/PROTOCOL.md deviation 6)
)
MANIFEST_SELECTION_KEYS = ("object_id", "sequence_order", "candidate_id")
MANIFEST_STYLE_KEYS = ("object_id", "geopolitical_unit_ids", "party_ids", "image_url")
_MANIFEST_INTERPRETED = frozenset(
    ("election_scope_id", "spec_version", "type", "start_date", "end_date", "contests", "ballot_styles")
)

_HEX = re.compile(r"[0-9A-Fa-f]+")


# ---------------------------------------------------------------- record-only value types


@dataclass(frozen=True)
class ElectionConstants:
    """constants.json: the group of spec 3.1.1 and egk's free-text ``name`` for it."""

    group: Group
    name: str

    @classmethod
    def for_group(cls, group: Group) -> ElectionConstants:
        return cls(group, f"{group.name} group, {int(group.p).bit_length()} bits")


# ---------------------------------------------------------------- decoding machinery


class _Node:
    """A JSON value at a field path of one file, with checked accessors."""

    __slots__ = ("value", "path", "file", "notes")

    def __init__(self, value: Any, path: str, file: str, notes: list[str] | None) -> None:
        self.value = value
        self.path = path
        self.file = file
        self.notes = notes

    def fail(self, problem: str) -> NoReturn:
        raise RecordError(self.file, self.path, problem)

    def _child(self, value: Any, step: str) -> _Node:
        path = f"{self.path}.{step}" if self.path and not step.startswith("[") else self.path + step
        return _Node(value, path, self.file, self.notes)

    def obj(self, known: tuple[str, ...]) -> _Node:
        """This value as an object; keys outside ``known`` are noted and skipped."""
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, found {_kind(self.value)}")
        if self.notes is not None:
            for key in self.value:
                if key not in known:
                    self.notes.append(f"{self.file}: {self._child(None, key).path}: unknown field skipped")
        return self

    def get(self, key: str) -> _Node:
        if key not in self.value:
            self._child(None, key).fail("missing field")
        return self._child(self.value[key], key)

    def opt(self, key: str) -> _Node | None:
        """An optional field: absent or null gives None."""
        v = self.value.get(key)
        return None if v is None else self._child(v, key)

    def items(self, *, nonempty: bool = False) -> list[_Node]:
        if not isinstance(self.value, list):
            self.fail(f"expected an array, found {_kind(self.value)}")
        if nonempty and not self.value:
            self.fail("expected a non-empty array")
        return [self._child(v, f"[{i}]") for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            self.fail(f"expected a string, found {_kind(self.value)}")
        return self.value

    def ident(self) -> str:
        """An id (ballot, device, guardian, contest, selection): the one rule of engine.ids."""
        value = self.text()
        problem = identifier_problem(value)
        if problem is not None:
            self.fail(f"{shown_identifier(value)}: {problem}")
        return value

    def idents(self) -> tuple[str, ...]:
        return tuple(n.ident() for n in self.items())

    def integer(self, lo: int = 0, hi: int = SMALL_INT_MAX) -> int:
        v = self.value
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(f"expected an integer, found {_kind(v)}")
        if not lo <= v <= hi:
            self.fail(f"{v} is not in {lo}..{hi}")
        return v

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, found {_kind(self.value)}")
        return self.value

    def hex_digits(self, max_digits: int | None = None) -> str:
        s = self.text()
        if not _HEX.fullmatch(s):
            self.fail("not a hex string")
        if max_digits is not None and len(s) > max_digits:
            self.fail(f"{len(s)} hex digits, more than {max_digits}")
        return s

    def element_p(self, group: Group) -> ElementModP:
        """An integer in 0..p-1 (membership of the order-q subgroup is the verifier's check)."""
        digits = self.hex_digits(2 * group.p_bytes)
        try:
            return group.element_p(int(digits, 16))
        except GroupError:
            self.fail(f"not an integer mod p (0..p-1) of group {group.name}")

    def element_q(self, group: Group) -> ElementModQ:
        digits = self.hex_digits(2 * group.q_bytes)
        try:
            return group.element_q(int(digits, 16))
        except GroupError:
            self.fail(f"not an integer mod q (0..q-1) of group {group.name}")

    def uint256(self) -> UInt256:
        digits = self.hex_digits()
        if len(digits) != 64:
            self.fail(f"a hash value has 64 hex digits, not {len(digits)}")
        return UInt256(bytes.fromhex(digits))

    def hex_bytes(self) -> bytes:
        s = self.text()
        if s and not _HEX.fullmatch(s):
            self.fail("not a hex string")
        if len(s) % 2:
            self.fail("odd number of hex digits")
        return bytes.fromhex(s)

    def byte_array(self) -> bytes:
        return bytes(n.integer(0, 255) for n in self.items())

    def strings(self) -> tuple[str, ...]:
        return tuple(n.text() for n in self.items())

    def string_map(self) -> tuple[tuple[str, str], ...]:
        if not isinstance(self.value, dict):
            self.fail(f"expected an object, found {_kind(self.value)}")
        return tuple((k, self._child(v, k).text()) for k, v in self.value.items())

    def ciphertext(self, group: Group) -> Ciphertext:
        o = self.obj(CIPHERTEXT_KEYS)
        return Ciphertext(o.get("pad").element_p(group), o.get("data").element_p(group))

    def decryption_proof(self, group: Group) -> DecryptionProof:
        o = self.obj(CHAUM_PEDERSEN_KEYS)
        return DecryptionProof(o.get("challenge").element_q(group), o.get("response").element_q(group))

    def range_proof(self, group: Group) -> RangeProof:
        steps = [n.decryption_proof(group) for n in self.obj(("proofs",)).get("proofs").items(nonempty=True)]
        return RangeProof(tuple(s.challenge for s in steps), tuple(s.response for s in steps))

    def hashed_ciphertext(self, group: Group) -> HashedCiphertext:
        o = self.obj(HASHED_CIPHERTEXT_KEYS)
        return HashedCiphertext(
            o.get("c0").element_p(group),
            o.get("c1").hex_bytes(),
            o.get("c2").uint256(),
            o.get("numBytes").integer(),
        )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _root(obj: Any, file: str, notes: list[str] | None, known: tuple[str, ...]) -> _Node:
    return _Node(obj, "", file, notes).obj(known)


# ---------------------------------------------------------------- encoding helpers


def hex_p(x: ElementModP) -> str:
    """b(x, l_p) as upper-case hex: 2 l_p digits, leading zeros kept."""
    return format(int(x.value), f"0{2 * x.group.p_bytes}X")


def hex_q(x: ElementModQ) -> str:
    return format(int(x.value), f"0{2 * x.group.q_bytes}X")


def _hex_bytes(data: bytes) -> str:
    return data.hex().upper()


def _ciphertext(c: Ciphertext) -> dict[str, Any]:
    return {"pad": hex_p(c.pad), "data": hex_p(c.data)}


def _decryption_proof(p: DecryptionProof) -> dict[str, Any]:
    return {"challenge": hex_q(p.challenge), "response": hex_q(p.response)}


def _range_proof(p: RangeProof) -> dict[str, Any]:
    if len(p.challenges) != len(p.responses):
        raise ValueError("a range proof has as many challenges as responses")
    return {"proofs": [{"challenge": hex_q(c), "response": hex_q(v)} for c, v in zip(p.challenges, p.responses)]}


def _hashed_ciphertext(h: HashedCiphertext) -> dict[str, Any]:
    return {"c0": hex_p(h.c0), "c1": _hex_bytes(h.c1), "c2": h.c2.hex(), "numBytes": h.num_bytes}


def _set_metadata(out: dict[str, Any], metadata: tuple[tuple[str, str], ...]) -> None:
    if metadata:
        out["metadata"] = dict(metadata)


# ---------------------------------------------------------------- constants.json


def decode_constant_values(obj: Any, file: str = "constants.json") -> dict[str, int]:
    """The four integers of constants.json as written, whatever group they describe."""
    o = _root(obj, file, None, CONSTANTS_KEYS)
    return {key: int(o.get(key).hex_digits(4096), 16) for key in CONSTANTS_KEYS[1:]}


def decode_constants(obj: Any, file: str = "constants.json", notes: list[str] | None = None) -> ElectionConstants:
    """The group of spec 3.1.1: (p, q, g) must be a known parameter set, r = (p-1)/q (verification 1)."""
    o = _root(obj, file, notes, CONSTANTS_KEYS)
    name = o.get("name").text()
    values = decode_constant_values(obj, file)
    try:
        group = group_for_parameters(values["large_prime"], values["small_prime"], values["generator"])
    except GroupError as exc:
        o.fail(str(exc))
    if values["cofactor"] != group.r:
        o.get("cofactor").fail("not (p - 1) / q")
    return ElectionConstants(group, name)


def encode_constants(constants: ElectionConstants) -> dict[str, Any]:
    g = constants.group
    width = 2 * g.p_bytes
    return {
        "name": constants.name,
        "large_prime": format(int(g.p), f"0{width}X"),
        "small_prime": format(int(g.q), f"0{2 * g.q_bytes}X"),
        "cofactor": format(int(g.r), f"0{width}X"),
        "generator": format(int(g.g), f"0{width}X"),
    }


# ---------------------------------------------------------------- manifest.json


def decode_manifest(obj: Any, file: str = "manifest.json") -> Manifest:
    """The manifest of spec 3.1.3 in egk's shape, validated by engine.manifest.validate_manifest.

    Manifest.extra keeps, verbatim and read-only, every top-level field the engine does not
    interpret (geopolitical_units, parties, candidates, name, contact_information, unknown keys)
    under its own name, and unknown keys of contests, selections and ballot styles under a JSON
    pointer with object ids for indices, e.g. ``/contests/contest1/ballot_selections/s1/color``.
    """
    o = _Node(obj, "", file, None)
    if not isinstance(obj, dict):
        o.fail(f"expected an object, found {_kind(obj)}")
    extra: list[tuple[str, object]] = []
    for key, value in obj.items():
        if key not in _MANIFEST_INTERPRETED:
            extra.append((_escape_top_level(key), _freeze(value)))
    units = tuple(n.obj(()).get("object_id").ident() for n in o.get("geopolitical_units").items())
    candidate_ids: tuple[str, ...] = ()
    if "candidates" in obj:
        candidate_ids = tuple(n.obj(()).get("object_id").text() for n in o.get("candidates").items())
    manifest = Manifest(
        election_scope_id=o.get("election_scope_id").text(),
        spec_version=o.get("spec_version").text(),
        type=o.get("type").text(),
        start_date=o.get("start_date").text(),
        end_date=o.get("end_date").text(),
        geopolitical_unit_ids=units,
        contests=tuple(_manifest_contest(n, extra) for n in o.get("contests").items()),
        ballot_styles=tuple(_ballot_style(n, extra) for n in o.get("ballot_styles").items()),
        candidate_ids=candidate_ids,
        extra=tuple(extra),
    )
    try:
        return validate_manifest(manifest)
    except ManifestError as exc:
        raise RecordError(file, "", str(exc)) from None


def _manifest_contest(n: _Node, extra: list[tuple[str, object]]) -> ContestDescription:
    n.obj(MANIFEST_CONTEST_KEYS)
    contest_id = n.get("object_id").ident()
    _keep_unknown(n, MANIFEST_CONTEST_KEYS, ("contests", contest_id), extra)
    selections = []
    for s in n.get("ballot_selections").items():
        s.obj(MANIFEST_SELECTION_KEYS)
        selection_id = s.get("object_id").ident()
        _keep_unknown(s, MANIFEST_SELECTION_KEYS, ("contests", contest_id, "ballot_selections", selection_id), extra)
        selections.append(
            SelectionDescription(selection_id, s.get("sequence_order").integer(), s.get("candidate_id").text())
        )
    title, subtitle, limit = n.opt("ballot_title"), n.opt("ballot_subtitle"), n.opt("option_limit")
    return ContestDescription(
        object_id=contest_id,
        sequence_order=n.get("sequence_order").integer(),
        electoral_district_id=n.get("electoral_district_id").ident(),
        vote_variation=n.get("vote_variation").text(),
        number_elected=n.get("number_elected").integer(),
        votes_allowed=n.get("votes_allowed").integer(),
        name=n.get("name").text(),
        ballot_selections=tuple(selections),
        ballot_title=None if title is None else title.text(),
        ballot_subtitle=None if subtitle is None else subtitle.text(),
        option_limit=1 if limit is None else limit.integer(1),
    )


def _ballot_style(n: _Node, extra: list[tuple[str, object]]) -> BallotStyle:
    n.obj(MANIFEST_STYLE_KEYS)
    style_id = n.get("object_id").ident()
    _keep_unknown(n, MANIFEST_STYLE_KEYS, ("ballot_styles", style_id), extra)
    parties, image = n.opt("party_ids"), n.opt("image_url")
    return BallotStyle(
        object_id=style_id,
        geopolitical_unit_ids=n.get("geopolitical_unit_ids").idents(),
        party_ids=() if parties is None else parties.strings(),
        image_url=None if image is None else image.text(),
    )


def _keep_unknown(n: _Node, known: tuple[str, ...], where: tuple[str, ...], extra: list[tuple[str, object]]) -> None:
    for key, value in n.value.items():
        if key not in known:
            extra.append((_pointer((*where, key)), _freeze(value)))


def encode_manifest(manifest: Manifest) -> dict[str, Any]:
    """The manifest in egk's shape and key order; fields kept in Manifest.extra go back in place.

    A manifest built in code (no extra) gets egk's required lists with what the engine knows:
    geopolitical units and candidates by id, no parties, no names, no contact information.
    """
    top: dict[str, Any] = {}
    nested: dict[tuple[str, ...], list[tuple[str, Any]]] = {}
    for key, value in manifest.extra:
        segments = _unpointer(key) if key.startswith("/") else [key]
        if len(segments) == 1:
            top[segments[0]] = _thaw(value)
        else:
            nested.setdefault(tuple(segments[:-1]), []).append((segments[-1], _thaw(value)))

    out: dict[str, Any] = {
        "election_scope_id": manifest.election_scope_id,
        "spec_version": manifest.spec_version,
        "type": manifest.type,
        "start_date": manifest.start_date,
        "end_date": manifest.end_date,
        "geopolitical_units": _listed_objects(
            top.pop("geopolitical_units", None),
            manifest.geopolitical_unit_ids,
            lambda i: {"object_id": i, "name": i, "type": "unknown", "contact_information": None},
        ),
        "parties": top.pop("parties", []),
        "candidates": _listed_objects(
            top.pop("candidates", None),
            manifest.candidate_ids,
            lambda i: {
                "object_id": i,
                "name": None,
                "party_id": None,
                "image_url": None,
                "is_write_in": False,
            },
        ),
        "contests": [_encode_manifest_contest(c, nested) for c in manifest.contests],
        "ballot_styles": [_encode_ballot_style(s, nested) for s in manifest.ballot_styles],
        "name": top.pop("name", []),
        "contact_information": top.pop("contact_information", None),
    }
    out.update(top)
    return out


def _listed_objects(kept: Any, ids: tuple[str, ...], make: Any) -> list[Any]:
    if isinstance(kept, list) and [o.get("object_id") if isinstance(o, dict) else None for o in kept] == list(ids):
        return kept
    return [make(i) for i in ids]


def _encode_manifest_contest(
    c: ContestDescription, nested: dict[tuple[str, ...], list[tuple[str, Any]]]
) -> dict[str, Any]:
    selections = []
    for s in c.ballot_selections:
        sel: dict[str, Any] = {
            "object_id": s.object_id,
            "sequence_order": s.sequence_order,
            "candidate_id": s.candidate_id,
        }
        sel.update(nested.get(("contests", c.object_id, "ballot_selections", s.object_id), []))
        selections.append(sel)
    out: dict[str, Any] = {
        "object_id": c.object_id,
        "sequence_order": c.sequence_order,
        "electoral_district_id": c.electoral_district_id,
        "vote_variation": c.vote_variation,
        "number_elected": c.number_elected,
        "votes_allowed": c.votes_allowed,
        "name": c.name,
        "ballot_selections": selections,
        "ballot_title": c.ballot_title,
        "ballot_subtitle": c.ballot_subtitle,
    }
    if c.option_limit != 1:
        out["option_limit"] = c.option_limit
    out.update(nested.get(("contests", c.object_id), []))
    return out


def _encode_ballot_style(s: BallotStyle, nested: dict[tuple[str, ...], list[tuple[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "object_id": s.object_id,
        "geopolitical_unit_ids": list(s.geopolitical_unit_ids),
        "party_ids": list(s.party_ids),
        "image_url": s.image_url,
    }
    out.update(nested.get(("ballot_styles", s.object_id), []))
    return out


def _pointer(segments: tuple[str, ...]) -> str:
    """RFC 6901 JSON pointer."""
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in segments)


def _unpointer(pointer: str) -> list[str]:
    return [s.replace("~1", "/").replace("~0", "~") for s in pointer[1:].split("/")]


def _escape_top_level(key: str) -> str:
    """Top-level keys stay as they are, unless they could be mistaken for a pointer."""
    return _pointer((key,)) if key.startswith("/") else key


class FrozenObject(Mapping[str, Any]):
    """A JSON object kept read-only and picklable (a MappingProxyType cannot cross processes)."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: Any) -> None:
        self._pairs = dict(pairs)

    def __getitem__(self, key: str) -> Any:
        return self._pairs[key]

    def __iter__(self) -> Any:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __hash__(self) -> int:
        return hash(tuple(self._pairs.items()))

    def __repr__(self) -> str:
        return f"FrozenObject({self._pairs!r})"


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return FrozenObject((k, _freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_thaw(v) for v in value]
    return value


# ---------------------------------------------------------------- election_config.json


def decode_config(
    obj: Any,
    group: Group,
    manifest_bytes: bytes,
    file: str = "election_config.json",
    notes: list[str] | None = None,
) -> ElectionConfig:
    """n, k, H_P (eq. 4), H_M (eq. 6), H_B (eq. 7), chaining and B_aux,0 (spec 3.4.3)."""
    o = _root(obj, file, notes, CONFIG_KEYS)
    n = o.get("number_of_guardians").integer(1)
    metadata = o.opt("metadata")
    return ElectionConfig(
        group=group,
        config_version=o.get("config_version").text(),
        number_of_guardians=n,
        quorum=o.get("quorum").integer(1, n),
        parameter_base_hash=o.get("parameter_base_hash").uint256(),
        manifest_hash=o.get("manifest_hash").uint256(),
        election_base_hash=o.get("election_base_hash").uint256(),
        manifest_bytes=manifest_bytes,
        chain_confirmation_codes=o.get("chain_confirmation_codes").boolean(),
        baux0=o.get("baux0").byte_array(),
        metadata=() if metadata is None else metadata.string_map(),
    )


def encode_config(config: ElectionConfig) -> dict[str, Any]:
    out: dict[str, Any] = {
        "config_version": config.config_version,
        "number_of_guardians": config.number_of_guardians,
        "quorum": config.quorum,
        "parameter_base_hash": config.parameter_base_hash.hex(),
        "manifest_hash": config.manifest_hash.hex(),
        "election_base_hash": config.election_base_hash.hex(),
        "chain_confirmation_codes": config.chain_confirmation_codes,
        "baux0": list(config.baux0),
    }
    _set_metadata(out, config.metadata)
    return out


# ---------------------------------------------------------------- election_initialized.json


def decode_initialized(
    obj: Any, config: ElectionConfig, file: str = "election_initialized.json", notes: list[str] | None = None
) -> ElectionInitialized:
    """K (eq. 8), H_E (eq. 23) and each guardian's commitments with Schnorr proofs (eq. 10-12)."""
    group = config.group
    o = _root(obj, file, notes, INITIALIZED_KEYS)
    metadata = o.opt("metadata")
    return ElectionInitialized(
        config=config,
        joint_public_key=o.get("joint_public_key").element_p(group),
        extended_base_hash=o.get("extended_base_hash").uint256(),
        guardians=tuple(_guardian(n, group) for n in o.get("guardians").items(nonempty=True)),
        metadata=() if metadata is None else metadata.string_map(),
    )


def _guardian(n: _Node, group: Group) -> GuardianRecord:
    n.obj(GUARDIAN_KEYS)
    proofs = []
    for p in n.get("coefficient_proofs").items(nonempty=True):
        p.obj(SCHNORR_KEYS)
        proofs.append(
            SchnorrProof(
                p.get("public_key").element_p(group),
                p.get("challenge").element_q(group),
                p.get("response").element_q(group),
            )
        )
    return GuardianRecord(n.get("guardian_id").ident(), n.get("x_coordinate").integer(1), tuple(proofs))


def encode_initialized(init: ElectionInitialized) -> dict[str, Any]:
    out: dict[str, Any] = {
        "joint_public_key": hex_p(init.joint_public_key),
        "extended_base_hash": init.extended_base_hash.hex(),
        "guardians": [
            {
                "guardian_id": g.guardian_id,
                "x_coordinate": g.x_coordinate,
                "coefficient_proofs": [
                    {
                        "public_key": hex_p(p.public_key),
                        "challenge": hex_q(p.challenge),
                        "response": hex_q(p.response),
                    }
                    for p in g.coefficient_proofs
                ],
            }
            for g in init.guardians
        ],
    }
    _set_metadata(out, init.metadata)
    return out


# ---------------------------------------------------------------- encrypted ballots


def decode_encrypted_ballot(
    obj: Any, group: Group, file: str = "eballot.json", notes: list[str] | None = None
) -> EncryptedBallot:
    """An encrypted ballot, spec 3.3: selections with 0..1 range proofs (eq. 46), contests with
    selection-limit proofs (eq. 56) and contest data (eq. 50-55), the confirmation code (eq. 58)."""
    o = _root(obj, file, notes, BALLOT_KEYS)
    state_node = o.get("state")
    state = state_node.text()
    if state not in BallotState.__members__:
        state_node.fail(f"unknown ballot state {state!r} (expected CAST or SPOILED)")
    nonce = o.opt("primary_nonce")
    if nonce is not None:
        nonce.uint256()
        if notes is not None:
            notes.append(f"{file}: primary_nonce: published primary nonce skipped (no place in the engine's values)")
    sn = o.opt("encrypted_sn")
    return EncryptedBallot(
        ballot_id=o.get("ballot_id").ident(),
        ballot_style_id=o.get("ballot_style_id").ident(),
        encrypting_device=o.get("encrypting_device").ident(),
        timestamp=o.get("timestamp").integer(LONG_MIN, LONG_MAX),
        code_baux=o.get("code_baux").hex_bytes(),
        confirmation_code=o.get("confirmation_code").uint256(),
        election_id=o.get("election_id").uint256(),
        contests=tuple(_ballot_contest(n, group) for n in o.get("contests").items()),
        state=BallotState(state),
        encrypted_sn=None if sn is None else sn.ciphertext(group),
        is_preencrypt=o.get("is_preencrypt").boolean(),
    )


def _ballot_contest(n: _Node, group: Group) -> EncryptedContest:
    n.obj(BALLOT_CONTEST_KEYS)
    pre = n.opt("pre_encryption")
    if pre is not None:
        pre.fail("pre-encrypted ballots (spec 4) are not supported by this engine")
    return EncryptedContest(
        contest_id=n.get("contest_id").ident(),
        sequence_order=n.get("sequence_order").integer(),
        votes_allowed=n.get("votes_allowed").integer(),
        contest_hash=n.get("contest_hash").uint256(),
        selections=tuple(_ballot_selection(s, group) for s in n.get("selections").items()),
        proof=n.get("proof").range_proof(group),
        contest_data=n.get("encrypted_contest_data").hashed_ciphertext(group),
    )


def _ballot_selection(n: _Node, group: Group) -> EncryptedSelection:
    n.obj(BALLOT_SELECTION_KEYS)
    return EncryptedSelection(
        selection_id=n.get("selection_id").ident(),
        sequence_order=n.get("sequence_order").integer(),
        ciphertext=n.get("encrypted_vote").ciphertext(group),
        proof=n.get("proof").range_proof(group),
    )


def encode_encrypted_ballot(ballot: EncryptedBallot) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ballot_id": ballot.ballot_id,
        "ballot_style_id": ballot.ballot_style_id,
        "encrypting_device": ballot.encrypting_device,
        "timestamp": ballot.timestamp,
        "code_baux": _hex_bytes(ballot.code_baux),
        "confirmation_code": ballot.confirmation_code.hex(),
        "election_id": ballot.election_id.hex(),
        "contests": [
            {
                "contest_id": c.contest_id,
                "sequence_order": c.sequence_order,
                "votes_allowed": c.votes_allowed,
                "contest_hash": c.contest_hash.hex(),
                "selections": [
                    {
                        "selection_id": s.selection_id,
                        "sequence_order": s.sequence_order,
                        "encrypted_vote": _ciphertext(s.ciphertext),
                        "proof": _range_proof(s.proof),
                    }
                    for s in c.selections
                ],
                "proof": _range_proof(c.proof),
                "encrypted_contest_data": _hashed_ciphertext(c.contest_data),
            }
            for c in ballot.contests
        ],
        "state": BallotState(ballot.state).value,
    }
    if ballot.encrypted_sn is not None:
        out["encrypted_sn"] = _ciphertext(ballot.encrypted_sn)
    out["is_preencrypt"] = ballot.is_preencrypt
    return out


# ---------------------------------------------------------------- ballot_chain.json


def decode_ballot_chain(obj: Any, file: str = "ballot_chain.json", notes: list[str] | None = None) -> BallotChain:
    """One device's chain, spec 3.4.3 in egk's form (docs/PROTOCOL.md deviation 2: baux0 holds H_0)."""
    o = _root(obj, file, notes, CHAIN_KEYS)
    closing = o.opt("closing_hash")
    return BallotChain(
        encrypting_device=o.get("encrypting_device").ident(),
        baux0=o.get("baux0").hex_bytes(),
        ballot_ids=o.get("ballot_ids").idents(),
        last_confirmation_code=o.get("last_confirmation_code").uint256(),
        chaining=o.get("chaining").boolean(),
        closing_hash=None if closing is None else closing.uint256(),
    )


def encode_ballot_chain(chain: BallotChain) -> dict[str, Any]:
    out: dict[str, Any] = {
        "encrypting_device": chain.encrypting_device,
        "baux0": _hex_bytes(chain.baux0),
        "ballot_ids": list(chain.ballot_ids),
        "last_confirmation_code": chain.last_confirmation_code.hex(),
        "chaining": chain.chaining,
    }
    if chain.closing_hash is not None:
        out["closing_hash"] = chain.closing_hash.hex()
    return out


# ---------------------------------------------------------------- encrypted_tally.json


def decode_encrypted_tally(
    obj: Any, group: Group, file: str = "encrypted_tally.json", notes: list[str] | None = None
) -> EncryptedTally:
    """The products of the cast ballots' ciphertexts per selection, spec 3.5 (eq. 60)."""
    o = _root(obj, file, notes, TALLY_KEYS)
    contests = []
    for c in o.get("contests").items():
        c.obj(TALLY_CONTEST_KEYS)
        selections = []
        for s in c.get("selections").items():
            s.obj(TALLY_SELECTION_KEYS)
            selections.append(
                EncryptedTallySelection(
                    s.get("selection_id").ident(),
                    s.get("sequence_order").integer(),
                    s.get("encrypted_vote").ciphertext(group),
                )
            )
        contests.append(
            EncryptedTallyContest(c.get("contest_id").ident(), c.get("sequence_order").integer(), tuple(selections))
        )
    return EncryptedTally(
        tally_id=o.get("tally_id").text(),
        contests=tuple(contests),
        cast_ballot_ids=o.get("cast_ballot_ids").idents(),
        election_id=o.get("election_id").uint256(),
    )


def encode_encrypted_tally(tally: EncryptedTally) -> dict[str, Any]:
    return {
        "tally_id": tally.tally_id,
        "contests": [
            {
                "contest_id": c.contest_id,
                "sequence_order": c.sequence_order,
                "selections": [
                    {
                        "selection_id": s.selection_id,
                        "sequence_order": s.sequence_order,
                        "encrypted_vote": _ciphertext(s.ciphertext),
                    }
                    for s in c.selections
                ],
            }
            for c in tally.contests
        ],
        "cast_ballot_ids": list(tally.cast_ballot_ids),
        "election_id": tally.election_id.hex(),
    }


# ------------------------------------------------------------ tally.json, challenged_ballots/dballot-*.json


def decode_decrypted(
    obj: Any, group: Group, file: str = "tally.json", notes: list[str] | None = None
) -> DecryptedTallyOrBallot:
    """A decrypted tally or challenged ballot: t, T = K^t (b_over_m) and the proof of eq. 71-76;
    for ballots also the decrypted contest data with its proof (spec 3.6.4, docs/PROTOCOL.md deviation 3)."""
    o = _root(obj, file, notes, DECRYPTED_KEYS)
    metadata = o.opt("metadata")
    return DecryptedTallyOrBallot(
        id=o.get("id").text(),
        contests=tuple(_decrypted_contest(c, group) for c in o.get("contests").items()),
        election_id=o.get("election_id").uint256(),
        metadata=() if metadata is None else metadata.string_map(),
    )


def _decrypted_contest(n: _Node, group: Group) -> DecryptedContest:
    n.obj(DECRYPTED_CONTEST_KEYS)
    selections = []
    for s in n.get("selections").items():
        s.obj(DECRYPTED_SELECTION_KEYS)
        selections.append(
            DecryptedSelection(
                selection_id=s.get("selection_id").ident(),
                tally=s.get("tally").integer(),
                b_over_m=s.get("b_over_m").element_p(group),
                ciphertext=s.get("encrypted_vote").ciphertext(group),
                proof=s.get("proof").decryption_proof(group),
            )
        )
    data = n.opt("decrypted_contest_data")
    return DecryptedContest(
        contest_id=n.get("contest_id").ident(),
        selections=tuple(selections),
        decrypted_contest_data=None if data is None else _decrypted_contest_data(data, group),
    )


def _decrypted_contest_data(n: _Node, group: Group) -> DecryptedContestData:
    n.obj(DECRYPTED_CONTEST_DATA_KEYS)
    cd = n.get("contest_data").obj(CONTEST_DATA_KEYS)
    status_node = cd.get("status")
    status = status_node.text()
    if status not in CONTEST_DATA_STATUSES:
        status_node.fail(f"unknown contest data status {status!r} (expected one of {', '.join(CONTEST_DATA_STATUSES)})")
    return DecryptedContestData(
        contest_data=ContestData(
            over_votes=tuple(v.integer() for v in cd.get("over_votes").items()),
            write_ins=cd.get("write_ins").strings(),
            status=status,
        ),
        encrypted_contest_data=n.get("encrypted_contest_data").hashed_ciphertext(group),
        proof=n.get("proof").decryption_proof(group),
        beta=n.get("beta").element_p(group),
    )


def encode_decrypted(decrypted: DecryptedTallyOrBallot) -> dict[str, Any]:
    contests = []
    for c in decrypted.contests:
        contest: dict[str, Any] = {
            "contest_id": c.contest_id,
            "selections": [
                {
                    "selection_id": s.selection_id,
                    "tally": s.tally,
                    "b_over_m": hex_p(s.b_over_m),
                    "encrypted_vote": _ciphertext(s.ciphertext),
                    "proof": _decryption_proof(s.proof),
                }
                for s in c.selections
            ],
        }
        d = c.decrypted_contest_data
        if d is not None:
            contest["decrypted_contest_data"] = {
                "contest_data": {
                    "over_votes": list(d.contest_data.over_votes),
                    "write_ins": list(d.contest_data.write_ins),
                    "status": d.contest_data.status,
                },
                "encrypted_contest_data": _hashed_ciphertext(d.encrypted_contest_data),
                "proof": _decryption_proof(d.proof),
                "beta": hex_p(d.beta),
            }
        contests.append(contest)
    out: dict[str, Any] = {
        "id": decrypted.id,
        "contests": contests,
        "election_id": decrypted.election_id.hex(),
    }
    _set_metadata(out, decrypted.metadata)
    return out


# ---------------------------------------------------------------- private data


def decode_trustee(
    obj: Any, group: Group, file: str = "decryptingTrustee.json", notes: list[str] | None = None
) -> DecryptingTrustee:
    """A guardian's secrets: a_i,0..a_i,k-1 (eq. 9) and the key share P(i) (eq. 65)."""
    o = _root(obj, file, notes, TRUSTEE_KEYS)
    return DecryptingTrustee(
        guardian_id=o.get("id").ident(),
        x_coordinate=o.get("x_coordinate").integer(1),
        polynomial_coefficients=tuple(
            n.element_q(group) for n in o.get("polynomial_coefficients").items(nonempty=True)
        ),
        key_share=o.get("key_share").element_q(group),
    )


def encode_trustee(trustee: DecryptingTrustee) -> dict[str, Any]:
    return {
        "id": trustee.guardian_id,
        "x_coordinate": trustee.x_coordinate,
        "polynomial_coefficients": [hex_q(a) for a in trustee.polynomial_coefficients],
        "key_share": hex_q(trustee.key_share),
    }


def decode_plaintext_ballot(obj: Any, file: str = "pballot.json", notes: list[str] | None = None) -> PlaintextBallot:
    o = _root(obj, file, notes, PLAINTEXT_BALLOT_KEYS)
    contests = []
    for c in o.get("contests").items():
        c.obj(PLAINTEXT_CONTEST_KEYS)
        selections = []
        for s in c.get("selections").items():
            s.obj(PLAINTEXT_SELECTION_KEYS)
            selections.append(
                PlaintextSelection(
                    s.get("selection_id").ident(), s.get("sequence_order").integer(), s.get("vote").integer()
                )
            )
        write_ins = c.opt("write_ins")
        contests.append(
            PlaintextContest(
                contest_id=c.get("contest_id").ident(),
                sequence_order=c.get("sequence_order").integer(),
                selections=tuple(selections),
                write_ins=() if write_ins is None else write_ins.strings(),
            )
        )
    sn = o.opt("sn")
    return PlaintextBallot(
        ballot_id=o.get("ballot_id").ident(),
        ballot_style=o.get("ballot_style").ident(),
        contests=tuple(contests),
        sn=None if sn is None else sn.integer(0, LONG_MAX),
    )


def encode_plaintext_ballot(ballot: PlaintextBallot) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ballot_id": ballot.ballot_id,
        "ballot_style": ballot.ballot_style,
        "contests": [
            {
                "contest_id": c.contest_id,
                "sequence_order": c.sequence_order,
                "selections": [
                    {"selection_id": s.selection_id, "sequence_order": s.sequence_order, "vote": s.vote}
                    for s in c.selections
                ],
                "write_ins": list(c.write_ins),
            }
            for c in ballot.contests
        ],
    }
    if ballot.sn is not None:
        out["sn"] = ballot.sn
    return out
