"""The fewest new sites that, with the existing stations, cover a share of all demand.

A partial set cover: min Σ y_j with x_i ≤ Σ_j a_ij y_j and Σ w_i x_i ≥ T. A target that
an answer reaches to within a hair (a share taken exactly at a reachable value) is below
what HiGHS's tolerances can tell apart, so the model never gets such a target: with
integer weights T is put halfway between two integers (exactly equivalent); otherwise
HiGHS solves a target lowered by a margin (its optimum is then a lower bound on the true
count) and, if that answer falls short, a target raised by the margin (or every demand
row covered), whose answers certainly reach. Every answer is recomputed from the matrix.
"""

from __future__ import annotations

import numbers
import time

import numpy as np

from geo.errors import BadRequest
from geo.planning import _heuristics, _highs
from geo.planning._reduce import Positions, Reduced, reduce
from geo.planning.problem import Candidates, CoverResult, SitingProblem, check_time_limit

# Slack for weight sums compared with a target (coverage reached vs. a share), relative to all demand.
_REL_TOL = 1e-9
# Margin kept between a fractional target and the model's (relative to the coverable weight):
# ten times HiGHS's default feasibility tolerance.
_MARGIN = 1e-6


def _fewest_by_single_gains(red: Reduced, need: float) -> int:
    """A lower bound on the sites needed: j sites cover at most their j largest single gains."""
    gains = np.sort(np.asarray(red.matrix.T @ red.weights, dtype=float).ravel())[::-1]
    return int(np.searchsorted(np.cumsum(gains), need, side="left")) + 1 if len(gains) else 0


def _plans(red: Reduced, need: float, reachable: float) -> tuple[list[tuple[float, bool]], bool]:
    """The models to try, as (target, cover_all), and whether the first one's optimum bounds the count."""
    if red.integer_weights:
        return [(float(np.ceil(need - 1e-9 * max(need, 1.0))) - 0.5, False)], True
    margin = _MARGIN * max(reachable, 1.0)
    above = (need + margin, False) if need + margin <= reachable else (reachable, True)
    return [(need - margin, False), above], True


def min_sites_for_share(problem: SitingProblem, share: float, *, time_limit_s: float | None = 60.0,
                        threads: int | None = None) -> CoverResult:
    """The fewest new sites so that existing stations and new sites cover `share` (0–1] of all demand.

    Started from the greedy's sites. The sites returned always reach the target
    (recomputed from the matrix); `lower_bound` is the largest proven lower bound (HiGHS's
    dual bound on the lowered target, unless an answer found needs fewer sites, and the
    count of largest single gains needed); `optimal` when it equals the number of sites.
    When the existing stations already reach the share, no site is needed; when even all
    candidates cannot, `feasible` is False and `max_share` tells how far they go.
    `time_limit_s` (wall seconds) is shared by HiGHS's runs.
    """
    t0 = time.perf_counter()
    if isinstance(share, bool) or not (isinstance(share, numbers.Real) and 0 < share <= 1):
        raise BadRequest(f"覆盖比例必须在 0 到 1 之间（不含 0），收到 {share!r}")
    check_time_limit(time_limit_s)
    total, already = problem.total, problem.already_covered
    target = share * total
    tol = _REL_TOL * max(total, 1.0)
    need = target - already - tol  # newly covered weight the sites must reach
    red = reduce(problem)
    reachable = float(red.weights.sum())
    max_share = (already + reachable) / total if total > 0 else 1.0
    extra: dict = {}

    def result(sites: Candidates, feasible: bool, lower: int, status: str) -> CoverResult:
        sites = Candidates(np.sort(np.asarray(sites, dtype=np.int64)))
        covered = already + problem.gain(sites)
        if feasible and covered < target - tol:
            raise AssertionError(f"{len(sites)} sites cover {covered}, short of the target {target}")
        lower = min(lower, len(sites)) if feasible else 0
        return CoverResult(share, feasible, sites, len(sites), lower, lower == len(sites), covered, target,
                           max_share, status, time.perf_counter() - t0, total, already, red.info, extra)

    none = Candidates(np.array([], dtype=np.int64))
    if need <= 0:
        return result(none, True, 0, "existing stations suffice")
    if reachable < need:
        return result(none, False, 0, "infeasible")
    g_pos, _, _ = _heuristics.greedy(red, red.shape[1], stop_at=need)
    sites = red.to_candidates(g_pos)
    lower = max(1, _fewest_by_single_gains(red, need))
    extra["greedy_sites"] = len(sites)
    if lower >= len(sites):
        return result(sites, True, lower, "greedy meets the lower bound")
    status, runs = "", []
    plans, first_bounds = _plans(red, need, reachable)
    for number, (model_target, cover_all) in enumerate(plans):
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - t0)
        if left is not None and left <= 0:
            break

        # HiGHS's answer is what it says: its count, and its target within the solver's tolerance
        floor = model_target - (0.5 if red.integer_weights else _MARGIN * max(reachable, 1.0))

        def agrees(positions: Positions, objective: float, floor: float = floor) -> bool:
            return abs(len(positions) - objective) < 0.5 and red.value(positions) >= floor

        run = _highs.solve(_highs.model(red, 0, minimise_sites_for=model_target, cover_all=cover_all), red,
                           start=g_pos if model_target <= need else None, agrees=agrees, time_limit_s=left,
                           threads=threads, integer_objective=True)
        status = run.status
        runs.append({"target": model_target, "cover_all": cover_all, "status": run.status, "objective": run.objective,
                     "dual_bound": run.dual_bound, "agreed": run.agreed, "retried": run.retried, "seconds": run.seconds})
        if number == 0 and first_bounds and np.isfinite(run.dual_bound):
            dual = int(np.ceil(run.dual_bound - 1e-6))
            if dual <= len(sites):
                lower = max(lower, dual)
            else:
                extra["rejected_bounds"] = [{"bound": run.dual_bound, "kind": "milp"}]
        if run.positions is not None and red.value(run.positions) >= need and len(run.positions) < len(sites):
            sites = red.to_candidates(run.positions)
        if lower >= len(sites):
            break
    extra["highs_runs"] = runs
    return result(sites, True, lower, status)
