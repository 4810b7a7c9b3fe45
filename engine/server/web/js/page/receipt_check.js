// The receipt check in the page, as engine/client/board_client.py does it: the board's signed tree head
// (engine/board/sth.py), the inclusion of exactly the voter's submission (RFC 9162 2.1.3.2, engine/board/merkle.py),
// and, where the election names witnesses, the board's checkpoint cosigned by k of them (engine/board/cosigning.py)
// that extends the receipt's tree (RFC 9162 2.1.4.2). Keys are the ones the election fixes (election_keys.js).
import { BOARD_URL, consistencyProof, entryBytes, getJson, getText, inclusionProof } from "./board_api.js";
import { fromBase64, fromHex, toHex } from "./bytes.js";
import { canonicalJson } from "./canonical_json.js";
import { leafHash, verifyConsistency, verifyInclusion } from "./merkle.js";
import { openCheckpoint } from "./note.js";
import { readTreeHead, verifyTreeHead } from "./tree_head.js";

export const RECEIPT_KIND = "ballotchain-receipt-v2";

/** A check that failed: `message` is for the voter, `detail` for whoever investigates. */
export class ReceiptProblem extends Error {
  constructor(message, detail) {
    super(message);
    this.detail = detail;
  }
}

const WRONG_PROOF =
  "Warning: the election server's proof that your ballot is on the public board is wrong. Your ballot may not " +
  "have been recorded. Write down your confirmation code, do not trust this server's answer, and report it to the " +
  "election officials; you can look the code up later on the public board, from another network.";
const BAD_HEAD =
  "Warning: the election server's signature on the public board is not the election's. Do not trust this server's " +
  "answer; report it to the election officials.";
const NOT_WITNESSED =
  "Warning: the independent witnesses have not confirmed the public board that holds your ballot. The board may be " +
  "showing you a different board than everyone else. Report it to the election officials.";
const TAMPERED =
  "This receipt does not match the public board: it has been changed, or it is not a receipt of this election. " +
  "If it is the file you saved when you voted, report it to the election officials.";

function problem(message, detail) {
  return new ReceiptProblem(message, detail);
}

async function signedHead(obj, keys, message) {
  let head;
  try {
    head = readTreeHead(obj);
  } catch (error) {
    throw problem(message, `malformed tree head: ${error.message}`);
  }
  if (!(await verifyTreeHead(head, keys.board))) throw problem(message, "the tree head is not signed by the board key");
  return head;
}

/** The receipt's inclusion proof as 32-byte hashes; else the problem `message`. */
function receiptProof(receipt, message) {
  try {
    return receipt.inclusion_proof.map((h) => fromHex(h, 32));
  } catch {
    throw problem(message, "the receipt's inclusion proof is not a list of 32-byte hashes");
  }
}

/** The log entry at `index`, proven by `proof` to be a leaf of `head`; its bytes' JSON. */
async function provenEntry(index, head, proof, message) {
  const bytes = await entryBytes(index);
  if (!(await verifyInclusion(await leafHash(bytes), index, head.size, proof, head.root))) {
    throw problem(message, `the inclusion proof of leaf ${index} in the tree of ${head.size} does not verify`);
  }
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** With witnesses: the board's checkpoint, cosigned by k of them, extends the tree of `head`. */
async function witnessedCheckpoint(keys, head) {
  if (keys.witnesses.length === 0) return null;
  let checkpoint;
  try {
    checkpoint = await openCheckpoint(await getText("checkpoint"), keys.boardNoteKey, keys.witnesses);
  } catch (error) {
    throw problem(NOT_WITNESSED, `the checkpoint: ${error.message}`);
  }
  if (checkpoint.witnesses.length < keys.quorum) {
    throw problem(
      NOT_WITNESSED,
      `the checkpoint carries ${checkpoint.witnesses.length} cosignatures; the election needs ${keys.quorum}`,
    );
  }
  const proof = checkpoint.size > head.size ? await consistencyProof(head.size, checkpoint.size) : [];
  if (!(await verifyConsistency(head.size, checkpoint.size, head.root, checkpoint.root, proof))) {
    throw problem(NOT_WITNESSED, `the cosigned checkpoint of ${checkpoint.size} does not extend the tree of ${head.size}`);
  }
  return checkpoint;
}

/**
 * Check the receipt the board answered to the voter's submission. `submission` is what was POSTed; `verifySigned`
 * (ballot, proofs) -> Promise<bool> checks the voter's own signature over the logged ballot and proofs. Returns
 * the receipt to download, in the format `ballotchain receipt check` reads (CastResult.to_json).
 */
export async function checkNewReceipt(keys, election, submission, receipt, verifySigned) {
  const head = await signedHead(receipt?.sth, keys, BAD_HEAD);
  const proof = receiptProof(receipt, WRONG_PROOF);
  const entry = await provenEntry(receipt.leaf_index, head, proof, WRONG_PROOF);
  const signature = submission.signature.toUpperCase();
  if (
    entry.type !== "ballot_submitted" ||
    entry.did !== submission.did ||
    entry.signature !== signature ||
    entry.ballot_id !== receipt.ballot_id ||
    entry.confirmation_code !== receipt.confirmation_code ||
    entry.timestamp !== receipt.entry_timestamp ||
    !(await verifySigned(entry.ballot, entry.contest_data_proofs))
  ) {
    throw problem(WRONG_PROOF, `leaf ${receipt.leaf_index} is not this submission`);
  }
  const checkpoint = await witnessedCheckpoint(keys, head);
  const saved = {
    kind: RECEIPT_KIND,
    board: BOARD_URL.href.replace(/\/$/, ""),
    group: election.group,
    board_public_key: keys.boardHex,
    did: submission.did,
    signature,
    receipt,
    ballot: entry.ballot,
    contest_data_proofs: entry.contest_data_proofs,
  };
  if (checkpoint) saved.checkpoint = checkpoint.text;
  return { saved, leafIndex: receipt.leaf_index, treeSize: head.size, witnesses: checkpoint?.witnesses || [] };
}

/** The first ballot_superseded entry after `index` that replaces `ballotId` of `did`, by a page walk. */
async function findReplacement(index, size, ballotId, did) {
  let start = index + 1;
  while (start < size) {
    const page = await getJson(`entries?start=${start}&end=${size}`);
    for (const [offset, encoded] of page.entries.entries()) {
      const entry = JSON.parse(new TextDecoder().decode(fromBase64(encoded)));
      if (entry.type === "ballot_superseded" && entry.old_ballot_id === ballotId && entry.did === did) {
        return { index: start + offset, newBallotId: entry.new_ballot_id };
      }
    }
    if (page.end <= start) break;
    start = page.end;
  }
  return null;
}

/** Check a saved receipt file against the board now: the receipt's head and proof, the logged entry equal to the
 * receipt's submission, the latest head extending the receipt's, and whether a later ballot replaced it. */
export async function checkSavedReceipt(keys, saved) {
  const fields = ["ballot", "board", "board_public_key", "contest_data_proofs", "did", "group", "kind", "receipt", "signature"];
  const present = Object.keys(saved || {}).filter((k) => k !== "checkpoint").sort();
  if (saved?.kind !== RECEIPT_KIND || present.join() !== fields.join()) {
    throw problem("This file is not a ballot receipt of this system.", `a receipt has the fields ${fields.join(", ")}`);
  }
  if (String(saved.board_public_key).toUpperCase() !== keys.boardHex) {
    throw problem(TAMPERED, "the receipt names another board key than the election's");
  }
  const receipt = saved.receipt;
  const head = await signedHead(receipt?.sth, keys, TAMPERED);
  const proof = receiptProof(receipt, TAMPERED);
  const entry = await provenEntry(receipt.leaf_index, head, proof, TAMPERED);
  const same =
    entry.type === "ballot_submitted" &&
    entry.did === saved.did &&
    entry.signature === String(saved.signature).toUpperCase() &&
    entry.ballot_id === receipt.ballot_id &&
    entry.confirmation_code === receipt.confirmation_code &&
    entry.timestamp === receipt.entry_timestamp &&
    canonicalJson(entry.ballot) === canonicalJson(saved.ballot) &&
    canonicalJson(entry.contest_data_proofs) === canonicalJson(saved.contest_data_proofs);
  if (!same) throw problem(TAMPERED, `the board's leaf ${receipt.leaf_index} holds another submission than the receipt`);
  const latestDoc = await getJson("sth");
  const latest = await signedHead(latestDoc.sth, keys, BAD_HEAD);
  const extension = latest.size > head.size ? await consistencyProof(head.size, latest.size) : [];
  if (!(await verifyConsistency(head.size, latest.size, head.root, latest.root, extension))) {
    throw problem(WRONG_PROOF, `the board's tree of ${latest.size} does not extend the receipt's tree of ${head.size}`);
  }
  const direct = await inclusionProof(receipt.leaf_index, latest.size);
  await provenEntry(receipt.leaf_index, latest, direct, WRONG_PROOF);
  const checkpoint = await witnessedCheckpoint(keys, latest);
  const replacedBy =
    saved.ballot.state === "CAST" ? await findReplacement(receipt.leaf_index, latest.size, receipt.ballot_id, saved.did) : null;
  return {
    leafIndex: receipt.leaf_index,
    treeSize: latest.size,
    code: receipt.confirmation_code,
    replacedBy,
    witnesses: checkpoint?.witnesses || [],
    rootHex: toHex(latest.root),
  };
}
