"""Heuristics and bounds on a reduced MCLP: greedy, 1-swaps, Lagrangian relaxation and fixing.

Every function works in column positions of a `Reduced` problem (`Positions`); callers
map the answer back to candidates with `Reduced.to_candidates`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from geo.planning._reduce import Positions, Reduced
from geo.planning.problem import NUMERIC_TOL, floor_bound


def _top_sum(gain: np.ndarray, k: int) -> float:
    """Sum of the k largest entries (all if fewer)."""
    m = len(gain)
    top = min(k, m)
    return float(np.partition(gain, m - top)[m - top:].sum()) if top else 0.0


def _proves(bound: float, value: float, integer_weights: bool) -> bool:
    """Whether `bound` proves `value` optimal (integer weights: the bound rounds down to it)."""
    if integer_weights:
        return floor_bound(bound) <= value
    return bound - value <= NUMERIC_TOL * max(bound, 1.0)


def greedy(red: Reduced, k: int, *, stop_at: float | None = None) -> tuple[Positions, float, float]:
    """Greedy: chosen column positions (in order), their gain, the online bound.

    The online bound is min over steps of f(S) + the k largest marginal gains w.r.t. S
    (valid for any S: f(OPT) ≤ f(S) + Σ_{j ∈ OPT} Δ(j | S)). With `stop_at`, stops once the
    gain reaches it (the bound is then not computed: inf).
    """
    matrix, w = red.matrix, red.weights
    m = matrix.shape[1]
    if k == 0 or m == 0:
        return Positions(np.array([], dtype=np.int64)), 0.0, 0.0
    csc = matrix.tocsc()
    gain = np.asarray(matrix.T @ w, dtype=float).ravel()
    covered = np.zeros(matrix.shape[0], dtype=bool)
    chosen: list[int] = []
    value = 0.0
    bound = min(_top_sum(gain, k), float(w.sum())) if stop_at is None else np.inf
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
    return Positions(np.array(chosen, dtype=np.int64)), value, max(bound, value)


def swap(red: Reduced, sites: Positions, k: int, *, max_rounds: int) -> tuple[Positions, float, float, int]:
    """Best-improvement 1-swap local search from `sites`.

    Each round evaluates every (site out, candidate in) pair at once: the gain of a swap is
    the uncovered weight the newcomer covers, plus the weight only the leaving site covered
    and the newcomer covers too, minus all the weight only the leaving site covered.
    Returns the sites, their gain, an online bound at the final sites and the swaps made.
    """
    a, w = red.matrix, red.weights
    n, _ = a.shape
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
    value = red.value(sites)
    return Positions(sites), value, value + _top_sum(base, k), swaps


def lagrangian(red: Reduced, k: int, start: Positions, start_value: float, start_bound: float, *,
               iterations: int) -> tuple[Positions, float, float, int, np.ndarray | None]:
    """Subgradient optimisation of the MCLP's Lagrangian dual, with a primal heuristic.

    Relaxing x_i ≤ Σ_j a_ij y_j with multipliers 0 ≤ λ_i ≤ w_i gives
    L(λ) = Σ_i (w_i − λ_i) + the k largest c_j = Σ_i λ_i a_ij, an upper bound on the
    optimum for every λ (weak duality; its minimum equals the LP bound). Each iterate's k
    best columns are also a solution, evaluated exactly; the best one is kept. Polyak
    steps towards the best solution, the step factor halved after 10 iterations without a
    better bound. Stops early when the bound proves the best solution optimal. Returns
    (sites, value, bound, iterations, the multipliers of the best Lagrangian bound or None
    if no step beat `start_bound`).
    """
    a, w = red.matrix.astype(float), red.weights
    a_t = a.T.tocsr()
    m = a.shape[1]
    integer_weights = red.integer_weights
    lam = w.copy()
    best_sites, best, bound = np.array(start, dtype=np.int64), start_value, start_bound
    best_lam = None
    factor, stall, done = 2.0, 0, 0
    for done in range(1, iterations + 1):  # noqa: B007 (the count is returned)
        if _proves(bound, best, integer_weights):
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
    return Positions(best_sites), best, max(bound, best), done, best_lam


@dataclass(frozen=True)
class Fixed:
    """What Lagrangian fixing leaves: a smaller problem and what was decided."""

    sub: Reduced               # the rows and free columns left to decide (candidates composed)
    ones: Positions            # column positions of the parent problem fixed to 1
    zeros: int                 # how many fixed to 0
    k: int                     # sites left to choose
    gain: float                # weight covered by the columns fixed to 1
    bound: float               # the best any solution breaking a fixing can reach


def unfixed(red: Reduced, k: int) -> Fixed:
    """Nothing fixed: the whole problem left to decide."""
    return Fixed(red, Positions(np.array([], dtype=np.int64)), 0, k, 0.0, -np.inf)


def fix(red: Reduced, k: int, lam: np.ndarray, incumbent: float) -> Fixed:
    """Lagrangian variable fixing: fix every site whose other value cannot beat `incumbent`.

    With multipliers λ, forcing y_j = 1 for a column outside the k best c_j bounds every
    such solution by L − c_(k) + c_j; forcing y_j = 0 for one inside by L − c_j + c_(k+1).
    Where that bound cannot beat the incumbent (integer weights: rounds down to it),
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
    if red.integer_weights:
        cannot_beat = np.floor(other + 1e-9 * np.maximum(np.abs(other), 1.0)) <= incumbent  # floor_bound
    else:
        cannot_beat = other <= incumbent - 1e-9 * max(abs(value_l), 1.0)
    ones = Positions(np.flatnonzero(cannot_beat & inside))
    free = Positions(np.flatnonzero(~cannot_beat))
    fixed_bound = float(other[cannot_beat].max()) if cannot_beat.any() else -np.inf
    covered = np.diff(a[:, ones].indptr) > 0 if len(ones) else np.zeros(a.shape[0], dtype=bool)
    return Fixed(red.restrict(~covered, free), ones, int((cannot_beat & ~inside).sum()), k - len(ones),
                 float(w[covered].sum()), fixed_bound)
