"""Candidates a planner forces into or out of every answer.

Forced-out candidates are dropped before the problem is built. Forced-in ones are fixed like
existing stations: what they cover is no longer demand, and the solver chooses the remaining
k − f sites among the others, so its optimality proof holds for the answers that include
them. The stored figures then count the forced sites' gain too (objective and bound both
raised by it), so a scenario reads the same with or without forcing.
"""

from __future__ import annotations

import numpy as np

from geo.errors import BadRequest


def split(codes: np.ndarray, force_in: tuple[str, ...], force_out: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(kept, forced) masks over the candidates `codes`; BadRequest naming codes that are not candidates."""
    check(set(codes.tolist()), force_in, force_out)
    return ~np.isin(codes, list(force_out)), np.isin(codes, list(force_in))


def check(known: set[str], force_in: tuple[str, ...], force_out: tuple[str, ...]) -> None:
    """BadRequest naming the forced codes that are not among the `known` candidate codes."""
    unknown = [c for c in (*force_in, *force_out) if c not in known]
    if unknown:
        raise BadRequest(f"候选站址中没有“{'、'.join(unknown)}”（必选或排除的站址须为候选站址编码）")


def with_forced(report: dict[str, object], gain: float, forced: int) -> dict[str, object]:
    """The solver's `report` for the whole answer: objective and bound raised by the forced sites' `gain`."""
    if forced == 0:
        return report
    objective = float(report["objective"]) + gain
    bound = None if report["bound"] is None else float(report["bound"]) + gain
    gap = None if bound is None else (max(bound - objective, 0.0) / bound if bound > 0 else 0.0)
    return {**report, "objective": objective, "bound": bound, "gap": gap, "forced_in": forced, "forced_gain": gain}
