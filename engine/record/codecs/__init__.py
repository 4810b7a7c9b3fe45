"""Value types <-> egk's JSON objects, one module per record file, spec 2.0.0 section 3.7.

Each ``encode_*`` returns a JSON-compatible dict whose keys are in egk's order, so that
``engine.record.jsonio.dumps`` writes the file egk would write; each ``decode_*`` takes a parsed
JSON value and validates it completely through engine.record.cursor.JsonCursor (types, hex digits,
ranges mod p and mod q, required fields, enum values), raising RecordError with the file and field
path. Subgroup membership is not checked here: the verifier batches those checks (spec 6,
verification 2.A ...).

Encodings, as egk writes them (checked against egk's workflow records):
- elements mod p: upper-case hex, fixed width 2 * l_p digits (1024 for the production group), so
  ``b_over_m`` = K^0 = 1 is 1023 zeros and a 1; elements mod q: 2 * l_q digits (64); hash values
  (UInt256): 64 digits; byte strings (``code_baux``, ``c1``, the chain's ``baux0``): hex of the bytes;
  ``election_config.json``'s ``baux0``: a JSON array of byte values.
- fields whose value is null are left out (egk serializes with explicitNulls = false), as are the
  empty ``metadata`` maps; the manifest keeps its nulls (egk's manifest file has them).
Keys this engine does not know are skipped and their field paths appended to ``notes`` when a list
is given; keys with meaning this engine cannot keep (``pre_encryption``) are errors.

Modules: values (the shared encodings: hex, ciphertexts, proofs), constants, manifest,
election_config, election_initialized, encrypted_ballot, ballot_chain, encrypted_tally, decrypted
(tally.json and challenged ballots), decrypting_trustee and plaintext_ballot (private data).
"""
