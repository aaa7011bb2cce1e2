"""Planning new stations: siting models (maximal covering, fewest sites for a share) and their proofs."""

from geo.planning.cover import min_sites_for_share
from geo.planning.problem import Candidates, CoverResult, Reduction, SitingProblem, SitingResult
from geo.planning.siting import fast_mclp, greedy, solve_mclp

__all__ = ["Candidates", "CoverResult", "Reduction", "SitingProblem", "SitingResult", "fast_mclp", "greedy",
           "min_sites_for_share", "solve_mclp"]
