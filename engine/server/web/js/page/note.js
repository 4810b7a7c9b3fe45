// Signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint) with Ed25519 note signatures
// (type 0x01) and cosignature/v1 (type 0x04), as engine/board/note.py, checkpoint.py and cosigning.py check them.
import { concat, equalBytes, fromBase64, sha256, utf8 } from "./bytes.js";
import { ed25519Verify } from "./ed25519.js";

export const ED25519_NOTE = 0x01;
export const COSIGNATURE_V1 = 0x04;
const SIGNATURE_PREFIX = "\u2014 ";

export async function keyId(name, type, publicKey) {
  return (await sha256(concat(utf8(name), Uint8Array.of(0x0a, type), publicKey))).slice(0, 4);
}

/** A verifier key `<name>+<key ID hex>+<base64(type || key)>`; its key ID must be the one it names. */
export async function parseVerifierKey(vkey) {
  const match = typeof vkey === "string" ? /^([^+]+)\+([0-9a-f]{8})\+(.+)$/s.exec(vkey) : null;
  if (!match) throw new Error("malformed verifier key");
  const parts = match.slice(1);
  const raw = fromBase64(parts[2]);
  if (raw.length !== 33) throw new Error("a verifier key holds a type byte and a 32-byte key");
  const key = { name: parts[0], type: raw[0], publicKey: raw.slice(1) };
  key.id = await keyId(key.name, key.type, key.publicKey);
  if (Array.from(key.id, (b) => b.toString(16).padStart(2, "0")).join("") !== parts[1]) {
    throw new Error(`the verifier key of ${key.name} names another key ID`);
  }
  return key;
}

/** A note's text (with its final newline) and its signature lines, split at its last blank line. */
export function parseNote(text) {
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text) || !text.endsWith("\n")) throw new Error("malformed signed note");
  const split = text.lastIndexOf("\n\n");
  if (split < 0) throw new Error("a signed note has a blank line before its signatures");
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1).split("\n");
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new Error("malformed signature line");
    const parts = line.slice(SIGNATURE_PREFIX.length).split(" ");
    if (parts.length !== 2 || !parts[0]) throw new Error("malformed signature line");
    const blob = fromBase64(parts[1]);
    if (blob.length <= 4) throw new Error("a signature is too short");
    return { name: parts[0], id: blob.slice(0, 4), signature: blob.slice(4) };
  });
  return { body, signatures };
}

/** A checkpoint's text: origin, tree size (decimal, no leading zeros), base64 root, extension lines. */
export function parseCheckpoint(body) {
  const lines = body.slice(0, -1).split("\n");
  if (lines.length < 3 || !lines[0] || !/^(0|[1-9][0-9]{0,15})$/.test(lines[1])) throw new Error("malformed checkpoint");
  const root = fromBase64(lines[2]);
  if (root.length !== 32) throw new Error("a checkpoint's root is 32 bytes");
  return { origin: lines[0], size: Number(lines[1]), root };
}

async function verifies(key, body, signature) {
  const text = utf8(body);
  if (key.type === ED25519_NOTE) return ed25519Verify(key.publicKey, text, signature);
  if (signature.length !== 72) return false;
  const timestamp = new DataView(signature.buffer, signature.byteOffset, 8).getBigUint64(0);
  if (timestamp > 2n ** 63n - 1n) return false;
  const message = concat(utf8(`cosignature/v1\ntime ${timestamp}\n`), text);
  return ed25519Verify(key.publicKey, message, signature.slice(8));
}

/** The checkpoint signed by `board` (a verifier key under the election's origin) and the witnesses among
 * `witnesses` whose cosignatures verify. A known key's signature that fails refuses the whole note. */
export async function openCheckpoint(text, board, witnesses) {
  const note = parseNote(text);
  const checkpoint = parseCheckpoint(note.body);
  if (checkpoint.origin !== board.name) throw new Error(`the checkpoint is of another log (${checkpoint.origin})`);
  const signedBy = new Set();
  for (const line of note.signatures) {
    for (const key of [board, ...witnesses]) {
      if (line.name === key.name && equalBytes(line.id, key.id)) {
        if (!(await verifies(key, note.body, line.signature))) throw new Error(`the signature of ${key.name} does not verify`);
        signedBy.add(key);
      }
    }
  }
  if (!signedBy.has(board)) throw new Error("the checkpoint is not signed by the election's board key");
  return { ...checkpoint, text, witnesses: witnesses.filter((w) => signedBy.has(w)).map((w) => w.name) };
}
