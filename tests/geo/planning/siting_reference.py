"""Reference answers for siting, sharing no code with geo.planning.

A dense copy of the instance, brute force over every subset of candidates for small
instances, and the same two models written independently for `scipy.optimize.milp` and
for PuLP's CBC (the second solver, asked where the first disagrees with wangge).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse


@dataclass(frozen=True)
class Dense:
    """An instance as plain arrays: a (n, m) bool, w (n,), existing (n,) bool."""

    a: np.ndarray
    w: np.ndarray
    existing: np.ndarray

    @property
    def open_w(self) -> np.ndarray:
        """Weights of the demand the new sites can still gain (existing coverage zeroed)."""
        return np.where(self.existing, 0.0, self.w)

    def value(self, sites) -> float:
        """Newly covered weight of `sites` (candidate indices), from the dense matrix."""
        sites = np.asarray(sites, dtype=np.int64)
        if not len(sites):
            return 0.0
        return float(self.open_w[self.a[:, sites].any(axis=1)].sum())


def brute_force(d: Dense) -> np.ndarray:
    """best[k] for k = 0..m: the most newly covered weight by any k candidates (m ≤ ~14)."""
    n, m = d.a.shape
    bits = (d.a.astype(np.int64) << np.arange(m, dtype=np.int64)).sum(axis=1)  # candidates covering row i
    subsets = np.arange(1 << m, dtype=np.int64)
    covered = (subsets[:, None] & bits[None, :]) != 0
    values = covered.astype(float) @ d.open_w
    size = np.array([bin(s).count("1") for s in range(1 << m)])
    best = np.zeros(m + 1)
    for k in range(m + 1):
        best[k] = values[size <= k].max()
    return best


def fewest_from(best: np.ndarray, need: float, tol: float) -> int | None:
    """The smallest k with best[k] ≥ need − tol (None: no k reaches it)."""
    hits = np.flatnonzero(best >= need - tol)
    return int(hits[0]) if len(hits) else None


def _linking(d: Dense) -> sparse.csr_matrix:
    """Rows x_i − Σ_j a_ij y_j ≤ 0 over columns [y (m), x (n)]."""
    n, m = d.a.shape
    return sparse.hstack([-sparse.csr_matrix(d.a.astype(float)), sparse.identity(n)], format="csr")


def scipy_mclp(d: Dense, k: int, time_limit_s: float = 120.0) -> float:
    """The MCLP optimum with scipy.optimize.milp (its own HiGHS build)."""
    n, m = d.a.shape
    c = np.concatenate([np.zeros(m), -d.open_w])
    cons = [optimize.LinearConstraint(_linking(d), -np.inf, 0.0),
            optimize.LinearConstraint(np.concatenate([np.ones(m), np.zeros(n)])[None, :], 0.0, k)]
    res = optimize.milp(c, constraints=cons, integrality=np.concatenate([np.ones(m), np.zeros(n)]),
                        bounds=optimize.Bounds(0.0, 1.0),
                        options={"time_limit": time_limit_s, "mip_rel_gap": 0.0})
    assert res.status == 0, f"scipy milp: {res.message}"
    y = np.flatnonzero(res.x[:m] > 0.5)
    return d.value(y)  # the solution's value, recomputed


def scipy_fewest(d: Dense, need: float, time_limit_s: float = 120.0) -> int | None:
    """The fewest sites newly covering at least `need`, with scipy.optimize.milp (None: infeasible)."""
    n, m = d.a.shape
    c = np.concatenate([np.ones(m), np.zeros(n)])
    cons = [optimize.LinearConstraint(_linking(d), -np.inf, 0.0),
            optimize.LinearConstraint(np.concatenate([np.zeros(m), d.open_w])[None, :], need, np.inf)]
    res = optimize.milp(c, constraints=cons, integrality=np.concatenate([np.ones(m), np.zeros(n)]),
                        bounds=optimize.Bounds(0.0, 1.0),
                        options={"time_limit": time_limit_s, "mip_rel_gap": 0.0})
    if res.status == 2:
        return None
    assert res.status == 0, f"scipy milp: {res.message}"
    return int(round(res.fun))


def cbc_mclp(d: Dense, k: int) -> float:
    """The MCLP optimum with PuLP's CBC: the second, unrelated solver."""
    import pulp

    n, m = d.a.shape
    prob = pulp.LpProblem("mclp", pulp.LpMaximize)
    y = [prob.add_variable(f"y{j}", 0, 1, cat="Binary") for j in range(m)]
    x = [prob.add_variable(f"x{i}", 0, 1) for i in range(n)]
    prob += pulp.lpSum(float(d.open_w[i]) * x[i] for i in range(n))
    for i in range(n):
        prob += x[i] <= pulp.lpSum(y[j] for j in np.flatnonzero(d.a[i]))
    prob += pulp.lpSum(y) <= k
    _solve_with_cbc(prob)
    assert pulp.LpStatus[prob.status] == "Optimal"
    return d.value([j for j in range(m) if y[j].value() > 0.5])


def cbc_fewest(d: Dense, need: float) -> int | None:
    """The fewest sites newly covering at least `need`, with PuLP's CBC (None: infeasible)."""
    import pulp

    n, m = d.a.shape
    prob = pulp.LpProblem("fewest", pulp.LpMinimize)
    y = [prob.add_variable(f"y{j}", 0, 1, cat="Binary") for j in range(m)]
    x = [prob.add_variable(f"x{i}", 0, 1) for i in range(n)]
    prob += pulp.lpSum(y)
    for i in range(n):
        prob += x[i] <= pulp.lpSum(y[j] for j in np.flatnonzero(d.a[i]))
    prob += pulp.lpSum(float(d.open_w[i]) * x[i] for i in range(n)) >= need
    _solve_with_cbc(prob)
    if pulp.LpStatus[prob.status] == "Infeasible":
        return None
    assert pulp.LpStatus[prob.status] == "Optimal"
    chosen = [j for j in range(m) if y[j].value() > 0.5]
    assert d.value(chosen) >= need - 1e-6 * max(need, 1.0)
    return len(chosen)


def _solve_with_cbc(prob) -> None:
    """Solve a PuLP model with the CBC binary PuLP ships (its deprecation notice for PuLP 4 silenced)."""
    import pulp

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "PULP_CBC_CMD is deprecated", DeprecationWarning)
        prob.solve(pulp.PULP_CBC_CMD(msg=False, gapRel=0))
