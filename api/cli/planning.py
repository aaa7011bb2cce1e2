"""The planning commands of `wangge`: coverage by area, coverage gaps, siting scenarios."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable

from geo.db import connect
from geo.walking.access import ANY_KIND
from geo.walking.coverage import DEFAULT_LIMIT_M, LEVELS
from geo.walking.gaps import DEFAULT_RESOLUTION

LEVEL_LABELS = {"street": "街道", "community": "社区", "grid": "网格"}


def add_commands(commands: argparse._SubParsersAction, url: Callable[[], str]) -> None:
    """Register `coverage`, `gaps`, `site` and `compare` on the `wangge` parser; `url` gives DATABASE_URL."""

    def common(cmd: argparse.ArgumentParser, kind_default: str) -> None:
        cmd.add_argument("--kind", default=kind_default, help=f"station kind, or {ANY_KIND} (any kind)")
        cmd.add_argument("--at", type=dt.time.fromisoformat, default=None,
                         help="time of day HH:MM: only stations open then count")
        cmd.add_argument("--include-planned", action="store_true")
        cmd.add_argument("--limit-m", type=float, default=DEFAULT_LIMIT_M, help="walking distance (m)")
        cmd.set_defaults(url=url)

    cmd = commands.add_parser("coverage", help="residents within walking reach of a station, per area, worst first")
    common(cmd, ANY_KIND)
    cmd.add_argument("--level", choices=LEVELS, default="street")
    cmd.add_argument("--top", type=int, default=20, help="rows to print")
    cmd.set_defaults(run=_coverage)

    cmd = commands.add_parser("gaps", help="store the uncovered buildings and H3 hexagons of uncovered residents")
    common(cmd, ANY_KIND)
    cmd.add_argument("--resolution", type=int, default=DEFAULT_RESOLUTION, help="H3 resolution (10: ~150 m)")
    cmd.set_defaults(run=_gaps)

    cmd = commands.add_parser("site", help="propose new station sites (maximal covering) and store the scenario")
    common(cmd, "城市驿站")
    wanted = cmd.add_mutually_exclusive_group()
    wanted.add_argument("--k", type=int, help="number of new sites (default 5)")
    wanted.add_argument("--target", type=float, help="coverage to reach, in %% of all demand: fewest sites")
    cmd.add_argument("--name", help="scenario name (default: made from the inputs)")
    cmd.add_argument("--replace", action="store_true", help="delete stored scenarios of the same name")
    cmd.add_argument("--method", choices=("exact", "fast", "greedy"), default="exact",
                     help="exact: HiGHS, proven optimum; fast: greedy + Lagrangian + swaps; greedy: plain greedy")
    cmd.add_argument("--time-limit", type=float, default=60.0, help="solver time limit (s)")
    cmd.add_argument("--incident-weight", type=float, default=0.0,
                     help="raise demand where incidents are dense (0: residents only)")
    cmd.add_argument("--worker-weight", type=float, default=0.0,
                     help="count each delivery/courier worker at a gathering point as this many residents")
    cmd.add_argument("--candidates", choices=("layer", "network"), default="layer",
                     help="the candidates layer, or points spread over the walking network")
    cmd.add_argument("--spacing-m", type=float, default=150.0, help="spacing of network candidates (m)")
    cmd.set_defaults(run=_site)

    cmd = commands.add_parser("compare", help="compare two stored siting scenarios, per street")
    cmd.add_argument("first", type=int)
    cmd.add_argument("second", type=int)
    cmd.set_defaults(run=_compare, url=url)


def _percent(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _coverage(args: argparse.Namespace) -> int:
    from geo.walking import coverage

    with connect(args.url()) as conn:
        rows = coverage.by_area(conn, args.level, kind=args.kind, at=args.at, include_planned=args.include_planned,
                                limit_m=args.limit_m)
    total = coverage.totals(rows)
    when = f"{args.at:%H:%M}开放的" if args.at else ""
    print(f"步行{args.limit_m:g}米内有{when}{args.kind}驿站的居民：{total['covered']:,} / {total['residents']:,}"
          f"（{_percent(total['covered'], total['residents'])}）；按{LEVEL_LABELS[args.level]}，覆盖率最低的在前：")
    for row in rows[:args.top]:
        print(f"  {row['code']}  {row['name'] or '（无）'}  居民{row['residents']:,}  覆盖{row['covered']:,}"
              f"（{_percent(row['covered'], row['residents'])}）  未覆盖{row['uncovered']:,}")
    return 0


def _gaps(args: argparse.Namespace) -> int:
    from geo.walking import gaps

    with connect(args.url()) as conn:
        report = gaps.recompute(conn, kind=args.kind, at=args.at, include_planned=args.include_planned,
                                limit_m=args.limit_m, resolution=args.resolution)
    print(f"覆盖缺口：{report.buildings}栋住宅楼、{report.uncovered_residents:,}名居民"
          f"（{_percent(report.uncovered_residents, report.residents)}）步行{args.limit_m:g}米内没有{args.kind}驿站，"
          f"汇总为{report.hexagons}个H3六边形（分辨率{args.resolution}）")
    return 0


def _site(args: argparse.Namespace) -> int:
    from geo.planning import scenarios

    k = None if args.target is not None else (args.k if args.k is not None else 5)
    share = args.target / 100 if args.target is not None else None
    name = args.name or (f"{args.kind}新增{k}处" if k is not None else f"{args.kind}覆盖{args.target:g}%")
    inputs = scenarios.ScenarioInputs(
        name, kind=args.kind, k=k, target_share=share, at=args.at, include_planned=args.include_planned,
        limit_m=args.limit_m, method=args.method, time_limit_s=args.time_limit,
        incident_weight=args.incident_weight, worker_weight=args.worker_weight, candidates=args.candidates,
        spacing_m=args.spacing_m)
    with connect(args.url()) as conn:
        scenario_id = scenarios.run(conn, inputs, replace=args.replace)
        scenario = scenarios.read(conn, scenario_id)
    print(f"选址方案{scenario_id}“{name}”：{scenarios.verdict(scenario)}")
    print(f"  居民覆盖：{_percent(scenario['covered_before'], scenario['residents'])} → "
          f"{_percent(scenario['covered_after'], scenario['residents'])}"
          f"（新增覆盖{scenario['covered_after'] - scenario['covered_before']:,}人）")
    for site in scenario["sites_chosen"]:
        print(f"  {site['rank']}. {site['code']} {site['name'] or ''}  新增覆盖{site['newly_covered']:,}人"
              f"  （{site['lon']:.6f}, {site['lat']:.6f}）")
    for street in scenario["streets"]:
        if street["covered_after"] != street["covered_before"]:
            print(f"  {street['street_name']}：{_percent(street['covered_before'], street['residents'])} → "
                  f"{_percent(street['covered_after'], street['residents'])}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from geo.planning import scenarios

    with connect(args.url()) as conn:
        result = scenarios.compare(conn, args.first, args.second)
    a, b = result["first"], result["second"]
    for label, s in (("方案一", a), ("方案二", b)):
        print(f"{label} {s['id']}“{s['name']}”：{s['sites']}处新站，居民覆盖"
              f"{_percent(s['covered_before'], s['residents'])} → {_percent(s['covered_after'], s['residents'])}")
    for row in result["streets"]:
        print(f"  {row['street_name']}：现状{_percent(row['covered_before'], row['residents'])}，"
              f"方案一{_percent(row['covered_after_first'] or 0, row['residents'])}，"
              f"方案二{_percent(row['covered_after_second'], row['residents'])}")
    return 0
