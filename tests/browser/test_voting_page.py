"""The voting page in Chromium (issue 13, items 1 and 4): a voter loads a credential, marks, encrypts, casts and
gets a checked receipt that `ballotchain receipt check` accepts; a challenge; a re-vote that supersedes; a wrong
credential and a board serving a wrong inclusion proof, each told in words a voter understands; a phone's
viewport and the keyboard alone. Screenshots of each step: tests/browser/conftest.py."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.board.checkpoint import election_origin
from engine.board.note import ED25519_NOTE, CosignatureSigner, VerifierKey
from engine.board.sth import BoardKey
from engine.board.witness import Witness, WitnessState
from engine.cli.demo_cmd import run_ceremony
from engine.cli.election_cmds import fix_election_keys
from engine.credentials.did import VoterCredential
from engine.credentials.roster import RegistrarKey, make_roster
from engine.record import ElectionRecord
from engine.server.app import create_app
from engine.server.run import serving_in_thread
from engine.server.service import BoardService, Election
from engine.server.witness_app import create_witness_app
from engine.server.witness_link import witness_links
from tests.adversarial.online_board import run
from tests.browser.conftest import PHONE, BrowserPage, WebBoard

pytestmark = [pytest.mark.once]


def credential_document(credential: VoterCredential) -> dict[str, str]:
    """The credential file's object (engine.credentials.keys.save_key) of a voter the roster does not name."""
    return {
        "kind": VoterCredential.KIND,
        "public_key": credential.public_key.hex(),
        "private_key": credential.private_bytes().hex(),
    }


def open_page(board: WebBoard, bp: BrowserPage) -> Any:
    page = bp.page
    page.goto(board.page_url("vote.html"))
    page.wait_for_selector("#credential-step:not([hidden]), #problem:not([hidden])")
    assert page.is_hidden("#problem"), page.text_content("#problem")
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
    policy = httpx.get(web_board.page_url("vote.html")).headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy


def test_a_challenged_ballot_is_submitted_spoiled_and_checks_with_the_cli(
    web_board: WebBoard, browser_page: BrowserPage, tmp_path: Path
) -> None:
    page = open_page(web_board, browser_page)
    load_credential_file(web_board, browser_page, 1)
    mark_first_options(page)
    code = encrypt(browser_page)
    page.click("#challenge")
    page.wait_for_selector("#challenge-step:not([hidden]), #problem:not([hidden])")
    assert page.is_hidden("#problem"), page.text_content("#problem")
    browser_page.shot("1-challenged")
    assert code in str(page.text_content("#challenge-result"))
    challenge = download(browser_page, "#challenge-download", tmp_path / "challenge.json")
    document = json.loads(challenge.read_text())
    assert document["confirmation_code"] == code and document["ballot"]["state"] == "SPOILED"
    output = run("ballot", "check-challenge", challenge, "--board", web_board.url, "--allow-test-group")
    assert "encrypted honestly" in output
    page.click("#vote-after-challenge")
    page.wait_for_selector("#ballot-step:not([hidden])")
    assert "Mark your ballot again" in str(page.text_content("#status"))


def test_a_revote_replaces_the_earlier_ballot(web_board: WebBoard, browser_page: BrowserPage, tmp_path: Path) -> None:
    page = open_page(web_board, browser_page)
    load_credential_file(web_board, browser_page, 2)
    mark_first_options(page)
    encrypt(browser_page)
    cast(browser_page)
    first = download(browser_page, "#receipt-download", tmp_path / "first.json")
    assert "replaces the earlier" in str(page.text_content("#receipt-step"))
    page.click("#vote-again")
    page.wait_for_selector("#ballot-step:not([hidden])")
    assert "replace the one you cast before" in str(page.text_content("#status"))
    for fieldset in page.locator("#ballot-form fieldset").all():
        fieldset.locator("input[type=checkbox]").first.uncheck()
        fieldset.locator("input[type=checkbox]").last.check()
    second_code = encrypt(browser_page)
    assert second_code in cast(browser_page)
    browser_page.shot("1-second-receipt")
    run("receipt", "check", first, "--board", web_board.url, expect=1)


def test_a_wrong_credential_is_refused_in_words(web_board: WebBoard, browser_page: BrowserPage) -> None:
    page = open_page(web_board, browser_page)
    page.fill("#credential-text", "my password is 1234")
    page.click("#credential-load")
    assert "not a credential file" in str(page.text_content("#problem"))
    stranger = VoterCredential.generate()
    page.fill("#credential-text", json.dumps(credential_document(stranger)))
    page.click("#credential-load")
    assert "not on this election's list of voters" in str(page.text_content("#problem"))
    browser_page.shot("1-not-on-the-roster")
    assert page.is_hidden("#ballot-step")


def test_a_board_serving_a_wrong_inclusion_proof_is_flagged(web_board: WebBoard, browser_page: BrowserPage) -> None:
    page = open_page(web_board, browser_page)
    load_credential_file(web_board, browser_page, 3)
    mark_first_options(page)
    encrypt(browser_page)
    web_board.tamper.enabled = True
    page.click("#cast")
    page.wait_for_selector("#problem:not([hidden])")
    browser_page.shot("1-wrong-proof")
    assert "proof that your ballot is on the public board is wrong" in str(page.text_content("#problem"))
    assert page.is_hidden("#receipt-step")


def tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.viewport(PHONE)
def test_a_phone_voter_with_the_keyboard_alone(web_board: WebBoard, browser_page: BrowserPage) -> None:
    page = open_page(web_board, browser_page)
    tab_to(page, "#credential-text")
    page.keyboard.insert_text(web_board.credential_files[4].read_text())
    tab_to(page, "#credential-load")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ballot-step:not([hidden])")
    browser_page.shot("1-phone-ballot")
    for fieldset in range(page.locator("#ballot-form fieldset").count()):
        tab_to(page, f"#option-{fieldset}-0")
        page.keyboard.press("Space")
    tab_to(page, "#encrypt")
    page.keyboard.press("Enter")
    page.wait_for_selector("#code-step:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "cast"
    page.keyboard.press("Enter")
    page.wait_for_selector("#receipt-step:not([hidden])")
    assert str(page.text_content("#receipt-result")).startswith("Receipt checked")
    browser_page.shot("2-phone-receipt")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@dataclass
class Witnessed:
    """A board whose election fixes three witnesses (served in threads) and a quorum of two."""

    url: str
    credential_files: list[Path]
    witness_stops: list[contextlib.ExitStack]


@pytest.fixture(scope="module")
def witnessed(chromium_browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Witnessed]:
    root = tmp_path_factory.mktemp("witnessed-web")
    record = root / "election"
    run_ceremony(record, root / "private", root / "exchange", 1, 1, "test", chain=False, step=lambda _s: None)
    h_e = ElectionRecord(record).initialized.extended_base_hash
    credentials = [VoterCredential.generate() for _ in range(2)]
    registrar, board_key = RegistrarKey.generate(), BoardKey.generate()
    signers = [CosignatureSigner(f"witness.example/w{i}", Ed25519PrivateKey.generate()) for i in range(3)]
    fix_election_keys(record, board_key.public_key, registrar.public_key, tuple(s.verifier_key for s in signers), 2)
    election = Election.from_record(record)
    origin = election_origin(h_e.data)
    board_vkey = VerifierKey(origin, ED25519_NOTE, board_key.public_key)
    files = []
    for i, credential in enumerate(credentials):
        files.append(root / f"voter-{i}.json")
        credential.save(files[-1])
    with contextlib.ExitStack() as stack:
        urls, stops = [], []
        for i, signer in enumerate(signers):
            state = stack.enter_context(WitnessState(root / f"witness-{i}.db"))
            stop = contextlib.ExitStack()
            stack.push(stop)
            urls.append(
                stop.enter_context(
                    serving_in_thread(create_witness_app(Witness(signer, state, {origin: [board_vkey]})))
                )
            )
            stops.append(stop)
        roster = make_roster(registrar, [c.did for c in credentials], h_e)
        service = BoardService(election, roster, root / "board.sqlite", board_key, witness_links=witness_links(urls))
        stack.callback(service.close)
        yield Witnessed(stack.enter_context(serving_in_thread(create_app(service))), files, stops)


def test_with_witnesses_the_page_checks_the_cosigned_checkpoint(
    witnessed: Witnessed, browser_page: BrowserPage, tmp_path: Path
) -> None:
    page = browser_page.page
    page.goto(f"{witnessed.url}/web/vote.html")
    page.wait_for_selector("#credential-step:not([hidden]), #problem:not([hidden])")
    assert page.is_hidden("#problem"), page.text_content("#problem")
    page.set_input_files("#credential-file", str(witnessed.credential_files[0]))
    page.wait_for_selector("#ballot-step:not([hidden])")
    mark_first_options(page)
    encrypt(browser_page)
    assert "cosigned by the witnesses witness.example/w0, witness.example/w1, witness.example/w2" in cast(browser_page)
    browser_page.shot("1-cosigned")
    receipt = download(browser_page, "#receipt-download", tmp_path / "receipt.json")
    assert "checkpoint" in json.loads(receipt.read_text())
    assert "cosigned by" in run("receipt", "check", receipt, "--board", witnessed.url)
    for stop in witnessed.witness_stops[:2]:
        stop.close()
    page.click("#vote-again")
    mark_first_options(page)
    encrypt(browser_page)
    page.click("#cast")
    page.wait_for_selector("#problem:not([hidden])")
    browser_page.shot("2-witnesses-missing")
    assert "witnesses have not confirmed" in str(page.text_content("#problem"))


def test_the_ballot_form_follows_the_manifest(web_board: WebBoard, browser_page: BrowserPage) -> None:
    """ballot_form.js on a manifest with a write-in candidate and a limit of two: the contests of the ballot style
    in sequence order, the limit enforced (a third mark is undone and the voter told), the write-in's text in the
    marks the worker gets."""
    manifest = {
        "ballot_styles": [{"object_id": "style", "geopolitical_unit_ids": ["d1"]}],
        "candidates": [
            {"object_id": "ann", "name": "Ann"},
            {"object_id": "bo", "name": "Bo"},
            {"object_id": "other", "name": None, "is_write_in": True},
        ],
        "contests": [
            {"object_id": "elsewhere", "sequence_order": 0, "electoral_district_id": "d2", "votes_allowed": 1,
             "name": "Not on this style", "ballot_selections": []},
            {"object_id": "council", "sequence_order": 2, "electoral_district_id": "d1", "votes_allowed": 2,
             "name": "Council", "ballot_selections": [
                 {"object_id": "s-ann", "sequence_order": 1, "candidate_id": "ann"},
                 {"object_id": "s-other", "sequence_order": 3, "candidate_id": "other"},
                 {"object_id": "s-bo", "sequence_order": 2, "candidate_id": "bo"}]},
        ],
    }  # fmt: skip
    page = open_page(web_board, browser_page)
    page.evaluate(
        """async (manifest) => {
          const f = await import("./js/page/ballot_form.js");
          const form = document.getElementById("ballot-form");
          window.readTestMarks = f.renderBallot(form, f.ballotContests(manifest));
          document.getElementById("ballot-step").hidden = false;
        }""",
        manifest,
    )
    assert page.locator("#ballot-form legend").all_text_contents() == ["Council"]
    assert page.locator("#ballot-form label.option").all_text_contents() == ["Ann", "Bo", "Write-in"]
    page.check("#option-0-0")
    page.check("#option-0-2")
    page.fill("#option-0-2-name", "Cy Young")
    page.click("#option-0-1")
    assert not page.is_checked("#option-0-1")
    assert "You have already chosen 2" in str(page.text_content("#limit-0"))
    browser_page.shot("1-write-in")
    marks = page.evaluate("() => window.readTestMarks()")
    assert marks == {"council": {"selections": ["s-ann", "s-other"], "writeIn": "Cy Young"}}
