"""Chosen sites in the order a planner reads them: each one adding the most of what is still uncovered."""

from __future__ import annotations

import numpy as np
from scipy import sparse


def in_order(columns: sparse.csc_matrix, weights: np.ndarray, covered: np.ndarray,
             sites: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """Columns `sites` of the demand × sites coverage in greedy order of the weight each adds to `covered`
    (a demand mask), with the demand each newly covers; ties go to the lower column."""
    reach = {int(s): columns.indices[columns.indptr[s]:columns.indptr[s + 1]] for s in sites}
    covered = covered.copy()
    out = []
    while reach:
        best = max(reach, key=lambda s: (weights[reach[s]][~covered[reach[s]]].sum(), -s))
        new = np.zeros(columns.shape[0], dtype=bool)
        new[reach.pop(best)] = True
        new &= ~covered
        covered |= new
        out.append((best, new))
    return out
