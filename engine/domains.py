"""The domain-separation bytes of H, spec 2.0.0 section 5.5: the first byte of every hash input B1.

Every use of a tag imports it from here, so that two hashes can share a byte only where the spec
makes them share it. Three bytes are shared on purpose, each by hashes of different inputs:
- 0x20 opens both nonce derivations: a selection's xi_i,j (eq. 25, ends with ind_o(lambda_j)) and
  the contest data's xi (eq. 50, ends with the label "contest data");
- 0x21 is every range proof's challenge (eq. 28, 37, 46 and 56);
- 0x24 is every confirmation-code hash: H(B) (eq. 58), the chain's H_0 (eq. 59) and its closing hash (eq. 61).
"""

from __future__ import annotations

PARAMETER_BASE = 0x00  # H_P = H(ver; 0x00, p, q, g), eq. 4
MANIFEST = 0x01  # H_M = H(H_P; 0x01, manifest), eq. 6
ELECTION_BASE = 0x02  # H_B = H(H_P; 0x02, H_M, n, k), eq. 7
COEFFICIENT_PROOF = 0x10  # c_i,j = H(H_P; 0x10, i, j, K_i,j, h_i,j), eq. 12
SHARE_KEY = 0x11  # k_i,l = H(H_P; 0x11, i, l, K_l, alpha_i,l, beta_i,l), eq. 15
EXTENDED_BASE = 0x12  # H_E = H(H_B; 0x12, K), eq. 23
SELECTION_NONCE = 0x20  # xi_i,j = H(H_E; 0x20, xi_B, ind_c(Lambda_i), ind_o(lambda_j)), eq. 25
CONTEST_DATA_NONCE = 0x20  # xi = H(H_E; 0x20, xi_B, ind_c(Lambda), "contest data"), eq. 50: the same byte as eq. 25
RANGE_PROOF = 0x21  # c = H(H_E; 0x21, K, alpha, beta, a_0, b_0, ..., a_R, b_R), eq. 28, 37, 46, 56
CONTEST_DATA_KEY = 0x22  # k = H(H_E; 0x22, K, alpha, beta), eq. 51 (and H(H_E; 0x22, K, C0, beta) before eq. 86)
CONTEST_HASH = 0x23  # chi_l = H(H_E; 0x23, ind_c(Lambda_l), K, alpha_1, beta_1, ..., alpha_m, beta_m), eq. 57
CONFIRMATION = 0x24  # H(B) = H(H_E; 0x24, chi_1, ..., chi_mB, B_aux), eq. 58; H_0, eq. 59; closing hash, eq. 61
DECRYPTION_PROOF = 0x30  # c = H(H_E; 0x30, K, A, B, a, b, M), eq. 71
CONTEST_DATA_DECRYPTION_PROOF = 0x31  # c = H(H_E; 0x31, K, C0, C1, C2, a, b, beta), eq. 81
SELECTION_HASH = 0x40  # psi_i = H(H_E; 0x40, K, alpha_1, beta_1, ..., alpha_m, beta_m), eq. 92-93
PREENCRYPTION_CONTEST_HASH = 0x41  # chi_l = H(H_E; 0x41, ind_c(Lambda_l), K, psi_sigma(1), ...), eq. 94
PREENCRYPTION_CONFIRMATION = 0x42  # H(B) = H(H_E; 0x42, chi_1, ..., chi_mB, B_aux), eq. 95
PREENCRYPTION_NONCE = 0x43  # xi_i,j,k = H(H_E; 0x43, xi, ind_c(Lambda_i), ind_o(lambda_j), ind_o(lambda_k)), eq. 96
# Not in the spec: the challenge of the proof that the encrypting device knew the contest data's
# nonce (engine.proofs.pad_knowledge, docs/PROTOCOL.md). 0xB0 is above every tag of 2.0.0 and 2.1.0.
PAD_KNOWLEDGE_PROOF = 0xB0
