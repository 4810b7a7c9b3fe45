// Ballot encryption in the browser, bit for bit as engine/ballot.py encrypt_ballot and
// prove_contest_data_knowledge do it for an online submission (board_client.prepare_submission):
// spec 2.0.0 sections 3.3 and 3.4 with the INDEX form of ind_c / ind_o (b(sequence_order, 4)).
//
// Per contest of the ballot style, in sequence order: per option xi_i,j = H(H_E; 0x20, xi_B, ind_c, ind_o)
// (eq. 25), (alpha, beta) = (g^xi, K^(sigma + xi)) (eq. 24) with its 0..R proof (eq. 46); the 0..L proof
// on the product of the contest's ciphertexts (eq. 56); the contest data (eq. 50-55); chi_l (eq. 57). Then
// H(B) = H(H_E; 0x24, chi_1, ..., chi_m, B_aux) with B_aux = B_aux,0 of the election (eq. 58, egk's form
// without length prefix), and for each contest the proof of knowledge of its contest data nonce.

import { bigIntToBytes, bigIntToHex, bytesToHex, hexToBytes, mod } from "./bigint.js";
import { contestDataStatus, encryptContestData, padContestData } from "./contest_data.js";
import { contestsForStyle } from "./election.js";
import { Tag, hashElems, hashToQ, u32, utf8 } from "./hash.js";
import { provePadKnowledge, proveRange } from "./proofs.js";
import { cryptoRandomSource, injectedRandomSource } from "./random.js";

export const CHALLENGE_KIND = "ballotchain-challenged-ballot-v1";
const CONTEST_DATA_LABEL = utf8("contest_data");

export class BallotError extends Error {}

function normalMarks(contest, mark, ballotId) {
  const where = `ballot ${JSON.stringify(ballotId)}, contest ${JSON.stringify(contest.id)}`;
  let chosen = [];
  let writeIns = [];
  if (Array.isArray(mark)) chosen = mark;
  else if (mark !== undefined && mark !== null) {
    if (typeof mark !== "object") throw new BallotError(`${where}: marks are a list of option ids`);
    chosen = mark.selections || [];
    if (typeof mark.writeIn === "string" && mark.writeIn !== "") writeIns = [mark.writeIn];
    if (Array.isArray(mark.writeIns)) writeIns = writeIns.concat(mark.writeIns);
    if (!Array.isArray(chosen) || !writeIns.every((w) => typeof w === "string")) {
      throw new BallotError(`${where}: selections are option ids and write-ins are text`);
    }
  }
  const votes = new Map(contest.selections.map((s) => [s.id, 0]));
  for (const id of chosen) {
    if (!votes.has(id)) throw new BallotError(`${where}: unknown selection ${JSON.stringify(id)}`);
    votes.set(id, votes.get(id) + 1);
  }
  for (const [id, vote] of votes) {
    if (vote > contest.optionLimit) {
      const range = `0..${contest.optionLimit} (R)`;
      throw new BallotError(`${where}: the vote for ${JSON.stringify(id)} is ${vote}, not in ${range}`);
    }
  }
  const total = [...votes.values()].reduce((a, b) => a + b, 0);
  if (total > contest.votesAllowed) {
    throw new BallotError(`${where}: ${total} votes exceed the selection limit L = ${contest.votesAllowed}`);
  }
  return { votes: contest.selections.map((s) => votes.get(s.id)), writeIns };
}

function checkText(value, what) {
  if (typeof value !== "string" || value === "") throw new BallotError(`the ${what} must be a non-empty string`);
}

const rangeProofJson = (proof, group) => ({
  proofs: proof.challenges.map((c, j) => ({
    challenge: bigIntToHex(c, group.qBytes),
    response: bigIntToHex(proof.responses[j], group.qBytes),
  })),
});

// chi_l = H(H_E; 0x23, b(ind_c, 4), K, alpha_1, beta_1, ..., alpha_m, beta_m), eq. 57 (pads: b(x, l_p) each).
async function contestHashOf(election, sequenceOrder, pads) {
  const { extendedBaseHash, jointPublicKeyBytes } = election;
  return hashElems(extendedBaseHash, Tag.CONTEST_HASH, u32(sequenceOrder), jointPublicKeyBytes, ...pads);
}

// H(B) = H(H_E; 0x24, chi_1, ..., chi_m, B_aux), eq. 58, B_aux as raw bytes (egk's form, docs/PROTOCOL.md deviation 1).
async function confirmationCodeOf(election, contestHashes, baux) {
  return hashElems(election.extendedBaseHash, Tag.CONFIRMATION, ...contestHashes, baux);
}

// The contest hashes (eq. 57) and the confirmation code (eq. 58) of an encrypted ballot's egk JSON, recomputed
// from its ciphertexts and its B_aux: what a page can check of any ballot on the board without a secret.
export async function recomputeConfirmationCode(election, ballotJson) {
  const { group } = election;
  const contests = ballotJson.contests.slice().sort((a, b) => a.sequence_order - b.sequence_order);
  const hashes = [];
  for (const contest of contests) {
    const pads = [];
    for (const s of contest.selections) {
      pads.push(hexToBytes(s.encrypted_vote.pad), hexToBytes(s.encrypted_vote.data));
    }
    if (pads.some((x) => x.length !== group.pBytes)) throw new BallotError("a ciphertext is not b(x, l_p)");
    hashes.push(await contestHashOf(election, contest.sequence_order, pads));
  }
  const code = await confirmationCodeOf(election, hashes, hexToBytes(ballotJson.code_baux));
  return { contestHashes: hashes.map(bytesToHex), confirmationCode: bytesToHex(code) };
}

async function encryptContest(election, random, contest, normal, ballotNonce, progress) {
  const { group } = election;
  const hE = election.extendedBaseHash;
  const contestInd = u32(contest.sequenceOrder);
  const total = normal.votes.reduce((a, b) => a + b, 0);
  const status = contestDataStatus(total, contest.votesAllowed);
  const selections = [];
  const plaintext = [];
  const pads = [];
  let aggregateAlpha = 1n;
  let aggregateBeta = 1n;
  let aggregateNonce = 0n;
  for (let j = 0; j < contest.selections.length; j++) {
    const option = contest.selections[j];
    const vote = normal.votes[j];
    const xiHash = await hashElems(hE, Tag.SELECTION_NONCE, ballotNonce, contestInd, u32(option.sequenceOrder));
    const xi = hashToQ(xiHash, group.q);
    const alpha = election.gTable.pow(xi);
    const beta = election.kTable.pow(mod(xi + BigInt(vote), group.q));
    const proof = await proveRange(election, random, alpha, beta, xi, vote, contest.optionLimit);
    pads.push(bigIntToBytes(alpha, group.pBytes), bigIntToBytes(beta, group.pBytes));
    aggregateAlpha = (aggregateAlpha * alpha) % group.p;
    aggregateBeta = (aggregateBeta * beta) % group.p;
    aggregateNonce += xi;
    selections.push({
      selection_id: option.id,
      sequence_order: option.sequenceOrder,
      encrypted_vote: { pad: bigIntToHex(alpha, group.pBytes), data: bigIntToHex(beta, group.pBytes) },
      proof: rangeProofJson(proof, group),
    });
    plaintext.push({ selection_id: option.id, sequence_order: option.sequenceOrder, vote });
    progress();
  }
  const limitProof = await proveRange(
    election, random, aggregateAlpha, aggregateBeta, mod(aggregateNonce, group.q), total, contest.votesAllowed,
  );
  const dataNonceHash = await hashElems(hE, Tag.CONTEST_DATA_NONCE, ballotNonce, contestInd, CONTEST_DATA_LABEL);
  const dataNonce = hashToQ(dataNonceHash, group.q);
  const data = { overVotes: [], writeIns: normal.writeIns, status };
  const padded = padContestData(data, contest.votesAllowed);
  const contestData = await encryptContestData(election, padded, dataNonce, contest.id);
  const contestHash = await contestHashOf(election, contest.sequenceOrder, pads);
  progress();
  return {
    json: {
      contest_id: contest.id,
      sequence_order: contest.sequenceOrder,
      votes_allowed: contest.votesAllowed,
      contest_hash: bytesToHex(contestHash),
      selections,
      proof: rangeProofJson(limitProof, group),
      encrypted_contest_data: {
        c0: bytesToHex(contestData.c0),
        c1: bytesToHex(contestData.c1),
        c2: bytesToHex(contestData.c2),
        numBytes: contestData.numBytes,
      },
    },
    plaintext: {
      contest_id: contest.id,
      sequence_order: contest.sequenceOrder,
      selections: plaintext,
      write_ins: normal.writeIns,
    },
    contestHash,
    contestData,
    dataNonce,
  };
}

// Encrypt a voter's marks ({contestId: [selectionId, ...]} or {contestId: {selections, writeIn}}) on the ballot
// style options.ballotStyleId; options: ballotId, spoiled (state SPOILED instead of CAST), device (default
// "online", as the engine's online voting), timestamp (seconds; default now), onProgress(done, total), and for
// known-answer tests only testNonces (random.js). Returns the egk JSON of the encrypted ballot (as engine/record
// encode_encrypted_ballot writes it), its contest data proofs (as encode_contest_data_proofs writes them), the
// confirmation code in hex and the challenge document (docs/FORMATS.md, "Challenged ballot"): it reveals the
// ballot nonce, so a page shows or keeps it only for a ballot the voter challenges.
export async function encryptBallot(election, marks, options = {}) {
  const { group } = election;
  const ballotId = options.ballotId;
  const styleId = options.ballotStyleId ?? election.ballotStyles[0]?.object_id;
  const device = options.device ?? "online";
  checkText(ballotId, "ballot id");
  checkText(styleId, "ballot style id");
  checkText(device, "encrypting device");
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new BallotError("the timestamp is a non-negative integer");
  }
  const contests = contestsForStyle(election, styleId);
  const known = new Set(contests.map((c) => c.id));
  for (const id of Object.keys(marks || {})) {
    if (!known.has(id)) {
      const where = `ballot ${JSON.stringify(ballotId)}: contest ${JSON.stringify(id)}`;
      throw new BallotError(`${where} is not on ballot style ${JSON.stringify(styleId)}`);
    }
  }
  const normal = contests.map((c) => normalMarks(c, (marks || {})[c.id], ballotId));
  const random = options.testNonces ? injectedRandomSource(group, options.testNonces) : cryptoRandomSource(group);
  const ballotNonce = random.ballotNonce();
  const total = contests.reduce((n, c) => n + c.selections.length + 2, 0);
  let done = 0;
  const progress = () => {
    done += 1;
    if (options.onProgress) options.onProgress(done, total);
  };
  const encrypted = [];
  for (let i = 0; i < contests.length; i++) {
    encrypted.push(await encryptContest(election, random, contests[i], normal[i], ballotNonce, progress));
  }
  const code = await confirmationCodeOf(election, encrypted.map((c) => c.contestHash), election.baux0);
  const contestDataProofs = [];
  for (let i = 0; i < contests.length; i++) {
    const c = encrypted[i];
    const order = contests[i].sequenceOrder;
    const proof = await provePadKnowledge(election, random, code, order, c.contestData, c.dataNonce);
    contestDataProofs.push({
      challenge: bigIntToHex(proof.challenge, group.qBytes),
      response: bigIntToHex(proof.response, group.qBytes),
    });
    progress();
  }
  const ballot = {
    ballot_id: ballotId,
    ballot_style_id: styleId,
    encrypting_device: device,
    timestamp,
    code_baux: bytesToHex(election.baux0),
    confirmation_code: bytesToHex(code),
    election_id: election.extendedBaseHashHex,
    contests: encrypted.map((c) => c.json),
    state: options.spoiled ? "SPOILED" : "CAST",
    is_preencrypt: false,
  };
  const choices = { ballot_id: ballotId, ballot_style: styleId, contests: encrypted.map((c) => c.plaintext) };
  return challengeOf({ ballot, contestDataProofs, confirmationCode: bytesToHex(code) }, ballotNonce, choices);
}

function challengeOf(result, ballotNonce, choices) {
  const challenge = {
    kind: CHALLENGE_KIND,
    election: result.ballot.election_id,
    confirmation_code: result.confirmationCode,
    ballot_nonce: bytesToHex(ballotNonce),
    choices,
    ballot: { ...result.ballot, state: "SPOILED" },
  };
  return { ...result, challenge };
}

// The same encryption, challenged (Benaloh): the ballot's state becomes SPOILED; its confirmation code and
// contest data proofs do not depend on the state, so the code the voter saw stays the ballot's.
export function challengeBallot(result) {
  return { ...result, ballot: { ...result.ballot, state: "SPOILED" } };
}

