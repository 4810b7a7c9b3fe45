"""Schemathesis against the board's own OpenAPI description (GET /openapi.json, engine.server.openapi),
over real HTTP: the board's server with uvicorn on a free loopback port, every operation fed inputs
that fit the description (positive) and inputs that break it (negative). A 5xx, an answer the
description does not allow (status, media type, schema), negative data accepted, or a request that
does not come back (hang) fails the test. Bounded: derandomized, EXAMPLES inputs per operation and
mode; the number of inputs sent is counted and printed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from starlette.applications import Starlette
from starlette.routing import Route

from engine.board.sth import BoardKey
from engine.cli.demo_cmd import run_ceremony
from engine.cli.election_cmds import fix_election_keys
from engine.credentials.did import VoterCredential
from engine.credentials.roster import RegistrarKey, make_roster
from engine.record import ElectionRecord
from engine.server.app import create_app
from engine.server.run import serving_in_thread
from engine.server.service import BoardService, Election

pytestmark = pytest.mark.once  # HTTP and its description; decoders refuse what is out of range before arithmetic

EXAMPLES = 30
REQUEST_TIMEOUT = 30.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)


@dataclass(frozen=True)
class Served:
    url: str
    app: Starlette


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("fuzz")
    record = root / "election"
    run_ceremony(record, root / "private", root / "exchange", 1, 1, "test", chain=False, step=str)
    h_e = ElectionRecord(record).initialized.extended_base_hash
    registrar, board_key = RegistrarKey.generate(), BoardKey.generate()
    roster = make_roster(registrar, [VoterCredential.generate().did for _ in range(3)], h_e)
    fix_election_keys(record, board_key.public_key, registrar.public_key)
    service = BoardService(Election.from_record(record), roster, root / "board.sqlite", board_key)
    try:
        app = create_app(service)
        with serving_in_thread(app) as url:
            yield Served(url, app)
    finally:
        service.close()


def test_the_description_is_served_and_names_every_route(board: Served) -> None:
    described = httpx.get(f"{board.url}/openapi.json", timeout=REQUEST_TIMEOUT).json()
    assert described["openapi"].startswith("3.")
    routes = {(m.lower(), r.path) for r in board.app.routes if isinstance(r, Route) for m in r.methods or ()}
    routes -= {(m, path) for m, path in routes if m == "head"}  # Starlette answers HEAD for every GET
    assert {(m, path) for path, item in described["paths"].items() for m in item} == routes
    schema = schemathesis.openapi.from_url(f"{board.url}/openapi.json")
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert labels == {f"{m.upper()} {path}" for m, path in routes} - {"GET /openapi.json"}  # its own, left out


def fuzz(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, url: str) -> int:
    """Send EXAMPLES inputs of this mode to the operation, checking every answer; how many were sent
    (none for negative inputs of an operation without parameters or body: there are none to make)."""
    sent = [0]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: schemathesis.Case) -> None:
        sent[0] += 1
        case.call_and_validate(base_url=url, checks=CHECKS, timeout=REQUEST_TIMEOUT)

    try:
        send()
    except Unsatisfiable:
        if mode is schemathesis.GenerationMode.POSITIVE or operation.query or operation.body:
            raise
    return sent[0]


def test_schemathesis_finds_no_crash(board: Served, capsys: pytest.CaptureFixture[str]) -> None:
    schema = schemathesis.openapi.from_url(f"{board.url}/openapi.json")
    sent = {
        f"{result.ok().label} ({mode.value})": fuzz(result.ok(), mode, board.url)
        for result in schema.get_all_operations()
        for mode in MODES
    }
    total = sum(sent.values())
    with capsys.disabled():
        print(f"\nschemathesis: {total} inputs over {len(sent)} operations and modes, no crash: {sent}")
    assert all(count > 0 for key, count in sent.items() if "positive" in key), sent
    for label in ("POST /ballots", "GET /entries", "GET /proof/inclusion", "GET /proof/consistency"):
        assert sent[f"{label} (negative)"] > 0, sent
    assert total >= 10 * len(sent)
