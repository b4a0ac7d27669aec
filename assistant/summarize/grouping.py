"""Grouping papers into a few themes by the similarity of their embedded descriptions.

Average-linkage agglomerative clustering on cosine similarity: tiny inputs (a report has
at most a few dozen papers), deterministic, and no model call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def group_by_similarity(
    vectors: Sequence[Sequence[float]], *, max_groups: int, merge_above: float
) -> list[list[int]]:
    """Indices grouped into at most `max_groups` clusters.

    Clusters keep merging while there are too many, or while the two closest are at least
    `merge_above` similar. Groups come out in order of their best (lowest) index, and each
    group's indices stay in rank order.
    """
    if not len(vectors):
        return []
    matrix = np.asarray(vectors, dtype=float)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit = matrix / np.where(norms == 0, 1.0, norms)
    similarity = unit @ unit.T
    groups: list[list[int]] = [[i] for i in range(len(unit))]

    def linkage(a: list[int], b: list[int]) -> float:
        return float(similarity[np.ix_(a, b)].mean())

    while len(groups) > 1:
        pairs = [
            (linkage(groups[i], groups[j]), i, j)
            for i in range(len(groups))
            for j in range(i + 1, len(groups))
        ]
        best, i, j = max(pairs)
        if len(groups) <= max_groups and best < merge_above:
            break
        groups[i] = sorted(groups[i] + groups[j])
        del groups[j]
    return sorted(groups, key=lambda g: g[0])
