"""verify_contest's own product and contest hash (engine.verify.ballots) equal Group.product and
engine.election.contest_hash (spec 2.0.0 eq. 57), bit for bit."""

from __future__ import annotations

import secrets

import pytest

from engine.election import contest_hash
from engine.elgamal import Ciphertext
from engine.group import TEST_GROUP, ElementModP
from engine.hash import UInt256
from engine.verify.ballots import BallotContext, _contest_hash, _product
from engine.verify.layout import ManifestLayout


def _element() -> ElementModP:
    return TEST_GROUP.g_pow(secrets.randbelow(int(TEST_GROUP.q)))


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_product_is_the_groups(count: int) -> None:
    xs = [_element() for _ in range(count)]
    assert _product(TEST_GROUP, xs) == TEST_GROUP.product(xs)


@pytest.mark.parametrize("index", [0, 3, "contest-b"])
@pytest.mark.parametrize("count", [0, 1, 4])
def test_contest_hash_is_eq_57(index: int | str, count: int) -> None:
    key = _element()
    h_e = UInt256(secrets.token_bytes(32))
    ciphertexts = [Ciphertext(_element(), _element()) for _ in range(count)]
    ctx = BallotContext(TEST_GROUP, key, h_e, ManifestLayout.__new__(ManifestLayout), ())
    assert _contest_hash(ctx, index, ciphertexts) == contest_hash(h_e, index, key, ciphertexts)
