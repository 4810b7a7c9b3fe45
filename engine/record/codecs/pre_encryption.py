"""The `pre_encryption` object of a pre-encrypted ballot's contest (egk's layout), spec 2.0.0 section 4.4."""

from __future__ import annotations

from typing import Any

from engine.election import PreEncryption, SelectionVector
from engine.group import Group
from engine.record.codecs.values import decode_ciphertext, encode_ciphertext
from engine.record.cursor import JsonCursor

PRE_ENCRYPTION_KEYS = ("preencryption_hash", "all_selection_hashes", "selected_vectors")
SELECTION_VECTOR_KEYS = ("selection_hash", "short_code", "encryptions")


def decode_pre_encryption(n: JsonCursor, group: Group) -> PreEncryption:
    """The contest hash of eq. 94, every selection hash (eq. 92-93) and the selected vectors with their short codes."""
    n.obj(PRE_ENCRYPTION_KEYS)
    return PreEncryption(
        preencryption_hash=n.get("preencryption_hash").uint256(),
        all_selection_hashes=tuple(h.uint256() for h in n.get("all_selection_hashes").items()),
        selected_vectors=tuple(_selection_vector(v, group) for v in n.get("selected_vectors").items()),
    )


def _selection_vector(n: JsonCursor, group: Group) -> SelectionVector:
    n.obj(SELECTION_VECTOR_KEYS)
    return SelectionVector(
        selection_hash=n.get("selection_hash").uint256(),
        short_code=n.get("short_code").text(),
        encryptions=tuple(decode_ciphertext(e, group) for e in n.get("encryptions").items()),
    )


def encode_pre_encryption(pre: PreEncryption) -> dict[str, Any]:
    return {
        "preencryption_hash": pre.preencryption_hash.hex(),
        "all_selection_hashes": [h.hex() for h in pre.all_selection_hashes],
        "selected_vectors": [
            {
                "selection_hash": v.selection_hash.hex(),
                "short_code": v.short_code,
                "encryptions": [encode_ciphertext(e) for e in v.encryptions],
            }
            for v in pre.selected_vectors
        ],
    }
