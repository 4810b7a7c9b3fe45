"""RFC 9162 section 2.1: tree hashes, inclusion and consistency proofs and their verification.

Known answers come from outside our code: the Certificate Transparency reference test data (the
eight leaves, the roots of sizes 0..8 and four proofs used by the RFC 6962 reference implementation's
tests and repeated by other implementations), and a naive recursive transcription of RFC 9162's
MTH, PATH and PROOF/SUBPROOF written here, independent of engine.board.merkle.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.board.merkle import (
    EMPTY_ROOT,
    IncrementalRoot,
    MemoryTree,
    MerkleError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    range_hash,
    root_of,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------- known answers (CT reference data)

CT_ENTRIES = [
    bytes.fromhex(h)
    for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CT_LEAVES = [leaf_hash(e) for e in CT_ENTRIES]


def test_hash_prefixes() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    a, b = CT_LEAVES[0], CT_LEAVES[1]
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT


def test_ct_roots() -> None:
    for n in range(9):
        assert root_of(CT_LEAVES[:n]).hex() == CT_ROOTS[n], n


def test_ct_proofs() -> None:
    for (index, size), expected in CT_INCLUSION.items():
        proof = inclusion_proof(CT_LEAVES, index, size)
        assert [p.hex() for p in proof] == expected
        assert verify_inclusion(CT_LEAVES[index], index, size, proof, bytes.fromhex(CT_ROOTS[size]))
    for (old, new), expected in CT_CONSISTENCY.items():
        proof = consistency_proof(CT_LEAVES, old, new)
        assert [p.hex() for p in proof] == expected
        assert verify_consistency(old, new, bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new]), proof)


# ---------------------------------------------------------------- a naive transcription of RFC 9162 2.1


def naive_mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(d[:k]) + naive_mth(d[k:])).digest()


def naive_path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return naive_path(m, d[:k]) + [naive_mth(d[k:])]
    return naive_path(m - k, d[k:]) + [naive_mth(d[:k])]


def naive_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [naive_mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return naive_subproof(m, d[:k], b) + [naive_mth(d[k:])]
    return naive_subproof(m - k, d[k:], False) + [naive_mth(d[:k])]


DATA = [f"leaf {i}".encode() for i in range(200)]
LEAVES = [leaf_hash(d) for d in DATA]
TREE = MemoryTree(LEAVES)
ROOTS = [tree_root(TREE, n) for n in range(201)]


def test_roots_and_proofs_equal_the_naive_rfc_recursion() -> None:
    for n in range(0, 41):
        assert ROOTS[n] == naive_mth(DATA[:n])
        for m in range(n):
            assert inclusion_proof(TREE, m, n) == naive_path(m, DATA[:n])
        for m in range(1, n):
            assert consistency_proof(TREE, m, n) == naive_subproof(m, DATA[:n], True)
    for n in (64, 100, 127, 128, 129, 200):
        assert ROOTS[n] == naive_mth(DATA[:n])
        assert inclusion_proof(TREE, n // 3, n) == naive_path(n // 3, DATA[:n])
        assert consistency_proof(TREE, n // 2 + 1, n) == naive_subproof(n // 2 + 1, DATA[:n], True)


def test_every_inclusion_proof_verifies_up_to_200() -> None:
    for n in range(1, 201):
        for m in range(n):
            assert verify_inclusion(LEAVES[m], m, n, inclusion_proof(TREE, m, n), ROOTS[n]), (m, n)


def test_every_consistency_proof_verifies_up_to_200() -> None:
    for n in range(1, 201):
        for m in range(0, n + 1):
            assert verify_consistency(m, n, ROOTS[m], ROOTS[n], consistency_proof(TREE, m, n)), (m, n)


def test_range_hash_of_any_aligned_range() -> None:
    for start, end in ((0, 200), (128, 200), (64, 100), (192, 197), (7, 8), (3, 11)):
        assert range_hash(TREE, start, end) == naive_mth(DATA[start:end])


# ---------------------------------------------------------------- tampering


def _flip(proof: list[bytes], which: int, byte: int, bit: int) -> list[bytes]:
    out = list(proof)
    item = bytearray(out[which])
    item[byte] ^= 1 << bit
    out[which] = bytes(item)
    return out


pair = st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n - 1), st.just(n)))


@settings(max_examples=300, deadline=None)
@given(pair, st.integers(0, 1000), st.integers(0, 31), st.integers(0, 7))
def test_inclusion_tampering_fails(mn: tuple[int, int], which: int, byte: int, bit: int) -> None:
    m, n = mn
    proof = inclusion_proof(TREE, m, n)
    if proof:
        assert not verify_inclusion(LEAVES[m], m, n, _flip(proof, which % len(proof), byte, bit), ROOTS[n])
        assert not verify_inclusion(LEAVES[m], m, n, proof[:-1], ROOTS[n])
        assert not verify_inclusion(LEAVES[m], m, n, proof[1:], ROOTS[n])
    assert not verify_inclusion(LEAVES[m], m, n, proof + [LEAVES[0]], ROOTS[n])
    assert not verify_inclusion(_flip([LEAVES[m]], 0, byte, bit)[0], m, n, proof, ROOTS[n])
    assert not verify_inclusion(LEAVES[m], m, n, proof, _flip([ROOTS[n]], 0, byte, bit)[0])
    for other in {0, m - 1, m + 1, n - 1, which % n} - {m}:
        if 0 <= other < n:
            assert not verify_inclusion(LEAVES[m], other, n, proof, ROOTS[n]), other
    # A wrong size with the root of that size (an STH binds the two together).
    for size in {m + 1, n - 1, n + 1, 2 * n, which % 200 + 1} - {n}:
        if m < size <= 200 and inclusion_proof(TREE, m, size) != proof:
            assert not verify_inclusion(LEAVES[m], m, size, proof, ROOTS[size]), size


consistency_pair = st.integers(2, 200).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n)))


@settings(max_examples=300, deadline=None)
@given(consistency_pair, st.integers(0, 1000), st.integers(0, 31), st.integers(0, 7))
def test_consistency_tampering_fails(mn: tuple[int, int], which: int, byte: int, bit: int) -> None:
    m, n = mn
    proof = consistency_proof(TREE, m, n)
    assert proof
    assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], _flip(proof, which % len(proof), byte, bit))
    assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], proof[:-1])
    assert not verify_consistency(m, n, ROOTS[m], ROOTS[n], proof + [LEAVES[0]])
    assert not verify_consistency(m, n, _flip([ROOTS[m]], 0, byte, bit)[0], ROOTS[n], proof)
    assert not verify_consistency(m, n, ROOTS[m], _flip([ROOTS[n]], 0, byte, bit)[0], proof)
    assert not verify_consistency(n, m, ROOTS[n], ROOTS[m], proof)
    for old in {m - 1, m + 1, which % n + 1} - {m}:
        if 1 <= old < n and consistency_proof(TREE, old, n) != proof:
            assert not verify_consistency(old, n, ROOTS[old], ROOTS[n], proof), old
    for new in {n - 1, n + 1, which % 200 + 1} - {n}:
        if m < new <= 200 and consistency_proof(TREE, m, new) != proof:
            assert not verify_consistency(m, new, ROOTS[m], ROOTS[new], proof), new


def test_degenerate_consistency() -> None:
    assert consistency_proof(TREE, 0, 10) == [] and consistency_proof(TREE, 10, 10) == []
    assert verify_consistency(10, 10, ROOTS[10], ROOTS[10], [])
    assert not verify_consistency(10, 10, ROOTS[10], ROOTS[11], [])
    assert not verify_consistency(10, 10, ROOTS[10], ROOTS[10], [LEAVES[0]])
    assert verify_consistency(0, 10, EMPTY_ROOT, ROOTS[10], [])
    assert not verify_consistency(0, 10, ROOTS[1], ROOTS[10], [])
    assert not verify_consistency(0, 10, EMPTY_ROOT, ROOTS[10], [LEAVES[0]])
    assert not verify_consistency(3, 10, ROOTS[3], ROOTS[10], [])


def test_malformed_inputs() -> None:
    proof = inclusion_proof(TREE, 5, 8)
    assert not verify_inclusion(LEAVES[5][:31], 5, 8, proof, ROOTS[8])
    assert not verify_inclusion(LEAVES[5], 5, 8, proof, ROOTS[8][:31])
    assert not verify_inclusion(LEAVES[5], 5, 8, [proof[0][:31]] + proof[1:], ROOTS[8])
    assert not verify_inclusion(LEAVES[5], 8, 8, proof, ROOTS[8])
    assert not verify_inclusion(LEAVES[5], -1, 8, proof, ROOTS[8])
    assert not verify_inclusion(LEAVES[5], True, 8, proof, ROOTS[8])  # type: ignore[arg-type]
    assert not verify_inclusion(LEAVES[5], 5, 8, "not a list", ROOTS[8])  # type: ignore[arg-type]
    assert not verify_consistency(6, 8, ROOTS[6], ROOTS[8], [b"x"] + consistency_proof(TREE, 6, 8)[1:])
    assert not verify_consistency(6, 8, ROOTS[6][:5], ROOTS[8], consistency_proof(TREE, 6, 8))
    with pytest.raises(MerkleError):
        inclusion_proof(TREE, 8, 8)
    with pytest.raises(MerkleError):
        inclusion_proof(TREE, -1, 8)
    with pytest.raises(MerkleError):
        inclusion_proof(TREE, 0, 201)
    with pytest.raises(MerkleError):
        consistency_proof(TREE, 5, 3)
    with pytest.raises(MerkleError):
        consistency_proof(TREE, 0, 201)
    with pytest.raises(MerkleError):
        root_of([b"short"])
    with pytest.raises(MerkleError):
        node_hash(b"short", LEAVES[0])
    with pytest.raises(MerkleError):
        leaf_hash("text")  # type: ignore[arg-type]


# ---------------------------------------------------------------- the running root


def test_incremental_root_is_the_rfc9162_root_at_every_size() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(70)]
    tree = IncrementalRoot()
    assert tree.root() == EMPTY_ROOT and tree.size == 0
    for n, leaf in enumerate(leaves, start=1):
        tree.append(leaf)
        assert tree.root() == root_of(leaves[:n]) and tree.size == n


def test_incremental_root_reports_the_subtrees_it_completes() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(37)]
    memory = MemoryTree(leaves)
    tree = IncrementalRoot()
    seen = set()
    for leaf in leaves:
        for level, index, h in tree.append(leaf):
            assert memory.subtree_hash(level, index) == h
            seen.add((level, index))
    every = {(lv, i) for lv in range(6) for i in range(len(leaves) >> lv)}
    assert seen == every


def test_incremental_root_resumes_from_its_frontier() -> None:
    leaves = [leaf_hash(bytes([i])) for i in range(23)]
    tree = IncrementalRoot()
    for leaf in leaves[:13]:
        tree.append(leaf)
    resumed = IncrementalRoot(13, tree.frontier())
    for leaf in leaves[13:]:
        resumed.append(leaf)
    assert resumed.root() == root_of(leaves)
    with pytest.raises(MerkleError):
        IncrementalRoot(13, {0: leaves[0]})
    with pytest.raises(MerkleError):
        IncrementalRoot().append(b"short")
