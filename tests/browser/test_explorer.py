"""The board explorer in Chromium (issue 13, items 2 and 4): the signed head and the log's entries page by page,
a confirmation code found with its inclusion proof checked in the page (counted, or replaced by a re-vote), and a
saved receipt checked against the board, a tampered one flagged in words a voter understands."""

from __future__ import annotations

import copy
import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from engine.board.merkle import (
    EMPTY_ROOT,
    MemoryTree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from engine.board.sth import BoardKey
from engine.client import BoardClient, cast_ballot, fetch_election
from engine.server.app import create_app
from engine.server.run import serving_in_thread
from engine.server.service import BoardService
from tests.adversarial.online_board import run
from tests.browser.conftest import PHONE, BrowserPage, WebBoard

pytestmark = [pytest.mark.once]


def cast_from_python(board: WebBoard, voter: int, ballot_id: str) -> dict[str, Any]:
    """Voter ``voter`` casts its plaintext under ``ballot_id`` with the engine's client; the saved receipt's JSON."""
    e = board.election
    plaintext = dataclasses.replace(e.plaintexts[voter], ballot_id=ballot_id)
    with BoardClient(board.url) as client:
        online = fetch_election(client, allow_test_group=True)
        return cast_ballot(client, online, e.credentials[voter], plaintext).to_json()


def open_explorer(board: WebBoard, bp: BrowserPage) -> Any:
    bp.page.goto(board.page_url("explorer.html"))
    bp.page.wait_for_selector("#status:has-text('checked')")
    return bp.page


def look_up(page: Any, code: str) -> str:
    """Type the code with the keyboard alone (Tab to the field) and press Enter."""
    for _ in range(20):
        if page.evaluate("document.activeElement.id") == "lookup-code":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector("#lookup-result:not([aria-busy])")
    return str(page.text_content("#lookup-result"))


def test_the_head_and_the_entries_page_by_page(web_board: WebBoard, browser_page: BrowserPage) -> None:
    cast_from_python(web_board, 5, "explorer-5")
    page = open_explorer(web_board, browser_page)
    browser_page.shot("1-explorer")
    head = str(page.text_content("#head"))
    assert "Entries" in head and web_board.election.election.keys.board_public_key.hex().upper() in head
    entries = page.locator("#entries li")
    assert "Election opened" in str(entries.first.text_content())
    assert any("explorer-5" in str(text) for text in entries.all_text_contents())
    assert page.is_disabled("#previous")
    assert "Voting is open" in str(page.text_content("#results"))


@pytest.mark.viewport(PHONE)
def test_a_code_is_found_with_its_inclusion_proof_checked(web_board: WebBoard, browser_page: BrowserPage) -> None:
    first = cast_from_python(web_board, 6, "explorer-6a")["receipt"]["confirmation_code"]
    second = cast_from_python(web_board, 6, "explorer-6b")["receipt"]["confirmation_code"]
    page = open_explorer(web_board, browser_page)
    answer = look_up(page, first.lower())
    browser_page.shot("1-replaced")
    assert answer.startswith("Found and checked") and "no longer counts" in answer
    assert "explorer-6b" in answer
    answer = look_up(page, second[:10])
    assert answer.startswith("Found and checked") and "cast and counts" in answer
    assert "explorer-6a" in str(page.locator("#entries").text_content())
    assert "Superseded" in str(page.locator("#entries").text_content())
    assert look_up(page, "00000000").startswith("No ballot with the code")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_saved_receipt_is_checked_and_a_tampered_one_flagged(
    web_board: WebBoard, browser_page: BrowserPage, tmp_path: Path
) -> None:
    saved = cast_from_python(web_board, 7, "explorer-7")
    page = open_explorer(web_board, browser_page)

    def check(document: dict[str, Any], name: str) -> str:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(document))
        page.set_input_files("#receipt-file", str(path))
        page.wait_for_selector("#receipt-result:not([aria-busy])")
        browser_page.shot(name)
        return str(page.text_content("#receipt-result"))

    assert check(saved, "1-genuine").startswith("Receipt checked")
    wrong_proof = copy.deepcopy(saved)
    proof = wrong_proof["receipt"]["inclusion_proof"]
    proof[0] = ("0" if proof[0][0] != "0" else "1") + proof[0][1:]
    assert "does not match the public board" in check(wrong_proof, "2-tampered-proof")
    other_ballot = copy.deepcopy(saved)
    other_ballot["ballot"]["timestamp"] += 1
    assert "does not match the public board" in check(other_ballot, "3-tampered-ballot")
    assert "not a ballot receipt" in check({"kind": "something else"}, "4-not-a-receipt")


def test_a_closed_board_says_voting_is_closed(web_board: WebBoard, browser_page: BrowserPage, tmp_path: Path) -> None:
    cast_from_python(web_board, 8, "explorer-8")
    e = web_board.election
    copy_db = tmp_path / "closed.sqlite"
    with sqlite3.connect(e.db) as live, sqlite3.connect(copy_db) as copy_of:
        live.backup(copy_of)
    run("board", "close", "--db", copy_db, "--board-key", e.board_key_file)
    service = BoardService(e.election, e.roster, copy_db, BoardKey.load(e.board_key_file), check_workers=0)
    try:
        with serving_in_thread(create_app(service)) as url:
            page = browser_page.page
            page.goto(f"{url}/web/explorer.html")
            page.wait_for_selector("#status:has-text('checked')")
            while page.is_enabled("#next"):
                page.click("#next")
            page.wait_for_selector("#entries li:last-child:has-text('Voting closed')")
            browser_page.shot("1-closed")
            assert "Voting is closed" in str(page.text_content("#results"))
            assert "this server does not hold them" in str(page.text_content("#results"))
    finally:
        service.close()


def test_the_pages_merkle_checks_agree_with_the_engines(web_board: WebBoard, browser_page: BrowserPage) -> None:
    """RFC 9162 2.1.3.2 and 2.1.4.2 in the page (merkle.js) against engine/board/merkle.py: every proof of trees
    of up to 9 leaves verifies, and with one hash changed, or at another index or size, none does."""
    leaves = [leaf_hash(bytes([i])) for i in range(9)]
    cases = []
    for size in range(1, 10):
        tree = MemoryTree(leaves[:size])
        root = root_of(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(tree, index, size)
            cases.append(["inclusion", leaves[index].hex(), index, size, [p.hex() for p in proof], root.hex(), True])
            if proof:
                bad = [bytes([proof[0][0] ^ 1]).hex() + proof[0][1:].hex()] + [p.hex() for p in proof[1:]]
                cases.append(["inclusion", leaves[index].hex(), index, size, bad, root.hex(), False])
            cases.append(["inclusion", leaves[index].hex(), (index + 1) % size, size, [p.hex() for p in proof],
                          root.hex(), size == 1])  # fmt: skip
        for old in range(0, size + 1):
            proof = consistency_proof(tree, old, size)
            old_root = root_of(leaves[:old]) if old else EMPTY_ROOT
            cases.append(["consistency", old, size, old_root.hex(), root.hex(), [p.hex() for p in proof], True])
            if proof:
                bad = [p.hex() for p in proof[:-1]] + [bytes([proof[-1][0] ^ 1]).hex() + proof[-1][1:].hex()]
                cases.append(["consistency", old, size, old_root.hex(), root.hex(), bad, False])
    for case in cases:
        if case[0] == "inclusion":
            assert verify_inclusion(*(_engine_value(v) for v in case[1:6])) is case[6], case
        else:
            assert verify_consistency(*(_engine_value(v) for v in case[1:6])) is case[6], case
    page = browser_page.page
    page.goto(web_board.page_url("explorer.html"))
    verdicts = page.evaluate(
        """async (cases) => {
          const m = await import("./js/page/merkle.js");
          const b = await import("./js/page/bytes.js");
          const h = (v) => (Array.isArray(v) ? v.map((x) => b.fromHex(x)) : typeof v === "string" ? b.fromHex(v) : v);
          const out = [];
          for (const [kind, ...args] of cases) {
            const values = args.slice(0, 5).map(h);
            out.push(kind === "inclusion" ? await m.verifyInclusion(...values) : await m.verifyConsistency(...values));
          }
          return out;
        }""",
        cases,
    )
    assert verdicts == [case[6] for case in cases]


def _engine_value(value: Any) -> Any:
    if isinstance(value, list):
        return [bytes.fromhex(v) for v in value]
    return bytes.fromhex(value) if isinstance(value, str) else value
