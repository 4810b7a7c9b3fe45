"""The manifest hash of ElectionGuard 1.0 as electionguard-python 1.4 computes it (``Manifest.crypto_hash``),
and the description hashes of its contests and selections that every encrypted ballot carries.

H(scope id, type, start, end (UTC, "%Y-%m-%dT%H:%M:%SZ"), name, contact, geopolitical units, parties,
contests, ballot styles), each object by its own hash; the candidates are not part of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from engine.record.v1.manifest import (
    Annotated,
    Text,
    V1Contact,
    V1Manifest,
    V1ManifestContest,
    V1SelectionDescription,
)
from engine.verify.v1.hash import HashItem, h1, hx


def iso_date(text: str) -> str:
    """electionguard's to_iso_date_string of the date it parsed: UTC, whole seconds, "Z"."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hashes(q: int, hashes: Sequence[int]) -> list[HashItem]:
    """A list of objects as hash_elems sees it: each by its hash's hex (empty: "null")."""
    return [hx(x) for x in hashes]


def text_hash(q: int, text: Text) -> str | None:
    if text is None:
        return None
    return hx(h1(q, _hashes(q, [h1(q, value, language) for value, language in text])))


def _annotated(q: int, items: Annotated) -> list[HashItem] | None:
    if items is None:
        return None
    return _hashes(q, [h1(q, annotation, value) for annotation, value in items])


def contact_hash(q: int, contact: V1Contact | None) -> str | None:
    if contact is None:
        return None
    lines = list(contact.address_line) if contact.address_line is not None else None
    return hx(h1(q, contact.name, lines, _annotated(q, contact.email), _annotated(q, contact.phone)))


def selection_description_hash(q: int, s: V1SelectionDescription) -> int:
    return h1(q, s.object_id, str(s.sequence_order), s.candidate_id)


def contest_description_hash(q: int, c: V1ManifestContest) -> int:
    limit = None if c.votes_allowed_field is None else str(c.votes_allowed_field)
    return h1(
        q,
        c.object_id,
        str(c.sequence_order),
        c.electoral_district_id,
        c.vote_variation,
        text_hash(q, c.ballot_title),
        text_hash(q, c.ballot_subtitle),
        c.name,
        str(c.number_elected),
        limit,
        _hashes(q, [selection_description_hash(q, s) for s in c.descriptions]),
    )


def manifest_hash(q: int, m: V1Manifest) -> int:
    units = [h1(q, u.object_id, u.name, u.type, contact_hash(q, u.contact)) for u in m.geopolitical_units]
    parties = [h1(q, p.object_id, text_hash(q, p.name), p.abbreviation, p.color, p.logo_uri) for p in m.parties]
    contests = [contest_description_hash(q, c) for c in m.contests_in_file_order]
    styles = [
        h1(
            q,
            s.object_id,
            list(s.geopolitical_unit_ids) if s.geopolitical_unit_ids is not None else None,
            list(s.party_ids) if s.party_ids is not None else None,
            s.image_uri,
        )
        for s in m.styles
    ]
    return h1(
        q,
        m.election_scope_id,
        m.type,
        iso_date(m.start_date),
        iso_date(m.end_date),
        text_hash(q, m.name),
        contact_hash(q, m.contact),
        _hashes(q, units),
        _hashes(q, parties),
        _hashes(q, contests),
        _hashes(q, styles),
    )
