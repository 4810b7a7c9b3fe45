// Merkle tree proofs, RFC 9162 section 2.1, as engine/board/merkle.py verifies them.
import { concat, equalBytes, sha256, toHex } from "./bytes.js";

export const EMPTY_ROOT_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

export const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));

const node = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

const isHash = (value) => value instanceof Uint8Array && value.length === 32;

/** RFC 9162 2.1.3.2: does `proof` show leaf hash `leaf` at `index` in the tree of `size` leaves with `root`? */
export async function verifyInclusion(leaf, index, size, proof, root) {
  if (!isHash(leaf) || !isHash(root) || !Number.isSafeInteger(index) || !Number.isSafeInteger(size)) return false;
  if (!(index >= 0 && index < size) || !Array.isArray(proof)) return false;
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n || !isHash(p)) return false;
    if (fn & 1n || fn === sn) {
      r = await node(p, r);
      while (fn && !(fn & 1n)) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await node(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(r, root);
}

/** RFC 9162 2.1.4.2: is the tree `oldRoot` of `oldSize` leaves a prefix of the tree `newRoot` of `newSize`? */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (!isHash(oldRoot) || !isHash(newRoot) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize) || !(oldSize >= 0 && oldSize <= newSize)) {
    return false;
  }
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (oldSize === 0) return proof.length === 0 && toHex(oldRoot) === EMPTY_ROOT_HEX;
  const path = [...proof];
  if (path.length === 0) return false;
  let fn = BigInt(oldSize - 1);
  let sn = BigInt(newSize - 1);
  if ((BigInt(oldSize) & (BigInt(oldSize) - 1n)) === 0n) path.unshift(oldRoot);
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (fn & 1n || fn === sn) {
      fr = await node(c, fr);
      sr = await node(c, sr);
      while (fn && !(fn & 1n)) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = await node(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}
