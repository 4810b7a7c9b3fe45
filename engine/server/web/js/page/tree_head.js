// The board's signed tree head, engine/board/sth.py:
// Ed25519(board key, "ballotchain-sth-v1" || b(tree_size, 8) || root || b(timestamp, 8)).
import { concat, fromHex, uint64, utf8 } from "./bytes.js";
import { ed25519Verify } from "./ed25519.js";

/** The head's fields decoded, or an Error naming what is malformed. */
export function readTreeHead(obj) {
  const fields = ["root", "signature", "timestamp", "tree_size"];
  if (!obj || typeof obj !== "object" || Object.keys(obj).sort().join() !== fields.join()) {
    throw new Error("a signed tree head has tree_size, root, timestamp and signature");
  }
  if (!Number.isSafeInteger(obj.tree_size) || obj.tree_size < 0 || !Number.isSafeInteger(obj.timestamp)) {
    throw new Error("a tree head's size and timestamp are integers");
  }
  return { size: obj.tree_size, root: fromHex(obj.root, 32), timestamp: obj.timestamp, signature: fromHex(obj.signature, 64) };
}

export function verifyTreeHead(head, boardPublicKey) {
  const message = concat(utf8("ballotchain-sth-v1"), uint64(head.size), head.root, uint64(head.timestamp));
  return ed25519Verify(boardPublicKey, message, head.signature);
}
