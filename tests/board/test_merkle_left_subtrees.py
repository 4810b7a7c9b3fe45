"""engine.board.merkle.left_subtrees: the left siblings of an inclusion proof are the frontier of the leaves
before the leaf (IncrementalRoot's), so with the leaf and those after it they give every larger tree's root."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.board.merkle import IncrementalRoot, MemoryTree, inclusion_proof, leaf_hash, left_subtrees, tree_root

LEAVES = [leaf_hash(b"%d" % i) for i in range(70)]
TREE = MemoryTree(LEAVES)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_left_siblings_are_the_frontier_and_extend_to_every_root(data: st.DataObject) -> None:
    size = data.draw(st.integers(1, len(LEAVES)))
    index = data.draw(st.integers(0, size - 1))
    larger = data.draw(st.integers(index + 1, len(LEAVES)))
    before = left_subtrees(index, size, inclusion_proof(TREE, index, size))
    prefix = IncrementalRoot()
    for leaf in LEAVES[:index]:
        prefix.append(leaf)
    assert before == prefix.frontier()
    tree = IncrementalRoot(index, before)
    for leaf in LEAVES[index:larger]:
        tree.append(leaf)
    assert tree.root() == tree_root(TREE, larger)


def test_proofs_that_cannot_be_valid_give_none() -> None:
    proof = inclusion_proof(TREE, 5, 20)
    assert left_subtrees(5, 20, proof[:-1]) is None
    assert left_subtrees(5, 20, [*proof, proof[0]]) is None
    assert left_subtrees(5, 20, [b"short", *proof[1:]]) is None
    assert left_subtrees(20, 20, proof) is None
    assert left_subtrees(-1, 20, proof) is None
    assert left_subtrees(0, 1, []) == {}
