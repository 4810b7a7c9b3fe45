// The module worker that encrypts a ballot off the page's thread: in {type: "encrypt", electionDocument, marks,
// options}; out {type: "progress", done, total} while it works, then {type: "done", result} (encryptBallot's
// result) or {type: "error", message}.
//
// The worker keeps the last election it loaded, with its fixed-base tables for g and K (about a fifth of a
// ballot's time on the production group): a page that keeps one worker for a re-vote, or that sends
// {type: "prepare", electionDocument} while the voter marks the ballot (answered {type: "ready"} or
// {type: "error", message}), spares the voter that wait.

import { encryptBallot } from "./ballot.js";
import { loadElection } from "./election.js";

const elections = new Map();

/** The loaded election, as a promise so that an encrypt request arriving during a prepare waits for it. */
function electionFor(document) {
  const key = JSON.stringify(document.record ?? null);
  let election = elections.get(key);
  if (election === undefined) {
    election = loadElection(document);
    elections.clear();
    elections.set(key, election);
    election.catch(() => elections.delete(key));
  }
  return election;
}

self.onmessage = async (event) => {
  const message = event.data || {};
  if (message.type === "prepare") {
    try {
      await electionFor(message.electionDocument);
      self.postMessage({ type: "ready" });
    } catch (exc) {
      self.postMessage({ type: "error", message: exc instanceof Error ? exc.message : String(exc) });
    }
    return;
  }
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
