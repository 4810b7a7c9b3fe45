// The ElectionGuard hash H(B0; B1) = HMAC-SHA-256(B0, B1), spec 2.0.0 eq. 105, through WebCrypto,
// and the byte encodings of its inputs (section 5.1).

import { bigIntToBytes, bytesToBigInt } from "./bigint.js";

const encoder = new TextEncoder();
const importedKeys = new Map();

function subtle() {
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    throw new Error("this browser gives the page no WebCrypto: open the election over https (or on localhost)");
  }
  return globalThis.crypto.subtle;
}

async function hmacKey(keyBytes) {
  const name = Array.from(keyBytes).join(",");
  let key = importedKeys.get(name);
  if (key === undefined) {
    key = await subtle().importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (importedKeys.size > 64) importedKeys.clear();
    importedKeys.set(name, key);
  }
  return key;
}

export function concatBytes(parts) {
  const total = parts.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// HMAC-SHA-256(key, data): 32 bytes.
export async function hmac(keyBytes, data) {
  return new Uint8Array(await subtle().sign("HMAC", await hmacKey(keyBytes), data));
}

// H(key; tag, parts...) with the one-byte domain separator first (section 5.5); parts are encoded bytes.
export async function hashElems(keyBytes, tag, ...parts) {
  if (keyBytes.length !== 32) throw new Error("the key of H is 32 bytes");
  return hmac(keyBytes, concatBytes([Uint8Array.of(tag), ...parts]));
}

// A hash output read as an integer and reduced mod q (challenges, nonces).
export function hashToQ(hashBytes, q) {
  return bytesToBigInt(hashBytes) % q;
}

// b(n, 4), spec 5.1.3.
export function u32(n) {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 31) throw new Error(`a small integer must be in 0..2^31-1, not ${n}`);
  return bigIntToBytes(BigInt(n), 4);
}

// b(len, 4) || bytes: a file or variable-length input, spec 5.1.5.
export function blob(bytes) {
  return concatBytes([bigIntToBytes(BigInt(bytes.length), 4), bytes]);
}

export function utf8(text) {
  return encoder.encode(text);
}

export const Tag = Object.freeze({
  PARAMETER_BASE: 0x00,
  MANIFEST: 0x01,
  ELECTION_BASE: 0x02,
  EXTENDED_BASE: 0x12,
  SELECTION_NONCE: 0x20,
  CONTEST_DATA_NONCE: 0x20,
  RANGE_PROOF: 0x21,
  CONTEST_DATA_KEY: 0x22,
  CONTEST_HASH: 0x23,
  CONFIRMATION: 0x24,
  PAD_KNOWLEDGE_PROOF: 0xb0,
});
