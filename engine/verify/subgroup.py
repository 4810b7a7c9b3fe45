"""Batched membership tests x in Z_p^r (spec 2.0.0 section 6, e.g. 2.A, 5.A) that name the offenders.

Elements are collected with a label and tested in batches with ``Group.all_in_subgroup`` (Jacobi
symbols plus one randomized product check, sound because (p - 1) / (2q) is prime, spec 3.1.1).
When a batch fails, the elements with a wrong Jacobi symbol are found first (cheap), then the rest
is bisected, so that every finding names the element that is not in the subgroup.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Generic, TypeVar

import gmpy2

from engine.group import ElementModP, Group

BATCH_SIZE = 512

L = TypeVar("L", bound=Hashable)


class SubgroupBatch(Generic[L]):
    """Elements mod p waiting for one batched subgroup test, each with a caller's label."""

    def __init__(self, group: Group) -> None:
        self.group = group
        self._elements: list[ElementModP] = []
        self._labels: list[L] = []

    def __len__(self) -> int:
        return len(self._elements)

    def add(self, element: ElementModP, label: L) -> None:
        if element.group is not self.group:
            raise ValueError("an element of another group")
        self._elements.append(element)
        self._labels.append(label)

    def offenders(self) -> list[L]:
        """The labels of the elements not in Z_p^r (each label once), and clear the batch."""
        bad: list[int] = []
        for start in range(0, len(self._elements), BATCH_SIZE):
            idx = list(range(start, min(start + BATCH_SIZE, len(self._elements))))
            bad.extend(self._offenders_in(idx))
        labels = list(dict.fromkeys(self._labels[i] for i in bad))
        self._elements.clear()
        self._labels.clear()
        return labels

    def _offenders_in(self, idx: Sequence[int]) -> list[int]:
        if not idx or self.group.all_in_subgroup([self._elements[i] for i in idx]):
            return []
        p = self.group.p
        non_residues = [
            i for i in idx if not 0 < self._elements[i].value < p or gmpy2.jacobi(self._elements[i].value, p) != 1
        ]
        if non_residues:
            bad = set(non_residues)
            rest = [i for i in idx if i not in bad]
            return non_residues + self._offenders_in(rest)
        return self._bisect(list(idx))

    def _bisect(self, idx: list[int]) -> list[int]:
        if len(idx) == 1:
            return [] if self.group.in_subgroup(self._elements[idx[0]]) else idx
        half = len(idx) // 2
        out: list[int] = []
        for part in (idx[:half], idx[half:]):
            if not self.group.all_in_subgroup([self._elements[i] for i in part]):
                out.extend(self._bisect(part))
        return out
