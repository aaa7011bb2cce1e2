"""The `wangge` command line: migrate, generate the demo, load layers, serve the app."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from api.cli import planning as cli_siting
from api.errors import cli_step
from geo.db import connect
from geo.db.migrate import migrate
from geo.errors import DatabaseUnavailable, NotComputed, WanggeError
from geo.layers import loader
from geo.settings import DatabaseSettings
from geo.walking.circles import DEFAULT_BUFFER_M, DEFAULT_MINUTES, DEFAULT_SPEED_KMH

METHOD_LABELS = {"inside": "网格内", "nearest": "就近兜底", "out_of_area": "辖区外待处理",
                 "no_location": "无坐标", "manual": "人工分派"}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `wangge` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except NotComputed as exc:
        print(f"错误：{exc}：请先运行 {cli_step(exc)}", file=sys.stderr)
        return 1
    except WanggeError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wangge", description="网格化治理 GIS 服务")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    cmd = commands.add_parser("migrate", help="apply pending database migrations")
    cmd.set_defaults(run=_migrate)

    cmd = commands.add_parser("generate", help="write the synthetic demo district")
    cmd.add_argument("out_dir", type=Path)
    cmd.add_argument("--seed", type=int, default=None)
    cmd.add_argument("--scale", type=float, default=1.0, help="size of the study area (1 = full demo)")
    cmd.set_defaults(run=_generate)

    cmd = commands.add_parser("load", help="import a layer file, or a folder of layer files")
    cmd.add_argument("path", type=Path, help="file (.gpkg .geojson .zip .shp .csv) or folder")
    cmd.add_argument("--layer", help="target layer (default: the file name without suffix)")
    cmd.add_argument("--crs", help="declare the input CRS: EPSG:xxxx, wgs84, cgcs2000, gcj02, bd09")
    cmd.add_argument("--source-layer", help="layer inside a multi-layer file")
    cmd.add_argument("--skip-bad-rows", action="store_true", help="load the good rows, report the others")
    cmd.add_argument("--accept-problems", action="store_true",
                     help="keep features failing nesting/overlap/area checks (recorded in the imports log)")
    cmd.add_argument("--replace", action="store_true", help="also delete stored features absent from the input")
    cmd.set_defaults(run=_load)

    cmd = commands.add_parser("load-osm", help="replace the walking network with an OpenStreetMap .pbf extract")
    cmd.add_argument("path", type=Path)
    cmd.add_argument("--bbox", help="west,south,east,north in degrees (EPSG:4326)")
    cmd.set_defaults(run=_load_osm)

    cmd = commands.add_parser("circles", help="compute walking circles of the stations that need them")
    cmd.add_argument("--minutes", default=",".join(f"{m:g}" for m in DEFAULT_MINUTES),
                     help="walking times in minutes, comma-separated")
    cmd.add_argument("--speed-kmh", type=float, default=DEFAULT_SPEED_KMH)
    cmd.add_argument("--buffer-m", type=float, default=DEFAULT_BUFFER_M)
    cmd.add_argument("--full", action="store_true", help="recompute every station")
    cmd.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    cmd.set_defaults(run=_circles)

    cmd = commands.add_parser("access", help="walking distance from every building to its nearest station")
    cmd.add_argument("--at", type=dt.time.fromisoformat, default=None,
                     help="time of day HH:MM: only stations open then count")
    cmd.add_argument("--include-planned", action="store_true")
    cmd.set_defaults(run=_access)

    cli_siting.add_commands(commands, _url)

    cmd = commands.add_parser("import-incidents", help="import a 12345 hotline CSV export of incidents")
    cmd.add_argument("path", type=Path)
    cmd.add_argument("--good-rows-only", action="store_true", help="store the good rows, report the others")
    cmd.set_defaults(run=_import_incidents)

    cmd = commands.add_parser("reassign", help="assign every incident to its grid again")
    cmd.set_defaults(run=_reassign)

    cmd = commands.add_parser("serve", help="serve the web app and API")
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--port", type=int, default=8000)
    cmd.set_defaults(run=_serve)
    return parser


def _url() -> str:
    if not (os.environ.get("DATABASE_URL") or os.environ.get("WANGGE_DB_URL")):
        raise DatabaseUnavailable("未设置 DATABASE_URL（如 postgresql://用户@主机:端口/库名）；"
                                  "在项目目录中可用 export DATABASE_URL=$(scripts/localdb.sh url)")
    return DatabaseSettings().url


def _migrate(args: argparse.Namespace) -> int:
    with connect(_url()) as conn:
        applied = migrate(conn)
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied) or "无（已是最新）"
    print(f"已执行迁移：{names}")
    return 0


def _generate(args: argparse.Namespace) -> int:
    from data.generate import DEFAULT_SEED, generate

    counts = generate(args.out_dir, seed=DEFAULT_SEED if args.seed is None else args.seed, scale=args.scale)
    print(f"示例数据已写入 {args.out_dir}：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def _load(args: argparse.Namespace) -> int:
    options = loader.LoadOptions(crs=args.crs, source_layer=args.source_layer,
                                 on_error="skip" if args.skip_bad_rows else "reject",
                                 accept_problems=args.accept_problems, replace=args.replace)
    with connect(_url()) as conn:
        if args.path.is_dir():
            _, ignored = loader.layer_files(args.path)
            reports = loader.load_directory(conn, args.path, options)
            if ignored:
                print("未作为图层导入的文件：" + "、".join(p.name for p in ignored))
        else:
            reports = [loader.load_file(conn, args.path, args.layer, options)]
    for report in reports:
        print(f"{report.layer}：读取{report.rows_read}行，导入{report.rows_loaded}行"
              f"（坐标系：{report.source_crs}；修复几何{len(report.repaired_rows)}个）")
        for problem in report.skipped:
            print(f"  跳过 {problem}")
        for problem in report.accepted_problems:
            print(f"  保留但有问题 {problem}")
    return 0


def _load_osm(args: argparse.Namespace) -> int:
    from geo.layers import osm
    from geo.layers.export import BBox

    box = BBox.parse(args.bbox) if args.bbox else None
    with connect(_url()) as conn, conn.transaction():
        bounds = (box.west, box.south, box.east, box.north) if box else None
        edges, nodes = osm.import_pbf(conn, args.path, bounding_box=bounds)
    print(f"步行路网已替换为 {args.path.name}：{edges}条路段，{nodes}个节点；请运行 wangge circles 更新步行圈")
    return 0


def _circles(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from geo import map_data
    from geo.walking import store as circle_store
    from geo.walking.access import ANY_KIND
    from geo.walking.circles import WalkParams

    try:
        params = WalkParams(tuple(float(m) for m in args.minutes.split(",")), args.speed_kmh, args.buffer_m)
    except ValueError as exc:
        raise WanggeError(f"参数错误：{exc}") from None
    with connect(_url()) as conn, tqdm(unit="站", desc="步行圈") as bar:
        report = circle_store.recompute(conn, params, full=args.full, workers=args.workers,
                                        progress=bar.update, on_total=lambda n: bar.reset(total=n))
        conn.commit()
        for minutes in params.minutes:  # the coverage map's default view, ready before anyone opens it
            map_data.store_ring_union(conn, kind=ANY_KIND, at=None, minutes=minutes)
    print(f"步行圈：重算{report.computed}个驿站，沿用{report.kept}个，用时{report.seconds:.1f}秒"
          f"（{'、'.join(f'{m:g}' for m in params.minutes)}分钟，{params.speed_kmh:g}公里/小时，缓冲{params.buffer_m:g}米）")
    if report.off_network:
        print("离步行路网过远、未计算的驿站：" + "、".join(report.off_network))
    return 0


def _access(args: argparse.Namespace) -> int:
    from geo.walking import access

    with connect(_url()) as conn:
        report = access.recompute(conn, at=args.at, include_planned=args.include_planned)
    when = f"{args.at:%H:%M}开放的" if args.at else ""
    print(f"可达性：{report.buildings}栋楼、{report.nodes}个路网节点到最近{when}驿站（共{report.stations}个）的步行距离已更新")
    return 0


def _import_incidents(args: argparse.Namespace) -> int:
    from geo.incidents.csv_import import import_csv

    with connect(_url()) as conn:
        report = import_csv(conn, args.path, good_rows_only=args.good_rows_only)
    methods = "，".join(f"{METHOD_LABELS.get(k, k)}{v}件" for k, v in sorted(report.assignment.items()))
    print(f"事件：读取{report.rows_read}行，新增{report.stored}件，已存在{report.already_present}件"
          f"，跳过{len({p.row for p in report.skipped})}行（{methods or '无新增'}）")
    for problem in report.skipped[:20]:
        print(f"  跳过 {problem}")
    if len(report.skipped) > 20:
        print(f"  ……另有{len(report.skipped) - 20}个问题")
    return 0


def _reassign(args: argparse.Namespace) -> int:
    from geo.incidents.intake import reassign

    with connect(_url()) as conn:
        counts = reassign(conn)
    print("事件已重新分派：" + "，".join(f"{METHOD_LABELS.get(k, k)}{v}件" for k, v in counts.items()))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port)
    return 0
