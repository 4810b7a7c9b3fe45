// The board explorer (issue 13, item 2): the signed head and checkpoint, a confirmation code looked up and its
// inclusion proof checked in the page (RFC 9162 2.1.3.2), the log page by page, a saved receipt checked.
import { entryBytes, getJson, getText, inclusionProof, publishedResults } from "./board_api.js";
import { fromBase64, toHex } from "./bytes.js";
import { electionKeys } from "./election_keys.js";
import { leafHash, verifyInclusion } from "./merkle.js";
import { openCheckpoint } from "./note.js";
import { checkSavedReceipt, ReceiptProblem } from "./receipt_check.js";
import { readTreeHead, verifyTreeHead } from "./tree_head.js";

const PAGE = 20;
const $ = (id) => document.getElementById(id);
const state = { keys: null, head: null, start: 0 };

function warn(text) {
  $("problem").textContent = text;
  $("problem").hidden = !text;
}

const decode = (bytes) => JSON.parse(new TextDecoder().decode(bytes));

function fact(list, term, value) {
  list.append(Object.assign(document.createElement("dt"), { textContent: term }));
  list.append(Object.assign(document.createElement("dd"), { textContent: value }));
}

/** The latest head, its signature checked against the election's pinned board key. */
async function latestHead() {
  const head = readTreeHead((await getJson("sth")).sth);
  if (!(await verifyTreeHead(head, state.keys.board))) {
    throw new Error("the server's signed tree head is not signed by the election's board key: do not trust it");
  }
  return head;
}

async function showHead() {
  state.head = await latestHead();
  const list = $("head");
  list.replaceChildren();
  fact(list, "Entries", String(state.head.size));
  fact(list, "Root", toHex(state.head.root));
  fact(list, "Signed", new Date(state.head.timestamp).toISOString());
  fact(list, "Board key", state.keys.boardHex);
  if (state.keys.witnesses.length) {
    const checkpoint = await openCheckpoint(await getText("checkpoint"), state.keys.boardNoteKey, state.keys.witnesses);
    const enough = checkpoint.witnesses.length >= state.keys.quorum;
    fact(
      list,
      "Witnesses",
      `${checkpoint.witnesses.join(", ") || "none"} cosigned the checkpoint of ${checkpoint.size} entries ` +
        `(${enough ? "enough" : "NOT enough"}: the election needs ${state.keys.quorum})`,
    );
  }
}

function describe(entry) {
  switch (entry.type) {
    case "election_published":
      return ["Election opened", `H_E ${entry.h_e}`];
    case "ballot_submitted":
      return [entry.ballot.state === "SPOILED" ? "Challenged" : "Submitted", `code ${entry.confirmation_code}, ballot ${entry.ballot_id}`];
    case "ballot_superseded":
      return ["Superseded", `ballot ${entry.old_ballot_id} replaced by ${entry.new_ballot_id}`];
    case "voting_closed":
      return ["Voting closed", `${entry.counted_count} ballots counted`];
    default:
      return [String(entry.type), ""];
  }
}

async function showPage(start) {
  const size = state.head.size;
  state.start = Math.max(0, Math.min(start, Math.max(0, size - 1)));
  const page = await getJson(`entries?start=${state.start}&end=${Math.min(size, state.start + PAGE)}`);
  const list = $("entries");
  list.replaceChildren();
  page.entries.forEach((encoded, offset) => {
    const [kind, text] = describe(decode(fromBase64(encoded)));
    const item = document.createElement("li");
    item.append(Object.assign(document.createElement("span"), { className: "kind", textContent: `${state.start + offset}. ${kind}` }));
    item.append(document.createTextNode(text));
    list.append(item);
  });
  state.end = page.end;
  $("page-range").textContent = `Entries ${state.start} to ${page.end - 1} of ${size}`;
  $("previous").disabled = state.start === 0;
  $("next").disabled = page.end >= size;
}

/** Every entry of the signed tree, decoded, with its bytes (page by page). */
async function allEntries() {
  const out = [];
  while (out.length < state.head.size) {
    const page = await getJson(`entries?start=${out.length}&end=${state.head.size}`);
    if (page.start !== out.length || page.entries.length === 0) throw new Error("the server's pages of entries do not follow");
    for (const encoded of page.entries) {
      const bytes = fromBase64(encoded);
      out.push({ bytes, entry: decode(bytes) });
    }
  }
  return out;
}

async function lookup() {
  const result = $("lookup-result");
  result.setAttribute("aria-busy", "true");
  try {
    await lookupCode(result);
  } finally {
    result.removeAttribute("aria-busy");
  }
}

async function lookupCode(result) {
  result.className = "";
  const code = $("lookup-code").value.trim().toUpperCase();
  if (!/^[0-9A-F]{8,64}$/.test(code)) {
    result.textContent = "Type the confirmation code (at least its first 8 characters, 0-9 and A-F).";
    return;
  }
  result.textContent = "Looking…";
  try {
    state.head = await latestHead();
    const entries = await allEntries();
    const index = entries.findIndex(({ entry }) => entry.type === "ballot_submitted" && entry.confirmation_code.startsWith(code));
    if (index < 0) {
      result.textContent = `No ballot with the code ${code} is on the board (${state.head.size} entries).`;
      return;
    }
    const { bytes, entry } = entries[index];
    const proof = await inclusionProof(index, state.head.size);
    if (!(await verifyInclusion(await leafHash(bytes), index, state.head.size, proof, state.head.root))) {
      result.className = "problem";
      result.textContent =
        `Warning: the server's proof that ballot ${entry.confirmation_code} is on the public board is wrong. ` +
        "Report it to the election officials.";
      return;
    }
    const superseded = entries.find(
      ({ entry: e }) => e.type === "ballot_superseded" && e.old_ballot_id === entry.ballot_id && e.did === entry.did,
    );
    const status =
      entry.ballot.state === "SPOILED"
        ? "It was challenged: it does not count and the guardians decrypt it."
        : superseded
          ? `It no longer counts: a later ballot of the same voter (${superseded.entry.new_ballot_id}) replaced it.`
          : "It is cast and counts, unless the same voter casts a later ballot.";
    result.className = "checked";
    result.textContent =
      `Found and checked: ballot ${entry.confirmation_code} is entry ${index} of the signed log of ` +
      `${state.head.size} entries (inclusion proof checked in this page). ${status}`;
  } catch (error) {
    result.className = "problem";
    result.textContent = `The lookup failed: ${error.message}`;
  }
}

async function checkReceiptFile(file) {
  const result = $("receipt-result");
  result.setAttribute("aria-busy", "true");
  try {
    await checkReceipt(result, file);
  } finally {
    result.removeAttribute("aria-busy");
  }
}

async function checkReceipt(result, file) {
  result.className = "";
  result.textContent = "Checking…";
  try {
    let saved;
    try {
      saved = JSON.parse(await file.text());
    } catch {
      throw new ReceiptProblem("This file is not a ballot receipt of this system.", "not JSON");
    }
    const checked = await checkSavedReceipt(state.keys, saved);
    result.className = checked.replacedBy ? "problem" : "checked";
    const counts = checked.replacedBy
      ? ` It NO LONGER COUNTS: a later ballot of the same credential (${checked.replacedBy.newBallotId}, entry ` +
        `${checked.replacedBy.index}) replaced it. If you did not cast it, someone else used your credential: ` +
        "report it to the election officials."
      : "";
    result.textContent =
      `Receipt checked: ballot ${checked.code} is entry ${checked.leafIndex} of the board's latest signed log of ` +
      `${checked.treeSize} entries, which extends the receipt's.${counts}`;
  } catch (error) {
    result.className = "problem";
    result.textContent = error instanceof ReceiptProblem ? error.message : `The receipt could not be checked: ${error.message}`;
  }
}

function contestTable(contest) {
  const total = contest.selections.reduce((sum, s) => sum + s.votes, 0);
  const table = document.createElement("table");
  table.className = "results";
  table.append(Object.assign(document.createElement("caption"), { textContent: contest.name }));
  const head = table.createTHead().insertRow();
  for (const title of ["Choice", "Votes", "Share"]) head.append(Object.assign(document.createElement("th"), { textContent: title, scope: "col" }));
  const body = table.createTBody();
  for (const s of contest.selections) {
    const row = body.insertRow();
    row.append(Object.assign(document.createElement("th"), { textContent: s.name, scope: "row" }));
    row.insertCell().textContent = String(s.votes);
    row.insertCell().textContent = total ? `${((100 * s.votes) / total).toFixed(1)}%` : "-";
  }
  return table;
}

function showPublished(results) {
  if (String(results.election).toUpperCase() !== state.keys.hE) {
    throw new Error("the results the server publishes are of another election");
  }
  $("results").textContent =
    `The guardians have decrypted the tally: ${results.cast} ballots were cast and counted, ${results.challenged} ` +
    "were challenged (decrypted, not counted). Contest by contest:";
  $("contests").replaceChildren(...results.contests.map(contestTable));
  $("record-hash").textContent = `(SHA-256 ${results.record_sha256})`;
  $("published").hidden = false;
}

async function showResults() {
  const results = await publishedResults();
  if (results) return showPublished(results);
  const last = decode(await entryBytes(state.head.size - 1));
  $("results").textContent =
    last.type === "voting_closed"
      ? `Voting is closed: ${last.counted_count} ballots are counted. The results are published by the election ` +
        "officials once the guardians have decrypted the tally; this server does not hold them yet (they appear " +
        "here, with the election record to download, once it does)."
      : "Voting is open. The results are published after voting closes and the guardians decrypt the tally.";
}

async function start() {
  try {
    state.keys = await electionKeys(await getJson("election"));
    await showHead();
    await showPage(0);
    await showResults();
    $("status").textContent = "The board's signature is checked against the election's board key.";
  } catch (error) {
    $("status").textContent = "";
    warn(`This board cannot be trusted as it is: ${error.message}`);
  }
}

$("lookup").addEventListener("click", lookup);
$("lookup-code").addEventListener("keydown", (event) => {
  if (event.key === "Enter") lookup();
});
$("receipt-file").addEventListener("change", (event) => {
  if (event.target.files[0]) checkReceiptFile(event.target.files[0]);
});
$("previous").addEventListener("click", () => showPage(state.start - PAGE));
$("next").addEventListener("click", () => showPage(state.start + PAGE));
start();
