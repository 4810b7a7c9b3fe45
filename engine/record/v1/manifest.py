"""manifest.json of an ElectionGuard 1.0 record: the fields electionguard-python 1.4 hashes into the
manifest hash (``Manifest.crypto_hash``), and the contests' selections and votes allowed. Candidates
and other fields outside that hash are read as JSON but not kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.record.cursor import JsonCursor

CONTEST_KEYS = (
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
    "primary_party_ids",
)
SELECTION_KEYS = ("object_id", "sequence_order", "candidate_id")

# InternationalizedText: (value, language) pairs; None where the field is null.
Text = tuple[tuple[str, str], ...] | None
Annotated = tuple[tuple[str, str], ...] | None  # (annotation, value) pairs


@dataclass(frozen=True, slots=True)
class V1Contact:
    name: str | None
    address_line: tuple[str, ...] | None
    email: Annotated
    phone: Annotated


@dataclass(frozen=True, slots=True)
class V1GeopoliticalUnit:
    object_id: str
    name: str
    type: str
    contact: V1Contact | None


@dataclass(frozen=True, slots=True)
class V1Party:
    object_id: str
    name: Text
    abbreviation: str | None
    color: str | None
    logo_uri: str | None


@dataclass(frozen=True, slots=True)
class V1SelectionDescription:
    object_id: str
    sequence_order: int
    candidate_id: str


@dataclass(frozen=True, slots=True)
class V1ManifestContest:
    """A contest as hashed (file order of selections kept), with L: its votes allowed (else number elected)."""

    object_id: str
    sequence_order: int
    electoral_district_id: str
    vote_variation: str
    number_elected: int
    votes_allowed_field: int | None
    name: str
    ballot_title: Text
    ballot_subtitle: Text
    descriptions: tuple[V1SelectionDescription, ...]

    @property
    def votes_allowed(self) -> int:
        return self.votes_allowed_field if self.votes_allowed_field is not None else self.number_elected

    @property
    def selections(self) -> tuple[str, ...]:
        """The selections' ids in sequence order."""
        return tuple(s.object_id for s in sorted(self.descriptions, key=lambda s: s.sequence_order))


@dataclass(frozen=True, slots=True)
class V1BallotStyle:
    object_id: str
    geopolitical_unit_ids: tuple[str, ...] | None
    party_ids: tuple[str, ...] | None
    image_uri: str | None


@dataclass(frozen=True, slots=True)
class V1Manifest:
    election_scope_id: str
    type: str
    start_date: str
    end_date: str
    name: Text
    contact: V1Contact | None
    geopolitical_units: tuple[V1GeopoliticalUnit, ...]
    parties: tuple[V1Party, ...]
    contests_in_file_order: tuple[V1ManifestContest, ...]
    styles: tuple[V1BallotStyle, ...]

    @property
    def contests(self) -> tuple[V1ManifestContest, ...]:
        return tuple(sorted(self.contests_in_file_order, key=lambda c: c.sequence_order))

    @property
    def ballot_styles(self) -> tuple[str, ...]:
        return tuple(s.object_id for s in self.styles)

    def contest(self, object_id: str) -> V1ManifestContest | None:
        for contest in self.contests_in_file_order:
            if contest.object_id == object_id:
                return contest
        return None


def _date(n: JsonCursor) -> str:
    """An ISO 8601 date and time, kept as written (the manifest hash formats it again)."""
    text = n.text()
    try:
        datetime.fromisoformat(text)
    except ValueError:
        n.fail("not an ISO 8601 date and time")
    return text


def _opt_text(n: JsonCursor | None) -> str | None:
    return None if n is None else n.text()


def _strings(n: JsonCursor | None) -> tuple[str, ...] | None:
    return None if n is None else n.strings()


def _itext(n: JsonCursor | None) -> Text:
    if n is None:
        return None
    o = n.obj(("text",))
    return tuple(
        (t.obj(("value", "language")).get("value").text(), t.get("language").text()) for t in o.get("text").items()
    )


def _annotated(n: JsonCursor | None) -> Annotated:
    if n is None:
        return None
    return tuple((a.obj(("annotation", "value")).get("annotation").text(), a.get("value").text()) for a in n.items())


def _contact(n: JsonCursor | None) -> V1Contact | None:
    if n is None:
        return None
    o = n.obj(("name", "address_line", "email", "phone"))
    return V1Contact(
        _opt_text(o.opt("name")),
        _strings(o.opt("address_line")),
        _annotated(o.opt("email")),
        _annotated(o.opt("phone")),
    )


def _contest(n: JsonCursor) -> V1ManifestContest:
    c = n.obj(CONTEST_KEYS)
    limit = c.opt("votes_allowed")
    return V1ManifestContest(
        object_id=c.get("object_id").text(),
        sequence_order=c.get("sequence_order").integer(),
        electoral_district_id=c.get("electoral_district_id").text(),
        vote_variation=c.get("vote_variation").text(),
        number_elected=c.get("number_elected").integer(1),
        votes_allowed_field=None if limit is None else limit.integer(1),
        name=c.get("name").text(),
        ballot_title=_itext(c.opt("ballot_title")),
        ballot_subtitle=_itext(c.opt("ballot_subtitle")),
        descriptions=tuple(
            V1SelectionDescription(
                s.obj(SELECTION_KEYS).get("object_id").text(),
                s.get("sequence_order").integer(),
                s.get("candidate_id").text(),
            )
            for s in c.get("ballot_selections").items()
        ),
    )


def decode_manifest(obj: object, file: str) -> V1Manifest:
    o = JsonCursor(obj, (), file, None).obj(())
    units = tuple(
        V1GeopoliticalUnit(
            u.obj(("object_id", "name", "type", "contact_information")).get("object_id").text(),
            u.get("name").text(),
            u.get("type").text(),
            _contact(u.opt("contact_information")),
        )
        for u in o.get("geopolitical_units").items()
    )
    parties_node = o.opt("parties")
    parties = tuple(
        V1Party(
            p.obj(("object_id", "name", "abbreviation", "color", "logo_uri")).get("object_id").text(),
            _itext(p.opt("name")),
            _opt_text(p.opt("abbreviation")),
            _opt_text(p.opt("color")),
            _opt_text(p.opt("logo_uri")),
        )
        for p in (parties_node.items() if parties_node is not None else [])
    )
    styles = tuple(
        V1BallotStyle(
            s.obj(("object_id", "geopolitical_unit_ids", "party_ids", "image_uri")).get("object_id").text(),
            _strings(s.opt("geopolitical_unit_ids")),
            _strings(s.opt("party_ids")),
            _opt_text(s.opt("image_uri")),
        )
        for s in o.get("ballot_styles").items()
    )
    return V1Manifest(
        election_scope_id=o.get("election_scope_id").text(),
        type=o.get("type").text(),
        start_date=_date(o.get("start_date")),
        end_date=_date(o.get("end_date")),
        name=_itext(o.opt("name")),
        contact=_contact(o.opt("contact_information")),
        geopolitical_units=units,
        parties=parties,
        contests_in_file_order=tuple(_contest(n) for n in o.get("contests").items()),
        styles=styles,
    )
