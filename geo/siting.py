"""Siting new stations: maximal covering (MCLP) and the fewest sites for a coverage share.

The problem is a sparse boolean coverage matrix, demand × candidates (`True` where the
candidate site lies within the walking limit of the demand point), one weight per demand
point (residents, or any non-negative figure; the unit of every objective below is the
unit of the weights), and the demand already covered by the existing stations, which are
fixed and so only remove demand from the problem.

    problem = SitingProblem(walking_coverage(graph, buildings, candidates, 1000.0),
                            residents, existing=walking_coverage(graph, buildings, stations, 1000.0))
    best = solve_mclp(problem, k=20, time_limit_s=30)    # exact (HiGHS), with bound and gap
    fast = fast_mclp(problem, k=20)                      # tens of ms: greedy + Lagrangian, tight bound
    plain = greedy(problem, k=20)                        # milliseconds, with the cheap online bound
    fewest = min_sites_for_share(problem, 0.9)           # fewest new sites for 90 % of all demand

Before solving, the problem is reduced without changing its optimum: demand already
covered, of zero weight or that no candidate reaches is dropped; demand points covered by
the same set of candidates are merged (weights summed); candidates whose coverage is a
subset of another candidate's are dropped (swapping one for its dominator never loses
coverage; equal sets keep the lowest index), and rows are merged again.

The exact models are solved with HiGHS (highspy): binary site variables `y`, continuous
coverage variables `x` in [0, 1] (integral at any integral `y`), `x_i ≤ Σ_j a_ij y_j`.
For the MCLP a Lagrangian relaxation of those linking rows first gives a near-optimal
solution and a bound close to the LP bound in tens of milliseconds; sites that cannot
be in (or out of) any better solution are then fixed before HiGHS is called.
No database, no HTTP: callers build the coverage (e.g. with `walking_coverage`) and map
candidate indices back to their sites.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from geo.errors import BadRequest
from geo.graph import WalkGraph
from geo.snap import Snapped

# Relative tolerance for comparing weight sums (coverage reached vs. a target).
_REL_TOL = 1e-9
# Dominance needs the candidate × candidate overlap matrix: skipped when its size (Σ over
# demand rows of candidates² per row) would exceed this many entries.
MAX_OVERLAP_ENTRIES = 30_000_000


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
        existing = self.existing
        if existing is None:
            mask = np.zeros(n, dtype=bool)
        elif sparse.issparse(existing):
            if existing.shape[0] != n:
                raise BadRequest(f"现有站点覆盖矩阵的需求点数（{existing.shape[0]}）与覆盖矩阵（{n}）不一致")
            mask = np.asarray((sparse.csr_matrix(existing) != 0).sum(axis=1)).ravel() > 0
        else:
            mask = np.asarray(existing, dtype=bool).ravel()
            if len(mask) != n:
                raise BadRequest(f"现有覆盖标记个数（{len(mask)}）与覆盖矩阵的需求点数（{n}）不一致")
        object.__setattr__(self, "coverage", cov)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "existing", mask)

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

    def newly_covered(self, sites: np.ndarray) -> np.ndarray:
        """Boolean mask of demand covered by `sites` (candidate indices) and by no existing station."""
        sites = np.asarray(sites, dtype=np.int64)
        hit = np.zeros(self.n_demand, dtype=bool)
        if len(sites):
            hit = np.asarray(self.coverage[:, sites].sum(axis=1)).ravel() > 0
        return hit & ~self.existing

    def gain(self, sites: np.ndarray) -> float:
        """Newly covered demand weight of a set of candidate indices."""
        return float(self.weights[self.newly_covered(sites)].sum())


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
    `objective`: demand newly covered by `sites` (not covered by existing stations).
    `bound`: an upper bound on the best newly covered demand with k sites; `bound_kind`
    says where it comes from: "milp" (HiGHS's dual bound on the problem left after the
    Lagrangian fixing, with the bound of every fixed-off choice, capped by the Lagrangian
    bound), "lagrangian" (the best Lagrangian dual value, close to the LP bound), "lp" (the
    LP relaxation), "online" (the greedy's data-dependent submodular bound: f(S) + the k
    largest marginal gains at some step, min over steps; never looser than
    f(greedy) / (1 − 1/e)), or "exact" (trivial cases: nothing to decide). With integer
    weights bounds are rounded down. `gap` = (bound − objective) / bound (0 when bound is
    0). `optimal`: proven optimal within the requested relative gap (`solve_mclp`'s
    `mip_gap`), exactly when the weights are integers. `sites` are candidate indices
    (sorted; the plain greedy's in the order chosen); fewer than k when more sites would
    add nothing. `status` is HiGHS's model status or a plain phrase; `nodes` the
    branch-and-bound nodes; `extra` the figures of each stage.
    """

    method: str
    k: int
    sites: np.ndarray
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
    they reach; `sites` is then empty). `n_sites` = len(sites); `lower_bound` is a proven
    lower bound on the number needed (equal to n_sites when `optimal`).
    """

    share: float
    feasible: bool
    sites: np.ndarray
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


@dataclass(frozen=True)
class _Reduced:
    matrix: sparse.csr_matrix   # rows × kept candidates, int8 ones
    weights: np.ndarray
    columns: np.ndarray         # kept column → original candidate index
    info: Reduction


def _merge_rows(matrix: sparse.csr_matrix, weights: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Merge rows with identical (sorted) column sets, summing their weights."""
    indptr, indices = matrix.indptr, matrix.indices
    seen: dict[bytes, int] = {}
    group = np.empty(matrix.shape[0], dtype=np.int64)
    for i in range(matrix.shape[0]):
        group[i] = seen.setdefault(indices[indptr[i]:indptr[i + 1]].tobytes(), len(seen))
    if len(seen) == matrix.shape[0]:
        return matrix, weights
    _, first = np.unique(group, return_index=True)  # the first row of each group, by group id
    merged = matrix[first]
    return merged, np.bincount(group, weights=weights, minlength=len(seen))


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


def _reduce(problem: SitingProblem, *, dominance: bool = True) -> _Reduced:
    """Drop covered, zero-weight and unreachable demand; merge rows; drop dominated candidates."""
    t = time.perf_counter()
    cov = problem.coverage
    reach_count = np.diff(cov.indptr)
    keep = ~problem.existing & (problem.weights > 0) & (reach_count > 0)
    matrix, weights = cov[keep], problem.weights[keep]
    uncovered = matrix.shape[0]
    matrix, weights = _merge_rows(matrix, weights)
    used = np.asarray(matrix.sum(axis=0)).ravel() > 0
    columns = np.flatnonzero(used)
    useful = len(columns)
    checked = True
    if dominance and useful > 1:
        dominated = _dominated(matrix[:, columns])
        if dominated is None:
            checked = False
        else:
            columns = columns[~dominated]
    elif not dominance:
        checked = False
    if len(columns) < problem.n_candidates:
        matrix = matrix[:, columns]
        matrix.sort_indices()
        matrix, weights = _merge_rows(matrix, weights)
    info = Reduction(problem.n_demand, uncovered, matrix.shape[0], problem.n_candidates, useful, len(columns),
                     checked, time.perf_counter() - t)
    return _Reduced(matrix, weights, columns, info)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _check_iterations(n: int) -> int:
    """`n` as an int if it is a non-negative integer; BadRequest otherwise."""
    if isinstance(n, bool) or int(n) != n or n < 0:
        raise BadRequest(f"迭代次数必须是非负整数，收到 {n!r}")
    return int(n)


def _check_k(k: int) -> int:
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise BadRequest(f"新站点数 k 必须是非负整数，收到 {k!r}")
    return int(k)


def _top_sum(gain: np.ndarray, k: int) -> float:
    """Sum of the k largest entries (all if fewer)."""
    m = len(gain)
    top = min(k, m)
    return float(np.partition(gain, m - top)[m - top:].sum()) if top else 0.0


def _greedy_reduced(red: _Reduced, k: int, *, stop_at: float | None = None) -> tuple[np.ndarray, float, float]:
    """Greedy on a reduced problem: chosen column positions (in order), their gain, the online bound.

    The online bound is min over steps of f(S) + the k largest marginal gains w.r.t. S
    (valid for any S: f(OPT) ≤ f(S) + Σ_{j ∈ OPT} Δ(j | S)). With `stop_at`, stops once the
    gain reaches it (the bound is then not computed: inf).
    """
    matrix, w = red.matrix, red.weights
    m = matrix.shape[1]
    if k == 0 or m == 0:
        return np.array([], dtype=np.int64), 0.0, 0.0
    csc = matrix.tocsc()
    gain = np.asarray(matrix.T @ w, dtype=float).ravel()
    covered = np.zeros(matrix.shape[0], dtype=bool)
    chosen: list[int] = []
    value = 0.0
    bound = _top_sum(gain, k) if stop_at is None else np.inf
    for _ in range(k):
        if stop_at is not None and value >= stop_at:
            break
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        rows = csc.indices[csc.indptr[j]:csc.indptr[j + 1]]
        rows = rows[~covered[rows]]
        covered[rows] = True
        value += float(gain[j])
        chosen.append(j)
        sub = matrix[rows]
        gain -= np.bincount(sub.indices, weights=np.repeat(w[rows], np.diff(sub.indptr)), minlength=m)
        gain[np.abs(gain) < 1e-9 * max(value, 1.0)] = 0.0
        if stop_at is None:
            bound = min(bound, value + _top_sum(gain, k))
    value = float(w[covered].sum())
    return np.array(chosen, dtype=np.int64), value, max(bound, value)


def _swap(red: _Reduced, sites: np.ndarray, k: int, *, max_rounds: int) -> tuple[np.ndarray, float, float, int]:
    """Best-improvement 1-swap local search from `sites` (column positions).

    Each round evaluates every (site out, candidate in) pair at once: the gain of a swap is
    the uncovered weight the newcomer covers, plus the weight only the leaving site covered
    and the newcomer covers too, minus all the weight only the leaving site covered.
    Returns the sites, their gain, an online bound at the final sites and the swaps made.
    """
    a, w = red.matrix, red.weights
    n, m = a.shape
    a_t = a.T.tocsr().astype(float)  # m × n
    sites = np.array(sites, dtype=np.int64)
    swaps = 0
    while True:
        sub = a[:, sites]
        count = np.diff(sub.indptr)
        base = a_t @ (w * (count == 0))
        if len(sites) < k or swaps >= max_rounds:
            break
        one = np.flatnonzero(count == 1)
        sole = sub.indices[sub.indptr[one]]
        only = sparse.csr_matrix((w[one], (one, sole)), shape=(n, len(sites)))
        loss = np.asarray(only.sum(axis=0)).ravel()
        delta = (a_t @ only).toarray() + base[:, None] - loss[None, :]
        delta[sites, :] = -np.inf
        c, out = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if not delta[c, out] > 1e-9 * max(1.0, float(w.sum())):
            break
        sites[out] = c
        swaps += 1
    value = float(w[np.diff(a[:, sites].indptr) > 0].sum()) if len(sites) else 0.0
    return sites, value, value + _top_sum(base, k), swaps


def _lp_bound(red: _Reduced, k: int, threads: int | None) -> float:
    """The LP relaxation's optimum of the reduced MCLP (an upper bound)."""
    h = _highs(_mclp_model(red, k, relax=True), time_limit_s=None, mip_gap=0.0, threads=threads,
               integer_weights=False)
    h.run()
    return float(h.getInfo().objective_function_value)


def _trivial(problem: SitingProblem, k: int, red: _Reduced | None, t0: float, method: str) -> SitingResult | None:
    """The cases with nothing to decide: k = 0, no coverable demand, or k ≥ useful candidates."""
    if red is None:
        return None
    if k == 0 or red.matrix.shape[0] == 0:
        sites, status = np.array([], dtype=np.int64), ("k = 0" if k == 0 else "no coverable demand")
    elif red.matrix.shape[1] <= k:
        sites, status = np.sort(red.columns), "all useful candidates"
    else:
        return None
    value = problem.gain(sites)
    return SitingResult(method, k, sites, value, value, "exact", 0.0, True, status, time.perf_counter() - t0,
                        problem.total, problem.already_covered, red.info)


def greedy(problem: SitingProblem, k: int, *, swaps: int = 0, bound: str = "online",
           threads: int | None = None) -> SitingResult:
    """Greedy MCLP: k times the candidate adding the most uncovered demand (ties: lowest index),
    then, if `swaps` > 0, up to that many best-improvement 1-swaps (one chosen site for one
    other candidate, while a swap adds coverage). The plain greedy's sites come in the
    order chosen.

    `bound`: "online" (default; no solver: the submodular data-dependent bound, min over the
    greedy's steps and the final sites of f(S) + the k largest marginal gains, never looser
    than f(greedy) / (1 − 1/e)) or "lp" (the LP relaxation via HiGHS, usually much tighter,
    slower). `extra` holds the plain greedy's objective and the swaps made. Weights' units;
    `seconds` is wall time.
    """
    if bound not in ("online", "lp"):
        raise BadRequest(f"未知的上界类型：{bound!r}（可选 online、lp）")
    t0 = time.perf_counter()
    k = _check_k(k)
    if isinstance(swaps, bool) or int(swaps) != swaps or swaps < 0:
        raise BadRequest(f"交换次数必须是非负整数，收到 {swaps!r}")
    red = _reduce(problem, dominance=False)
    trivial = _trivial(problem, k, red, t0, "greedy")
    if trivial is not None:
        return trivial
    picked, plain, ub = _greedy_reduced(red, k)
    made = 0
    if swaps:
        picked, _, swap_ub, made = _swap(red, picked, k, max_rounds=int(swaps))
        ub = min(ub, swap_ub)
    kind = "online"
    if bound == "lp":
        ub, kind = min(ub, _lp_bound(_reduce(problem), k, threads)), "lp"
    sites = red.columns[picked]
    value = problem.gain(sites)
    ub = max(ub, value)
    gap = (ub - value) / ub if ub > 0 else 0.0
    return SitingResult("greedy+swap" if swaps else "greedy", k, sites, value, ub, kind, gap, gap <= 1e-12,
                        _count(made, "swap"), time.perf_counter() - t0, problem.total, problem.already_covered, red.info,
                        extra={"greedy_objective": plain, "swaps": made})


def _lagrangian(red: _Reduced, k: int, start: np.ndarray, start_value: float, start_bound: float, *,
                iterations: int, integer_weights: bool) -> tuple[np.ndarray, float, float, int]:
    """Subgradient optimisation of the MCLP's Lagrangian dual, with a primal heuristic.

    Relaxing x_i ≤ Σ_j a_ij y_j with multipliers 0 ≤ λ_i ≤ w_i gives
    L(λ) = Σ_i (w_i − λ_i) + the k largest c_j = Σ_i λ_i a_ij, an upper bound on the
    optimum for every λ (weak duality; its minimum equals the LP bound). Each iterate's k
    best columns are also a solution, evaluated exactly; the best one is kept. Polyak
    steps towards the best solution, the step factor halved after 10 iterations without a
    better bound. Stops early when the bound proves the best solution optimal (within 1e-9
    relative, or below 1 with integer weights). Returns (sites, value, bound, iterations,
    the multipliers of the best Lagrangian bound or None if no step beat `start_bound`).
    """
    a, w = red.matrix.astype(float), red.weights
    a_t = a.T.tocsr()
    m = a.shape[1]
    lam = w.copy()
    best_sites, best, bound = np.array(start, dtype=np.int64), start_value, start_bound
    best_lam = None
    factor, stall, done = 2.0, 0, 0

    def proven() -> bool:
        return bound - best <= (0.99 if integer_weights else 1e-9 * max(bound, 1.0))

    for done in range(1, iterations + 1):  # noqa: B007 (the count is returned)
        if proven():
            break
        c = a_t @ lam
        top = np.argpartition(c, m - k)[m - k:]
        take = w > lam
        value_l = float((w - lam)[take].sum() + c[top].sum())
        y = np.zeros(m)
        y[top] = 1.0
        hits = a @ y
        value = float(w[hits > 0].sum())
        if value > best:
            best, best_sites = value, np.sort(top)
        if value_l < bound - 1e-12 * max(bound, 1.0):
            bound, stall, best_lam = value_l, 0, lam
        else:
            stall += 1
            if stall >= 10:
                factor, stall = factor / 2, 0
                if factor < 1e-4:
                    break
        step = take - hits
        norm = float(step @ step)
        if norm == 0:  # λ is optimal: the relaxed solution is feasible and complementary
            break
        lam = np.clip(lam + factor * max(value_l - best, 0.0) / norm * step, 0.0, w)
    return best_sites, best, max(bound, best), done, best_lam


def fast_mclp(problem: SitingProblem, k: int, *, iterations: int = 300, swaps: int = 100) -> SitingResult:
    """The fast answer with a tight bound: greedy, then Lagrangian relaxation, then 1-swaps.

    Runs the greedy (sites and online bound), then up to `iterations` subgradient steps on
    the Lagrangian dual (each step's k best columns are a candidate solution; every step's
    value is an upper bound close to the LP bound), keeps the best solution and improves it
    with up to `swaps` best-improvement 1-swaps. `bound_kind` is "lagrangian" (the smallest
    of the online and the Lagrangian bounds). `optimal` when the bound proves it (with
    integer weights, bound − objective < 1). Deterministic; no solver. Weights' units.
    """
    t0 = time.perf_counter()
    k = _check_k(k)
    iterations = _check_iterations(iterations)
    red = _reduce(problem)
    trivial = _trivial(problem, k, red, t0, "fast")
    if trivial is not None:
        return trivial
    integer_weights = bool(np.all(red.weights == np.round(red.weights)))
    picked, plain, ub = _greedy_reduced(red, k)
    picked, value, ub_l, done, _ = _lagrangian(red, k, picked, plain, ub, iterations=iterations,
                                            integer_weights=integer_weights)
    ub = min(ub, ub_l)
    made = 0
    if swaps:
        picked, _, swap_ub, made = _swap(red, picked, k, max_rounds=int(swaps))
        ub = min(ub, swap_ub)
    sites = np.sort(red.columns[picked])
    value = problem.gain(sites)
    if integer_weights:
        ub = float(np.floor(ub + 1e-9 * max(ub, 1.0)))
    ub = max(ub, value)
    gap = (ub - value) / ub if ub > 0 else 0.0
    proven = ub - value <= (0.99 if integer_weights else 1e-9 * max(ub, 1.0))
    return SitingResult("fast", k, sites, value, ub, "lagrangian", gap, proven,
                        f"{_count(done, 'Lagrangian iteration')}, {_count(made, 'swap')}", time.perf_counter() - t0, problem.total,
                        problem.already_covered, red.info,
                        extra={"greedy_objective": plain, "iterations": done, "swaps": made})


def _mclp_model(red: _Reduced, k: int, *, relax: bool = False, minimise_sites_for: float | None = None):
    """HiGHS model on the reduced problem: columns y (m sites) then x (n demand rows).

    MCLP: max Σ w_i x_i, x_i − Σ_j a_ij y_j ≤ 0, Σ y_j ≤ k. With `minimise_sites_for` = T:
    min Σ y_j, the same linking rows, Σ w_i x_i ≥ T.
    """
    import highspy

    a, w = red.matrix, red.weights
    n, m = a.shape
    inf = highspy.kHighsInf
    link = sparse.hstack([-a.astype(float), sparse.identity(n, format="csr")], format="csr")
    if minimise_sites_for is None:
        last = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(n)])[None, :])
        cost = np.concatenate([np.zeros(m), w])
        last_bounds = (-inf, float(k))
        sense = highspy.ObjSense.kMaximize
    else:
        last = sparse.csr_matrix(np.concatenate([np.zeros(m), w])[None, :])
        cost = np.concatenate([np.ones(m), np.zeros(n)])
        last_bounds = (float(minimise_sites_for), inf)
        sense = highspy.ObjSense.kMinimize
    full = sparse.vstack([link, last], format="csc")
    full.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m + n, n + 1
    lp.sense_ = sense
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(m + n)
    lp.col_upper_ = np.ones(m + n)
    lp.row_lower_ = np.concatenate([np.full(n, -inf), [last_bounds[0]]])
    lp.row_upper_ = np.concatenate([np.zeros(n), [last_bounds[1]]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = full.indptr.astype(np.int32)
    lp.a_matrix_.index_ = full.indices.astype(np.int32)
    lp.a_matrix_.value_ = full.data.astype(float)
    if not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * n
    return lp


def _highs(lp, *, time_limit_s: float | None, mip_gap: float, threads: int | None, integer_weights: bool):
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if integer_weights:
        # the objective is integral: a gap below 1 proves the incumbent exactly optimal
        h.setOptionValue("mip_abs_gap", 0.99)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.passModel(lp)
    return h


def _warm_start(h, m: int, n: int, sites: np.ndarray, red: _Reduced) -> None:
    """Give HiGHS a feasible start: y on `sites` (kept-column positions), x = rows they cover."""
    y = np.zeros(m)
    y[sites] = 1.0
    x = (np.asarray(red.matrix @ y).ravel() > 0).astype(float)
    import highspy

    sol = highspy.HighsSolution()
    sol.col_value = np.concatenate([y, x]).tolist()
    sol.value_valid = True
    h.setSolution(sol)


@dataclass(frozen=True)
class _Fixed:
    sub: _Reduced              # the rows and free columns left to decide
    ones: np.ndarray           # column positions (of the reduced problem) fixed to 1
    zeros: int                 # how many fixed to 0
    k: int                     # sites left to choose
    gain: float                # weight covered by the columns fixed to 1
    bound: float               # the best any solution breaking a fixing can reach


def _fix(red: _Reduced, k: int, lam: np.ndarray, incumbent: float, integer_weights: bool) -> _Fixed:
    """Lagrangian variable fixing: fix every site whose other value cannot beat `incumbent`.

    With multipliers λ, forcing y_j = 1 for a column outside the k best c_j bounds every
    such solution by L − c_(k) + c_j; forcing y_j = 0 for one inside by L − c_j + c_(k+1).
    Where that bound cannot beat the incumbent (integer weights: is below incumbent + 1),
    the site is fixed the other way: every strictly better solution keeps all fixings, so
    the optimum is the better of the incumbent and the restricted problem's optimum.
    """
    a, w = red.matrix, red.weights
    m = a.shape[1]
    c = np.asarray(a.T.astype(float) @ lam).ravel()
    base = float(np.maximum(w - lam, 0.0).sum())
    order = np.argsort(-c, kind="stable")
    top = order[:k]
    c_k, c_next = c[order[k - 1]], c[order[k]]
    value_l = base + float(c[top].sum())
    other = np.full(m, value_l - c_k) + c  # forcing a column outside the top in
    inside = np.zeros(m, dtype=bool)
    inside[top] = True
    other[inside] = value_l - c[inside] + c_next  # forcing a column of the top out
    slack = 1e-9 * max(abs(value_l), 1.0)
    cannot_beat = other < incumbent + 1.0 - slack if integer_weights else other <= incumbent - slack
    ones = np.flatnonzero(cannot_beat & inside)
    zeros = cannot_beat & ~inside
    free = np.flatnonzero(~cannot_beat)
    fixed_bound = float(other[cannot_beat].max()) if cannot_beat.any() else -np.inf
    covered = np.zeros(a.shape[0], dtype=bool)
    if len(ones):
        covered = np.diff(a[:, ones].indptr) > 0
    sub = a[:, free][~covered]
    sub_w = w[~covered]
    reach = np.diff(sub.indptr) > 0
    sub, sub_w = _merge_rows(sub[reach], sub_w[reach])
    info = red.info
    return _Fixed(_Reduced(sub, sub_w, free, info), ones, int(zeros.sum()), k - len(ones),
                  float(w[covered].sum()), fixed_bound)


def solve_mclp(problem: SitingProblem, k: int, *, time_limit_s: float | None = 60.0, mip_gap: float = 1e-6,
               threads: int | None = None, lagrangian_iterations: int = 300) -> SitingResult:
    """The MCLP optimum with HiGHS: k new sites maximising newly covered demand.

    Reduces the problem, runs what `fast_mclp` runs (greedy, `lagrangian_iterations`
    subgradient steps, 1-swaps): the best sites so far are the incumbent. If the bound
    already proves them optimal, HiGHS is not called (`bound_kind` "lagrangian").
    Otherwise sites whose other choice cannot beat the incumbent under the best
    multipliers are fixed (Lagrangian variable fixing, exact), and HiGHS solves the MILP
    on the sites left, until it proves optimality within `mip_gap` (relative; with integer
    weights a gap below 1 also stops it, which is exact) or `time_limit_s` (wall seconds
    for HiGHS; None = no limit) runs out. On the time limit the best sites found are
    returned with `optimal` False, the bound and the gap. `threads` is HiGHS's option
    (None: its default). `seconds` is the whole call's wall time; `extra` holds the
    figures of each stage.
    """
    import highspy

    t0 = time.perf_counter()
    k = _check_k(k)
    if time_limit_s is not None and not time_limit_s > 0:
        raise BadRequest("求解时限必须为正数（秒）")
    lagrangian_iterations = _check_iterations(lagrangian_iterations)
    red = _reduce(problem)
    trivial = _trivial(problem, k, red, t0, "milp")
    if trivial is not None:
        return trivial
    integer_weights = bool(np.all(red.weights == np.round(red.weights)))

    def floor(bound: float) -> float:
        return float(np.floor(bound + 1e-9 * max(abs(bound), 1.0))) if integer_weights else bound

    def done(bound: float) -> bool:
        return bound - value <= (0.99 if integer_weights else mip_gap * max(bound, 1.0))

    def result(sites: np.ndarray, bound: float, kind: str, optimal: bool, status: str, nodes: int) -> SitingResult:
        sites = np.sort(np.asarray(sites, dtype=np.int64))
        gain = problem.gain(sites)
        bound = max(bound, gain)
        gap = (bound - gain) / bound if bound > 0 else 0.0
        return SitingResult("milp", k, sites, gain, bound, kind, gap, optimal or gap <= mip_gap, status,
                            time.perf_counter() - t0, problem.total, problem.already_covered, red.info, nodes, extra)

    g_sites, g_plain, g_bound = _greedy_reduced(red, k)
    picked, _, lag_bound, iterations, lam = _lagrangian(red, k, g_sites, g_plain, g_bound,
                                                        iterations=lagrangian_iterations,
                                                        integer_weights=integer_weights)
    picked, _, swap_bound, _ = _swap(red, picked, k, max_rounds=100)
    bound = floor(min(g_bound, lag_bound, swap_bound))
    incumbent = red.columns[picked]
    value = problem.gain(incumbent)
    extra: dict = {"greedy_objective": g_plain, "start_objective": value, "start_bound": bound,
                   "lagrangian_iterations": iterations, "start_s": time.perf_counter() - t0}
    if done(bound):
        return result(incumbent, bound, "lagrangian", True, "proven by the Lagrangian bound", 0)
    if lam is not None:
        fixed = _fix(red, k, lam, value, integer_weights)
    else:  # no Lagrangian step beat the greedy's bound (or none was run): the whole MILP
        fixed = _Fixed(red, np.array([], dtype=np.int64), 0, k, 0.0, -np.inf)
    sub = fixed.sub
    extra.update(fixed_in=len(fixed.ones), fixed_out=fixed.zeros, free=sub.matrix.shape[1], rows=sub.matrix.shape[0])
    ones = red.columns[fixed.ones]
    n, m = sub.matrix.shape
    if fixed.k <= 0 or n == 0 or m <= fixed.k:
        # nothing left to decide: the fixed sites plus every free one (if any)
        best = np.concatenate([ones, sub.columns[:max(fixed.k, 0)] if m <= fixed.k else []]).astype(np.int64)
        if problem.gain(best) > value:
            incumbent, value = best, problem.gain(best)
        return result(incumbent, min(bound, max(value, floor(fixed.bound))), "lagrangian", True, "solved by fixing", 0)
    t = time.perf_counter()
    h = _highs(_mclp_model(sub, fixed.k), time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
               integer_weights=integer_weights)
    start_pos = np.flatnonzero(np.isin(sub.columns, incumbent))
    if set(ones) <= set(incumbent) and len(start_pos) + len(ones) == len(incumbent):
        _warm_start(h, m, n, start_pos, sub)
    h.run()
    extra["highs_s"] = time.perf_counter() - t
    model_status = h.getModelStatus()
    info = h.getInfo()
    if info.primal_solution_status == int(highspy.SolutionStatus.kSolutionStatusFeasible):
        y = np.asarray(h.getSolution().col_value[:m])
        found = np.concatenate([ones, sub.columns[np.flatnonzero(y > 0.5)]])
        if len(found) <= k and problem.gain(found) > value:
            incumbent, value = found, problem.gain(found)
    dual = float(info.mip_dual_bound)
    extra["milp_dual_bound"] = dual + fixed.gain
    restricted = dual + fixed.gain if np.isfinite(dual) else np.inf
    bound = min(bound, floor(max(restricted, fixed.bound)))
    proven = model_status == highspy.HighsModelStatus.kOptimal
    return result(incumbent, bound, "milp", proven, h.modelStatusToString(model_status), int(info.mip_node_count))


def min_sites_for_share(problem: SitingProblem, share: float, *, time_limit_s: float | None = 60.0,
                        threads: int | None = None) -> CoverResult:
    """The fewest new sites so that existing stations and new sites cover `share` (0–1] of all demand.

    A partial set-cover MILP (min Σ y, Σ w_i x_i ≥ target − already covered) started from
    the greedy's count; exact when `optimal`. When the existing stations already reach the
    share, no site is needed; when even all candidates cannot, `feasible` is False and
    `max_share` tells how far they go.
    """
    import highspy

    t0 = time.perf_counter()
    if isinstance(share, bool) or not (isinstance(share, numbers.Real) and 0 < share <= 1):
        raise BadRequest(f"覆盖比例必须在 0 到 1 之间（不含 0），收到 {share!r}")
    if time_limit_s is not None and not time_limit_s > 0:
        raise BadRequest("求解时限必须为正数（秒）")
    total, already = problem.total, problem.already_covered
    target = share * total
    tol = _REL_TOL * max(total, 1.0)
    need = target - already
    red = _reduce(problem)
    reachable = float(red.weights.sum())
    max_share = (already + reachable) / total if total > 0 else 1.0

    def result(sites: np.ndarray, feasible: bool, lower: int, optimal: bool, status: str) -> CoverResult:
        sites = np.sort(np.asarray(sites, dtype=np.int64))
        return CoverResult(share, feasible, sites, len(sites), lower, optimal, already + problem.gain(sites), target,
                           max_share, status, time.perf_counter() - t0, total, already, red.info)

    if need <= tol:
        return result(np.array([], dtype=np.int64), True, 0, True, "existing stations suffice")
    if reachable < need - tol:
        return result(np.array([], dtype=np.int64), False, 0, True, "infeasible")
    # greedy until the target is reached: an upper bound and HiGHS's starting incumbent
    m = red.matrix.shape[1]
    g_sites, _, _ = _greedy_reduced(red, m, stop_at=need - tol)
    g_count = len(g_sites)
    if g_count <= 1:
        return result(red.columns[g_sites], True, g_count, True, "one site suffices" if g_count else "none needed")
    n = red.matrix.shape[0]
    lp = _mclp_model(red, 0, minimise_sites_for=max(need - tol, 0.0))
    h = _highs(lp, time_limit_s=time_limit_s, mip_gap=0.0, threads=threads, integer_weights=True)
    _warm_start(h, m, n, g_sites, red)
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    sites = red.columns[g_sites]
    if info.primal_solution_status == int(highspy.SolutionStatus.kSolutionStatusFeasible):
        y = np.asarray(h.getSolution().col_value[:m])
        cand = red.columns[np.flatnonzero(y > 0.5)]
        if len(cand) < len(sites) and already + problem.gain(cand) >= target - tol:
            sites = cand
    dual = float(info.mip_dual_bound)
    lower = int(np.ceil(dual - 1e-6)) if np.isfinite(dual) else 1
    lower = max(1, min(lower, len(sites)))
    proven = h.getModelStatus() == highspy.HighsModelStatus.kOptimal or lower == len(sites)
    return result(sites, True, len(sites) if proven else lower, proven, status)


def walking_pairs(graph: WalkGraph, demand: Snapped, sites: Snapped,
                  limit_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(demand index, site index, walking distance in metres) for every pair within `limit_m`.

    Distances run along the network between the snapped points (the straight gap from a
    point to its edge is not added, as in geo.reach.to_points): through either end of the
    demand point's edge, or straight along the edge when site and demand share it. One
    bounded Dijkstra per site (geo.reach.distances_from); never a dense demand × sites
    matrix. Points off the network cover nothing and are covered by nothing.
    """
    from geo.reach import distances_from

    if not limit_m > 0:
        raise BadRequest("步行距离上限必须为正数（米）")
    on = np.flatnonzero(demand.on_network)
    e = demand.edge[on]
    du, dv = graph.u[e], graph.v[e]
    off_u = demand.offset_m[on]
    off_v = graph.length_m[e] - off_u
    by_edge = np.argsort(e, kind="stable")
    sorted_edges = e[by_edge]
    rows, cols, dists = [], [], []
    site_idx = np.flatnonzero(sites.on_network)
    for s, node_dist in distances_from(graph, sites, site_idx, limit_m):
        d = np.minimum(node_dist[du] + off_u, node_dist[dv] + off_v)
        lo = np.searchsorted(sorted_edges, sites.edge[s], side="left")
        hi = np.searchsorted(sorted_edges, sites.edge[s], side="right")
        if hi > lo:
            same = by_edge[lo:hi]
            d[same] = np.minimum(d[same], np.abs(off_u[same] - sites.offset_m[s]))
        hit = np.flatnonzero(d <= limit_m)
        rows.append(on[hit])
        cols.append(np.full(len(hit), s, dtype=np.int64))
        dists.append(d[hit])
    if not rows:
        empty = np.array([], dtype=np.int64)
        return empty, empty, np.array([], dtype=float)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(dists)


def walking_coverage(graph: WalkGraph, demand: Snapped, sites: Snapped, limit_m: float) -> sparse.csr_matrix:
    """Boolean CSR (n_demand, n_sites): site j within `limit_m` metres' walk of demand i (see walking_pairs)."""
    r, c, _ = walking_pairs(graph, demand, sites, limit_m)
    return sparse.csr_matrix((np.ones(len(r), dtype=bool), (r, c)), shape=(len(demand.edge), len(sites.edge)))
