"""Clusters of correlated instruments from a correlation matrix: connected components of the graph whose
edges join instruments correlated at least ``threshold`` (single linkage, so correlation is transitive
here on purpose: A~B and B~C put A, B and C in one cluster).

Plain Python over the matrix's rows: portfolios hold a handful of instruments, where this beats numpy's
per-call overhead, and the layer calls it on the check path once per closed bar.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def clusters(corr: npt.NDArray[np.float64], threshold: float) -> list[int]:
    """Cluster label per instrument (the smallest index in its cluster); ``nan`` correlations join nothing."""
    rows = corr.tolist()
    n = len(rows)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        row = rows[i]
        for j in range(i + 1, n):
            if row[j] >= threshold or rows[j][i] >= threshold:  # nan compares False
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(n)]
