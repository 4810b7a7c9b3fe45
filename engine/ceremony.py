"""The key ceremony of spec 2.0.0 section 3.2: polynomials, commitments, share exchange, K and H_E.

Each guardian G_i holds a secret polynomial P_i (eq. 9) and publishes commitments K_i,j = g^a_i,j
with Schnorr proofs (eq. 10-12). It sends every other guardian G_l the value P_i(l), encrypted
with hashed ElGamal under K_l (eq. 14-19); G_l decrypts it (eq. 20) and checks it against the
commitments (eq. 21), or complains. The joint key is K = prod K_i (eq. 8), each guardian's share
of the joint secret is P(i) = sum_j P_j(i) (eq. 22), and H_E = H(H_B; 0x12, K) (eq. 23).

All state is plain frozen values (ints, strings, bytes, elements), so that the record layer
can save a guardian between the steps of a ceremony that runs over days and machines.

Where egk differs from the spec text (see ShareEncoding, EGK_SHARE_ENCODING):
- eq. 16-17: egk's Label is "share_enc_keys" and its Context starts "share_encrypt" (underscores;
  the spec writes "share enc keys" and "share encrypt"). Confirmed bit for bit by egk's
  ShareEncryptionTestVector.
- eq. 16-17: egk (2.0 encodings) ends the KDF input with b(512, 4) = 00 00 02 00, where the spec
  has the two bytes 0x0200. Taken from egk's source (it hashes the Int 512 with its 4-byte
  small-integer encoding, the one the workflow records prove for the indices of eq. 12); no egk
  record contains share ciphertexts, so no record confirms it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from engine import domains
from engine.election import DecryptingTrustee, ElectionConfig, ElectionInitialized, GuardianRecord
from engine.errors import BallotchainError
from engine.group import ElementModP, ElementModQ, Group
from engine.hash import UInt256, extended_base_hash, hash_elems
from engine.hashed_elgamal import HashedCiphertext, kdf_keys, mac_matches, seal, unseal
from engine.ids import identifier_problem, shown_identifier
from engine.proofs import prove_coefficient
from engine.proofs.schnorr import check_commitments

SHARE_BYTES = 32  # b(P_i(l), 32), eq. 19
_MAX_INDEX = (1 << 31) - 1  # small integers of spec 5.1.3


# ---------------------------------------------------------------- errors and complaints


class CeremonyError(BallotchainError, ValueError):
    """Input to a key-ceremony step is malformed or inconsistent."""


class CeremonyRefused(CeremonyError):
    """The ceremony cannot be finalized; `problems` lists every reason found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("the key ceremony cannot be finalized: " + "; ".join(self.problems))


class ShareVerificationError(CeremonyError):
    """A received share failed its MAC (eq. 20) or its check against the commitments (eq. 21).

    Names the sending guardian, which the recipient should then accuse (section 3.2.2).
    """

    def __init__(self, sender_id: str, sender_index: int, recipient_id: str, reason: str) -> None:
        self.sender_id = sender_id
        self.sender_index = sender_index
        self.recipient_id = recipient_id
        self.reason = reason
        super().__init__(
            f"share from guardian {sender_id!r} (i = {sender_index}) to {recipient_id!r} rejected: {reason}"
        )

    def complaint(self) -> Complaint:
        return Complaint(accuser=self.recipient_id, accused=self.sender_id, reason=self.reason)


@dataclass(frozen=True)
class Complaint:
    """G_l's public report that it did not receive a suitable P_i(l) from G_i, section 3.2.2."""

    accuser: str
    accused: str
    reason: str

    @classmethod
    def from_error(cls, error: ShareVerificationError) -> Complaint:
        return error.complaint()


@dataclass(frozen=True)
class ComplaintVerdict:
    """Outcome of a dispute: upheld means G_i failed to justify its share and is to be excluded."""

    complaint: Complaint
    upheld: bool
    reason: str


# ---------------------------------------------------------------- guardian secrets


@dataclass(frozen=True)
class GuardianSecrets:
    """G_i's private state: its x coordinate i and coefficients a_i,0..a_i,k-1 (eq. 9), s_i = a_i,0."""

    guardian_id: str
    x_coordinate: int
    group: Group
    coefficients: tuple[ElementModQ, ...] = field(repr=False)

    def __post_init__(self) -> None:
        _check_guardian_id(self.guardian_id)
        _check_index(self.x_coordinate, f"x coordinate of guardian {self.guardian_id!r}")
        if not isinstance(self.coefficients, tuple) or not self.coefficients:
            raise CeremonyError(f"guardian {self.guardian_id!r}: needs a non-empty tuple of coefficients")
        for j, a in enumerate(self.coefficients):
            if not isinstance(a, ElementModQ) or a.group is not self.group:
                raise CeremonyError(f"guardian {self.guardian_id!r}: coefficient {j} is not in Z_q of the group")
            if a.value == 0:
                raise CeremonyError(f"guardian {self.guardian_id!r}: coefficient {j} is 0 (need 0 < a < q)")

    @property
    def quorum(self) -> int:
        """k, the number of coefficients."""
        return len(self.coefficients)

    @property
    def secret_key(self) -> ElementModQ:
        """s_i = a_i,0."""
        return self.coefficients[0]

    def commitments(self) -> tuple[ElementModP, ...]:
        """K_i,j = g^a_i,j, eq. 10 (secret a_i,j: the constant-time table)."""
        return tuple(self.group.g_pow_secret(a) for a in self.coefficients)

    def value_at(self, x: int) -> ElementModQ:
        """P_i(x), eq. 9."""
        return polynomial_value(self.coefficients, x)


def generate_guardian(group: Group, guardian_id: str, x_coordinate: int, quorum: int) -> GuardianSecrets:
    """Sample a_i,j uniformly with 0 < a_i,j < q for 0 <= j < k, section 3.2.2."""
    if isinstance(quorum, bool) or not isinstance(quorum, int) or quorum < 1:
        raise CeremonyError(f"the quorum k must be a positive integer, not {quorum!r}")
    coefficients = tuple(group.random_nonzero_q() for _ in range(quorum))
    return GuardianSecrets(guardian_id, x_coordinate, group, coefficients)


def guardian_secrets_from_trustee(trustee: DecryptingTrustee) -> GuardianSecrets:
    """The ceremony state of a saved trustee (egk's decryptingTrustee file holds the coefficients)."""
    if not trustee.polynomial_coefficients:
        raise CeremonyError(f"trustee {trustee.guardian_id!r} has no polynomial coefficients")
    group = trustee.polynomial_coefficients[0].group
    return GuardianSecrets(trustee.guardian_id, trustee.x_coordinate, group, tuple(trustee.polynomial_coefficients))


def polynomial_value(coefficients: Sequence[ElementModQ], x: int) -> ElementModQ:
    """P(x) = sum_j a_j x^j mod q, eq. 9, by Horner's rule."""
    if not coefficients:
        raise CeremonyError("a polynomial needs at least one coefficient")
    if isinstance(x, bool) or not isinstance(x, int) or x < 0:
        raise CeremonyError(f"a polynomial is evaluated at a non-negative integer, not {x!r}")
    group = coefficients[0].group
    result = group.element_q(0)
    for a in reversed(coefficients):
        result = result * x + a
    return result


# ---------------------------------------------------------------- public record and its checks


def public_record(
    secrets: GuardianSecrets, h_p: UInt256, nonces: Sequence[ElementModQ] | None = None
) -> GuardianRecord:
    """G_i's commitments K_i,j with Schnorr proofs (c_i,j, v_i,j), eq. 10-12.

    nonces are the u_i,j of eq. 11 (random when omitted; given only to reproduce known answers).
    """
    if nonces is not None and len(nonces) != secrets.quorum:
        raise CeremonyError(f"need {secrets.quorum} proof nonces, got {len(nonces)}")
    proofs = tuple(
        prove_coefficient(h_p, secrets.x_coordinate, j, a, None if nonces is None else nonces[j])
        for j, a in enumerate(secrets.coefficients)
    )
    return GuardianRecord(secrets.guardian_id, secrets.x_coordinate, proofs)


def verify_guardian_record(record: GuardianRecord, h_p: UInt256, quorum: int) -> list[str]:
    """Verification 2 (2.A-2.C) and 3.A for one guardian; the problems found, empty if none.

    Checks k commitments, each in Z_p^r and != 1, and every Schnorr proof (engine.proofs.schnorr.check_commitments,
    which the verifier's verifications 2-3 use too).
    """
    who = f"guardian {record.guardian_id!r}"
    problems: list[str] = []
    id_problem = identifier_problem(record.guardian_id)
    if id_problem is not None:
        problems.append(f"guardian id {shown_identifier(record.guardian_id)}: {id_problem}")
    if not _is_index(record.x_coordinate):
        problems.append(f"{who}: x coordinate {record.x_coordinate!r} is not in 1..2^31-1")
        return problems
    proofs = record.coefficient_proofs
    if len(proofs) != quorum:
        problems.append(f"{who}: has {len(proofs)} coefficient commitments, the quorum k is {quorum}")
    if not proofs:
        return problems
    group = proofs[0].public_key.group
    if any(p.public_key.group is not group for p in proofs):
        problems.append(f"{who}: commitments belong to different groups")
        return problems
    keys = [p.public_key for p in proofs]
    members = [True] * len(keys) if group.all_in_subgroup(keys) else [group.in_subgroup(k) for k in keys]
    for check in check_commitments(h_p, record.x_coordinate, proofs, members):
        name = f"K_{record.x_coordinate},{check.j}"
        if not check.in_subgroup:
            problems.append(f"{who}: (2.A) {name} is not in Z_p^r")
            continue
        if check.is_one:
            step = "(3.A) K_i" if check.j == 0 else "K_i,j"
            problems.append(f"{who}: {step} = {name} is 1")
        if not check.response_in_range:
            problems.append(f"{who}: (2.B) the response of coefficient {check.j} is not in Z_q")
        if not check.proof_verifies:
            problems.append(f"{who}: (2.C) the Schnorr proof of coefficient {check.j} does not verify")
    return problems


def commitment_product(commitments: Sequence[ElementModP], x: int) -> ElementModP:
    """g^P_i(x) from the public commitments: prod_j K_i,j^(x^j mod q), eq. 13 and 21."""
    if not commitments:
        raise CeremonyError("no commitments")
    group = commitments[0].group
    q = int(group.q)
    return group.multi_pow(list(commitments), [pow(x, j, q) for j in range(len(commitments))])


def public_key_share(records: Iterable[GuardianRecord], x: int) -> ElementModP:
    """g^P(x) = prod_j prod_m K_j,m^(x^m), the public counterpart of the key share P(x) (eq. 21-22)."""
    bases: list[ElementModP] = []
    exponents: list[ElementModQ | int] = []
    for record in records:
        commitments = record.commitments
        if not commitments:
            raise CeremonyError(f"guardian {record.guardian_id!r} has no commitments")
        q = int(commitments[0].group.q)
        bases.extend(commitments)
        exponents.extend(pow(x, m, q) for m in range(len(commitments)))
    if not bases:
        raise CeremonyError("no guardian records")
    return bases[0].group.multi_pow(bases, exponents)


# ---------------------------------------------------------------- share encryption, eq. 14-21


@dataclass(frozen=True)
class ShareEncoding:
    """The bytes of eq. 15-17 on which implementations differ.

    k_i,l = H(H_P; 0x11, i, l, K_l, alpha, beta) with i and l as index_bytes-byte integers;
    k_0 / k_1 = HMAC(k_i,l, 0x01 / 0x02 || label || 0x00 || context || b(i) || b(l) || length_field).
    """

    name: str
    label: bytes
    context: bytes
    index_bytes: int
    length_field: bytes

    def __post_init__(self) -> None:
        if not 1 <= self.index_bytes <= 4:
            raise CeremonyError(f"share encoding {self.name!r}: indices take 1 to 4 bytes")

    def index(self, n: int) -> bytes:
        _check_index(n, "guardian index")
        if n >= 1 << (8 * self.index_bytes):
            raise CeremonyError(f"guardian index {n} does not fit in {self.index_bytes} bytes")
        return n.to_bytes(self.index_bytes, "big")


# The spec text: Label = b("share enc keys", 14),
# Context = b("share encrypt", 13) || b(i, 4) || b(l, 4), length 0x0200.
SPEC_SHARE_ENCODING = ShareEncoding("spec-2.0.0", b"share enc keys", b"share encrypt", 4, b"\x02\x00")
# egk with 2.0 encodings: underscores in Label and Context, and b(512, 4) as the length.
EGK_SHARE_ENCODING = ShareEncoding("egk", b"share_enc_keys", b"share_encrypt", 4, (512).to_bytes(4, "big"))
DEFAULT_SHARE_ENCODING = EGK_SHARE_ENCODING


@dataclass(frozen=True)
class EncryptedShare:
    """E_l(P_i(l)) = (C_i,l,0, C_i,l,1, C_i,l,2) from sender i to recipient l, eq. 18-19."""

    sender_index: int
    recipient_index: int
    ciphertext: HashedCiphertext

    def __post_init__(self) -> None:
        _check_index(self.sender_index, "sender index")
        _check_index(self.recipient_index, "recipient index")
        ct = self.ciphertext
        if not isinstance(ct, HashedCiphertext):
            raise CeremonyError("an encrypted share holds a hashed ElGamal ciphertext")
        if not isinstance(ct.c0, ElementModP):
            raise CeremonyError("C0 of an encrypted share must be an element mod p")
        if not isinstance(ct.c1, bytes) or len(ct.c1) != SHARE_BYTES or ct.num_bytes != SHARE_BYTES:
            raise CeremonyError(f"C1 of an encrypted share must be {SHARE_BYTES} bytes")
        if not isinstance(ct.c2, UInt256):
            raise CeremonyError("C2 of an encrypted share must be a 32-byte MAC")

    @property
    def c0(self) -> ElementModP:
        return self.ciphertext.c0

    @property
    def c1(self) -> bytes:
        return self.ciphertext.c1

    @property
    def c2(self) -> UInt256:
        return self.ciphertext.c2


def share_secret_key(
    h_p: UInt256,
    i: int,
    ell: int,
    recipient_key: ElementModP,
    alpha: ElementModP,
    beta: ElementModP,
    encoding: ShareEncoding = DEFAULT_SHARE_ENCODING,
) -> UInt256:
    """k_i,l = H(H_P; 0x11, i, l, K_l, alpha_i,l, beta_i,l), eq. 15."""
    return hash_elems(h_p, domains.SHARE_KEY, encoding.index(i), encoding.index(ell), recipient_key, alpha, beta)


def share_kdf_keys(
    k_il: UInt256, i: int, ell: int, encoding: ShareEncoding = DEFAULT_SHARE_ENCODING
) -> tuple[bytes, bytes]:
    """(k_0, k_1): the MAC key (eq. 16) and the encryption key (eq. 17), KDF in counter mode (counters 0x01, 0x02)."""
    tail = encoding.label + b"\x00" + encoding.context + encoding.index(i) + encoding.index(ell) + encoding.length_field
    k0, k1 = kdf_keys(k_il, (b"\x01", b"\x02"), tail)
    return k0, k1


def encrypt_share_value(
    value: ElementModQ,
    sender_index: int,
    recipient_record: GuardianRecord,
    h_p: UInt256,
    nonce: ElementModQ | None = None,
    encoding: ShareEncoding = DEFAULT_SHARE_ENCODING,
) -> EncryptedShare:
    """Hashed ElGamal encryption of a value under K_l, eq. 14-19 (xi_i,l = nonce, random if omitted)."""
    _check_index(sender_index, "sender index")
    recipient_key = _recipient_key(recipient_record)
    group = recipient_key.group
    if not isinstance(value, ElementModQ) or value.group is not group:
        raise CeremonyError("the share value must be an element mod q of the recipient's group")
    xi = group.random_nonzero_q() if nonce is None else nonce
    if not isinstance(xi, ElementModQ) or xi.group is not group or xi.value == 0:
        raise CeremonyError("the share nonce xi must be a non-zero element mod q of the group")
    ell = recipient_record.x_coordinate
    alpha = group.g_pow_secret(xi)
    beta = recipient_key.pow_secret(xi)  # K_l is used once here: constant-time powmod, no table
    k0, k1 = share_kdf_keys(
        share_secret_key(h_p, sender_index, ell, recipient_key, alpha, beta, encoding),
        sender_index,
        ell,
        encoding,
    )
    return EncryptedShare(sender_index, ell, seal(alpha, int(value).to_bytes(SHARE_BYTES, "big"), k0, (k1,)))


def encrypt_share(
    sender_secrets: GuardianSecrets,
    recipient_record: GuardianRecord,
    h_p: UInt256,
    nonce: ElementModQ | None = None,
    encoding: ShareEncoding = DEFAULT_SHARE_ENCODING,
) -> EncryptedShare:
    """G_i's encryption E_l(P_i(l)) for guardian G_l, section 3.2.2 eq. 14-19."""
    if recipient_record.x_coordinate == sender_secrets.x_coordinate:
        raise CeremonyError(f"guardian {sender_secrets.guardian_id!r} does not send a share to itself")
    value = sender_secrets.value_at(recipient_record.x_coordinate)
    return encrypt_share_value(value, sender_secrets.x_coordinate, recipient_record, h_p, nonce, encoding)


def decrypt_share(
    recipient_secrets: GuardianSecrets,
    sender_record: GuardianRecord,
    encrypted_share: EncryptedShare,
    h_p: UInt256,
    encoding: ShareEncoding = DEFAULT_SHARE_ENCODING,
) -> ElementModQ:
    """G_l decrypts P_i(l) (eq. 20) after checking the MAC, then checks eq. 21 against K_i,j.

    Raises ShareVerificationError naming the sender G_i on any failure.
    """
    sender_id, i, ell = sender_record.guardian_id, sender_record.x_coordinate, recipient_secrets.x_coordinate
    group = recipient_secrets.group

    def reject(reason: str) -> ShareVerificationError:
        return ShareVerificationError(sender_id, i, recipient_secrets.guardian_id, reason)

    if encrypted_share.sender_index != i:
        raise reject(f"the share says it is from i = {encrypted_share.sender_index}, not {i}")
    if encrypted_share.recipient_index != ell:
        raise reject(f"the share is addressed to l = {encrypted_share.recipient_index}, not {ell}")
    if i == ell:
        raise reject("a guardian does not send a share to itself")
    c0 = encrypted_share.c0
    if c0.group is not group or not group.in_subgroup(c0):
        raise reject("C0 is not in Z_p^r")
    beta = c0.pow_secret(recipient_secrets.secret_key)
    recipient_key = group.g_pow_secret(recipient_secrets.secret_key)
    k0, k1 = share_kdf_keys(share_secret_key(h_p, i, ell, recipient_key, c0, beta, encoding), i, ell, encoding)
    if not mac_matches(k0, encrypted_share.ciphertext):
        raise reject("the MAC C2 does not verify (eq. 19-20)")
    plain = int.from_bytes(unseal(encrypted_share.ciphertext, (k1,)), "big")
    if plain >= group.q:
        raise reject("the decrypted P_i(l) is not below q")
    value = group.element_q(plain)
    commitments = sender_record.commitments
    if not commitments or any(k.group is not group for k in commitments):
        raise reject("the sender's commitments are missing or of another group")
    if group.g_pow_secret(value) != commitment_product(commitments, ell):
        raise reject("P_i(l) does not match the sender's commitments (eq. 21)")
    return value


def resolve_complaint(
    complaint: Complaint,
    sender_record: GuardianRecord,
    recipient_record: GuardianRecord,
    encrypted_share: EncryptedShare,
    revealed_value: ElementModQ,
    revealed_nonce: ElementModQ,
    h_p: UInt256,
    encoding: ShareEncoding = DEFAULT_SHARE_ENCODING,
) -> ComplaintVerdict:
    """Dispute resolution of section 3.2.2: G_i publishes P_i(l) and xi_i,l.

    The complaint is dismissed when they reproduce the published (C0, C1, C2) and satisfy eq. 21;
    otherwise it is upheld and G_i is to be excluded. Needs no secret of either guardian.
    """
    if complaint.accused != sender_record.guardian_id or complaint.accuser != recipient_record.guardian_id:
        raise CeremonyError("the complaint does not concern these two guardians")
    i, ell = sender_record.x_coordinate, recipient_record.x_coordinate
    if (encrypted_share.sender_index, encrypted_share.recipient_index) != (i, ell):
        raise CeremonyError(f"the encrypted share is not the one from i = {i} to l = {ell}")

    def verdict(upheld: bool, reason: str) -> ComplaintVerdict:
        return ComplaintVerdict(complaint, upheld, reason)

    group = encrypted_share.c0.group
    for what, x in (("P_i(l)", revealed_value), ("xi_i,l", revealed_nonce)):
        if not isinstance(x, ElementModQ) or x.group is not group:
            return verdict(True, f"the revealed {what} is not an element mod q of the group")
    if revealed_nonce.value == 0:
        return verdict(True, "the revealed nonce is 0")
    reproduced = encrypt_share_value(revealed_value, i, recipient_record, h_p, revealed_nonce, encoding)
    if reproduced != encrypted_share:
        return verdict(True, "the revealed P_i(l) and nonce do not reproduce the published encryption")
    if group.g_pow(revealed_value) != commitment_product(sender_record.commitments, ell):
        return verdict(True, "the revealed P_i(l) does not match the sender's commitments (eq. 21)")
    return verdict(False, "the revealed P_i(l) and nonce match the encryption and eq. 21")


# ---------------------------------------------------------------- key shares, joint key, H_E


def key_share(own_secrets: GuardianSecrets, received_shares: Mapping[str, ElementModQ]) -> ElementModQ:
    """P(i) = P_i(i) + sum_{j != i} P_j(i) mod q, eq. 22; received_shares maps sender id to P_j(i)."""
    if own_secrets.guardian_id in received_shares:
        raise CeremonyError(f"guardian {own_secrets.guardian_id!r} cannot receive a share from itself")
    total = own_secrets.value_at(own_secrets.x_coordinate)
    for sender, value in received_shares.items():
        if not isinstance(value, ElementModQ) or value.group is not own_secrets.group:
            raise CeremonyError(f"the share from {sender!r} is not an element mod q of the group")
        total = total + value
    return total


def decrypting_trustee(secrets: GuardianSecrets, share: ElementModQ) -> DecryptingTrustee:
    """The state a guardian keeps for decryption: s_i's polynomial and P(i) (egk's trustee file)."""
    if not isinstance(share, ElementModQ) or share.group is not secrets.group:
        raise CeremonyError("the key share P(i) must be an element mod q of the guardian's group")
    return DecryptingTrustee(secrets.guardian_id, secrets.x_coordinate, secrets.coefficients, share)


def joint_public_key(records: Sequence[GuardianRecord]) -> ElementModP:
    """K = prod_i K_i mod p, eq. 8, with Verification 3: K_i in Z_p^r, K_i != 1 (3.A), K != 1 (3.B)."""
    if not records:
        raise CeremonyError("the joint key needs at least one guardian")
    keys: list[ElementModP] = []
    for record in records:
        if not record.coefficient_proofs:
            raise CeremonyError(f"guardian {record.guardian_id!r} has no public key")
        keys.append(record.public_key)
    group = keys[0].group
    if any(k.group is not group for k in keys):
        raise CeremonyError("the guardians' public keys belong to different groups")
    for record, k_i in zip(records, keys):
        if not group.in_subgroup(k_i) or k_i.value == 1:
            raise CeremonyError(f"(3.A) the public key K_i of guardian {record.guardian_id!r} is not valid")
    joint = group.product(keys)
    if joint.value == 1:
        raise CeremonyError("(3.B) the joint public key K is 1")
    return joint


def finalize_ceremony(config: ElectionConfig, records: Sequence[GuardianRecord]) -> ElectionInitialized:
    """The election's K (eq. 8) and H_E = H(H_B; 0x12, K) (eq. 23), from n complete guardian records.

    Refuses (CeremonyRefused, listing every problem) unless there are exactly n records with
    distinct ids and x coordinates 1..n, each with k valid commitments and proofs.
    """
    n, k, h_p = config.number_of_guardians, config.quorum, config.parameter_base_hash
    problems: list[str] = []
    if not 1 <= k <= n:
        problems.append(f"the quorum k = {k} is not in 1..n = {n}")
    if len(records) != n:
        problems.append(f"{len(records)} guardian records for n = {n} guardians")
    coordinates = [r.x_coordinate for r in records]
    if len(set(coordinates)) != len(coordinates):
        problems.append(f"duplicate x coordinates among {sorted(coordinates)}")
    missing = sorted(set(range(1, n + 1)) - set(coordinates))
    extra = sorted(x for x in set(coordinates) if not (isinstance(x, int) and 1 <= x <= n))
    if missing:
        problems.append(f"no guardian with x coordinate {missing}")
    if extra:
        problems.append(f"x coordinates {extra} are outside 1..{n}")
    ids = [r.guardian_id for r in records]
    if len(set(ids)) != len(ids):
        problems.append("duplicate guardian ids")
    for record in records:
        if any(p.public_key.group is not config.group for p in record.coefficient_proofs):
            problems.append(f"guardian {record.guardian_id!r}: commitments are not in the election's group")
            continue
        problems.extend(verify_guardian_record(record, h_p, k))
    if problems:
        raise CeremonyRefused(problems)
    ordered = tuple(sorted(records, key=lambda r: r.x_coordinate))
    joint = joint_public_key(ordered)
    return ElectionInitialized(config, joint, extended_base_hash(config.election_base_hash, joint), ordered)


# ---------------------------------------------------------------- Lagrange coefficients


def lagrange_coefficient(i: int, indices: Iterable[int], group: Group) -> ElementModQ:
    """w_i = prod_{l in U \\ {i}} l / (l - i) mod q, eq. 67, for the set U of present guardians."""
    present = list(indices)
    for x in [i, *present]:
        _check_index(x, "guardian index")
    if len(set(present)) != len(present):
        raise CeremonyError(f"guardian indices {present} are not distinct")
    if i not in present:
        raise CeremonyError(f"guardian index {i} is not among {present}")
    q = int(group.q)
    numerator, denominator = 1, 1
    for ell in present:
        if ell != i:
            numerator = numerator * ell % q
            denominator = denominator * (ell - i) % q
    return group.element_q(numerator * pow(denominator, -1, q) % q)


# ---------------------------------------------------------------- small checks


def _is_index(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= _MAX_INDEX


def _check_index(x: object, what: str) -> None:
    if not _is_index(x):
        raise CeremonyError(f"{what} must be an integer in 1..2^31-1, not {x!r}")


def _check_guardian_id(guardian_id: object) -> None:
    """Guardian ids name the files guardians exchange: the one identifier rule (engine.ids)."""
    problem = identifier_problem(guardian_id)
    if problem is not None:
        raise CeremonyError(f"guardian id {shown_identifier(guardian_id)}: {problem}")


def _recipient_key(record: GuardianRecord) -> ElementModP:
    _check_index(record.x_coordinate, f"x coordinate of guardian {record.guardian_id!r}")
    if not record.coefficient_proofs:
        raise CeremonyError(f"guardian {record.guardian_id!r} has no public key")
    key = record.public_key
    if key.value == 1 or not key.group.in_subgroup(key):
        raise CeremonyError(f"(3.A) the public key of guardian {record.guardian_id!r} is not valid")
    return key
