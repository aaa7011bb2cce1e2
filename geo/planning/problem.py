"""A siting instance (coverage matrix, demand weights, existing coverage) and its answers.

The problem is a sparse boolean coverage matrix, demand × candidates (`True` where the
candidate site lies within the walking limit of the demand point), one weight per demand
point (residents, or any non-negative figure; the unit of every objective is the unit of
the weights), and the demand already covered by the existing stations, which are fixed
and so only remove demand from the problem. Candidates are named by their column index
in the coverage matrix (`Candidates`); every answer is given in those indices and its
value is recomputed from the matrix (`SitingProblem.gain`), never taken from a solver.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import NewType

import numpy as np
from scipy import sparse

from geo.errors import BadRequest

# Column indices of a SitingProblem's coverage matrix (the caller's candidate numbering).
Candidates = NewType("Candidates", np.ndarray)

# Relative difference below which a bound and an objective are the same number: HiGHS's
# default primal and dual feasibility tolerance; sums of float weights and LP bounds are
# not meaningful beyond it. With integer weights every comparison is exact instead.
NUMERIC_TOL = 1e-7
# Slack when rounding a bound down to an integer (integer weights): float sums of up to
# millions of weights are exact to far better than this.
_FLOOR_SLACK = 1e-9


def non_negative_int(value, message: str) -> int:
    """`value` as an int if it is a non-negative integer; BadRequest with `message` (zh-CN) otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or int(value) != value or value < 0:
        raise BadRequest(f"{message}，收到 {value!r}")
    return int(value)


def check_time_limit(time_limit_s: float | None) -> None:
    """A solver's time limit is positive seconds, or None (no limit)."""
    if time_limit_s is not None and not time_limit_s > 0:
        raise BadRequest("求解时限必须为正数（秒）")


def floor_bound(bound: float) -> float:
    """An upper bound rounded down to the integer it proves (for integer weights)."""
    return float(np.floor(bound + _FLOOR_SLACK * max(abs(bound), 1.0)))


@dataclass(frozen=True)
class SitingProblem:
    """A siting instance; validated and normalised on construction.

    `coverage`: sparse (n_demand, n_candidates), truthy where candidate j covers demand i.
    `weights`: (n_demand,) non-negative demand weights (e.g. residents).
    `existing`: demand already covered by existing stations: None (nothing), a boolean
    mask (n_demand,), or a sparse coverage matrix demand × existing stations.
    After construction `coverage` is a CSR matrix of int8 ones with sorted indices,
    `weights` float64 and `existing` a boolean mask.
    """

    coverage: sparse.csr_matrix
    weights: np.ndarray
    existing: np.ndarray | sparse.spmatrix | sparse.sparray | None = None

    def __post_init__(self) -> None:
        if not (sparse.issparse(self.coverage) and self.coverage.ndim == 2):
            raise BadRequest("覆盖矩阵必须是二维稀疏矩阵（需求点 × 候选点）")
        cov = sparse.csr_matrix(self.coverage, copy=True)
        cov.sum_duplicates()
        cov.eliminate_zeros()
        cov.data = np.ones(len(cov.data), dtype=np.int8)
        cov.sort_indices()
        n = cov.shape[0]
        weights = np.asarray(self.weights, dtype=float).ravel()
        if len(weights) != n:
            raise BadRequest(f"需求权重个数（{len(weights)}）与覆盖矩阵的需求点数（{n}）不一致")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise BadRequest("需求权重必须是有限的非负数")
        object.__setattr__(self, "coverage", cov)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "existing", _existing_mask(self.existing, n))

    @property
    def n_demand(self) -> int:
        return self.coverage.shape[0]

    @property
    def n_candidates(self) -> int:
        return self.coverage.shape[1]

    @property
    def total(self) -> float:
        """All demand weight, covered or not."""
        return float(self.weights.sum())

    @property
    def already_covered(self) -> float:
        """Demand weight covered by the existing stations."""
        return float(self.weights[self.existing].sum())

    def newly_covered(self, sites: Candidates | np.ndarray) -> np.ndarray:
        """Boolean mask of demand covered by `sites` (candidate indices) and by no existing station."""
        sites = np.asarray(sites, dtype=np.int64)
        hit = np.zeros(self.n_demand, dtype=bool)
        if len(sites):
            hit = np.asarray(self.coverage[:, sites].sum(axis=1)).ravel() > 0
        return hit & ~self.existing

    def gain(self, sites: Candidates | np.ndarray) -> float:
        """Newly covered demand weight of a set of candidate indices."""
        return float(self.weights[self.newly_covered(sites)].sum())


def _existing_mask(existing, n: int) -> np.ndarray:
    """The demand covered by existing stations as a boolean mask of length n."""
    if existing is None:
        return np.zeros(n, dtype=bool)
    if sparse.issparse(existing):
        if existing.shape[0] != n:
            raise BadRequest(f"现有站点覆盖矩阵的需求点数（{existing.shape[0]}）与覆盖矩阵（{n}）不一致")
        return np.asarray((sparse.csr_matrix(existing) != 0).sum(axis=1)).ravel() > 0
    mask = np.asarray(existing, dtype=bool).ravel()
    if len(mask) != n:
        raise BadRequest(f"现有覆盖标记个数（{len(mask)}）与覆盖矩阵的需求点数（{n}）不一致")
    return mask


@dataclass(frozen=True)
class Reduction:
    """Sizes before and after preprocessing, for reports."""

    demand: int            # demand points in the problem
    uncovered: int         # of them not covered by existing stations, weight > 0, reachable by a candidate
    merged: int            # rows left after merging identical coverage sets (final)
    candidates: int        # candidates in the problem
    useful: int            # candidates covering some uncovered demand
    kept: int              # candidates left after dropping dominated ones
    dominance_checked: bool  # False when the overlap matrix was too large (MAX_OVERLAP_ENTRIES)
    seconds: float


@dataclass(frozen=True)
class SitingResult:
    """k new sites and how good they are. Weights in the unit of `SitingProblem.weights`.

    `method`: "milp" (solve_mclp), "fast" (fast_mclp), "greedy" or "greedy+swap".
    `sites`: candidate indices (sorted; the plain greedy's in the order chosen), at most k;
    fewer when more sites would add nothing. `objective`: demand newly covered by `sites`
    (not covered by existing stations), recomputed from the coverage matrix.
    `bound`: an upper bound on the best newly covered demand with k sites, the smallest of
    the bounds that agree with every answer found; `bound_kind` says where it comes from:
    "milp" (HiGHS's dual bound on the problem left after the Lagrangian fixing, with the
    bound of every fixed-off choice), "lagrangian" (the best Lagrangian dual value, close
    to the LP bound), "lp" (the LP relaxation), "online" (the greedy's data-dependent
    submodular bound: f(S) + the k largest marginal gains at some step, min over steps;
    never looser than f(greedy) / (1 − 1/e)), or "exact" (nothing to decide). With integer
    weights bounds are rounded down. A bound below an answer's recomputed value cannot be
    right: it is dropped and named in `extra["rejected_bounds"]`.
    `gap` = (bound − objective) / bound (0 when bound is 0; differences within
    NUMERIC_TOL of the bound count as 0). `optimal` is True exactly when `gap` is 0: the
    returned sites, evaluated independently, meet a proven bound. `status` is HiGHS's
    model status or a plain phrase; `nodes` the branch-and-bound nodes; `extra` the
    figures of each stage.
    """

    method: str
    k: int
    sites: Candidates
    objective: float
    bound: float
    bound_kind: str
    gap: float
    optimal: bool
    status: str
    seconds: float
    total: float
    already_covered: float
    reduction: Reduction | None = None
    nodes: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def covered_share(self) -> float:
        """Share of all demand covered by existing stations and the new sites (0–1)."""
        return (self.already_covered + self.objective) / self.total if self.total > 0 else 1.0


@dataclass(frozen=True)
class CoverResult:
    """The fewest new sites reaching `share` of all demand (existing stations counted).

    `feasible` False: even all candidates cannot reach the share (`max_share` is the most
    they reach; `sites` is then empty). `n_sites` = len(sites); `covered` is recomputed
    from the coverage matrix and always reaches `target` when feasible. `lower_bound` is
    a proven lower bound on the number needed; `optimal` exactly when it equals n_sites.
    `extra` holds the solver's figures and any bound dropped for contradicting an answer.
    """

    share: float
    feasible: bool
    sites: Candidates
    n_sites: int
    lower_bound: int
    optimal: bool
    covered: float          # demand covered by existing stations and `sites`
    target: float           # share × total
    max_share: float        # with every candidate
    status: str
    seconds: float
    total: float
    already_covered: float
    reduction: Reduction | None = None
    extra: dict = field(default_factory=dict)
