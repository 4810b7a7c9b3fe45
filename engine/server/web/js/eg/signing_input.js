// The bytes a voter's did:key signs for a submission, as engine/credentials/did.py submission_message builds
// them: "ballotchain-submission-v3" || H_E (eq. 23) || SHA-256(canonical JSON of {"ballot", "contest_data_proofs"}).
// The page signs them with WebCrypto Ed25519.

import { concatBytes, utf8 } from "./hash.js";

const SUBMISSION_DOMAIN = utf8("ballotchain-submission-v3");

function compareCodePoints(a, b) {
  const x = Array.from(a, (ch) => ch.codePointAt(0));
  const y = Array.from(b, (ch) => ch.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function sortedValue(value) {
  if (Array.isArray(value)) return value.map(sortedValue);
  if (value !== null && typeof value === "object") {
    const out = {};
    for (const key of Object.keys(value).sort(compareCodePoints)) out[key] = sortedValue(value[key]);
    return out;
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new Error("canonical JSON holds integers only");
  return value;
}

// The engine's canonical_json (engine/board/entries.py): sorted keys, no spaces, UTF-8, integers only.
export function canonicalJson(value) {
  return utf8(JSON.stringify(sortedValue(value)));
}

export async function submissionSigningBytes(election, ballot, contestDataProofs) {
  const fields = canonicalJson({ ballot, contest_data_proofs: contestDataProofs });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", fields));
  return concatBytes([SUBMISSION_DOMAIN, election.extendedBaseHash, digest]);
}
