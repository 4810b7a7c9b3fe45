"""Fixtures of the command-line tests: the online election (tests.support.online_cli), built once per
session and copied into each test's tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.online_cli import make_online_election, online_election_paths


@pytest.fixture(scope="session")
def online_election_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """make_online_election's folder; a template: tests change only their copies."""
    root = tmp_path_factory.mktemp("online-election")
    make_online_election(root)
    return root


@pytest.fixture()
def online_election(online_election_template: Path, tmp_path: Path) -> dict[str, Path]:
    """An unchained test-group election, the registrar's credentials and roster, and plaintext ballots,
    copied into tmp_path (modes kept: credentials and keys stay 0600); no board database yet."""
    shutil.copytree(online_election_template, tmp_path, dirs_exist_ok=True)
    return online_election_paths(tmp_path)
