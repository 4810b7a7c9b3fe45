"""The checks the verifier runs: spec 2.0.0 section 6.2 sub-checks, and record-consistency checks.

Spec sub-checks keep the spec's ids ("5.B"), the pre-encrypted-ballot verifications (15-18) too
(18.B is the product check of verification 18's second paragraph). Checks that the spec leaves
implicit but without which a record could lie (docs/PROTOCOL.md, "Weaknesses we guard against")
have ids starting with "R."; the checks of an online election's bulletin-board log
(engine.verify.board) start with "B.".
"""

from __future__ import annotations

SPEC_CHECKS: tuple[tuple[str, str], ...] = (
    ("1.A", "the record's specification version is the verifier's (v2.0.0)"),
    ("1.B", "the large prime is p of spec 3.1.1"),
    ("1.C", "the small prime is q of spec 3.1.1"),
    ("1.D", "the cofactor is r = (p - 1) / q"),
    ("1.E", "the generator is g of spec 3.1.1"),
    ("1.F", "H_P = H(ver; 0x00, p, q, g), eq. 4"),
    ("1.G", "H_M = H(H_P; 0x01, manifest), eq. 6"),
    ("1.H", "H_B = H(H_P; 0x02, H_M, n, k), eq. 7"),
    ("2.A", "every guardian commitment K_i,j is in Z_p^r"),
    ("2.B", "every coefficient-proof response v_i,j is in Z_q"),
    ("2.C", "every coefficient-proof challenge c_i,j = H(H_P; 0x10, i, j, K_i,j, h_i,j), eq. 12"),
    ("3.A", "every guardian key K_i is in Z_p^r and K_i != 1"),
    ("3.B", "K = prod K_i mod p and K != 1, eq. 8"),
    ("4.A", "H_E = H(H_B; 0x12, K), eq. 23"),
    ("5.A", "every selection ciphertext (alpha, beta) is in Z_p^r"),
    ("5.B", "every selection-proof challenge c_j satisfies 0 <= c_j < 2^256"),
    ("5.C", "every selection-proof response v_j is in Z_q"),
    ("5.D", "every selection range proof 0..R recomputes: c = c_0 + ... + c_R mod q, eq. 46"),
    ("6.A", "the selection ciphertexts of every contest are in Z_p^r"),
    ("6.B", "every contest-limit-proof challenge c_j satisfies 0 <= c_j < 2^256"),
    ("6.C", "every contest-limit-proof response v_j is in Z_q"),
    ("6.D", "every contest limit proof 0..L on the contest's product ciphertext recomputes, eq. 56"),
    ("7.A", "every contest hash chi_l = H(H_E; 0x23, l, K, alpha_1, beta_1, ...), eq. 57"),
    ("7.B", "every confirmation code H(B) = H(H_E; 0x24, chi_1, ..., chi_mB, B_aux), eq. 58"),
    ("7.C", "no two submitted ballots have the same confirmation code"),
    ("7.D", "each device's chain starts at H_0 = H(H_E; 0x24, B_aux,0), eq. 59"),
    ("7.E", "each chained ballot's B_aux is H(B_j-1) || B_aux,0, eq. 60"),
    ("7.F", "each chain closes on its last confirmation code, B_aux = H(B_l) || B_aux,0 || 'CLOSE'"),
    ("7.G", "each chain's closing hash H = H(H_E; 0x24, B_aux), eq. 61"),
    ("8.A", "every tally pad A is the product of the cast ballots' alphas"),
    ("8.B", "every tally data B is the product of the cast ballots' betas"),
    ("9.A", "every tally decryption-proof response v is in Z_q"),
    ("9.B", "every tally decryption proof recomputes: c = H(H_E; 0x30, K, A, B, a, b, M), eq. 71"),
    ("10.A", "every tally value satisfies T = K^t mod p"),
    ("10.B", "every tally contest label is a manifest contest label"),
    ("10.C", "every tally option label is an option label of its manifest contest"),
    ("10.D", "every manifest option label of a tally contest occurs in the tally contest"),
    ("10.E", "every contest label on a submitted ballot occurs in the tally"),
    ("11.A", "every tally contest-data decryption-proof response v is in Z_q"),
    ("11.B", "every tally contest-data decryption proof recomputes (0x31), eq. 81"),
    ("12.A", "every challenged-ballot decryption-proof response v is in Z_q"),
    (
        "12.B",
        "every challenged-ballot decryption proof recomputes: c = H(H_E; 0x30, K, alpha, beta, a, b, M)",
    ),
    ("13.A", "every challenged selection satisfies S = K^sigma mod p"),
    ("13.B", "every challenged selection value sigma is in 0..R"),
    ("13.C", "every challenged contest's selections sum to at most L"),
    ("13.D", "every challenged contest label is a manifest contest label"),
    ("13.E", "every challenged option label is an option label of its manifest contest"),
    ("13.F", "every manifest option label of a challenged contest occurs in the decrypted contest"),
    ("14.A", "every challenged contest-data decryption-proof response v is in Z_q"),
    ("14.B", "every challenged contest-data decryption proof recomputes (0x31), eq. 81"),
    ("15.A", "every pre-encrypted ballot's selection ciphertext (alpha, beta) is in Z_p^r"),
    ("15.B", "every pre-encrypted ballot's selection-proof challenge satisfies 0 <= c_j < 2^256"),
    ("15.C", "every pre-encrypted ballot's selection-proof response is in Z_q"),
    ("15.D", "every pre-encrypted ballot's selection range proof 0..1 recomputes, eq. 46"),
    ("16.A", "every pre-encrypted ballot's contest-limit-proof challenge satisfies 0 <= c_j < 2^256"),
    ("16.B", "every pre-encrypted ballot's contest-limit-proof response is in Z_q"),
    ("16.C", "every pre-encrypted ballot's contest limit proof 0..L recomputes, eq. 56"),
    ("17.A", "every selected pre-encryption vector's hash psi = H(H_E; 0x40, K, alpha_1, beta_1, ...), eq. 92"),
    (
        "17.B",
        "every pre-encrypted contest lists m + L selection hashes in increasing order, and its contest hash "
        "chi_l = H(H_E; 0x41, ind_c, K, psi_sigma(1), ...), eq. 94",
    ),
    ("17.C", "every pre-encrypted ballot's confirmation code H(B) = H(H_E; 0x42, chi_1, ..., chi_mB, B_aux), eq. 95"),
    ("17.D", "no two pre-encrypted ballots have the same confirmation code"),
    ("18.A", "every published short code is Omega of its selection hash (the first five hex digits, as egk's)"),
    ("18.B", "every pre-encrypted contest's selection vector is the product of its L selected pre-encryption vectors"),
    (
        "18.C",
        "every challenged pre-encrypted ballot publishes its primary nonce, whose m + L regenerated selection vectors "
        "(eq. 91, 96) hash to its contests' selection hashes and hold its selected vectors; no cast one publishes it",
    ),
    ("18.D", "no two selection hashes of a pre-encrypted contest have the same short code (section 4.1.4)"),
)

RECORD_CHECKS: tuple[tuple[str, str], ...] = (
    ("R.guardians", "n guardians with distinct x coordinates 1..n, each with k coefficient proofs"),
    ("R.election_id", "every ballot, tally and decryption names the record's H_E"),
    ("R.ballot_ids", "every ballot id is unique"),
    (
        "R.ballot_manifest",
        "every ballot's style, contests and selections are the manifest's, in the manifest's order",
    ),
    (
        "R.subgroup",
        "every other element mod p of the record (contest data C0, beta, encrypted sn) is in Z_p^r",
    ),
    ("R.cast_set", "the encrypted tally covers exactly the CAST ballots"),
    ("R.tally_copy", "the ciphertexts copied into tally.json are the encrypted tally's"),
    (
        "R.chain_cover",
        "every ballot of a chaining device is in its chain once, and every chain ballot exists",
    ),
    ("R.challenged", "every challenged ballot is decrypted once, from its own ciphertexts"),
    (
        "R.preencrypted",
        "every pre-encrypted ballot is in an election whose manifest admits them (preencrypted_ballots: true, "
        "bound by H_M)",
    ),
    (
        "R.contest_data",
        "the published contest data (status, over-votes, write-ins) is what C1 decrypts to with the proven beta",
    ),
    (
        "R.unique_ciphertexts",
        "no ciphertext (a selection's alpha and beta, a contest data's C0, an encrypted serial number) is on two "
        "ballots or twice on one: no ballot copies another's (Cortier-Smyth)",
    ),
    (
        "R.proof_commitments",
        "the range-proof commitments published beside the record (proof_commitments/) are exactly the ballots' "
        "proofs' (batch verification, docs/BATCH_VERIFICATION.md)",
    ),
)

BOARD_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "B.0",
        "the record fixes the board's and the registrar's keys for this election (board_keys.json, bound to H_E), "
        "and they are the keys pinned by the user",
    ),
    ("B.1", "the board's final signed tree head is signed by the election's board key"),
    ("B.2", "the log's entries are canonical and their Merkle root is the final tree head's (RFC 9162)"),
    (
        "B.3",
        "the record's CAST ballots are exactly the log's counted ballots, identical; its challenged ballots are "
        "exactly the log's, each with its decryption",
    ),
    (
        "B.4",
        "every submission's DID signature over (H_E, the whole encrypted ballot, its contest data proofs) verifies",
    ),
    (
        "B.5",
        "the roster is signed by the election's registrar key for this election, and every submitting DID is on it",
    ),
    ("B.6", "no DID is counted twice: a re-vote supersedes the DID's counted ballot on the log"),
    ("B.7", "the log opens with this election (H_E, K, H_M, roster root) and closes with the counted ballots"),
    (
        "B.8",
        "every submission proves, for each contest and no other, that the voter knows the nonce of its contest "
        "data (C0 = g^xi; Schnorr proof, tag 0xB0): no voter has another's pad decrypted as a challenged C0",
    ),
    (
        "B.9",
        "the exported checkpoint of the whole log carries k valid cosignatures of the witnesses fixed in "
        "board_keys.json (c2sp.org/tlog-cosignature)",
    ),
)

# ElectionGuard 1.0 records (electionguard-python 1.x): their own checks, engine.verify.v1; a 1.0
# report lists these and no others, a 2.0 report the checks above.
V1_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "V1.1.a",
        "the constants are spec 1.0's group (p, q, g, r = (p - 1) / q), or electionguard-python's test group "
        "with --allow-test-group",
    ),
    ("V1.1.b", "the base hash Q = H(p, q, g, n, k, manifest hash) and Q' = H(Q, commitment hash), 1.0's hash H"),
    (
        "V1.1.c",
        "the manifest hash is H(manifest) as electionguard-python 1.x computes it (its candidates' names excluded)",
    ),
    ("V1.2.a", "every guardian's coefficient commitment K_ij and Schnorr commitment h_ij is in Z_p^r"),
    ("V1.2.b", "every Schnorr challenge c_ij = H(K_ij, h_ij)"),
    ("V1.2.c", "every Schnorr proof holds: g^u_ij = h_ij K_ij^c_ij mod p"),
    (
        "V1.3.a",
        "n guardians with sequence orders 1..n and k commitments each; K_i = K_i,0 and K = prod K_i mod p",
    ),
    ("V1.3.b", "the commitment hash is H(K_1,0, ..., K_n,k-1)"),
    ("V1.4.a", "every selection's (alpha, beta) and 0/1-proof commitments (a0, b0, a1, b1) are in Z_p^r"),
    ("V1.4.b", "every 0/1-proof challenge c = H(Q', alpha, beta, a0, b0, a1, b1) = c0 + c1 mod q"),
    (
        "V1.4.c",
        "every 0/1 proof holds: g^v0 = a0 alpha^c0, g^v1 = a1 alpha^c1, K^v0 = b0 beta^c0, g^c1 K^v1 = b1 beta^c1",
    ),
    ("V1.5.a", "every contest's accumulation (A, B) is the product of its selections' ciphertexts, placeholders too"),
    (
        "V1.5.b",
        "every selection-limit proof's constant is the contest's votes allowed L, its (a, b) in Z_p^r and "
        "c = H(Q', A, B, a, b)",
    ),
    ("V1.5.c", "every selection-limit proof holds: g^v = a A^c, g^(L c) K^v = b B^c mod p"),
    (
        "V1.6.a",
        "every selection, contest and ballot crypto hash recomputes: H(id, description hash, H(alpha, beta)), "
        "H(id, description hash, selection hashes...), H(id, manifest hash, contest hashes...)",
    ),
    (
        "V1.6.b",
        "every ballot code = H(code seed, timestamp, ballot hash); every seed is a device's H(device id, session, "
        "launch code, location) or another ballot's code; no two ballots have the same code",
    ),
    ("V1.7.a", "every encrypted tally ciphertext is the product of the CAST ballots' ciphertexts of its selection"),
    ("V1.7.b", "every ciphertext decrypted in tally.json is the encrypted tally's"),
    ("V1.8.a", "every decryption share M_i and its proof's (a, b) are in Z_p^r, and c = H(Q', A, B, a, b, M_i)"),
    ("V1.8.b", "every decryption share's proof holds: g^v = a K_i^c, A^v = b M_i^c mod p"),
    (
        "V1.9.a",
        "every compensated share M_i,l and its proof's (a, b) are in Z_p^r, its recovery key is "
        "prod_j K_i,j^(l^j) mod p, and c = H(Q', A, B, a, b, M_i,l)",
    ),
    ("V1.9.b", "every compensated share's proof holds: g^v = a (recovery key)^c, A^v = b M_i,l^c mod p"),
    (
        "V1.9.c",
        "the Lagrange coefficients are w_l = prod_(j != l) j / (j - l) mod q over the present guardians, and every "
        "missing guardian's share is M_i = prod_l M_i,l^w_l over exactly them",
    ),
    (
        "V1.10.a",
        "every decrypted selection has one share per guardian, M = B / prod_i M_i mod p, and M = g^t for its count t",
    ),
    ("V1.10.b", "the tally and the encrypted tally have exactly the manifest's contests and selections"),
    (
        "V1.11.a",
        "the spoiled ballots decrypted are exactly the SPOILED ballots, each from its own selections' ciphertexts",
    ),
    ("V1.11.b", "every spoiled ballot's selections decrypt to 0 or 1, at most the contest's votes allowed in all"),
    (
        "V1.12.a",
        "every ballot names the context's manifest hash and a manifest ballot style, and has the manifest's "
        "contests and selections (with their description hashes) and L placeholders",
    ),
)

CHECKS: tuple[tuple[str, str], ...] = SPEC_CHECKS + RECORD_CHECKS + BOARD_CHECKS
DESCRIPTIONS: dict[str, str] = dict(CHECKS + V1_CHECKS)
ORDER: dict[str, int] = {check_id: i for i, (check_id, _) in enumerate(CHECKS + V1_CHECKS)}
PREENCRYPTED_CHECKS: tuple[str, ...] = tuple(c for c, _ in SPEC_CHECKS if c.split(".")[0] in ("15", "16", "17", "18"))
