"""Siting new stations: maximal covering (MCLP) and the fewest sites for a coverage share.

    problem = SitingProblem(walking_coverage(graph, buildings, candidates, 1000.0),
                            residents, existing=walking_coverage(graph, buildings, stations, 1000.0))
    best = solve_mclp(problem, k=20, time_limit_s=30)    # exact (HiGHS), with bound and gap
    fast = fast_mclp(problem, k=20)                      # tens of ms: greedy + Lagrangian, tight bound
    plain = greedy(problem, k=20)                        # milliseconds, with the cheap online bound
    fewest = min_sites_for_share(problem, 0.9)           # fewest new sites for 90 % of all demand

Each problem is first reduced without changing its optimum (`_reduce`). The MCLP model
has binary site variables `y`, continuous coverage variables `x` in [0, 1] (integral at
any integral `y`) and `x_i ≤ Σ_j a_ij y_j`; a Lagrangian relaxation of those linking rows
gives a near-optimal answer and a bound close to the LP bound in tens of milliseconds, and
sites that cannot be in (or out of) any better answer are fixed before HiGHS is called.

What is claimed is checked here, never taken from a solver: every answer's value is
recomputed from the coverage matrix (`SitingProblem.gain`), a bound below a value found is
dropped as wrong, and `optimal` means the recomputed value meets the smallest bound left.
No database, no HTTP: callers build the coverage (`geo.network.reach.walking_coverage`) and map
candidate indices back to their sites.
"""

from __future__ import annotations

import numbers
import time

import numpy as np

from geo.errors import BadRequest
from geo.planning import _heuristics, _highs
from geo.planning._reduce import Positions, Reduced, reduce
from geo.planning.problem import (
    NUMERIC_TOL,
    Candidates,
    SitingProblem,
    SitingResult,
    check_time_limit,
    floor_bound,
    non_negative_int,
)

# HiGHS's relative gap by default: below NUMERIC_TOL, so that a finished run is a proof.
DEFAULT_MIP_GAP = NUMERIC_TOL / 10
# A HiGHS objective and the recomputed value of its solution agree within this (relative).
_AGREE_TOL = 1e-6


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _judge(problem: SitingProblem, red: Reduced, method: str, k: int, sites: Candidates,
           bounds: list[tuple[float, str]], status: str, t0: float, *, nodes: int = 0,
           extra: dict | None = None, ordered: bool = False) -> SitingResult:
    """The result for `sites`, its value recomputed and held against every bound offered.

    Bounds below the recomputed value (beyond numerical noise) are wrong and dropped (named
    in extra["rejected_bounds"]); the smallest left is the bound. With integer weights
    bounds are rounded down (the optimum is an integer). The total coverable weight is
    always a valid bound. `optimal` exactly when the gap is 0.
    """
    sites = Candidates(np.asarray(sites, dtype=np.int64))
    if len(np.unique(sites)) != len(sites) or len(sites) > k:
        raise AssertionError(f"{method}: {len(sites)} sites (some repeated?) for k = {k}")
    if not ordered:
        sites = Candidates(np.sort(sites))
    value = problem.gain(sites)
    noise = _AGREE_TOL * max(abs(value), 1.0)
    bound, kind, rejected = np.inf, "", []
    for b, source in bounds:  # the smallest valid bound; on a tie the later (more specific) one
        if not np.isfinite(b):
            continue
        if b < value - noise:
            rejected.append((b, source))
            continue
        b = max(floor_bound(b) if red.integer_weights else b, value)
        if b <= bound:
            bound, kind = b, source
    if not np.isfinite(bound):  # no bound offered survived: all coverable demand is one
        bound, kind = max(float(red.weights.sum()), value), "coverable"
    gap = (bound - value) / bound if bound > 0 else 0.0
    if gap <= NUMERIC_TOL:
        gap = 0.0
    extra = dict(extra or {})
    if rejected:
        extra["rejected_bounds"] = [{"bound": b, "kind": kd} for b, kd in rejected]
    return SitingResult(method, k, sites, value, bound, kind, gap, gap == 0.0, status, time.perf_counter() - t0,
                        problem.total, problem.already_covered, red.info, nodes, extra)


def _trivial(problem: SitingProblem, k: int, red: Reduced, t0: float, method: str) -> SitingResult | None:
    """The cases with nothing to decide: k = 0, no coverable demand, or k ≥ useful candidates."""
    if k == 0 or red.shape[0] == 0:
        sites, status = Candidates(np.array([], dtype=np.int64)), ("k = 0" if k == 0 else "no coverable demand")
    elif red.shape[1] <= k:
        sites, status = red.candidates, "all useful candidates"
    else:
        return None
    best = 0.0 if k == 0 else float(red.weights.sum())  # k = 0: nothing; otherwise all coverable demand
    return _judge(problem, red, method, k, sites, [(best, "exact")], status, t0)


def _start(red: Reduced, k: int, iterations: int) -> tuple[float, float, Positions, float, int, np.ndarray | None]:
    """The greedy, then Lagrangian steps from it: (greedy's value, online bound, best sites,
    Lagrangian bound, steps made, multipliers of the best bound or None)."""
    g_pos, g_value, online = _heuristics.greedy(red, k)
    picked, _, lag_bound, done, lam = _heuristics.lagrangian(red, k, g_pos, g_value, online, iterations=iterations)
    return g_value, online, picked, lag_bound, done, lam


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
    k = non_negative_int(k, "新站点数 k 必须是非负整数")
    swaps = non_negative_int(swaps, "交换次数必须是非负整数")
    red = reduce(problem, dominance=False)
    trivial = _trivial(problem, k, red, t0, "greedy")
    if trivial is not None:
        return trivial
    picked, plain, online = _heuristics.greedy(red, k)
    bounds = [(online, "online")]
    made = 0
    if swaps:
        picked, _, swap_bound, made = _heuristics.swap(red, picked, k, max_rounds=swaps)
        bounds.append((swap_bound, "online"))
    if bound == "lp":
        full = reduce(problem)
        run = _highs.solve(_highs.model(full, k, relax=True), full, start=None, agrees=lambda p, o: True,
                           time_limit_s=None, threads=threads)
        bounds.append((run.dual_bound, "lp"))
    return _judge(problem, red, "greedy+swap" if swaps else "greedy", k, red.to_candidates(picked), bounds,
                  _count(made, "swap"), t0, extra={"greedy_objective": plain, "swaps": made}, ordered=not swaps)


def fast_mclp(problem: SitingProblem, k: int, *, iterations: int = 300, swaps: int = 100) -> SitingResult:
    """The fast answer with a tight bound: greedy, then Lagrangian relaxation, then 1-swaps.

    Runs the greedy (sites and online bound), then up to `iterations` subgradient steps on
    the Lagrangian dual (each step's k best columns are a candidate solution; every step's
    value is an upper bound close to the LP bound), keeps the best solution and improves it
    with up to `swaps` best-improvement 1-swaps. `bound_kind` is the tightest of the online
    and the Lagrangian bounds. `optimal` when the bound proves it. Deterministic; no solver.
    """
    t0 = time.perf_counter()
    k = non_negative_int(k, "新站点数 k 必须是非负整数")
    iterations = non_negative_int(iterations, "迭代次数必须是非负整数")
    swaps = non_negative_int(swaps, "交换次数必须是非负整数")
    red = reduce(problem)
    trivial = _trivial(problem, k, red, t0, "fast")
    if trivial is not None:
        return trivial
    plain, online, picked, lag_bound, done, _ = _start(red, k, iterations)
    bounds = [(online, "online")]
    made = 0
    if swaps:
        picked, _, swap_bound, made = _heuristics.swap(red, picked, k, max_rounds=swaps)
        bounds.append((swap_bound, "online"))
    bounds.append((lag_bound, "lagrangian"))
    return _judge(problem, red, "fast", k, red.to_candidates(picked), bounds,
                  f"{_count(done, 'Lagrangian iteration')}, {_count(made, 'swap')}", t0,
                  extra={"greedy_objective": plain, "iterations": done, "swaps": made})


def solve_mclp(problem: SitingProblem, k: int, *, time_limit_s: float | None = 60.0,
               mip_gap: float = DEFAULT_MIP_GAP, threads: int | None = None,
               lagrangian_iterations: int = 300) -> SitingResult:
    """The MCLP optimum with HiGHS: k new sites maximising newly covered demand.

    Reduces the problem, runs what `fast_mclp` runs (greedy, `lagrangian_iterations`
    subgradient steps, 1-swaps): the best sites so far are the incumbent. If the bound
    already proves them optimal, HiGHS is not called. Otherwise sites whose other choice
    cannot beat the incumbent under the best multipliers are fixed (Lagrangian variable
    fixing, exact), and HiGHS solves the MILP on the sites left, until its relative gap
    is at most `mip_gap` (with integer weights a gap below 1, which is exact) or
    `time_limit_s` (wall seconds for HiGHS; None = no limit) runs out. HiGHS's answer is
    kept only if it recomputes to more than the incumbent; its dual bound only if no
    answer found exceeds it. `optimal` when the returned sites meet the bound (gap 0);
    otherwise the bound and gap say how far they may be. `threads` is HiGHS's option
    (None: its default). `seconds` is the whole call's wall time; `extra` holds the
    figures of each stage.
    """
    t0 = time.perf_counter()
    k = non_negative_int(k, "新站点数 k 必须是非负整数")
    check_time_limit(time_limit_s)
    if not (isinstance(mip_gap, numbers.Real) and 0 <= mip_gap < 1):
        raise BadRequest(f"相对间隙必须在 0 到 1 之间，收到 {mip_gap!r}")
    iterations = non_negative_int(lagrangian_iterations, "迭代次数必须是非负整数")
    red = reduce(problem)
    trivial = _trivial(problem, k, red, t0, "milp")
    if trivial is not None:
        return trivial
    g_value, online, picked, lag_bound, done, lam = _start(red, k, iterations)
    picked, _, swap_bound, _ = _heuristics.swap(red, picked, k, max_rounds=100)
    incumbent = red.to_candidates(picked)
    value = problem.gain(incumbent)
    bounds = [(online, "online"), (swap_bound, "online"), (lag_bound, "lagrangian")]
    extra: dict = {"greedy_objective": g_value, "start_objective": value, "start_bound": min(online, lag_bound, swap_bound),
                   "lagrangian_iterations": done, "start_s": time.perf_counter() - t0}
    start = _judge(problem, red, "milp", k, incumbent, bounds, "proven by the Lagrangian bound", t0, extra=extra)
    if start.optimal:
        return start
    fixed = _heuristics.fix(red, k, lam, value) if lam is not None else _heuristics.unfixed(red, k)
    sub, ones = fixed.sub, red.to_candidates(fixed.ones)
    extra.update(fixed_in=len(ones), fixed_out=fixed.zeros, free=sub.shape[1], rows=sub.shape[0])
    n, m = sub.shape
    if fixed.k <= 0 or n == 0 or m <= fixed.k:
        # nothing left to decide: the fixed sites plus every free one (if any)
        best = Candidates(np.concatenate([ones, sub.candidates if m <= fixed.k else []]).astype(np.int64))
        if problem.gain(best) > value:
            incumbent, value = best, problem.gain(best)
        bounds.append((max(value, fixed.bound), "lagrangian"))
        return _judge(problem, red, "milp", k, incumbent, bounds, "solved by fixing", t0, extra=extra)

    def agrees(positions: Positions, objective: float) -> bool:
        return len(positions) <= fixed.k and abs(sub.value(positions) - objective) <= _AGREE_TOL * max(abs(objective), 1.0)

    run = _highs.solve(_highs.model(sub, fixed.k), sub, start=sub.positions_of(incumbent) if set(ones) <= set(incumbent)
                       else None, agrees=agrees, time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads,
                       integer_objective=red.integer_weights)
    extra.update(highs_s=run.seconds, highs_objective=run.objective + fixed.gain, highs_agreed=run.agreed,
                 highs_retried=run.retried, milp_dual_bound=run.dual_bound + fixed.gain)
    if run.positions is not None:
        found = Candidates(np.concatenate([ones, sub.to_candidates(run.positions)]))
        if len(found) <= k and problem.gain(found) > value:
            incumbent, value = found, problem.gain(found)
    if np.isfinite(run.dual_bound):
        bounds.append((max(run.dual_bound + fixed.gain, fixed.bound), "milp"))
    return _judge(problem, red, "milp", k, incumbent, bounds, run.status, t0, nodes=run.nodes, extra=extra)
