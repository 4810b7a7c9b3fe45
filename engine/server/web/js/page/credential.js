// The voter's credential file as the registrar issues it (engine/credentials/did.py): canonical JSON
// {"kind": "ballotchain-voter-credential-v1", "public_key", "private_key"} (raw Ed25519 keys in hex), and its
// did:key name: "did:key:z" + base58btc(0xed 0x01 || public key).
import { concat, fromHex } from "./bytes.js";
import { importSigningKey } from "./ed25519.js";

export const CREDENTIAL_KIND = "ballotchain-voter-credential-v1";
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

export function base58btc(bytes) {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

export const didKey = (publicKey) => `did:key:z${base58btc(concat(Uint8Array.of(0xed, 0x01), publicKey))}`;

export class CredentialProblem extends Error {}

/** The credential in `text`: its DID, public key and a WebCrypto signing key; CredentialProblem in words. */
export async function loadCredential(text) {
  let obj;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new CredentialProblem("This is not a credential file: it is not the file the registrar gave you.");
  }
  if (!obj || obj.kind !== CREDENTIAL_KIND || typeof obj.public_key !== "string" || typeof obj.private_key !== "string") {
    throw new CredentialProblem("This is not a voter credential: it is not the file the registrar gave you.");
  }
  let publicKey;
  let seed;
  try {
    publicKey = fromHex(obj.public_key, 32);
    seed = fromHex(obj.private_key, 32);
  } catch {
    throw new CredentialProblem("This credential is damaged: its keys are not readable.");
  }
  let key;
  try {
    key = await importSigningKey(seed, publicKey);
  } catch {
    throw new CredentialProblem("This credential is damaged: its two keys do not belong together.");
  }
  seed.fill(0);
  return { did: didKey(publicKey), publicKey, key };
}
