"""The hash H of ElectionGuard 1.0 as electionguard-python 1.4 computes it (its ``hash_elems``).

SHA-256 over "|" followed by each item's text and "|": an element mod p or mod q as upper-case hex
with an even number of digits (``BigInteger``), a number in decimal, a string as itself, a missing
value or an empty list as "null", a list as the hex of the hash of its items; the digest, read
big-endian, is reduced mod q.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HashItem = str | Sequence["HashItem"] | None


def hx(value: int) -> str:
    """An element mod p or mod q as electionguard writes and hashes it: upper-case hex, even length."""
    digits = format(value, "02X")
    return "0" + digits if len(digits) % 2 else digits


def h1(q: int, *items: HashItem) -> int:
    """H(items...) mod q; elements must be given as hx(value), numbers as str(n)."""
    h = sha256(b"|")
    for item in items:
        if isinstance(item, str):
            text = item
        elif not item:
            text = "null"
        else:
            text = hx(h1(q, *item))
        h.update((text + "|").encode("utf-8"))
    return int.from_bytes(h.digest(), "big") % q
