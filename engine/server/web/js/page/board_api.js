// The board's HTTP API (engine/server/app.py), addressed relative to the page (served at <board>/web/*.html) so
// that a board served under a path prefix works. Every answer is checked by the caller; these only fetch and decode.
import { fromBase64, fromHex } from "./bytes.js";

export const BOARD_URL = new URL("..", document.baseURI);

export class BoardUnreachable extends Error {}

async function request(path, init) {
  let response;
  try {
    response = await fetch(new URL(path, BOARD_URL), { cache: "no-store", ...init });
  } catch {
    throw new BoardUnreachable("The election's server cannot be reached. Check your connection and try again.");
  }
  return response;
}

export async function getJson(path) {
  const response = await request(path);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error || `the server answered ${response.status}`);
  if (!body || typeof body !== "object") throw new Error("the server's answer is not a JSON object");
  return body;
}

export async function getText(path) {
  const response = await request(path);
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  return response.text();
}

/** POST /ballots: the receipt, or {refused: reason, status}. */
export async function postBallot(submission) {
  const response = await request("ballots", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(submission),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) return { refused: body?.error || `the server answered ${response.status}`, status: response.status };
  return { receipt: body };
}

export async function entryBytes(index) {
  const page = await getJson(`entries?start=${index}&end=${index + 1}`);
  if (page.start !== index || !Array.isArray(page.entries) || page.entries.length !== 1) {
    throw new Error(`the server has no log entry ${index}`);
  }
  return fromBase64(page.entries[0]);
}

export async function entriesPage(start, end) {
  return getJson(`entries?start=${start}&end=${end}`);
}

export async function inclusionProof(index, size) {
  const body = await getJson(`proof/inclusion?index=${index}&size=${size}`);
  return body.inclusion_proof.map((h) => fromHex(h, 32));
}

export async function consistencyProof(oldSize, newSize) {
  const body = await getJson(`proof/consistency?old=${oldSize}&new=${newSize}`);
  return body.consistency_proof.map((h) => fromHex(h, 32));
}

/** GET published/results.json: the published results, or null while the board serves none (404). */
export async function publishedResults() {
  const response = await request("published/results.json");
  if (response.status === 404) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error || `the server answered ${response.status}`);
  if (!body || !Array.isArray(body.contests)) throw new Error("the server's results are not a results document");
  return body;
}
