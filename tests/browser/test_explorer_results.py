"""The explorer after the election (issue 13, item 2), in Chromium: a closed board served with its decrypted record
(`board serve --record`) shows the results contest by contest, in words and numbers, how to verify them, and a
link that downloads the published record itself; at a phone's viewport."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from engine.board.sth import BoardKey
from engine.record import ElectionRecord
from engine.server.app import create_app
from engine.server.published_record import published_record
from engine.server.run import serving_in_thread
from engine.server.service import BoardService
from engine.verify.results import results_rows
from tests.browser.conftest import PHONE, BrowserPage
from tests.support.online_record import make_online_record

pytestmark = [pytest.mark.once]


@pytest.mark.viewport(PHONE)
def test_the_results_and_the_record_download_after_the_decryption(
    browser_page: BrowserPage, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    decrypted = make_online_record(tmp_path_factory.mktemp("explorer-results"))
    e = decrypted.election
    service = BoardService(e.election, e.roster, e.db, BoardKey.load(e.board_key_file), check_workers=0)
    try:
        with (
            published_record(decrypted.record, e.h_e) as published,
            serving_in_thread(create_app(service, published=published)) as url,
        ):
            page = browser_page.page
            page.goto(f"{url}/web/explorer.html")
            page.wait_for_selector("#published:not([hidden])")
            browser_page.shot("1-results")
            with page.expect_download() as download_info:
                page.click("#record-link")
            saved = tmp_path / "record.zip"
            download_info.value.save_as(saved)
            how_to_verify = " ".join(page.locator("#published p.note").all_text_contents())
            summary = str(page.text_content("#results"))
            rows = page.locator("#contests tbody tr").all_text_contents()
            captions = page.locator("#contests caption").all_text_contents()
            record_hash = str(page.text_content("#record-hash"))
    finally:
        service.close()
    assert browser_page.errors == []
    assert "3 ballots were cast and counted, 2 were challenged" in summary
    assert "ballotchain verify RECORD --final" in " ".join(how_to_verify.split())
    record = ElectionRecord(decrypted.record)
    expected = results_rows(record.manifest, record.tally)
    assert captions == list(dict.fromkeys(contest for contest, *_ in expected))
    voted = {contest for contest, _, votes, _ in expected if votes}
    shares = [f"{100 * share:.1f}%" if contest in voted else "-" for contest, _, _, share in expected]
    assert [" ".join(row.split()) for row in rows] == [
        f"{name}{votes}{share}" for (_, name, votes, _), share in zip(expected, shares)
    ]
    assert hashlib.sha256(saved.read_bytes()).hexdigest() in record_hash
    with zipfile.ZipFile(saved) as archive:
        assert "tally.json" in archive.namelist()
