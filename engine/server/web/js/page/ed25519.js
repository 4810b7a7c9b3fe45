// Ed25519 (RFC 8032) through WebCrypto: verify with a raw public key, sign with a key imported from its seed.
import { toBase64Url, utf8 } from "./bytes.js";

const ALGORITHM = { name: "Ed25519" };

export async function ed25519Verify(publicKey, message, signature) {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey("raw", publicKey, ALGORITHM, false, ["verify"]);
    return await crypto.subtle.verify(ALGORITHM, key, signature, message);
  } catch {
    return false;
  }
}

/** A non-extractable signing key from a raw 32-byte seed and its public key (a JWK, RFC 8037); the pair is
 * tested by signing and verifying a probe, since an import does not promise to check that they belong together. */
export async function importSigningKey(seed, publicKey) {
  const jwk = { kty: "OKP", crv: "Ed25519", d: toBase64Url(seed), x: toBase64Url(publicKey), ext: false };
  const key = await crypto.subtle.importKey("jwk", jwk, ALGORITHM, false, ["sign"]);
  const probe = utf8("ballotchain credential probe");
  const signature = new Uint8Array(await crypto.subtle.sign(ALGORITHM, key, probe));
  if (!(await ed25519Verify(publicKey, probe, signature))) throw new Error("the private key does not match the public key");
  return key;
}

export async function ed25519Sign(key, message) {
  return new Uint8Array(await crypto.subtle.sign(ALGORITHM, key, message));
}
