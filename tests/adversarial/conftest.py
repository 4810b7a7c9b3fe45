"""Fixtures of the adversarial tests, each built once per test process."""

from __future__ import annotations

import pytest

from tests.support.online_record import OnlineRecord, make_online_record


@pytest.fixture(scope="session")
def online_record(tmp_path_factory: pytest.TempPathFactory) -> OnlineRecord:
    """The ended, decrypted online election of tests.support.online_record; never changed by a test."""
    return make_online_record(tmp_path_factory.mktemp("verifier-online"))
