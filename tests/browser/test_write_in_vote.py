"""A write-in cast and one challenged from the voting page, end to end (issue 13, item 3), in Chromium: an election
whose council contest has a write-in option; one voter casts a write-in, another challenges one; the board closes
and exports, the guardians tally and decrypt, and the engine reads the record. The write-in's selection is counted
by the tally like any other (its name is not: spec 2.0.0 sums selections only, and the name travels in the
contest data, section 3.3.7, which the guardians decrypt for challenged ballots alone, section 3.6.4): the cast
write-in counts 1 for the option, the challenged ballot's decrypted contest data gives the name the voter typed,
and the whole record verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.board.sth import BoardKey
from engine.cli import demo_cmd
from engine.cli.sample_election import demo_manifest_bytes
from engine.record import ElectionRecord
from engine.server.app import create_app
from engine.server.run import serving_in_thread
from engine.server.service import BoardService
from tests.adversarial.online_board import close_and_export, make_online_election, run
from tests.browser.conftest import BrowserPage
from tests.support.online_record import tally_and_decrypt

pytestmark = [pytest.mark.once]

WRITE_IN_OPTION = "council-write-in"
CAST_NAME = "Ada Lovelace"
CHALLENGED_NAME = "Grace Hopper"


def manifest_with_a_write_in() -> bytes:
    manifest = json.loads(demo_manifest_bytes())
    manifest["candidates"].append(
        {"object_id": "write-in", "name": "Write-in", "party_id": None, "image_url": None, "is_write_in": True}
    )
    council = next(c for c in manifest["contests"] if c["object_id"] == "council")
    order = len(council["ballot_selections"]) + 1
    council["ballot_selections"].append(
        {"object_id": WRITE_IN_OPTION, "sequence_order": order, "candidate_id": "write-in"}
    )
    return json.dumps(manifest).encode()


def vote_with_a_write_in(page: Any, url: str, credential: Path, name: str, button: str) -> None:
    """Open the page, load the credential, mark the council's write-in with ``name``, encrypt, press ``button``."""
    page.goto(f"{url}/web/vote.html")
    page.wait_for_selector("#credential-step:not([hidden])")  # the election is loaded: the file can be read
    page.set_input_files("#credential-file", str(credential))
    page.wait_for_selector("#ballot-step:not([hidden])")
    box = page.locator(f"#ballot-form input[type=checkbox][value='{WRITE_IN_OPTION}']")
    box.check()
    page.fill(f"#{box.get_attribute('id')}-name", name)
    page.click("#encrypt")
    page.wait_for_selector("#code-step:not([hidden])")
    page.click(button)
    page.wait_for_selector("#receipt-step:not([hidden]), #challenge-step:not([hidden]), #problem:not([hidden])")
    assert page.is_hidden("#problem"), page.text_content("#problem")


def test_a_write_in_cast_and_one_challenged_from_the_page_reach_the_record(
    browser_page: BrowserPage, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("write-in")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_cmd, "demo_manifest_bytes", manifest_with_a_write_in)
        e = make_online_election(root, voters=2)
    credentials = []
    for i, credential in enumerate(e.credentials):
        credentials.append(root / f"voter-{i}.json")
        credential.save(credentials[-1])
    service = BoardService(e.election, e.roster, e.db, BoardKey.load(e.board_key_file), check_workers=0)
    try:
        with serving_in_thread(create_app(service)) as url:
            vote_with_a_write_in(browser_page.page, url, credentials[0], CAST_NAME, "#cast")
            browser_page.shot("1-write-in-cast")
            vote_with_a_write_in(browser_page.page, url, credentials[1], CHALLENGED_NAME, "#challenge")
            browser_page.shot("2-write-in-challenged")
    finally:
        service.close()
    assert browser_page.errors == []
    record = close_and_export(e)
    tally_and_decrypt(record, e.guardian_secrets, root / "decryption")
    published = ElectionRecord(record)
    council = next(c for c in published.tally.contests if c.contest_id == "council")
    assert {s.selection_id: s.tally for s in council.selections}[WRITE_IN_OPTION] == 1
    assert all(c.decrypted_contest_data is None for c in published.tally.contests)
    (challenged,) = published.challenged_ballots()
    data = next(c for c in challenged.contests if c.contest_id == "council").decrypted_contest_data
    assert data is not None and data.contest_data.write_ins == (CHALLENGED_NAME,)
    assert "verified" in run("verify", record, "--allow-test-group", "--final").lower()
