// The election as GET /election serves it: the group (constants.json), the manifest, the joint key K and
// the extended base hash H_E, each hash recomputed from the files (spec 2.0.0 eq. 4, 6, 7, 8, 23) so that a
// board serving inconsistent files is refused before a vote is encrypted.

import { FixedBaseTable, bigIntToBytes, bitLength, byteLength, bytesToHex, hexToBigInt } from "./bigint.js";
import { Tag, blob, hashElems, u32, utf8 } from "./hash.js";

const FILES = ["constants.json", "manifest.json", "election_config.json", "election_initialized.json"];
const SPEC_VERSION = "v2.0.0";

export class ElectionError extends Error {}

function parseFile(record, name) {
  const text = record[name];
  if (typeof text !== "string") throw new ElectionError(`the board's election has no ${name}`);
  try {
    return JSON.parse(text);
  } catch (exc) {
    throw new ElectionError(`the board's ${name} is not JSON`);
  }
}

function makeGroup(constants) {
  const p = hexToBigInt(constants.large_prime);
  const q = hexToBigInt(constants.small_prime);
  const g = hexToBigInt(constants.generator);
  return { name: constants.name, p, q, g, pBytes: byteLength(p), qBytes: byteLength(q), qBits: bitLength(q) };
}

// H_P = H(ver; 0x00, p, q, g), eq. 4, with ver = "v2.0.0" padded with 0x00 to 32 bytes.
async function parameterBaseHash(group) {
  const version = new Uint8Array(32);
  version.set(utf8(SPEC_VERSION));
  return hashElems(
    version,
    Tag.PARAMETER_BASE,
    bigIntToBytes(group.p, group.pBytes),
    bigIntToBytes(group.q, group.qBytes),
    bigIntToBytes(group.g, group.pBytes),
  );
}

function expectHash(computed, recorded, what) {
  if (bytesToHex(computed) !== String(recorded).toUpperCase()) {
    throw new ElectionError(`the board's election files do not agree: ${what} does not recompute`);
  }
}

function contestOf(c) {
  return Object.freeze({
    id: c.object_id,
    sequenceOrder: c.sequence_order,
    district: c.electoral_district_id,
    votesAllowed: c.votes_allowed,
    optionLimit: c.option_limit === undefined || c.option_limit === null ? 1 : c.option_limit,
    name: c.name,
    title: c.ballot_title ?? null,
    selections: Object.freeze(
      c.ballot_selections
        .map((s) => Object.freeze({ id: s.object_id, sequenceOrder: s.sequence_order, candidateId: s.candidate_id }))
        .sort((a, b) => a.sequenceOrder - b.sequenceOrder),
    ),
  });
}

// The contests on a ballot of this style (those of its geopolitical units), in sequence order.
export function contestsForStyle(election, styleId) {
  const style = election.ballotStyles.find((s) => s.object_id === styleId);
  if (style === undefined) throw new ElectionError(`unknown ballot style ${JSON.stringify(styleId)}`);
  const units = new Set(style.geopolitical_unit_ids);
  const contests = election.contests.filter((c) => units.has(c.district));
  if (contests.length === 0) throw new ElectionError(`ballot style ${JSON.stringify(styleId)} has no contests`);
  return contests.slice().sort((a, b) => a.sequenceOrder - b.sequenceOrder);
}

// An opaque election object from the JSON of GET /election (its "record" holds the record's files as text).
export async function loadElection(electionDocument) {
  const record = electionDocument && electionDocument.record;
  if (typeof record !== "object" || record === null) throw new ElectionError("the board's election has no record");
  const [constants, manifest, config, initialized] = FILES.map((name) => parseFile(record, name));
  const group = makeGroup(constants);
  const hP = await parameterBaseHash(group);
  expectHash(hP, config.parameter_base_hash, "the parameter base hash H_P (eq. 4)");
  const hM = await hashElems(hP, Tag.MANIFEST, blob(utf8(record["manifest.json"])));
  expectHash(hM, config.manifest_hash, "the manifest hash H_M (eq. 6)");
  const hB = await hashElems(hP, Tag.ELECTION_BASE, hM, u32(config.number_of_guardians), u32(config.quorum));
  expectHash(hB, config.election_base_hash, "the election base hash H_B (eq. 7)");
  const k = hexToBigInt(initialized.joint_public_key);
  let product = 1n;
  for (const guardian of initialized.guardians) {
    product = (product * hexToBigInt(guardian.coefficient_proofs[0].public_key)) % group.p;
  }
  if (product !== k || initialized.guardians.length !== config.number_of_guardians) {
    throw new ElectionError("the board's joint key K is not the product of the guardians' keys (eq. 8)");
  }
  const hE = await hashElems(hB, Tag.EXTENDED_BASE, bigIntToBytes(k, group.pBytes));
  expectHash(hE, initialized.extended_base_hash, "the extended base hash H_E (eq. 23)");
  const baux0 = Uint8Array.from(config.baux0);
  return Object.freeze({
    group: Object.freeze(group),
    manifest,
    contests: Object.freeze(manifest.contests.map(contestOf)),
    ballotStyles: Object.freeze(manifest.ballot_styles),
    extendedBaseHash: hE,
    extendedBaseHashHex: bytesToHex(hE),
    jointPublicKey: k,
    jointPublicKeyBytes: bigIntToBytes(k, group.pBytes),
    baux0,
    chained: Boolean(config.chain_confirmation_codes),
    gTable: new FixedBaseTable(group.g, group.p, group.qBits),
    kTable: new FixedBaseTable(k, group.p, group.qBits),
  });
}
