"""Elections the tests share, each built once per session (tests.support.elections).

These are templates: a test never changes one, it works on a copy (``copy_election`` into its
tmp_path). Every template is a folder with record/, private/ and exchange/ (see the support module).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.elections import (
    FOUR_BALLOTS,
    TWO_CHALLENGED,
    copy_election,
    encrypt,
    make_ceremony,
    make_cli_ceremony,
    run,
)


@pytest.fixture(scope="session")
def ceremony_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """n = 3, k = 2, chained, on the test group, after the key ceremony; no ballot yet."""
    return make_ceremony(tmp_path_factory.mktemp("ceremony") / "e")


@pytest.fixture(scope="session")
def voting_template(ceremony_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """FOUR_BALLOTS encrypted on one device, b4 challenged; voting not yet tallied."""
    root = copy_election(ceremony_template, tmp_path_factory.mktemp("voting") / "e")
    encrypt(root, FOUR_BALLOTS, challenged=["b4"])
    return root


@pytest.fixture(scope="session")
def two_cast_template(ceremony_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two ballots cast (b1, b2); voting not yet tallied."""
    root = copy_election(ceremony_template, tmp_path_factory.mktemp("two-cast") / "e")
    encrypt(root, FOUR_BALLOTS[:2])
    return root


@pytest.fixture(scope="session")
def tallied_template(ceremony_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four ballots on one device, b3 and b4 challenged, tallied; not yet decrypted."""
    root = copy_election(ceremony_template, tmp_path_factory.mktemp("tallied") / "e")
    encrypt(root, TWO_CHALLENGED, challenged=["b3", "b4"])
    run("tally", "--record", root / "record")
    return root


@pytest.fixture()
def tallied_election(tallied_template: Path, tmp_path: Path) -> Path:
    """The session's tallied election (four ballots, b3 and b4 challenged), copied."""
    return copy_election(tallied_template, tmp_path / "e")


@pytest.fixture(scope="session")
def cli_ceremony_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The key ceremony run command by command, each guardian (alice, bob, carol) in its own folder."""
    root = tmp_path_factory.mktemp("cli-ceremony")
    make_cli_ceremony(root)
    return root
