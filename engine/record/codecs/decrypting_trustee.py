"""private_data/trustees/decryptingTrustee-<guardian id>.json: a guardian's secrets (never public).

egk's DecryptingTrustee: the polynomial coefficients of spec 2.0.0 section 3.2.1 and the key share
of section 3.2.2.
"""

from __future__ import annotations

from typing import Any

from engine.election import DecryptingTrustee
from engine.group import Group
from engine.record.codecs.values import hex_q
from engine.record.cursor import JsonCursor

TRUSTEE_KEYS = ("id", "x_coordinate", "polynomial_coefficients", "key_share")


def decode_trustee(
    obj: Any, group: Group, file: str = "decryptingTrustee.json", notes: list[str] | None = None
) -> DecryptingTrustee:
    """A guardian's secrets: a_i,0..a_i,k-1 (eq. 9) and the key share P(i) (eq. 65)."""
    o = JsonCursor.root(obj, file, notes, TRUSTEE_KEYS)
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
