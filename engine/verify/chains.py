"""Verifications 7.C-7.G (unique confirmation codes, ballot chaining), spec 2.0.0 section 3.4.3.

egk's chain differs from the spec text (docs/PROTOCOL.md deviation 2; see engine.verify.hashes): the
chain file's ``baux0`` holds H_0, the first ballot's B_aux is H_0 alone and nothing carries a
length prefix. Both forms are accepted; the report counts which one each chain used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from engine.election import BallotChain
from engine.hash import UInt256
from engine.record.layout import ballot_chain_label, encrypted_ballot_label
from engine.verify.hashes import CODE_FORMS, EGK, SPEC, chain_aux, chain_closing_hash, chain_initial_hash
from engine.verify.listed import ListedIds
from engine.verify.report import Finding, Recorder


@dataclass(frozen=True, slots=True)
class ChainLink:
    """A chained ballot's confirmation code H(B_j) and the B_aux,j it was computed with."""

    confirmation_code: UInt256
    code_baux: bytes


def verify_chain(
    rec: Recorder,
    h_e: UInt256,
    b_aux_0: bytes,
    chain: BallotChain,
    links: Mapping[str, ChainLink],
    *,
    chaining_configured: bool,
    ballot_ids: Callable[[], Iterable[str]] | None = None,
    listed: ListedIds | None = None,
) -> None:
    """7.D-7.G and R.chain_cover for one device; ``links`` are the device's ballots by id.

    The chain's ids are ``chain.ballot_ids``, or those ``ballot_ids()`` streams (twice) from the chain file, with
    ``listed`` (empty) to keep the ids met: then nothing held grows with the device's ballots (issue 11, item 4).

    Whether codes are chained is the configuration's word (election_config.json,
    chain_confirmation_codes, spec 3.4.3), never the chain file's: a device that drops a ballot
    cannot turn the chain checks off by writing "chaining": false, and a chain file that says
    otherwise than the configuration fails 7.D.
    """
    device = chain.encrypting_device
    where = {"file": ballot_chain_label(device)}
    ids = ballot_ids if ballot_ids is not None else lambda: chain.ballot_ids
    last_id = _verify_cover(rec, device, ids(), links, set() if listed is None else listed)
    rec.expect(
        chain.chaining == chaining_configured,
        "7.D",
        f'the chain file says "chaining": {_json_bool(chain.chaining)}, but election_config.json says '
        f'"chain_confirmation_codes": {_json_bool(chaining_configured)}',
        **where,
    )
    if not chaining_configured:
        rec.note("7.D", f"device {device}: the configuration does not chain confirmation codes")
        return

    with rec.timed("7.D"):
        h0 = {form: chain_initial_hash(h_e, b_aux_0, form) for form in CODE_FORMS}
        start_forms = []
        if chain.baux0 == h0[EGK].data:
            start_forms.append(EGK)
        if chain.baux0 in (h0[SPEC].data, b_aux_0):
            start_forms.append(SPEC)
        if rec.expect(
            bool(start_forms) and len(b_aux_0) > 0,
            "7.D",
            "the chain's baux0 is neither H_0 = H(H_E; 0x24, B_aux,0) nor B_aux,0"
            if b_aux_0
            else "B_aux,0 is empty: it must hold the voting device information",
            **where,
        ):
            for form in start_forms:
                rec.form("7.D", form)

    with rec.timed("7.E"):
        forms_seen: set[str] = set()
        previous = dict(h0)
        for position, ballot_id in enumerate(ids(), start=1):
            link = links.get(ballot_id)
            if link is None:
                previous = {}
                continue
            ok_forms = [
                form
                for form in CODE_FORMS
                if form in previous and link.code_baux == chain_aux(previous[form], b_aux_0, position, form)
            ]
            if (
                rec.expect(
                    bool(ok_forms),
                    "7.E",
                    f"B_aux at chain position {position} is not H(B_{position - 1}) || B_aux,0",
                    file=encrypted_ballot_label(device, ballot_id),
                    ballot_id=ballot_id,
                )
                and position == 1
            ):
                forms_seen.update(ok_forms)
            previous = {form: link.confirmation_code for form in CODE_FORMS}
        for form in sorted(forms_seen):
            rec.form("7.E", form)

    with rec.timed("7.F"):
        last = links.get(last_id) if last_id is not None else None
        rec.expect(
            last is not None and last.confirmation_code == chain.last_confirmation_code,
            "7.F",
            "the chain's last confirmation code is not the code of its last ballot",
            **where,
        )

    with rec.timed("7.G"):
        if chain.closing_hash is None:
            rec.failed(Finding("7.G", "the chain has no closing hash", **where))
        else:
            # over the last ballot's own code (7.F checks the chain file's copy of it)
            last_code = last.confirmation_code if last is not None else chain.last_confirmation_code
            closing = {form: chain_closing_hash(h_e, last_code, b_aux_0, form) for form in (EGK, SPEC)}
            found = [form for form, h in closing.items() if h == chain.closing_hash]
            if rec.expect(
                bool(found),
                "7.G",
                "the closing hash is not H(H_E; 0x24, H(B_l) || B_aux,0 || 'CLOSE') (spec or egk form)",
                **where,
            ):
                rec.form("7.G", found[0])


def _json_bool(value: bool) -> str:
    return "true" if value else "false"


def _verify_cover(
    rec: Recorder, device: str, ids: Iterable[str], links: Mapping[str, ChainLink], seen: ListedIds
) -> str | None:
    """R.chain_cover; the chain's last id."""
    where = {"file": ballot_chain_label(device)}
    last_id = None
    for ballot_id in ids:
        rec.expect(ballot_id not in seen, "R.chain_cover", f"ballot {ballot_id} is in the chain twice", **where)
        rec.expect(
            ballot_id in links,
            "R.chain_cover",
            f"the chain lists ballot {ballot_id}, which is not a ballot of device {device}",
            ballot_id=ballot_id,
            **where,
        )
        seen.add(ballot_id)
        last_id = ballot_id
    for ballot_id in links:
        if ballot_id not in seen:
            rec.failed(
                Finding(
                    "R.chain_cover",
                    f"the ballot is not in device {device}'s chain",
                    ballot_id=ballot_id,
                    **where,
                )
            )
    return last_id


def verify_unique_codes(rec: Recorder, unique: int, duplicates: Mapping[bytes, list[str]]) -> None:
    """7.C over all submitted ballots: ``unique`` codes held by one ballot each, and the others."""
    with rec.timed("7.C"):
        rec.passed("7.C", unique)
        for code, ballot_ids in duplicates.items():
            rec.failed(
                Finding(
                    "7.C",
                    f"ballots {sorted(ballot_ids)} have the same confirmation code {code.hex().upper()}",
                )
            )
