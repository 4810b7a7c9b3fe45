// Contest data (spec 2.0.0 sections 3.3.6-3.3.7) as engine/contest_data.py writes it: egk's
// protocol-buffers ContestData padded to (L + 1) * 32 bytes with a '*' filler, encrypted with hashed
// ElGamal (eq. 50-55) with egk's KDF Label "share_enc_keys", Context "contest_data" || contest id and
// length field b(8 * numBytes, 4).

import { bigIntToBytes } from "./bigint.js";
import { Tag, concatBytes, hashElems, hmac, u32, utf8 } from "./hash.js";

const STATUS_CODES = { normal: 0, null_vote: 1, over_vote: 2, under_vote: 3 };
const TRUNCATED_TEXT = "*";
const TRUNCATED_OVERVOTES = -1;
const WRITE_IN_CHOP = 30;
const UINT32_MAX = 0xffffffff;
const BLOCK_BYTES = 32;
const KDF_LABEL = utf8("share_enc_keys");
const CONTEXT_PREFIX = utf8("contest_data");

// Section 3.3.7: null_vote with no vote, under_vote below L, over_vote above L, else normal.
export function contestDataStatus(votes, contestLimit) {
  if (votes === 0) return "null_vote";
  if (votes > contestLimit) return "over_vote";
  if (votes < contestLimit) return "under_vote";
  return "normal";
}

function varint(n) {
  const out = [];
  let v = n;
  for (;;) {
    const low = v % 128;
    v = Math.floor(v / 128);
    if (v) out.push(low | 0x80);
    else {
      out.push(low);
      return Uint8Array.from(out);
    }
  }
}

const key = (field, wire) => varint((field << 3) | wire);
const lengthDelimited = (field, body) => concatBytes([key(field, 2), varint(body.length), body]);

// egk's protocol-buffers bytes of ContestData (proto3: default values left out).
export function encodeContestData(data, filler = "") {
  const parts = [];
  const status = STATUS_CODES[data.status];
  if (status) parts.push(key(1, 0), varint(status));
  if (data.overVotes.length) {
    const packed = concatBytes(data.overVotes.map((v) => varint(v === TRUNCATED_OVERVOTES ? UINT32_MAX : v)));
    parts.push(key(2, 2), varint(packed.length), packed);
  }
  for (const text of data.writeIns) parts.push(lengthDelimited(3, utf8(text)));
  if (filler) parts.push(lengthDelimited(4, utf8(filler)));
  return concatBytes(parts);
}

const codePoints = (text) => Array.from(text);
function chop(text, keep) {
  const points = codePoints(text);
  return points.length <= keep ? text : points.slice(0, keep).join("") + TRUNCATED_TEXT;
}

function shrink(data) {
  const lengths = data.writeIns.map((w) => codePoints(w).length);
  const longest = lengths.length ? Math.max(...lengths) : 0;
  if (lengths.length && longest > TRUNCATED_TEXT.length) {
    const i = lengths.indexOf(longest);
    let body = data.writeIns[i];
    if (body.endsWith(TRUNCATED_TEXT)) body = body.slice(0, -TRUNCATED_TEXT.length);
    const shorter = codePoints(body).slice(0, -1).join("") + TRUNCATED_TEXT;
    return { ...data, writeIns: [...data.writeIns.slice(0, i), shorter, ...data.writeIns.slice(i + 1)] };
  }
  if (data.writeIns.length && !(data.writeIns.length === 1 && data.writeIns[0] === TRUNCATED_TEXT)) {
    return { ...data, writeIns: [TRUNCATED_TEXT] };
  }
  if (data.overVotes.length && !(data.overVotes.length === 1 && data.overVotes[0] === TRUNCATED_OVERVOTES)) {
    return { ...data, overVotes: [TRUNCATED_OVERVOTES] };
  }
  throw new Error("contest data cannot be shortened to its fixed length");
}

// The longest filler field (key, length, '*' * n) that takes at most `room` bytes.
function fillerField(room) {
  for (let lengthBytes = 1; lengthBytes < 6; lengthBytes++) {
    const n = room - 1 - lengthBytes;
    if (n < 0) break;
    if (varint(n).length <= lengthBytes) return lengthDelimited(4, utf8("*".repeat(n)));
  }
  return new Uint8Array(0);
}

// D for a contest with selection limit L: the encoding shortened and padded to (L + 1) * 32 bytes, as
// engine/contest_data.py pad_contest_data does it (egk's truncation steps, then its own).
export function padContestData(data, contestLimit) {
  const size = (contestLimit + 1) * BLOCK_BYTES;
  let trial = data;
  let encoded = encodeContestData(trial);
  if (encoded.length > size && trial.writeIns.length > contestLimit) {
    trial = { ...trial, writeIns: [...trial.writeIns.slice(0, contestLimit), TRUNCATED_TEXT] };
    encoded = encodeContestData(trial);
  }
  if (encoded.length > size && trial.writeIns.length) {
    trial = { ...trial, writeIns: trial.writeIns.map((w) => chop(w, WRITE_IN_CHOP)) };
    encoded = encodeContestData(trial);
  }
  if (encoded.length > size && trial.overVotes.length > contestLimit + 1) {
    trial = { ...trial, overVotes: [...trial.overVotes.slice(0, contestLimit + 1), TRUNCATED_OVERVOTES] };
    encoded = encodeContestData(trial);
  }
  while (encoded.length > size) {
    trial = shrink(trial);
    encoded = encodeContestData(trial);
  }
  return concatBytes([encoded, fillerField(size - encoded.length)]);
}

// (C0, C1, C2, numBytes) of eq. 53-55 for D with nonce xi: C0 = g^xi, beta = K^xi, k = H(H_E; 0x22, K, C0, beta)
// (eq. 51), k_i = HMAC(k, b(i, 4) || Label || 0x00 || Context || b(8 numBytes, 4)) (eq. 52).
export async function encryptContestData(election, plaintext, nonce, contestId) {
  const { group } = election;
  const c0 = bigIntToBytes(election.gTable.pow(nonce), group.pBytes);
  const beta = bigIntToBytes(election.kTable.pow(nonce), group.pBytes);
  const k = await hashElems(election.extendedBaseHash, Tag.CONTEST_DATA_KEY, election.jointPublicKeyBytes, c0, beta);
  const numBytes = plaintext.length;
  const blocks = Math.ceil(numBytes / BLOCK_BYTES);
  const tail = concatBytes([KDF_LABEL, Uint8Array.of(0), CONTEXT_PREFIX, utf8(contestId), u32(8 * numBytes)]);
  const keys = [];
  for (let i = 0; i <= blocks; i++) keys.push(await hmac(k, concatBytes([u32(i), tail])));
  const c1 = new Uint8Array(blocks * BLOCK_BYTES);
  c1.set(plaintext);
  const stream = concatBytes(keys.slice(1));
  for (let i = 0; i < c1.length; i++) c1[i] ^= stream[i];
  const c2 = await hmac(keys[0], concatBytes([c0, c1]));
  return { c0, c1, c2, numBytes };
}
