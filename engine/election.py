"""Value types of an election and its record, shared by every protocol step.

Immutable; they know nothing of JSON (engine/record/ maps them to and from egk's layout,
egk's election record JSON description). Field names follow the egk record where one exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from engine import domains
from engine.elgamal import Ciphertext
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import (
    SPEC_VERSION,
    UInt256,
    election_base_hash,
    hash_elems,
    manifest_hash,
    parameter_base_hash,
    small_int_bytes,
)
from engine.hashed_elgamal import HashedCiphertext
from engine.proofs import DecryptionProof, RangeProof, SchnorrProof

# ---------------------------------------------------------------- configuration and keys


@dataclass(frozen=True)
class ElectionConfig:
    """election_config.json: n, k and the hashes of spec 3.1.2-3.1.5, plus the manifest file's bytes."""

    group: Group
    config_version: str
    number_of_guardians: int
    quorum: int
    parameter_base_hash: UInt256  # H_P, eq. 4
    manifest_hash: UInt256  # H_M, eq. 6, over manifest_bytes exactly
    election_base_hash: UInt256  # H_B, eq. 7
    manifest_bytes: bytes
    chain_confirmation_codes: bool = False
    baux0: bytes = b""  # B_aux,0 for chaining, spec 3.4.3
    metadata: tuple[tuple[str, str], ...] = ()


def make_election_config(
    group: Group,
    manifest_bytes: bytes,
    number_of_guardians: int,
    quorum: int,
    *,
    chain_confirmation_codes: bool = False,
    baux0: bytes = b"",
    metadata: tuple[tuple[str, str], ...] = (),
) -> ElectionConfig:
    """The configuration with H_P (eq. 4), H_M over the manifest file's bytes (eq. 6) and H_B (eq. 7)."""
    h_p = parameter_base_hash(group)
    h_m = manifest_hash(h_p, manifest_bytes)
    return ElectionConfig(
        group=group,
        config_version=SPEC_VERSION,
        number_of_guardians=number_of_guardians,
        quorum=quorum,
        parameter_base_hash=h_p,
        manifest_hash=h_m,
        election_base_hash=election_base_hash(h_p, h_m, number_of_guardians, quorum),
        manifest_bytes=manifest_bytes,
        chain_confirmation_codes=chain_confirmation_codes,
        baux0=baux0,
        metadata=metadata,
    )


@dataclass(frozen=True)
class GuardianRecord:
    """A guardian's public record: x coordinate i and (K_i,j, c_i,j, v_i,j) for j < k, spec 3.2.2."""

    guardian_id: str
    x_coordinate: int
    coefficient_proofs: tuple[SchnorrProof, ...]

    @property
    def public_key(self) -> ElementModP:
        """K_i = K_i,0."""
        return self.coefficient_proofs[0].public_key

    @property
    def commitments(self) -> tuple[ElementModP, ...]:
        return tuple(p.public_key for p in self.coefficient_proofs)


@dataclass(frozen=True)
class ElectionInitialized:
    """election_initialized.json: the joint key K (eq. 8 / 3.B) and H_E (eq. 23)."""

    config: ElectionConfig
    joint_public_key: ElementModP
    extended_base_hash: UInt256
    guardians: tuple[GuardianRecord, ...]
    metadata: tuple[tuple[str, str], ...] = ()


# ---------------------------------------------------------------- encrypted ballots


class BallotState(str, Enum):
    """egk's states: a challenged ballot is SPOILED (docs/PROTOCOL.md deviation 6)."""

    CAST = "CAST"
    SPOILED = "SPOILED"


@dataclass(frozen=True)
class EncryptedSelection:
    selection_id: str
    sequence_order: int
    ciphertext: Ciphertext
    proof: RangeProof  # 0..1 range proof, eq. 46


@dataclass(frozen=True)
class SelectionVector:
    """A pre-encrypted selection vector as recorded: its hash psi (eq. 92-93), short code and encryptions E_j."""

    selection_hash: UInt256
    short_code: str
    encryptions: tuple[Ciphertext, ...]  # one per option of the contest, in the options' order


@dataclass(frozen=True)
class PreEncryption:
    """What a cast pre-encrypted ballot records for one contest, spec 2.0.0 section 4.4 (egk's layout)."""

    preencryption_hash: UInt256  # chi_l of eq. 94, which the confirmation code hashes (eq. 95)
    all_selection_hashes: tuple[UInt256, ...]  # every psi, nulls included, in increasing order
    selected_vectors: tuple[SelectionVector, ...]  # L vectors (chosen, then nulls), in increasing hash order


@dataclass(frozen=True)
class EncryptedContest:
    contest_id: str
    sequence_order: int
    votes_allowed: int
    contest_hash: UInt256  # chi_l, eq. 57
    selections: tuple[EncryptedSelection, ...]
    proof: RangeProof  # selection-limit proof 0..L, eq. 56
    contest_data: HashedCiphertext
    pre_encryption: PreEncryption | None = None  # only on a pre-encrypted ballot (spec 4.4)


@dataclass(frozen=True)
class EncryptedBallot:
    ballot_id: str
    ballot_style_id: str
    encrypting_device: str
    timestamp: int
    code_baux: bytes  # B_aux of eq. 58 (egk: hashed without a length prefix, deviation 1)
    confirmation_code: UInt256  # H(B), eq. 58
    election_id: UInt256  # H_E
    contests: tuple[EncryptedContest, ...]
    state: BallotState
    encrypted_sn: Ciphertext | None = None
    is_preencrypt: bool = False
    primary_nonce: UInt256 | None = None  # a challenged pre-encrypted ballot's, which opens it (spec 4.5)


@dataclass(frozen=True)
class BallotChain:
    """ballot_chain.json of one encrypting device, spec 3.4.3 (egk layout, deviation 2)."""

    encrypting_device: str
    baux0: bytes  # egk stores H_0 here
    ballot_ids: tuple[str, ...]
    last_confirmation_code: UInt256
    chaining: bool
    closing_hash: UInt256 | None


# ---------------------------------------------------------------- tallies and decryptions


@dataclass(frozen=True)
class EncryptedTallySelection:
    selection_id: str
    sequence_order: int
    ciphertext: Ciphertext


@dataclass(frozen=True)
class EncryptedTallyContest:
    contest_id: str
    sequence_order: int
    selections: tuple[EncryptedTallySelection, ...]


@dataclass(frozen=True)
class EncryptedTally:
    """encrypted_tally.json: the component-wise products over the CAST ballots, spec 3.5."""

    tally_id: str
    contests: tuple[EncryptedTallyContest, ...]
    cast_ballot_ids: tuple[str, ...]
    election_id: UInt256


@dataclass(frozen=True)
class DecryptedSelection:
    """t with T = B / M = K^t (b_over_m), and the combined proof (c, v) of eq. 71-76."""

    selection_id: str
    tally: int
    b_over_m: ElementModP
    ciphertext: Ciphertext
    proof: DecryptionProof


@dataclass(frozen=True)
class ContestData:
    """The decoded contest data of spec 3.3.7: overvoted selections, write-ins, a status."""

    over_votes: tuple[int, ...] = ()
    write_ins: tuple[str, ...] = ()
    status: str = "normal"


@dataclass(frozen=True)
class DecryptedContestData:
    """Contest data decrypted with its proof, spec 3.6.4 (tag 0x31, egk deviation 3)."""

    contest_data: ContestData
    encrypted_contest_data: HashedCiphertext
    proof: DecryptionProof
    beta: ElementModP


@dataclass(frozen=True)
class DecryptedContest:
    contest_id: str
    selections: tuple[DecryptedSelection, ...]
    decrypted_contest_data: DecryptedContestData | None = None


@dataclass(frozen=True)
class DecryptedTallyOrBallot:
    """tally.json and challenged_ballots/dballot-<id>.json share this shape."""

    id: str
    contests: tuple[DecryptedContest, ...]
    election_id: UInt256
    metadata: tuple[tuple[str, str], ...] = field(default=())


# ---------------------------------------------------------------- private data (never in the public record)


@dataclass(frozen=True)
class DecryptingTrustee:
    """A guardian's secret state after the ceremony (egk private_data/trustees/decryptingTrustee-<id>.json).

    polynomial_coefficients are a_i,0..a_i,k-1 (eq. 9); key_share is P(i) (eq. 22/65).
    """

    guardian_id: str
    x_coordinate: int
    polynomial_coefficients: tuple[ElementModQ, ...]
    key_share: ElementModQ


@dataclass(frozen=True)
class PlaintextSelection:
    selection_id: str
    sequence_order: int
    vote: int


@dataclass(frozen=True)
class PlaintextContest:
    contest_id: str
    sequence_order: int
    selections: tuple[PlaintextSelection, ...]
    write_ins: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlaintextBallot:
    """A voter's choices (egk private_data/input/pballot-<id>.json)."""

    ballot_id: str
    ballot_style: str
    contests: tuple[PlaintextContest, ...]
    sn: int | None = None


# ---------------------------------------------------------------- the contest hash, shared by ballots and the verifier


def indicator_bytes(ind: int | str) -> bytes:
    """ind_c / ind_o as hashed: an index as b(i, 4), a label as its raw UTF-8 bytes (engine.contest_data.IdForm)."""
    if isinstance(ind, str):
        return ind.encode("utf-8")
    return small_int_bytes(ind)


def contest_hash(
    h_e: UInt256, contest_ind: int | str, public_key: ElementModP, ciphertexts: Sequence[Ciphertext]
) -> UInt256:
    """chi_l = H(H_E; 0x23, ind_c(Lambda_l), K, alpha_1, beta_1, ..., alpha_m, beta_m), eq. 57.

    ind_c is b(sequence_order, 4) for an int (the spec, and egk's records) or the contest id's raw
    UTF-8 bytes for a str (egk's earlier test vectors).
    """
    parts: list[ElementModP] = []
    for ct in ciphertexts:
        parts += (ct.pad, ct.data)
    return hash_elems(h_e, domains.CONTEST_HASH, indicator_bytes(contest_ind), public_key, *parts)


# ---------------------------------------------------------------- pre-encrypted ballots' hashes (spec 4.1)


def selection_hash(h_e: UInt256, public_key: ElementModP, vector: Sequence[Ciphertext]) -> UInt256:
    """psi_i = H(H_E; 0x40, K, alpha_1, beta_1, ..., alpha_m, beta_m), eq. 92 (and eq. 93 for a null vector)."""
    parts: list[ElementModP] = []
    for ct in vector:
        parts += (ct.pad, ct.data)
    return hash_elems(h_e, domains.SELECTION_HASH, public_key, *parts)


def preencryption_contest_hash(
    h_e: UInt256, contest_ind: int | str, public_key: ElementModP, selection_hashes: Sequence[UInt256]
) -> UInt256:
    """chi_l = H(H_E; 0x41, ind_c(Lambda_l), K, psi_sigma(1), ..., psi_sigma(m+L)), eq. 94: the hashes in
    increasing order as big-endian integers. ind_c as in contest_hash: b(i, 4) for an int, the raw
    UTF-8 bytes of the contest id for a str (egk's pre-encryption vectors, docs/PROTOCOL.md)."""
    ordered = sorted(selection_hashes, key=lambda h: h.data)
    return hash_elems(h_e, domains.PREENCRYPTION_CONTEST_HASH, indicator_bytes(contest_ind), public_key, *ordered)


def preencryption_confirmation_code(h_e: UInt256, contest_hashes: Sequence[UInt256], code_baux: bytes) -> UInt256:
    """H(B) = H(H_E; 0x42, chi_1, ..., chi_mB, B_aux), eq. 95; B_aux without a length prefix, as in eq. 58
    (docs/PROTOCOL.md deviation 1)."""
    return hash_elems(h_e, domains.PREENCRYPTION_CONFIRMATION, *contest_hashes, bytes(code_baux))


SHORT_CODE_DIGITS = 5


def short_code(psi: UInt256) -> str:
    """Omega(psi): the first five hexadecimal digits of the selection hash, upper case (egk's Omega, section 4.1.4)."""
    return psi.hex()[:SHORT_CODE_DIGITS]
