"""POST /ballots is served around Starlette's middleware stack and router (issue 12, submissions per second):
every answer is the one the stack gives (tests/server/test_server.py covers the board's own answers)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from engine.group import group_by_name
from engine.manifest import Manifest
from engine.server.app import Limits, create_app
from engine.server.checker import CheckedSubmission
from engine.server.errors import ApiError
from engine.server.metrics import BoardMetrics


class StubBoard:
    """Refuses what its body says, accepts "ok", fails on "boom"."""

    group = group_by_name("test")

    def __init__(self) -> None:
        self.manifest = Manifest.__new__(Manifest)

    def check_body(self, body: bytes) -> Future[CheckedSubmission]:
        future: Future[CheckedSubmission] = Future()
        if body == b'"boom"':
            future.set_exception(RuntimeError("a checking process died"))
        else:
            future.set_result(CheckedSubmission(None, None, None if body == b'"ok"' else (422, f"refused {body!r}")))
        return future

    def submit_checked(self, checked: CheckedSubmission) -> dict[str, Any]:
        if checked.refusal is not None:
            raise ApiError(*checked.refusal)
        return {"receipt": "yes"}


@pytest.fixture()
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, TestClient, BoardMetrics]]:
    monkeypatch.setattr("engine.server.app.openapi_document", lambda **_: {})
    monkeypatch.setattr("engine.server.app.BallotShape.of", lambda *_: None)
    metrics = BoardMetrics()
    app = create_app(StubBoard(), Limits(max_body=64), metrics)  # type: ignore[arg-type]

    async def through_starlette(scope: Any, receive: Any, send: Any) -> None:
        await Starlette.__call__(app, scope, receive, send)

    with (
        TestClient(app, raise_server_exceptions=False) as fast,
        TestClient(through_starlette, raise_server_exceptions=False) as stack,
    ):
        yield fast, stack, metrics


REQUESTS = [
    ("POST", "/ballots", b'"ok"', "application/json"),
    ("POST", "/ballots", b'"no"', "application/json"),
    ("POST", "/ballots", b'"boom"', "application/json"),
    ("POST", "/ballots?x=1", b'"ok"', "application/json"),
    ("POST", "/ballots", b'"ok"', "text/plain"),
    ("POST", "/ballots", b"[" + b" " * 100 + b"]", "application/json"),
    ("GET", "/ballots", b"", "application/json"),
    ("POST", "/ballots/", b'"ok"', "application/json"),
]


@pytest.mark.parametrize(("method", "path", "body", "media"), REQUESTS)
def test_the_route_answers_as_the_stack_does(
    clients: tuple[TestClient, TestClient, BoardMetrics], method: str, path: str, body: bytes, media: str
) -> None:
    fast, stack, metrics = clients
    answers = [
        c.request(method, path, content=body, headers={"content-type": media}, follow_redirects=False)
        for c in (fast, stack)
    ]
    assert answers[0].status_code == answers[1].status_code
    assert answers[0].content == answers[1].content
    assert answers[0].headers.get("content-type") == answers[1].headers.get("content-type")


def test_answers_and_metrics(clients: tuple[TestClient, TestClient, BoardMetrics]) -> None:
    fast, _, metrics = clients
    assert fast.post("/ballots", content=b'"ok"', headers={"content-type": "application/json"}).json() == {
        "receipt": "yes"
    }
    boom = fast.post("/ballots", content=b'"boom"', headers={"content-type": "application/json"})
    assert (boom.status_code, boom.json()) == (500, {"error": "internal error; nothing was acknowledged"})
    big = fast.post("/ballots", content=b"[" + b" " * 100 + b"]", headers={"content-type": "application/json"})
    assert big.status_code == 413
    text = metrics.render().decode()
    assert 'status="500"' in text and 'status="413"' in text and 'status="422"' not in text
