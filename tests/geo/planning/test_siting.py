"""Maximal covering siting: against spopt's MCLP, brute force and cases solved by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import sparse

from geo.errors import BadRequest
from geo.network import reach, snap
from geo.planning import SitingProblem, fast_mclp, greedy, min_sites_for_share, solve_mclp
from tests.geo import networks


def _matrix(sets: list[list[int]], n_demand: int) -> sparse.csr_matrix:
    """Coverage matrix from one list of covered demand indices per candidate."""
    rows = [i for s in sets for i in s]
    cols = [j for j, s in enumerate(sets) for _ in s]
    return sparse.csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n_demand, len(sets)))


def _brute_force(problem: SitingProblem, k: int) -> float:
    """The best newly covered weight over every set of min(k, m) candidates."""
    m = problem.n_candidates
    return max(problem.gain(np.array(c, dtype=np.int64)) for c in itertools.combinations(range(m), min(k, m)))


def _random_instance(seed: int, n: int, m: int, n_existing: int, radius: float = 300.0):
    """Points in a 1 km square: distances (demand × candidates, demand × existing), weights."""
    rng = np.random.default_rng(seed)
    demand, cand, existing = rng.uniform(0, 1000, (n, 2)), rng.uniform(0, 1000, (m, 2)), rng.uniform(0, 1000, (n_existing, 2))
    d_cand = np.hypot(*(demand[:, None, :] - cand[None, :, :]).transpose(2, 0, 1))
    d_exist = np.hypot(*(demand[:, None, :] - existing[None, :, :]).transpose(2, 0, 1))
    weights = rng.integers(1, 50, n).astype(float)
    problem = SitingProblem(sparse.csr_matrix(d_cand <= radius), weights, existing=sparse.csr_matrix(d_exist <= radius))
    return problem, d_cand, d_exist, weights


# The hand case where greedy is not optimal. Demand (weight): d0..d5 (1 each), d6 (10),
# d7 (2). Candidates: X covers d0–d3, Y covers d0, d1, d4, Z covers d2, d3, d5, W covers d6
# only, V covers nothing. An existing station covers d6; nothing reaches d7.
#   k = 2, by hand: greedy takes X (4 new), then Y or Z adds 1 (d4 or d5): 5.
#   The optimum is Y + Z = {d0, d1, d4} ∪ {d2, d3, d5} = 6 (X + Y = X + Z = 5, W adds 0).
#   k = 1: X (4). k = 3: X + Y + Z = 6 (everything coverable).
# Shares of all demand (18; existing 10, coverable 6, unreachable 2):
#   50 % = 9 ≤ 10: no site; 75 % = 13.5 → 3.5 new: one site (X); 80 % = 14.4 → 4.4 new:
#   two sites (Y + Z or X + Y); 100 %: infeasible, all candidates reach 16 / 18.
HAND = _matrix([[0, 1, 2, 3], [0, 1, 4], [2, 3, 5], [6], []], 8)
HAND_WEIGHTS = np.array([1, 1, 1, 1, 1, 1, 10, 2], dtype=float)
HAND_EXISTING = np.array([0, 0, 0, 0, 0, 0, 1, 0], dtype=bool)


def hand_problem() -> SitingProblem:
    return SitingProblem(HAND, HAND_WEIGHTS, existing=HAND_EXISTING)


def test_hand_case_greedy_is_not_optimal() -> None:
    problem = hand_problem()
    g = greedy(problem, 2)
    assert g.objective == 5 and g.sites[0] == 0
    assert g.bound >= 6  # the optimum lies within the greedy's bound
    best = solve_mclp(problem, 2)
    assert best.objective == 6
    assert sorted(best.sites.tolist()) == [1, 2]
    assert best.optimal and best.gap == 0 and best.bound == 6
    assert best.covered_share == pytest.approx(16 / 18)
    assert best.extra["greedy_objective"] == 5
    assert solve_mclp(problem, 1).objective == 4
    assert solve_mclp(problem, 3).objective == 6
    assert greedy(problem, 2, bound="lp").bound >= 6
    # one swap (X out, Z in) repairs the greedy here; the fast answer finds and proves it too
    swapped = greedy(problem, 2, swaps=10)
    assert swapped.objective == 6 and swapped.extra == {"greedy_objective": 5, "swaps": 1}
    fast = fast_mclp(problem, 2)
    assert fast.objective == 6 and fast.optimal and fast.bound == 6 and fast.bound_kind == "lagrangian"


def test_hand_case_fewest_sites_for_share() -> None:
    problem = hand_problem()
    none = min_sites_for_share(problem, 0.5)
    assert none.feasible and none.optimal and none.n_sites == 0 and none.covered == 10
    one = min_sites_for_share(problem, 0.75)
    assert (one.n_sites, one.sites.tolist(), one.optimal, one.covered) == (1, [0], True, 14)
    two = min_sites_for_share(problem, 0.8)
    assert two.feasible and two.optimal and two.n_sites == 2 and two.lower_bound == 2
    assert two.covered >= 0.8 * 18
    impossible = min_sites_for_share(problem, 1.0)
    assert not impossible.feasible and impossible.n_sites == 0
    assert impossible.max_share == pytest.approx(16 / 18)
    exactly_max = min_sites_for_share(problem, 16 / 18)
    assert exactly_max.feasible and exactly_max.n_sites == 2 and exactly_max.covered == 16


# spopt 0.7 builds its model the PuLP 3 way, which PuLP ≥ 3.3 flags as deprecated for PuLP 4:
# those DeprecationWarnings (and only those) are spopt's business, not ours.
@pytest.mark.filterwarnings("ignore:.*PuLP 4:DeprecationWarning")
@pytest.mark.parametrize("seed", range(6))
def test_same_objective_as_spopt(seed: int) -> None:
    import pulp
    from spopt.locate import MCLP

    rng = np.random.default_rng(100 + seed)
    n, m, n_existing, k = int(rng.integers(30, 90)), int(rng.integers(8, 16)), int(rng.integers(0, 4)), int(rng.integers(1, 5))
    problem, d_cand, d_exist, weights = _random_instance(seed, n, m, n_existing)
    ours = solve_mclp(problem, k)
    predefined = np.concatenate([np.zeros(m, dtype=int), np.ones(n_existing, dtype=int)])
    model = MCLP.from_cost_matrix(np.hstack([d_cand, d_exist]), weights, service_radius=300.0,
                                  p_facilities=k + n_existing,
                                  predefined_facilities_arr=predefined if n_existing else None)
    model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    assert model.problem.status == 1
    assert ours.optimal
    assert problem.already_covered + ours.objective == pytest.approx(model.problem.objective.value())
    assert ours.objective == pytest.approx(_brute_force(problem, k))
    g = greedy(problem, k)
    assert g.objective <= ours.objective + 1e-9 <= g.bound + 2e-9
    assert g.objective >= (1 - 1 / np.e) * ours.objective
    fast = fast_mclp(problem, k)
    assert g.objective <= fast.objective <= ours.objective <= fast.bound


@pytest.mark.parametrize("seed", range(8))
def test_exact_against_brute_force_with_duplicates_and_dominated_candidates(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = 25, 9
    base = rng.random((n, m)) < 0.25
    base[:, 1] = base[:, 0]  # an exact duplicate
    base[:, 2] = base[:, 3] & (rng.random(n) < 0.5)  # a subset of another candidate
    base[:6] = base[0]  # identical demand rows
    problem = SitingProblem(sparse.csr_matrix(base), rng.integers(0, 9, n).astype(float),
                            existing=rng.random(n) < 0.2)
    for k in (1, 2, 3, 4):
        best = solve_mclp(problem, k)
        assert best.optimal and len(best.sites) <= k
        assert best.objective == pytest.approx(_brute_force(problem, k))
        assert problem.gain(best.sites) == pytest.approx(best.objective)
        fast = fast_mclp(problem, k)
        assert fast.objective <= best.objective + 1e-9 <= fast.bound + 1e-9
        if fast.optimal:
            assert fast.objective == pytest.approx(best.objective)
        fewest = min_sites_for_share(problem, min(1.0, (problem.already_covered + best.objective) / problem.total))
        assert fewest.feasible and fewest.optimal and fewest.n_sites <= len(best.sites)
        if fewest.n_sites:  # one site fewer cannot reach it: check by brute force
            below = max(problem.gain(np.array(c)) for c in itertools.combinations(range(m), fewest.n_sites - 1)) \
                if fewest.n_sites > 1 else 0.0
            assert problem.already_covered + below < fewest.target - 1e-9


def test_every_path_of_the_exact_solver_against_brute_force() -> None:
    # Random instances solved with 0, 5, 30 and 300 Lagrangian steps take every path: the whole
    # MILP (no multipliers), the Lagrangian bound proving the start optimal, and HiGHS after
    # fixing sites out and in. Each answer must equal the brute-force optimum.
    paths = set()
    for seed in range(24):
        rng = np.random.default_rng(seed)
        n, m = 60, 14
        matrix = sparse.csr_matrix(rng.random((n, m)) < rng.uniform(0.1, 0.35))
        weights = rng.integers(1, 30, n).astype(float) if seed % 2 else rng.uniform(0.5, 30, n)
        problem = SitingProblem(matrix, weights, existing=rng.random(n) < 0.1)
        for k in (2, 4):
            best = solve_mclp(problem, k, lagrangian_iterations=[0, 5, 30, 300][seed % 4])
            assert best.optimal and best.objective == pytest.approx(_brute_force(problem, k))
            assert best.bound >= best.objective and best.gap <= 1e-6
            paths.add((best.bound_kind, best.extra.get("fixed_in", 0) > 0, best.extra.get("fixed_out", 0) > 0))
    assert {("lagrangian", False, False), ("milp", False, False), ("milp", False, True), ("milp", True, True)} <= paths


def test_edge_cases() -> None:
    problem = hand_problem()
    zero = solve_mclp(problem, 0)
    assert zero.sites.size == 0 and zero.objective == 0 and zero.optimal and zero.bound == 0
    assert greedy(problem, 0).sites.size == 0 and fast_mclp(problem, 0).sites.size == 0
    # k ≥ candidates: every useful, non-dominated candidate, all coverable demand
    many = solve_mclp(problem, 10)
    assert many.objective == 6 and many.optimal and many.bound_kind == "exact"
    assert set(many.sites.tolist()) <= {0, 1, 2} and greedy(problem, 10).objective == 6
    # no uncovered demand: the existing stations cover everything
    covered = SitingProblem(HAND, HAND_WEIGHTS, existing=np.ones(8, dtype=bool))
    for result in (solve_mclp(covered, 2), greedy(covered, 2), fast_mclp(covered, 2)):
        assert result.sites.size == 0 and result.objective == 0 and result.optimal and result.covered_share == 1
    assert min_sites_for_share(covered, 1.0).n_sites == 0
    # every candidate covers nothing
    empty = SitingProblem(sparse.csr_matrix((8, 5), dtype=bool), HAND_WEIGHTS)
    for result in (solve_mclp(empty, 2), greedy(empty, 2), fast_mclp(empty, 2)):
        assert result.sites.size == 0 and result.objective == 0 and result.optimal
    nothing = min_sites_for_share(empty, 0.1)
    assert not nothing.feasible and nothing.max_share == 0
    # no candidates, no demand
    assert solve_mclp(SitingProblem(sparse.csr_matrix((3, 0), dtype=bool), np.ones(3)), 2).objective == 0
    assert solve_mclp(SitingProblem(sparse.csr_matrix((0, 4), dtype=bool), np.ones(0)), 2).covered_share == 1


def test_bad_input_is_refused_in_chinese() -> None:
    with pytest.raises(BadRequest, match="非负"):
        SitingProblem(HAND, -HAND_WEIGHTS)
    with pytest.raises(BadRequest, match="不一致"):
        SitingProblem(HAND, np.ones(3))
    with pytest.raises(BadRequest, match="稀疏"):
        SitingProblem(np.ones((8, 5)), HAND_WEIGHTS)
    with pytest.raises(BadRequest, match="k"):
        solve_mclp(hand_problem(), -1)
    with pytest.raises(BadRequest, match="k"):
        greedy(hand_problem(), 1.5)
    with pytest.raises(BadRequest, match="比例"):
        min_sites_for_share(hand_problem(), 0)
    with pytest.raises(BadRequest, match="时限"):
        solve_mclp(hand_problem(), 2, time_limit_s=0)


def test_time_limit_is_reported() -> None:
    # Large enough that HiGHS cannot even finish presolve and the root LP in a millisecond.
    rng = np.random.default_rng(7)
    n, m = 6_000, 300
    matrix = sparse.random(n, m, density=0.02, format="csr", random_state=rng) > 0
    problem = SitingProblem(matrix, rng.uniform(1, 100, n))
    result = solve_mclp(problem, 25, time_limit_s=1e-3, lagrangian_iterations=20)
    assert not result.optimal
    assert "time limit" in result.status.lower()
    assert len(result.sites) == 25
    assert result.objective >= result.extra["greedy_objective"] - 1e-6
    assert result.bound >= result.objective and 0 < result.gap < 1
    assert result.objective == pytest.approx(problem.gain(result.sites))


def test_greedy_bound_is_valid_and_tighter_than_one_minus_one_over_e() -> None:
    for seed in range(5):
        problem, *_ = _random_instance(seed, 60, 12, 2)
        g = greedy(problem, 3)
        best = _brute_force(problem, 3)
        assert g.objective <= best + 1e-9 <= g.bound + 1e-9
        assert g.bound <= g.objective / (1 - 1 / np.e) + 1e-9
        assert g.bound_kind == "online"


def test_walking_coverage_on_a_hand_network() -> None:
    # A —600 m— B —600 m— C —600 m— D along the x axis. Site at x = 50 (on AB).
    # Demand at x = 0 (50 m), 500 (450 m, same edge), 1040 (990 m), 1100 (1050 m: no),
    # 1800 (no); a demand point 600 m off the network is covered by nothing.
    graph = networks.graph([((0, 0), (600, 0)), ((600, 0), (1200, 0)), ((1200, 0), (1800, 0))])
    demand = snap.snap(graph, networks.points((0, 5), (500, -5), (1040, 3), (1100, 0), (1800, 0), (900, 600)))
    sites = snap.snap(graph, networks.points((50, 2), (1800, 10)))
    rows, cols, dist = reach.walking_pairs(graph, demand, sites, 1000.0)
    got = {(int(r), int(c)): d for r, c, d in zip(rows, cols, dist, strict=True)}
    assert got.keys() == {(0, 0), (1, 0), (2, 0), (2, 1), (3, 1), (4, 1)}
    assert got[(0, 0)] == pytest.approx(50)
    assert got[(1, 0)] == pytest.approx(450)
    assert got[(2, 0)] == pytest.approx(990)
    assert got[(2, 1)] == pytest.approx(760)
    assert got[(4, 1)] == pytest.approx(0)
    cov = reach.walking_coverage(graph, demand, sites, 1000.0)
    assert cov.shape == (6, 2) and cov.nnz == 6 and not cov[5].nnz
    none = snap.snap(graph, np.array([], dtype=object))
    assert reach.walking_coverage(graph, demand, none, 1000.0).shape == (6, 0)
    assert reach.walking_coverage(graph, none, sites, 1000.0).shape == (0, 2)


def _issue_12_problem() -> SitingProblem:
    """The smallest case of issue #12: candidate 1 dominated by candidate 0, dropped by the reduction."""
    rng = np.random.default_rng(38)
    a = rng.random((30, 10)) < 0.3
    a[:, 1] = a[:, 0] & (rng.random(30) < 0.6)
    return SitingProblem(sparse.csr_matrix(a), rng.integers(1, 20, 30).astype(float))


def test_issue_12_dominated_candidate_does_not_scramble_the_sites() -> None:
    problem = _issue_12_problem()
    r = solve_mclp(problem, 4)
    assert (r.objective, r.bound, r.optimal, r.gap) == (269.0, 269.0, True, 0.0)
    assert _brute_force(problem, 4) == 269.0 and problem.gain(r.sites) == 269.0
    assert r.extra["highs_agreed"]


def _fake_highs(positions_from_start: bool, objective: float, dual_bound: float):
    """A stand-in for HiGHS that answers like highspy 1.16: the MIP start back, with any objective and bound."""
    from geo.planning import _highs

    def solve(lp, red, *, start, agrees, **_):
        positions = start if positions_from_start and start is not None else np.array([], dtype=np.int64)
        return _highs.Run(positions, objective, dual_bound, "Optimal", True, 0, 0.0, agrees(positions, objective), True)
    return solve


def test_a_solver_that_returns_its_start_is_not_believed(monkeypatch) -> None:
    from geo.planning import _highs

    problem = _issue_12_problem()
    start = fast_mclp(problem, 4)
    assert not start.optimal  # HiGHS is needed here
    # HiGHS claims 269 (optimal status) but hands back the start: the start is kept, not proven
    monkeypatch.setattr(_highs, "solve", _fake_highs(True, 269.0, 269.0))
    r = solve_mclp(problem, 4)
    assert r.objective == problem.gain(r.sites) < 269 and not r.optimal and r.gap > 0 and r.bound == 269
    # a dual bound below what the start covers cannot be right: dropped, named, not used
    monkeypatch.setattr(_highs, "solve", _fake_highs(True, 269.0, 200.0))
    r = solve_mclp(problem, 4)
    assert not r.optimal and r.bound > r.objective
    assert [b["kind"] for b in r.extra["rejected_bounds"]] == ["milp"]
    assert all(b["bound"] < r.objective for b in r.extra["rejected_bounds"])
    # the fewest sites: HiGHS says 1 site, returns nothing usable: the greedy's sites, honestly
    monkeypatch.setattr(_highs, "solve", _fake_highs(False, 1.0, 1.0))
    share = (problem.already_covered + 269.0) / problem.total
    c = min_sites_for_share(problem, share)
    assert c.covered >= c.target and c.n_sites > c.lower_bound and not c.optimal


def test_highs_runs_again_without_the_start_when_its_answer_disagrees() -> None:
    from geo.planning import _highs
    from geo.planning._reduce import reduce

    red = reduce(_issue_12_problem())
    seen = []

    def agrees(positions, objective) -> bool:
        seen.append(len(positions))
        return False

    start = np.array([0, 2, 3], dtype=np.int64)
    run = _highs.solve(_highs.model(red, 3), red, start=start, agrees=agrees, time_limit_s=10)
    assert run.retried and not run.agreed and len(seen) == 2
    assert _highs.solve(_highs.model(red, 3), red, start=start, agrees=lambda p, o: True, time_limit_s=10).retried is False
