"""The planning commands of `wangge`: coverage by area, gaps, siting scenarios, their list and comparison."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from api.cli.jobs import job
from api.cli.output import FORMATS, emit
from api.cli.progress import bar
from api.cli.zh import count, kind_phrase, non_negative, percent, positive, time_of_day
from geo.db import connect
from geo.walking.access import ANY_KIND
from geo.walking.coverage import DEFAULT_LIMIT_M, LEVELS
from geo.walking.gaps import DEFAULT_RESOLUTION

LEVEL_LABELS = {"street": "街道", "community": "社区", "grid": "网格"}
AREA_COLUMNS = (("code", "编码"), ("name", "名称"), ("residents", "居民"), ("covered", "已覆盖"),
                ("uncovered", "未覆盖"), ("share", "覆盖率"))


def add_commands(commands: argparse._SubParsersAction, url: Callable[[], str]) -> None:
    """Register `coverage`, `gaps`, `site`, `scenarios` and `compare`; `url` gives DATABASE_URL."""
    cmd = commands.add_parser("coverage", help="按街道、社区或网格统计步行覆盖率", description="步行可达驿站的居民及其比例，"
                              "按区域列出，覆盖率最低的在前", examples=("wangge coverage --level grid --at 22:00",
                                                              "wangge coverage --kind 城市驿站 --format csv > 覆盖率.csv"))
    _common(cmd, ANY_KIND, url)
    cmd.add_argument("--level", choices=LEVELS, default="street", help="统计层级：street 街道、community 社区、grid 网格")
    cmd.add_argument("--top", type=count, default=20, help="表格显示的行数（0 为全部；csv、json 总是全部）")
    cmd.set_defaults(run=_coverage)

    cmd = commands.add_parser("gaps", help="计算并保存覆盖缺口", description="保存步行可达范围外的住宅楼及其居民的 H3 六边形",
                              examples=("wangge gaps", "wangge gaps --kind 城市驿站 --at 22:00 --format json"))
    _common(cmd, ANY_KIND, url)
    cmd.add_argument("--resolution", type=count, default=DEFAULT_RESOLUTION, help="H3 分辨率（10 约150米）")
    cmd.set_defaults(run=_gaps)

    _site_command(commands, url)

    cmd = commands.add_parser("scenarios", help="列出已保存的选址方案", description="列出已保存的选址方案，新的在前",
                              examples=("wangge scenarios", "wangge scenarios --format csv"))
    _output(cmd)
    cmd.add_argument("--top", type=count, default=20, help="表格显示的行数（0 为全部）")
    cmd.set_defaults(run=_scenarios, url=url)

    cmd = commands.add_parser("compare", help="按街道对比两个选址方案", description="两个已保存的选址方案，按街道对比覆盖率",
                              examples=("wangge compare 1 2", "wangge compare 新增5处驿站（全部类型） 覆盖95%所需最少站点"))
    cmd.add_argument("first", help="方案一：编号或名称")
    cmd.add_argument("second", help="方案二：编号或名称")
    _output(cmd)
    cmd.set_defaults(run=_compare, url=url)


def _output(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--format", choices=FORMATS, default="table", help="输出格式：table 表格、csv、json")


def _common(cmd: argparse.ArgumentParser, kind_default: str, url: Callable[[], str]) -> None:
    cmd.add_argument("--kind", default=kind_default, help=f"驿站类型，“{ANY_KIND}”为任一类型")
    cmd.add_argument("--at", type=time_of_day, default=None, help="时刻 HH:MM：只计此时开放的驿站")
    cmd.add_argument("--include-planned", action="store_true", help="计入规划中的驿站")
    cmd.add_argument("--limit-m", type=positive, default=DEFAULT_LIMIT_M, help="步行距离上限（米），1000米约15分钟")
    _output(cmd)
    cmd.set_defaults(url=url)


def _site_command(commands: argparse._SubParsersAction, url: Callable[[], str]) -> None:
    cmd = commands.add_parser("site", help="为新驿站选址（最大覆盖）并保存方案", description="在候选站址中选出覆盖最多"
                              "未覆盖居民的新站址，或达到覆盖目标所需的最少站址，并保存为方案",
                              examples=("wangge site --k 5 --kind 城市驿站",
                                        "wangge site --target 85 --kind 暖新驿站 --at 23:00 --worker-weight 10",
                                        "wangge site --k 10 --candidates network --incident-weight 1 --method fast"))
    _common(cmd, "城市驿站", url)
    wanted = cmd.add_mutually_exclusive_group()
    wanted.add_argument("--k", type=count, help="新站数量（默认5）")
    wanted.add_argument("--target", type=percent, help="覆盖目标（占全部需求的百分比）：求最少站点数")
    cmd.add_argument("--name", help="方案名称（默认由参数生成）")
    cmd.add_argument("--replace", action="store_true", help="删除同名的已存方案")
    cmd.add_argument("--method", choices=("exact", "fast", "greedy"), default="exact",
                     help="exact 精确（HiGHS，可证明最优）；fast 贪心+拉格朗日+交换；greedy 贪心")
    cmd.add_argument("--time-limit", type=positive, default=60.0, help="求解时限（秒）")
    cmd.add_argument("--incident-weight", type=non_negative, default=0.0, help="按事件密度提高需求权重（0：只计居民）")
    cmd.add_argument("--worker-weight", type=non_negative, default=0.0, help="聚集点每名外卖、快递员折算的居民数")
    cmd.add_argument("--candidates", choices=("layer", "network"), default="layer",
                     help="layer 候选站址图层；network 沿步行路网均匀取点")
    cmd.add_argument("--spacing-m", type=positive, default=150.0, help="路网候选点间距（米）")
    cmd.add_argument("--force-in", nargs="+", default=[], metavar="编码", help="必选站址（候选站址编码，可多个）")
    cmd.add_argument("--force-out", nargs="+", default=[], metavar="编码", help="排除站址（候选站址编码，可多个）")
    cmd.set_defaults(run=_site)


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def _coverage(args: argparse.Namespace) -> int:
    from geo.walking import coverage

    with connect(args.url()) as conn:
        rows = coverage.by_area(conn, args.level, kind=args.kind, at=args.at, include_planned=args.include_planned,
                                limit_m=args.limit_m)
    if args.format == "table":
        total = coverage.totals(rows)
        when = f"{args.at:%H:%M}开放的" if args.at else ""
        print(f"步行{args.limit_m:g}米内有{when}{kind_phrase(args.kind)}的居民：{total['covered']:,} / "
              f"{total['residents']:,}（{_share(total['covered'], total['residents'])}）；"
              f"按{LEVEL_LABELS[args.level]}，覆盖率最低的在前：")
    emit([{**r, "share": _share(r["covered"], r["residents"]) if args.format == "table" else r.get("share")}
          for r in rows], AREA_COLUMNS, args.format, top=args.top, hint="：--top 0 显示全部，或 --format csv")
    return 0


def _gaps(args: argparse.Namespace) -> int:
    from geo.walking import gaps

    detail = {"kind": args.kind, "at": args.at, "include_planned": args.include_planned, "limit_m": args.limit_m,
              "resolution": args.resolution}
    with connect(args.url()) as conn, job(conn, "gaps", "覆盖缺口重算", "gap_runs", detail):
        report = gaps.recompute(conn, kind=args.kind, at=args.at, include_planned=args.include_planned,
                                limit_m=args.limit_m, resolution=args.resolution)
        conn.commit()
    row = {"run_id": report.run_id, "buildings": report.buildings, "uncovered_residents": report.uncovered_residents,
           "residents": report.residents, "uncovered_share": report.uncovered_share, "hexagons": report.hexagons}
    if args.format != "table":
        emit([row], [(k, k) for k in row], args.format)
        return 0
    print(f"覆盖缺口：{report.buildings}栋住宅楼、{report.uncovered_residents:,}名居民"
          f"（{_share(report.uncovered_residents, report.residents)}）步行{args.limit_m:g}米内没有"
          f"{kind_phrase(args.kind)}，汇总为{report.hexagons}个H3六边形（分辨率{args.resolution}）")
    return 0


def _site(args: argparse.Namespace) -> int:
    from geo.planning import scenarios

    k = None if args.target is not None else (args.k if args.k is not None else 5)
    share = args.target / 100 if args.target is not None else None
    name = args.name or (f"{kind_phrase(args.kind)}新增{k}处" if k is not None else
                         f"{kind_phrase(args.kind)}覆盖{args.target:g}%")
    inputs = scenarios.ScenarioInputs(
        name, kind=args.kind, k=k, target_share=share, at=args.at, include_planned=args.include_planned,
        limit_m=args.limit_m, method=args.method, time_limit_s=args.time_limit,
        incident_weight=args.incident_weight, worker_weight=args.worker_weight, candidates=args.candidates,
        spacing_m=args.spacing_m, force_in=tuple(args.force_in), force_out=tuple(args.force_out))
    with (connect(args.url()) as conn, job(conn, "siting", "选址求解", "siting_scenarios", {"name": name}),
          bar("选址") as progress):
        scenario_id = scenarios.run(conn, inputs, replace=args.replace, progress=progress)
        scenario = scenarios.read(conn, scenario_id)
    sites = scenario["sites_chosen"]
    if args.format != "table":
        emit(sites, [(k, k) for k in ("rank", "code", "name", "newly_covered", "lon", "lat")], args.format)
        return 0
    print(f"选址方案{scenario_id}“{name}”：{scenarios.verdict(scenario)}")
    print(f"  居民覆盖：{_share(scenario['covered_before'], scenario['residents'])} → "
          f"{_share(scenario['covered_after'], scenario['residents'])}"
          f"（新增覆盖{scenario['covered_after'] - scenario['covered_before']:,}人）")
    emit(sites, (("rank", "序号"), ("code", "站址"), ("name", "名称"), ("newly_covered", "新增覆盖"),
                 ("lon", "经度"), ("lat", "纬度")), "table")
    changed = [s for s in scenario["streets"] if s["covered_after"] != s["covered_before"]]
    for street in changed:
        print(f"  {street['street_name']}：{_share(street['covered_before'], street['residents'])} → "
              f"{_share(street['covered_after'], street['residents'])}")
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from geo.planning import scenarios

    with connect(args.url()) as conn:
        rows = scenarios.listing(conn)
    out = []
    for r in rows:
        inputs = r["inputs"] or {}
        wanted = f"k={inputs['k']}" if inputs.get("k") is not None else f"目标{100 * float(inputs.get('target_share') or 0):g}%"
        out.append({"id": r["id"], "name": r["name"], "kind": inputs.get("kind"), "wanted": wanted,
                    "sites": r["sites"], "before": _share(r["covered_before"], r["residents"]),
                    "after": _share(r["covered_after"], r["residents"]), "created_at": r["created_at"]})
    emit(out, (("id", "编号"), ("name", "名称"), ("kind", "类型"), ("wanted", "要求"), ("sites", "新站"),
               ("before", "覆盖率（前）"), ("after", "覆盖率（后）"), ("created_at", "时间")), args.format,
         top=args.top, hint="：--top 0 显示全部")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from geo.planning import scenarios

    with connect(args.url()) as conn:
        result = scenarios.compare(conn, scenarios.resolve(conn, args.first), scenarios.resolve(conn, args.second))
    a, b = result["first"], result["second"]
    rows = [{"street": r["street_name"], "before": _share(r["covered_before"], r["residents"]),
             "first": _share(r["covered_after_first"] or 0, r["residents"]),
             "second": _share(r["covered_after_second"], r["residents"])} for r in result["streets"]]
    if args.format == "table":
        for label, s in (("方案一", a), ("方案二", b)):
            print(f"{label} {s['id']}“{s['name']}”：{s['sites']}处新站，居民覆盖"
                  f"{_share(s['covered_before'], s['residents'])} → {_share(s['covered_after'], s['residents'])}")
    emit(rows, (("street", "街道"), ("before", "现状"), ("first", f"方案一（{a['id']}）"),
                ("second", f"方案二（{b['id']}）")), args.format)
    return 0
