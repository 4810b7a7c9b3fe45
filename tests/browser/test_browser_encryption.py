"""The page's ElectionGuard code (engine/server/web/js/eg) in Chromium (issue 13, items 1 and 5): with the engine's
nonces it writes the engine's ballot, contest data proofs, confirmation code and signed bytes byte for byte, on the
test group and on the production group; it recomputes egk's own record (H_E and every ballot's contest hashes and
confirmation code); in its module worker with real randomness it writes a ballot that the engine's one-ballot checks
pass, that a served board accepts, and whose challenge file `ballotchain ballot check-challenge` accepts (and refuses
once tampered); bad marks and an inconsistent election are refused. Harness: tests/browser/conftest.py."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.ballot import ProofRandomness, encrypt_ballot
from engine.board.entries import decode_contest_data_proofs, encode_contest_data_proofs
from engine.cli.demo_cmd import run_ceremony
from engine.client.board_client import DEFINITION_FILES
from engine.credentials.did import sign_submission, submission_message
from engine.election import BallotState, ElectionInitialized, PlaintextBallot, PlaintextContest, PlaintextSelection
from engine.group import ElementModQ
from engine.hash import UInt256
from engine.manifest import ContestDescription, Manifest
from engine.proofs.pad_knowledge import prove_pad_knowledge, verify_pad_knowledge
from engine.record import ElectionRecord
from engine.record.codecs.encrypted_ballot import decode_encrypted_ballot, encode_encrypted_ballot
from engine.server.checker import ballot_context
from engine.verify.ballots import ballot_problems
from tests.adversarial.online_board import run
from tests.browser.conftest import BrowserPage, WebBoard

pytestmark = [pytest.mark.once]

TIMESTAMP = 1_764_460_800
EGK_WORKFLOW = Path(__file__).resolve().parents[1] / "vectors" / "egk" / "workflow"
MODULES = "/web/js/eg"


def eg_page(board: WebBoard, bp: BrowserPage) -> Any:
    """A page on the board's origin that runs none of the voting page's code: the eg modules import from it."""
    bp.page.goto(f"{board.url}{MODULES}/bigint.js")
    return bp.page


def marks_for(contests: list[ContestDescription]) -> dict[str, Any]:
    """Every contest at its limit, except the first left blank and the second with a write-in too."""
    marks: dict[str, Any] = {
        c.object_id: [s.object_id for s in c.ballot_selections[: c.votes_allowed]] for c in contests
    }
    marks[contests[0].object_id] = []
    second = contests[1]
    marks[second.object_id] = {"selections": marks[second.object_id][:1], "writeIn": "Ada Lovelace"}
    return marks


def plaintext_for(
    ballot_id: str, style: str, contests: list[ContestDescription], marks: dict[str, Any]
) -> PlaintextBallot:
    out = []
    for c in contests:
        mark = marks[c.object_id]
        chosen = set(mark["selections"] if isinstance(mark, dict) else mark)
        write_ins = (mark["writeIn"],) if isinstance(mark, dict) else ()
        selections = tuple(
            PlaintextSelection(s.object_id, s.sequence_order, int(s.object_id in chosen)) for s in c.ballot_selections
        )
        out.append(PlaintextContest(c.object_id, c.sequence_order, selections, write_ins))
    return PlaintextBallot(ballot_id, style, tuple(out))


def check_known_answers(
    bp: BrowserPage, files: dict[str, bytes], manifest: Manifest, init: ElectionInitialized
) -> None:
    """The page's encryption of marks_for(...) with the engine's nonces equals the engine's, byte for byte."""
    group = init.joint_public_key.group
    style = manifest.ballot_styles[0].object_id
    contests = sorted(manifest.contests_for_style(style), key=lambda c: c.sequence_order)
    marks = marks_for(contests)
    plaintext = plaintext_for("kat-1", style, contests, marks)
    needed = sum(2 * (len(c.ballot_selections) * (c.option_limit + 1) + c.votes_allowed + 1) + 1 for c in contests)
    randoms = [group.reduce_q(int.from_bytes(hashlib.sha256(b"kat %d" % i).digest(), "big")) for i in range(needed)]
    queue = iter(randoms)

    def draw(n: int) -> tuple[list[ElementModQ], list[ElementModQ]]:
        return [next(queue) for _ in range(n)], [next(queue) for _ in range(n)]

    selections, limits = {}, {}
    for c in contests:  # the order the page draws them in: each option's u then c, then the contest's
        for s in sorted(c.ballot_selections, key=lambda s: s.sequence_order):
            selections[(c.object_id, s.object_id)] = draw(c.option_limit + 1)
        limits[c.object_id] = draw(c.votes_allowed + 1)
    nonce = UInt256(hashlib.sha256(b"kat ballot nonce").digest())
    randomness = ProofRandomness(selections, limits)
    result = encrypt_ballot(
        manifest, init, plaintext, device="online", ballot_nonce=nonce, timestamp=TIMESTAMP,
        code_baux=init.config.baux0, state=BallotState.SPOILED, proof_randomness=randomness,
    )  # fmt: skip
    ballot = result.ballot
    proofs = tuple(
        prove_pad_knowledge(
            init.extended_base_hash, ballot.confirmation_code, c.sequence_order, c.contest_data, xi, u=next(queue)
        )
        for c, xi in zip(ballot.contests, result.contest_data_nonces)
    )
    options = {
        "ballotId": "kat-1", "ballotStyleId": style, "timestamp": TIMESTAMP, "spoiled": True,
        "testNonces": {"ballotNonce": nonce.hex(), "randomQ": [format(int(x.value), "X") for x in randoms]},
    }  # fmt: skip
    document = {"record": {name: files[name].decode("utf-8") for name in DEFINITION_FILES}}
    got = bp.page.evaluate(
        """async ([document, marks, options]) => {
            const { loadElection } = await import("/web/js/eg/election.js");
            const { encryptBallot } = await import("/web/js/eg/ballot.js");
            const { submissionSigningBytes } = await import("/web/js/eg/signing_input.js");
            const { bytesToHex } = await import("/web/js/eg/bigint.js");
            const election = await loadElection(document);
            const result = await encryptBallot(election, marks, options);
            const signed = await submissionSigningBytes(election, result.ballot, result.contestDataProofs);
            return { ...result, signed: bytesToHex(signed) };
        }""",
        [document, marks, options],
    )
    assert got["ballot"] == encode_encrypted_ballot(ballot)
    assert json.dumps(got["ballot"]) == json.dumps(encode_encrypted_ballot(ballot))  # the same key order too
    assert got["contestDataProofs"] == encode_contest_data_proofs(proofs)
    assert got["confirmationCode"] == ballot.confirmation_code.hex()
    assert got["signed"] == submission_message(init.extended_base_hash, ballot, proofs).hex().upper()
    assert got["challenge"]["ballot_nonce"] == nonce.hex()
    assert bp.errors == []


def test_known_answers_match_the_engine_byte_for_byte(web_board: WebBoard, browser_page: BrowserPage) -> None:
    election = web_board.election.election
    eg_page(web_board, browser_page)
    check_known_answers(browser_page, dict(election.files), election.manifest, election.initialized)


def test_known_answers_on_the_production_group(web_board: WebBoard, browser_page: BrowserPage, tmp_path: Path) -> None:
    """The same on the 4096-bit production group (p of 512 bytes, q of 32 bytes in every encoding)."""
    run_ceremony(
        tmp_path / "record", tmp_path / "private", tmp_path / "exchange", 1, 1, "production", chain=False, step=str
    )
    record = ElectionRecord(tmp_path / "record")
    files = {name: (tmp_path / "record" / name).read_bytes() for name in DEFINITION_FILES}
    eg_page(web_board, browser_page)
    check_known_answers(browser_page, files, record.manifest, record.initialized)


def test_a_worker_ballot_verifies_is_accepted_and_its_challenge_checks(
    web_board: WebBoard, browser_page: BrowserPage, tmp_path: Path
) -> None:
    election = web_board.election.election
    manifest, init, group = election.manifest, election.initialized, election.group
    style = manifest.ballot_styles[0].object_id
    contests = sorted(manifest.contests_for_style(style), key=lambda c: c.sequence_order)
    page = eg_page(web_board, browser_page)
    got = page.evaluate(
        """async ([marks, options]) => {
            const electionDocument = await (await fetch("/election")).json();
            const worker = new Worker("/web/js/eg/worker.js", { type: "module" });
            const progress = [];
            const ready = await new Promise((resolve) => {
                worker.onmessage = ({ data }) => resolve(data.type);
                worker.postMessage({ type: "prepare", electionDocument });
            });
            const result = await new Promise((resolve, reject) => {
                worker.onmessage = ({ data }) => {
                    if (data.type === "progress") progress.push([data.done, data.total]);
                    else if (data.type === "done") resolve(data.result);
                    else reject(new Error(data.message));
                };
                worker.postMessage({ type: "encrypt", electionDocument, marks, options });
            });
            worker.terminate();
            return { ready, result, progress };
        }""",
        [marks_for(contests), {"ballotId": "browser-challenge-1", "ballotStyleId": style, "spoiled": True}],
    )
    assert got["ready"] == "ready"
    done = [d for d, _ in got["progress"]]
    assert done == list(range(1, len(done) + 1)) and got["progress"][-1][0] == got["progress"][-1][1]
    result = got["result"]
    ballot = decode_encrypted_ballot(result["ballot"], group)
    proofs = decode_contest_data_proofs(result["contestDataProofs"], group)
    assert ballot_problems(ballot_context(manifest, init), ballot) == []
    assert all(
        verify_pad_knowledge(init.extended_base_hash, ballot.confirmation_code, c.sequence_order, c.contest_data, p)
        for c, p in zip(ballot.contests, proofs)
    )
    voter = web_board.election.credentials[-1]
    signature = sign_submission(voter, init.extended_base_hash, ballot, proofs)
    body = {
        "ballot": result["ballot"], "did": voter.did, "signature": signature.hex(),
        "contest_data_proofs": result["contestDataProofs"],
    }  # fmt: skip
    answer = httpx.post(f"{web_board.url}/ballots", json=body, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.json()["confirmation_code"] == result["confirmationCode"]

    challenge = tmp_path / "challenge.json"
    challenge.write_text(json.dumps(result["challenge"]))
    output = run("ballot", "check-challenge", challenge, "--board", web_board.url, "--allow-test-group")
    assert "encrypted honestly" in output
    tampered = json.loads(challenge.read_text())
    first = tampered["choices"]["contests"][0]["selections"][0]
    first["vote"] = 1 - first["vote"]
    challenge.write_text(json.dumps(tampered))
    run("ballot", "check-challenge", challenge, "--board", web_board.url, "--allow-test-group", expect=1)
    assert browser_page.errors == []


def test_bad_marks_and_an_inconsistent_election_are_refused(web_board: WebBoard, browser_page: BrowserPage) -> None:
    election = web_board.election.election
    style = election.manifest.ballot_styles[0].object_id
    contest = sorted(election.manifest.contests_for_style(style), key=lambda c: c.sequence_order)[0]
    every_option = [s.object_id for s in contest.ballot_selections]
    assert len(every_option) > contest.votes_allowed
    eg_page(web_board, browser_page)
    refusals = browser_page.page.evaluate(
        """async ([contestId, everyOption, style]) => {
            const { loadElection } = await import("/web/js/eg/election.js");
            const { encryptBallot } = await import("/web/js/eg/ballot.js");
            const document = await (await fetch("/election")).json();
            const election = await loadElection(document);
            const refused = async (work) => { try { await work(); return null; } catch (exc) { return exc.message; } };
            const options = { ballotId: "bad-1", ballotStyleId: style };
            const initialized = JSON.parse(document.record["election_initialized.json"]);
            initialized.extended_base_hash = "00".repeat(32);
            const forged = { record: { ...document.record, "election_initialized.json": JSON.stringify(initialized) } };
            return [
                await refused(() => encryptBallot(election, { [contestId]: everyOption }, options)),
                await refused(() => encryptBallot(election, { [contestId]: ["no-such-option"] }, options)),
                await refused(() => encryptBallot(election, { "no-such-contest": [] }, options)),
                await refused(() => encryptBallot(election, {}, { ...options, ballotStyleId: "no-such-style" })),
                await refused(() => loadElection(forged)),
            ];
        }""",
        [contest.object_id, every_option, style],
    )
    assert "exceed the selection limit" in refusals[0]
    assert "unknown selection" in refusals[1]
    assert "is not on ballot style" in refusals[2]
    assert "unknown ballot style" in refusals[3]
    assert "extended base hash H_E (eq. 23) does not recompute" in refusals[4]


def test_egk_records_load_and_their_codes_recompute_in_the_page(web_board: WebBoard, browser_page: BrowserPage) -> None:
    """egk's own production-group record with chained codes: the page recomputes H_P, H_M, H_B, K and H_E from its
    files, and every ballot's contest hashes (eq. 57) and confirmation code (eq. 58) from its ciphertexts and its
    B_aux. The files reach the page through a route of the test (no board serves them)."""
    root = EGK_WORKFLOW / "chainedJson"
    ballots = sorted(root.glob("encrypted_ballots/*/eballot-*.json"))
    assert len(ballots) == 11
    page = eg_page(web_board, browser_page)
    page.route(
        f"{web_board.url}/egk/**", lambda route: route.fulfill(path=root / route.request.url.split("/egk/", 1)[1])
    )
    names = [str(p.relative_to(root)) for p in ballots]
    got = page.evaluate(
        """async ([files, names]) => {
            const { loadElection } = await import("/web/js/eg/election.js");
            const { recomputeConfirmationCode } = await import("/web/js/eg/ballot.js");
            const record = {};
            for (const name of files) record[name] = await (await fetch("/egk/" + name)).text();
            const election = await loadElection({ record });
            const out = [];
            for (const name of names) {
                const ballot = await (await fetch("/egk/" + name)).json();
                out.push(await recomputeConfirmationCode(election, ballot));
            }
            return out;
        }""",
        [list(DEFINITION_FILES), names],
    )
    for path, recomputed in zip(ballots, got):
        ballot = json.loads(path.read_text())
        contests = sorted(ballot["contests"], key=lambda c: c["sequence_order"])
        assert recomputed["contestHashes"] == [c["contest_hash"] for c in contests]
        assert recomputed["confirmationCode"] == ballot["confirmation_code"]
