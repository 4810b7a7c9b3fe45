// The proofs a ballot carries: the disjunctive Chaum-Pedersen range proof that (alpha, beta) encrypts an
// integer in 0..R (spec 2.0.0 section 3.3.5, eq. 44-48; the contest limit proof, eq. 56), and Ballotchain's
// proof that the device knew the contest data's nonce xi with C0 = g^xi (engine/proofs/pad_knowledge.py).

import { bigIntToBytes, mod } from "./bigint.js";
import { Tag, blob, hashElems, hashToQ, u32 } from "./hash.js";

// (c_0..c_R, v_0..v_R) for ciphertext = Enc(value, nonce), 0 <= value <= limit: u_j and c_j random (all u
// first, then all c, as the engine draws them; c_value is replaced), a_j = g^u_j, b_j = K^t_j with
// t_j = u_j + (value - j) c_j (eq. 44-45), c = H(H_E; 0x21, K, alpha, beta, a_0, b_0, ..., a_R, b_R) (eq. 46),
// c_value = c - sum of the other c_j (eq. 47), v_j = u_j - c_j xi (eq. 48), all mod q.
export async function proveRange(election, random, alpha, beta, nonce, value, limit) {
  const { group } = election;
  const q = group.q;
  if (!(value >= 0 && value <= limit)) throw new Error(`cannot prove that ${value} is in 0..${limit}`);
  const us = [];
  const cs = [];
  for (let j = 0; j <= limit; j++) us.push(random.randomQ());
  for (let j = 0; j <= limit; j++) cs.push(random.randomQ());
  const commitments = [];
  for (let j = 0; j <= limit; j++) {
    const t = mod(us[j] + BigInt(value - j) * cs[j], q);
    commitments.push(bigIntToBytes(election.gTable.pow(us[j]), group.pBytes));
    commitments.push(bigIntToBytes(election.kTable.pow(t), group.pBytes));
  }
  const hash = await hashElems(
    election.extendedBaseHash,
    Tag.RANGE_PROOF,
    election.jointPublicKeyBytes,
    bigIntToBytes(alpha, group.pBytes),
    bigIntToBytes(beta, group.pBytes),
    ...commitments,
  );
  const challenge = hashToQ(hash, q);
  const others = cs.reduce((sum, c, j) => (j === value ? sum : sum + c), 0n);
  cs[value] = mod(challenge - others, q);
  const responses = us.map((u, j) => mod(u - cs[j] * nonce, q));
  return { challenges: cs, responses };
}

// (c, v): h = g^u, c = H(H_E; 0xB0, H(B), b(ind_c, 4), C0, b(len C1, 4) || C1, C2, b(numBytes, 4), h) mod q,
// v = u - c xi mod q.
export async function provePadKnowledge(election, random, confirmationCode, contestIndex, contestData, nonce) {
  const { group } = election;
  const u = random.randomQ();
  const commitment = bigIntToBytes(election.gTable.pow(u), group.pBytes);
  const hash = await hashElems(
    election.extendedBaseHash,
    Tag.PAD_KNOWLEDGE_PROOF,
    confirmationCode,
    u32(contestIndex),
    contestData.c0,
    blob(contestData.c1),
    contestData.c2,
    u32(contestData.numBytes),
    commitment,
  );
  const challenge = hashToQ(hash, group.q);
  return { challenge, response: mod(u - challenge * nonce, group.q) };
}
