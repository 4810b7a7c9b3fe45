// The trust anchors the page pins: board_keys.json of the election record (engine/board/election_keys.py), as the
// board serves it in GET /election, bound to the election's H_E (spec 2.0.0 eq. 23).
import { fromHex } from "./bytes.js";
import { ED25519_NOTE, keyId, parseVerifierKey } from "./note.js";

const ORIGIN_HOST = "ballotchain.example";

/** The keys the election fixes: board, registrar, witnesses and their quorum, and the board's checkpoint key. */
export async function electionKeys(electionDocument) {
  const text = electionDocument?.record?.["board_keys.json"];
  if (typeof text !== "string") throw new Error("the election fixes no board key (board_keys.json is missing)");
  const obj = JSON.parse(text);
  const hE = String(obj.h_e || "");
  if (!/^[0-9A-Fa-f]{64}$/.test(hE) || hE.toUpperCase() !== String(electionDocument.election_id).toUpperCase()) {
    throw new Error("the election's keys file is of another election");
  }
  const board = fromHex(obj.board_public_key, 32);
  const witnesses = await Promise.all((obj.witnesses || []).map(parseVerifierKey));
  const name = `${ORIGIN_HOST}/${hE.toLowerCase().slice(0, 32)}`;
  return {
    hE: hE.toUpperCase(),
    board,
    boardHex: obj.board_public_key.toUpperCase(),
    registrar: fromHex(obj.registrar_public_key, 32),
    witnesses,
    quorum: obj.witness_quorum || 0,
    boardNoteKey: { name, type: ED25519_NOTE, publicKey: board, id: await keyId(name, ED25519_NOTE, board) },
  };
}
