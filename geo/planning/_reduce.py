"""Reductions that keep a siting problem's optimum: fewer rows, fewer candidates.

Demand already covered, of zero weight or that no candidate reaches is dropped; demand
points covered by the same set of candidates are merged (weights summed); candidates
whose coverage is a subset of another candidate's are dropped (swapping one for its
dominator never loses coverage; equal sets keep the lowest index), and rows are merged
again. A reduced problem numbers its columns 0..m-1 (`Positions`); `Reduced.candidates`
maps them back to the problem's candidate indices, and `Reduced.restrict` composes that
map, so the two numberings are never mixed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NewType

import numpy as np
from scipy import sparse

from geo.planning.problem import Candidates, Reduction, SitingProblem

# Column positions in a Reduced matrix (0..m-1), not candidate indices.
Positions = NewType("Positions", np.ndarray)

# Dominance needs the candidate × candidate overlap matrix: skipped when its size (Σ over
# demand rows of candidates² per row) would exceed this many entries.
MAX_OVERLAP_ENTRIES = 30_000_000


@dataclass(frozen=True)
class Reduced:
    """A reduced problem: rows × columns of int8 ones, row weights, column → candidate."""

    matrix: sparse.csr_matrix
    weights: np.ndarray
    candidates: Candidates      # candidates[p] is the problem's candidate at column position p
    info: Reduction

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def to_candidates(self, positions: Positions | np.ndarray) -> Candidates:
        """The problem's candidate indices of column positions of this matrix."""
        return Candidates(self.candidates[np.asarray(positions, dtype=np.int64)])

    def positions_of(self, candidates: Candidates | np.ndarray) -> Positions:
        """Column positions of those `candidates` that are columns here (others are skipped)."""
        return Positions(np.flatnonzero(np.isin(self.candidates, candidates)))

    def value(self, positions: Positions | np.ndarray) -> float:
        """Weight of the rows covered by columns at `positions`."""
        positions = np.asarray(positions, dtype=np.int64)
        if not len(positions):
            return 0.0
        return float(self.weights[np.diff(self.matrix[:, positions].indptr) > 0].sum())

    def restrict(self, keep_rows: np.ndarray, columns: Positions) -> Reduced:
        """The rows `keep_rows` (mask) and the columns at `columns`; unreachable rows dropped, rows merged."""
        sub = self.matrix[:, columns][keep_rows]
        weights = self.weights[keep_rows]
        reach = np.diff(sub.indptr) > 0
        sub, weights = merge_rows(sub[reach], weights[reach])
        return Reduced(sub, weights, self.to_candidates(columns), self.info)

    @property
    def integer_weights(self) -> bool:
        return bool(np.all(self.weights == np.round(self.weights)))


def merge_rows(matrix: sparse.csr_matrix, weights: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Merge rows with identical (sorted) column sets, summing their weights."""
    indptr, indices = matrix.indptr, matrix.indices
    seen: dict[bytes, int] = {}
    group = np.empty(matrix.shape[0], dtype=np.int64)
    for i in range(matrix.shape[0]):
        group[i] = seen.setdefault(indices[indptr[i]:indptr[i + 1]].tobytes(), len(seen))
    if len(seen) == matrix.shape[0]:
        return matrix, weights
    _, first = np.unique(group, return_index=True)  # the first row of each group, by group id
    return matrix[first], np.bincount(group, weights=weights, minlength=len(seen))


def _dominated(matrix: sparse.csr_matrix) -> np.ndarray | None:
    """Boolean mask of columns whose row set is a subset of another column's (None if too costly)."""
    per_row = np.diff(matrix.indptr).astype(np.int64)
    if int((per_row * per_row).sum()) > MAX_OVERLAP_ENTRIES:
        return None
    a = matrix.astype(np.int32)
    overlap = (a.T @ a).tocoo()
    size = np.asarray(a.sum(axis=0)).ravel()
    r, c, d = overlap.row, overlap.col, overlap.data
    # r is dominated by c: every row of r is in c, and c is larger, or equal with a lower index
    dom = (r != c) & (d == size[r]) & ((size[c] > size[r]) | ((size[c] == size[r]) & (c < r)))
    mask = np.zeros(matrix.shape[1], dtype=bool)
    mask[r[dom]] = True
    return mask


def reduce(problem: SitingProblem, *, dominance: bool = True) -> Reduced:
    """Drop covered, zero-weight and unreachable demand; merge rows; drop dominated candidates."""
    t = time.perf_counter()
    cov = problem.coverage
    keep = ~problem.existing & (problem.weights > 0) & (np.diff(cov.indptr) > 0)
    matrix, weights = cov[keep], problem.weights[keep]
    uncovered = matrix.shape[0]
    matrix, weights = merge_rows(matrix, weights)
    columns = np.flatnonzero(np.asarray(matrix.sum(axis=0)).ravel() > 0)
    useful = len(columns)
    checked = dominance
    if dominance and useful > 1:
        dominated = _dominated(matrix[:, columns])
        if dominated is None:
            checked = False
        else:
            columns = columns[~dominated]
    if len(columns) < problem.n_candidates:
        matrix = matrix[:, columns]
        matrix.sort_indices()
        matrix, weights = merge_rows(matrix, weights)
    info = Reduction(problem.n_demand, uncovered, matrix.shape[0], problem.n_candidates, useful, len(columns),
                     checked, time.perf_counter() - t)
    return Reduced(matrix, weights, Candidates(columns.astype(np.int64)), info)
