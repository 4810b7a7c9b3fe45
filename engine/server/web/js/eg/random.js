// Randomness for ballot encryption: crypto.getRandomValues, uniform mod q by rejection (draw bitLength(q)
// bits, retry while >= q), as Python's secrets.randbelow does for the engine.
//
// A known-answer test may inject its values instead (options.testNonces of encryptBallot): a ballot nonce and
// a queue of elements mod q taken in the order the engine draws them. Never for a real ballot.

import { bytesToBigInt, hexToBigInt, hexToBytes } from "./bigint.js";

function randomBytes(n) {
  const out = new Uint8Array(n);
  crypto.getRandomValues(out);
  return out;
}

export function cryptoRandomSource(group) {
  const topMask = (1 << (group.qBits - 8 * (group.qBytes - 1))) - 1;
  return {
    ballotNonce: () => randomBytes(32),
    randomQ() {
      for (;;) {
        const bytes = randomBytes(group.qBytes);
        bytes[0] &= topMask;
        const x = bytesToBigInt(bytes);
        if (x < group.q) return x;
      }
    },
  };
}

// The test-only source: { ballotNonce: 64 hex digits, randomQ: [hex, ...] }, consumed in order.
export function injectedRandomSource(group, testNonces) {
  const queue = (testNonces.randomQ || []).map(hexToBigInt);
  let next = 0;
  return {
    ballotNonce() {
      const nonce = hexToBytes(testNonces.ballotNonce);
      if (nonce.length !== 32) throw new Error("the injected ballot nonce is 32 bytes");
      return nonce;
    },
    randomQ() {
      if (next >= queue.length) throw new Error("the injected random values ran out");
      const x = queue[next++];
      if (x >= group.q) throw new Error("an injected random value is not below q");
      return x;
    },
  };
}

