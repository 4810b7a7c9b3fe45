"""A challenged ballot as the voter takes it to a second device (Ballotchain's own file, outside egk's layout).

The voter who challenges a ballot (Benaloh's cast-or-challenge, spec 2.0.0 section 3.4) receives from the
encrypting device the ballot nonce xi_B, from which every selection nonce (eq. 25) and contest data nonce
(eq. 50) follows, with the choices the device claims to have encrypted and the encrypted ballot (state
SPOILED) as it was submitted. The voting page writes it (engine/server/web/js/eg/ballot.js);
``ballotchain ballot check-challenge`` reads it. docs/FORMATS.md, "Challenged ballot", describes each field.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.election import EncryptedBallot, PlaintextBallot
from engine.group import Group
from engine.hash import UInt256
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot, encode_encrypted_ballot
from engine.record.codecs.plaintext_ballot import decode_plaintext_ballot, encode_plaintext_ballot
from engine.record.cursor import JsonCursor
from engine.record.jsonio import loads
from engine.record.reader import read_bytes

KIND = "ballotchain-challenged-ballot-v1"
KEYS = ("kind", "election", "confirmation_code", "ballot_nonce", "choices", "ballot")


@dataclass(frozen=True)
class ChallengedBallot:
    """What a challenged ballot's check needs: H_E, the code the voter saw, xi_B, the claimed choices, the ballot."""

    election: UInt256
    confirmation_code: UInt256
    ballot_nonce: UInt256
    choices: PlaintextBallot
    ballot: EncryptedBallot


def encode_challenged_ballot(challenged: ChallengedBallot) -> dict[str, Any]:
    return {
        "kind": KIND,
        "election": challenged.election.hex(),
        "confirmation_code": challenged.confirmation_code.hex(),
        "ballot_nonce": challenged.ballot_nonce.hex(),
        "choices": encode_plaintext_ballot(challenged.choices),
        "ballot": encode_encrypted_ballot(challenged.ballot),
    }


def decode_challenged_ballot(obj: Any, group: Group, file: str = "challenge.json") -> ChallengedBallot:
    """Strictly: the five fields and the kind; RecordError names the first field that is wrong."""
    o = JsonCursor.root(obj, file, None, KEYS)
    kind = o.get("kind").text()
    if kind != KIND:
        o.get("kind").fail(f"not a challenged ballot ({kind!r}; expected {KIND!r})")
    return ChallengedBallot(
        election=o.get("election").uint256(),
        confirmation_code=o.get("confirmation_code").uint256(),
        ballot_nonce=o.get("ballot_nonce").uint256(),
        choices=decode_plaintext_ballot(o.get("choices").value, f"{file}: choices"),
        ballot=decode_encrypted_ballot(o.get("ballot").value, group, f"{file}: ballot"),
    )


def read_challenged_ballot(path: Path, group: Group) -> ChallengedBallot:
    label = str(path)
    return decode_challenged_ballot(loads(read_bytes(path, label), label), group, label)
