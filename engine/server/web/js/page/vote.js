// The voting page (issue 13, item 1): credential, ballot, encryption in a worker (engine/server/web/js/eg), cast
// or challenge (Benaloh), signature with the voter's did:key, submission, and the receipt checked in the page.
import { challengeBallot } from "../eg/ballot.js";
import { submissionSigningBytes } from "../eg/signing_input.js";
import { loadElection } from "../eg/election.js";
import { ballotContests, renderBallot } from "./ballot_form.js";
import { BOARD_URL, getJson, postBallot } from "./board_api.js";
import { fromHex, toHex } from "./bytes.js";
import { CredentialProblem, loadCredential } from "./credential.js";
import { ed25519Sign, ed25519Verify } from "./ed25519.js";
import { electionKeys } from "./election_keys.js";
import { checkNewReceipt, ReceiptProblem } from "./receipt_check.js";

const $ = (id) => document.getElementById(id);
const state = {
  document: null,
  election: null,
  keys: null,
  roster: null,
  credential: null,
  marks: null,
  result: null,
  worker: null,
};
let readMarks = () => ({});

function say(text) {
  $("status").textContent = text;
}

function warn(text) {
  $("problem").textContent = text;
  $("problem").hidden = !text;
}

function show(...ids) {
  for (const id of ["credential-step", "ballot-step", "code-step", "receipt-step", "challenge-step"]) {
    $(id).hidden = !ids.includes(id);
  }
}

function download(name, document_) {
  const blob = new Blob([`${JSON.stringify(document_, null, 1)}\n`], { type: "application/json" });
  const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

async function start() {
  try {
    state.document = await getJson("election");
    state.keys = await electionKeys(state.document);
    state.election = await loadElection(state.document);
    state.roster = await getJson("roster");
  } catch (error) {
    warn(`This election cannot be opened safely: ${error.message}`);
    say("");
    return;
  }
  const manifest = state.election.manifest;
  const name = typeof manifest.name === "string" ? manifest.name : manifest.name?.text?.[0]?.value;
  $("election-name").textContent = name || manifest.election_scope_id || "Vote";
  document.title = `Vote: ${$("election-name").textContent}`;
  readMarks = renderBallot($("ballot-form"), ballotContests(manifest));
  say("Load your credential to start.");
  show("credential-step");
}

async function useCredential(text) {
  warn("");
  try {
    const credential = await loadCredential(text);
    if (!state.roster.dids.includes(credential.did)) {
      throw new CredentialProblem(
        "This credential is not on this election's list of voters: it may be for another election. Use the file " +
          "the registrar gave you for this election.",
      );
    }
    state.credential = credential;
  } catch (error) {
    warn(error instanceof CredentialProblem ? error.message : `This credential cannot be used: ${error.message}`);
    return;
  }
  $("credential-text").value = "";
  $("credential-who").textContent = `Credential loaded: ${state.credential.did}`;
  $("credential-who").hidden = false;
  say("Mark your ballot, then encrypt it.");
  show("credential-step", "ballot-step");
  encryptionWorker();
  $("ballot-form").querySelector("input")?.focus();
}

/** The page's one encryption worker, asked to load the election and its tables while the voter marks. */
function encryptionWorker() {
  if (!state.worker) {
    state.worker = new Worker(new URL("../eg/worker.js", import.meta.url), { type: "module" });
    state.worker.postMessage({ type: "prepare", electionDocument: state.document });
  }
  return state.worker;
}

function encrypt(marks, options) {
  return new Promise((resolve, reject) => {
    const worker = encryptionWorker();
    const stop = () => {
      worker.terminate();
      state.worker = null;
    };
    worker.onmessage = ({ data }) => {
      if (data.type === "ready") return;
      if (data.type === "progress") {
        $("progress").max = data.total;
        $("progress").value = data.done;
        return;
      }
      worker.onmessage = null;
      if (data.type === "done") resolve(data.result);
      else {
        stop();
        reject(new Error(data.message || "the encryption failed"));
      }
    };
    worker.onerror = (event) => {
      stop();
      reject(new Error(event.message || "the encryption could not start"));
    };
    worker.postMessage({ type: "encrypt", electionDocument: state.document, marks, options });
  });
}

function randomBallotId() {
  return `web-${toHex(crypto.getRandomValues(new Uint8Array(12)))}`;
}

async function encryptBallot() {
  warn("");
  state.marks = readMarks();
  $("encrypt").disabled = true;
  $("progress-box").hidden = false;
  $("progress").value = 0;
  say("Encrypting your ballot on this device…");
  try {
    const started = performance.now();
    state.result = await encrypt(state.marks, { ballotId: randomBallotId(), spoiled: false });
    state.encryptMs = performance.now() - started;
  } catch (error) {
    warn(`Your ballot could not be encrypted: ${error.message}`);
    say("");
    return;
  } finally {
    $("encrypt").disabled = false;
    $("progress-box").hidden = true;
  }
  $("confirmation-code").textContent = state.result.confirmationCode;
  say("Your ballot is encrypted. Cast it or challenge it.");
  $("challenge").disabled = false;
  show("code-step");
  $("cast").focus();
}

/** Sign, submit and check the receipt of `ballot` (CAST or SPOILED); the checked receipt or null. */
async function submit(ballot, contestDataProofs) {
  const { credential, election, keys } = state;
  const message = await submissionSigningBytes(election, ballot, contestDataProofs);
  const signature = toHex(await ed25519Sign(credential.key, message)).toUpperCase();
  const submission = { ballot, did: credential.did, signature, contest_data_proofs: contestDataProofs };
  say("Sending your ballot to the election's server…");
  const answer = await postBallot(submission);
  if (answer.refused) {
    const words =
      answer.status === 403
        ? "The server refused your ballot: your credential is not accepted for this election (wrong credential)."
        : `The server refused your ballot: ${answer.refused}`;
    warn(words);
    say("");
    return null;
  }
  say("Checking your receipt…");
  const verifySigned = async (loggedBallot, loggedProofs) =>
    ed25519Verify(
      credential.publicKey,
      await submissionSigningBytes(election, loggedBallot, loggedProofs),
      fromHex(signature),
    );
  try {
    return await checkNewReceipt(keys, state.document, submission, answer.receipt, verifySigned);
  } catch (error) {
    warn(error instanceof ReceiptProblem ? error.message : `Your receipt could not be checked: ${error.message}`);
    if (error instanceof ReceiptProblem) $("problem").dataset.detail = error.detail;
    say("");
    return null;
  }
}

async function cast() {
  warn("");
  $("cast").disabled = $("challenge").disabled = true;
  // The nonce would let anyone who holds it show how this ballot voted: once cast is chosen, it is dropped,
  // and the ballot can no longer be challenged.
  delete state.result.challenge;
  try {
    const checked = await submit(state.result.ballot, state.result.contestDataProofs);
    if (!checked) return;
    state.receipt = checked.saved;
    const witnessed = checked.witnesses.length ? `, cosigned by the witnesses ${checked.witnesses.join(", ")}` : "";
    $("receipt-result").textContent =
      `Receipt checked: your ballot ${checked.saved.receipt.confirmation_code} is entry ${checked.leafIndex} of the ` +
      `public board's signed log of ${checked.treeSize} entries${witnessed}.`;
    say("Your ballot is cast and your receipt is checked.");
    show("receipt-step");
    $("receipt-download").focus();
  } finally {
    $("cast").disabled = false;
  }
}

async function challenge() {
  warn("");
  if (!state.result.challenge) {
    warn("This ballot was sent to be cast, so it can no longer be challenged. To check a ballot, mark a new one.");
    return;
  }
  $("cast").disabled = $("challenge").disabled = true;
  try {
    const spoiled = challengeBallot(state.result);
    const checked = await submit(spoiled.ballot, spoiled.contestDataProofs);
    if (!checked) return;
    state.challenge = { ...state.result.challenge, receipt: checked.saved };
    $("challenge-result").textContent =
      `Challenged: ballot ${state.result.confirmationCode} is on the public board as challenged (entry ` +
      `${checked.leafIndex}); the guardians will decrypt it too.`;
    $("challenge-json").textContent = JSON.stringify(state.result.challenge, null, 1);
    $("challenge-command").textContent =
      `ballotchain ballot check-challenge challenge-${state.result.ballot.ballot_id}.json --board ${BOARD_URL.href}`;
    say("Your ballot was challenged. It will not count.");
    show("challenge-step");
    $("challenge-download").focus();
  } finally {
    $("cast").disabled = $("challenge").disabled = false;
  }
}

function voteAgain() {
  warn("");
  state.result = null;
  say(state.receipt ? "Mark your new ballot. It will replace the one you cast before." : "Mark your ballot again.");
  show("credential-step", "ballot-step");
  encryptionWorker();
  $("ballot-form").querySelector("input")?.focus();
}

$("credential-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (file) await useCredential(await file.text());
});
$("credential-load").addEventListener("click", () => useCredential($("credential-text").value));
$("encrypt").addEventListener("click", encryptBallot);
$("cast").addEventListener("click", cast);
$("challenge").addEventListener("click", challenge);
$("receipt-download").addEventListener("click", () =>
  download(`receipt-${state.receipt.receipt.ballot_id}.json`, state.receipt),
);
$("challenge-download").addEventListener("click", () =>
  download(`challenge-${state.result.ballot.ballot_id}.json`, state.result.challenge),
);
$("vote-again").addEventListener("click", voteAgain);
$("vote-after-challenge").addEventListener("click", voteAgain);
start();
