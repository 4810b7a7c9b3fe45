// The module worker that encrypts a ballot off the page's thread: in {type: "encrypt", electionDocument, marks,
// options}; out {type: "progress", done, total} while it works, then {type: "done", result} (encryptBallot's
// result) or {type: "error", message}.

import { encryptBallot } from "./ballot.js";
import { loadElection } from "./election.js";

const elections = new Map();

async function electionFor(document) {
  const key = JSON.stringify(document.record ?? null);
  let election = elections.get(key);
  if (election === undefined) {
    election = await loadElection(document);
    elections.clear();
    elections.set(key, election);
  }
  return election;
}

self.onmessage = async (event) => {
  const message = event.data || {};
  if (message.type !== "encrypt") {
    self.postMessage({ type: "error", message: `unknown request ${JSON.stringify(message.type)}` });
    return;
  }
  try {
    const election = await electionFor(message.electionDocument);
    const options = { ...(message.options || {}) };
    options.onProgress = (done, total) => self.postMessage({ type: "progress", done, total });
    const result = await encryptBallot(election, message.marks, options);
    self.postMessage({ type: "done", result });
  } catch (exc) {
    self.postMessage({ type: "error", message: exc instanceof Error ? exc.message : String(exc) });
  }
};
