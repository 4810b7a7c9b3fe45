"""The browser harness (issue 13, item 4): a board served on loopback in this process, and Playwright driving the
system's Chromium (Debian's ``chromium``) headless. Without Chromium or Playwright the tests skip, saying which;
in CI (CI=true, set by .ci/run, which installs Chromium) they fail instead.

- ``web_board``: one test-group online election (tests.adversarial.online_board) served by uvicorn in a thread
  (engine.server.run.serving_in_thread) for the session, with ``tamper_proofs``: a switch of a test-only ASGI
  wrapper that alters the inclusion proof in every receipt the board answers to POST /ballots.
- ``browser_page``: a fresh browser context and page per test (``viewport`` marker to change its size), whose
  ``shot(name)`` saves a screenshot of the step under ``screenshots_dir`` ($BALLOTCHAIN_SCREENSHOTS, else the
  session's pytest temporary folder, ``screenshots/``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from engine.board.sth import BoardKey
from engine.server.app import create_app
from engine.server.run import serving_in_thread
from engine.server.service import BoardService
from tests.adversarial.online_board import OnlineElection, make_online_election

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1000, "height": 900}
VOTERS = 10


@dataclass
class ProofTamper:
    """The switch of the wrapper that serves wrong inclusion proofs."""

    enabled: bool = False


class WrongProofBoard:
    """A test-only wrapper of the served app: while ``tamper.enabled``, every receipt answered to POST /ballots
    carries an inclusion proof whose first hash has one bit flipped (the board serving a wrong proof)."""

    def __init__(self, app: Any, tamper: ProofTamper) -> None:
        self.app, self.tamper = app, tamper

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not (self.tamper.enabled and scope["type"] == "http" and scope["path"] == "/ballots"):
            await self.app(scope, receive, send)
            return
        started: dict[str, Any] = {}
        body = bytearray()

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            data = bytes(body)
            if started["status"] == 200:
                receipt = json.loads(data)
                first = bytearray(bytes.fromhex(receipt["inclusion_proof"][0]))
                first[0] ^= 1
                receipt["inclusion_proof"][0] = first.hex().upper()
                data = json.dumps(receipt).encode()
            headers = [(k, v) for k, v in started["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(data)).encode()))
            await send({**started, "headers": headers})
            await send({"type": "http.response.body", "body": data})

        await self.app(scope, receive, capture)


@dataclass
class WebBoard:
    election: OnlineElection
    url: str
    tamper: ProofTamper
    credential_files: list[Path] = field(default_factory=list)

    def page_url(self, name: str) -> str:
        return f"{self.url}/web/{name}"


def _browser_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    if not _playwright_installed():
        return "Playwright is not installed (pip install playwright, in the dev extra)"
    return None


def _playwright_installed() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def chromium_browser() -> Iterator[Any]:
    """Chromium for one test module: Playwright's synchronous API keeps an event loop running in the
    test's thread while it is open, so it must be closed before the worker runs another module's tests
    (an asyncio.run() there would fail)."""
    reason = _browser_missing()
    if reason and os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def web_board(chromium_browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebBoard]:
    root = tmp_path_factory.mktemp("web-board")
    election = make_online_election(root, voters=VOTERS)
    service = BoardService(
        election.election, election.roster, election.db, BoardKey.load(election.board_key_file), check_workers=0
    )
    tamper = ProofTamper()
    try:
        with serving_in_thread(WrongProofBoard(create_app(service), tamper)) as url:
            board = WebBoard(election, url, tamper)
            for i, credential in enumerate(election.credentials):
                path = root / "credentials" / f"voter-{i}.json"
                path.parent.mkdir(exist_ok=True)
                credential.save(path)
                board.credential_files.append(path)
            yield board
    finally:
        service.close()


@pytest.fixture(scope="session")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("BALLOTCHAIN_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class BrowserPage:
    page: Any
    folder: Path
    test: str
    errors: list[str]

    def shot(self, step: str) -> Path:
        path = self.folder / f"{self.test}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture()
def browser_page(
    chromium_browser: Any, screenshots_dir: Path, request: pytest.FixtureRequest, web_board: WebBoard
) -> Iterator[BrowserPage]:
    marker = request.node.get_closest_marker("viewport")
    viewport = marker.args[0] if marker else DESKTOP
    context = chromium_browser.new_context(viewport=viewport, accept_downloads=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield BrowserPage(page, screenshots_dir, request.node.name, errors)
    finally:
        web_board.tamper.enabled = False
        context.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "viewport(size): the browser page's viewport for this test")
