"""The exact models on a reduced problem, solved with HiGHS, and what HiGHS's answer is worth.

HiGHS's status, objective and solution vector are reported separately and need not agree
(highspy 1.16 reports Optimal with the optimum's objective while `col_value` still holds
the MIP start). So a run's solution is decoded to column positions and recomputed from
the matrix; when it disagrees with HiGHS's own objective, HiGHS runs once more without the
start, and the caller still trusts only what it can recompute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from geo.planning._reduce import Positions, Reduced


def model(red: Reduced, k: int, *, relax: bool = False, minimise_sites_for: float | None = None,
          cover_all: bool = False):
    """HiGHS model on the reduced problem: columns y (m sites) then x (n demand rows).

    MCLP: max Σ w_i x_i, x_i − Σ_j a_ij y_j ≤ 0, Σ y_j ≤ k. With `minimise_sites_for` = T:
    min Σ y_j, the same linking rows, Σ w_i x_i ≥ T. y binary (continuous with `relax`),
    x continuous in [0, 1] (integral at any integral y); `cover_all` fixes every x to 1
    (a plain set cover, with no weighted row for the solver's tolerances to blur).
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
    lp.col_lower_ = np.concatenate([np.zeros(m), np.full(n, 1.0 if cover_all else 0.0)])
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


@dataclass(frozen=True)
class Run:
    """One HiGHS solve as reported, its solution decoded to column positions."""

    positions: Positions | None   # y > 0.5 of the reported solution; None when none is feasible
    objective: float              # HiGHS's objective value (nan without a solution)
    dual_bound: float             # HiGHS's dual bound (MILP) or LP optimum (relaxation)
    status: str                   # HiGHS's model status, as its string
    proven: bool                  # HiGHS's status says optimal (not trusted alone)
    nodes: int
    seconds: float
    agreed: bool                  # the decoded solution recomputes to HiGHS's objective
    retried: bool                 # the first run disagreed and HiGHS ran again without a start


def _solver(lp, *, time_limit_s: float | None, mip_gap: float, threads: int | None, integer_objective: bool):
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if integer_objective:
        # the objective is integral: a gap below 1 proves the incumbent exactly optimal (0.5
        # leaves room for the dual bound's float error when it is rounded down)
        h.setOptionValue("mip_abs_gap", 0.5)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.passModel(lp)
    return h


def _start(h, red: Reduced, positions: Positions) -> None:
    """Give HiGHS a feasible start: y on `positions`, x = the rows they cover."""
    import highspy

    y = np.zeros(red.shape[1])
    y[positions] = 1.0
    x = (np.asarray(red.matrix @ y).ravel() > 0).astype(float)
    sol = highspy.HighsSolution()
    sol.col_value = np.concatenate([y, x]).tolist()
    sol.value_valid = True
    h.setSolution(sol)


def _once(lp, red: Reduced, start: Positions | None, agrees: Callable[[Positions, float], bool], *,
          time_limit_s: float | None, mip_gap: float, threads: int | None, integer_objective: bool) -> Run:
    import highspy

    t = time.perf_counter()
    h = _solver(lp, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads, integer_objective=integer_objective)
    if start is not None:
        _start(h, red, start)
    h.run()
    info = h.getInfo()
    status = h.getModelStatus()
    positions, objective = None, float("nan")
    if info.primal_solution_status == int(highspy.SolutionStatus.kSolutionStatusFeasible):
        y = np.asarray(h.getSolution().col_value[:red.shape[1]])
        positions, objective = Positions(np.flatnonzero(y > 0.5)), float(info.objective_function_value)
    dual = float(info.mip_dual_bound) if lp.integrality_ else float(info.objective_function_value)
    return Run(positions, objective, dual, h.modelStatusToString(status), status == highspy.HighsModelStatus.kOptimal,
               int(max(info.mip_node_count, 0)), time.perf_counter() - t,
               positions is not None and agrees(positions, objective), False)


def solve(lp, red: Reduced, *, start: Positions | None, agrees: Callable[[Positions, float], bool],
          time_limit_s: float | None, mip_gap: float = 0.0, threads: int | None = None,
          integer_objective: bool = False) -> Run:
    """Solve `lp` (built by `model` on `red`) from `start`; once more without it if the answer disagrees.

    `agrees(positions, objective)` says whether the decoded solution is what HiGHS's
    objective claims (recomputed from the matrix). The second run gets the time the first
    left (`time_limit_s` in wall seconds for both together; None: no limit).
    """
    first = _once(lp, red, start, agrees, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                  integer_objective=integer_objective)
    if first.agreed or first.positions is None or start is None:
        return first
    left = None if time_limit_s is None else time_limit_s - first.seconds
    if left is not None and left <= 0:
        return first
    again = _once(lp, red, None, agrees, time_limit_s=left, mip_gap=mip_gap, threads=threads,
                  integer_objective=integer_objective)
    chosen = again if again.positions is not None else first
    return Run(chosen.positions, chosen.objective, chosen.dual_bound, chosen.status, chosen.proven,
               first.nodes + again.nodes, first.seconds + again.seconds, chosen.agreed, True)
