"""The `wangge` command line: migrate, generate the demo, load layers, serve the app."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import metadata
from pathlib import Path

from api.cli import planning as cli_planning
from api.cli import report as cli_report
from api.cli import users as cli_users
from api.cli.jobs import job
from api.cli.progress import bar
from api.cli.zh import Parser, count, non_negative, positive, time_of_day
from geo.db import connect, reader
from geo.db.migrate import migrate
from geo.errors import DatabaseUnavailable, WanggeError
from geo.layers import loader
from geo.settings import DatabaseSettings
from geo.walking.circles import DEFAULT_BUFFER_M, DEFAULT_MINUTES, DEFAULT_SPEED_KMH

METHOD_LABELS = {"inside": "网格内", "nearest": "就近兜底", "out_of_area": "辖区外待处理",
                 "no_location": "无坐标", "manual": "人工分派"}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `wangge` console script; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except WanggeError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1


def _parser() -> Parser:
    parser = Parser(prog="wangge", description="网格化治理 GIS 服务：图层、步行圈与覆盖、选址、事件。\n"
                                               "每个命令的用法：wangge 命令 --help",
                    examples=("wangge load data/demo", "wangge site --k 5 --kind 城市驿站"))
    parser.add_argument("--version", action="version", version=f"wangge {_version()}", help="显示版本号并退出")
    commands = parser.add_subparsers(required=True, metavar="命令", parser_class=Parser)
    _data_commands(commands)
    _walking_commands(commands)
    cli_planning.add_commands(commands, _url)
    _incident_commands(commands)
    cli_users.add_commands(commands, _url)
    cli_report.add_commands(commands, _url)
    cmd = commands.add_parser("serve", help="启动网页与 API 服务", description="启动网页与 API 服务",
                              examples=("wangge serve --host 0.0.0.0 --port 8000",))
    cmd.add_argument("--host", default="127.0.0.1", help="监听地址")
    cmd.add_argument("--port", type=count, default=8000, help="端口")
    cmd.set_defaults(run=_serve)
    return parser


def _version() -> str:
    try:
        return metadata.version("wangge")
    except metadata.PackageNotFoundError:
        return "未安装"


def _data_commands(commands) -> None:
    cmd = commands.add_parser("migrate", help="执行数据库迁移", description="执行尚未执行的数据库迁移",
                              examples=("wangge migrate",))
    cmd.set_defaults(run=_migrate)

    cmd = commands.add_parser("generate", help="生成示例城区数据", description="生成示例城区（长治市潞州区）的图层与事件文件",
                              examples=("wangge generate data/demo", "wangge generate /tmp/small --seed 7 --scale 0.3"))
    cmd.add_argument("out_dir", type=Path, help="输出目录")
    cmd.add_argument("--seed", type=int, default=None, help="随机种子（同一种子生成相同文件；默认 20261122）")
    cmd.add_argument("--scale", type=positive, default=1.0, help="研究区大小（1 为完整示例）")
    cmd.set_defaults(run=_generate)

    cmd = commands.add_parser("load", help="导入图层文件或目录", description="导入图层文件，或目录中的全部图层文件（先上级后下级）；"
                              "一次导入为一个事务，有问题则全部不写入",
                              examples=("wangge load grids.gpkg", "wangge load wangge_2026.zip --layer grids",
                                        "wangge load stations.csv --crs gcj02", "wangge load data/demo --replace"))
    cmd.add_argument("path", type=Path, help="文件（.gpkg .geojson .zip .shp .csv）或目录")
    cmd.add_argument("--layer", help="目标图层（默认取文件名）")
    cmd.add_argument("--crs", help="声明输入坐标系：EPSG:xxxx、wgs84、cgcs2000、gcj02、bd09")
    cmd.add_argument("--source-layer", help="多图层文件中的图层名")
    cmd.add_argument("--skip-bad-rows", action="store_true", help="导入合格行，列出其余行")
    cmd.add_argument("--accept-problems", action="store_true", help="保留未通过嵌套、重叠、辖区检查的要素（记入导入日志）")
    cmd.add_argument("--replace", action="store_true", help="同时删除文件中没有的已存要素")
    cmd.add_argument("--public-attrs", help="可公开的额外字段，逗号分隔（其余额外字段不对外发布；仅单个文件）")
    cmd.set_defaults(run=_load)

    cmd = commands.add_parser("load-osm", help="用 OpenStreetMap 数据替换步行路网",
                              description="用 OpenStreetMap .pbf 文件替换步行路网",
                              examples=("wangge load-osm city.osm.pbf --bbox 113.05,36.15,113.20,36.25",))
    cmd.add_argument("path", type=Path, help=".osm.pbf 文件")
    cmd.add_argument("--bbox", help="范围：西,南,东,北（度，EPSG:4326）")
    cmd.set_defaults(run=_load_osm)


def _walking_commands(commands) -> None:
    cmd = commands.add_parser("circles", help="计算需要更新的步行圈", description="计算新增、移动或参数变化的驿站的步行圈",
                              examples=("wangge circles", "wangge circles --minutes 15 --speed-kmh 4.5 --full"))
    cmd.add_argument("--minutes", default=",".join(f"{m:g}" for m in DEFAULT_MINUTES), help="步行时间（分钟），逗号分隔")
    cmd.add_argument("--speed-kmh", type=positive, default=DEFAULT_SPEED_KMH, help="步行速度（公里/小时）")
    cmd.add_argument("--buffer-m", type=non_negative, default=DEFAULT_BUFFER_M, help="路网缓冲距离（米）")
    cmd.add_argument("--full", action="store_true", help="全部驿站重算")
    cmd.add_argument("--workers", type=count, default=os.cpu_count() or 1, help="并行进程数")
    cmd.set_defaults(run=_circles)

    cmd = commands.add_parser("access", help="计算每栋楼到最近驿站的步行距离", description="计算每栋楼、每个路网节点到最近驿站"
                              "（按类型）的步行距离", examples=("wangge access", "wangge access --at 22:00"))
    cmd.add_argument("--at", type=time_of_day, default=None, help="时刻 HH:MM：只计此时开放的驿站")
    cmd.add_argument("--include-planned", action="store_true", help="计入规划中的驿站")
    cmd.set_defaults(run=_access)


def _incident_commands(commands) -> None:
    cmd = commands.add_parser("import-incidents", help="导入 12345 热线事件 CSV", description="导入 12345 热线导出的事件"
                              " CSV；默认有任何坏行则全部不写入", examples=("wangge import-incidents export.csv",
                                                              "wangge import-incidents export.csv --good-rows-only"))
    cmd.add_argument("path", type=Path, help="CSV 文件（UTF-8 或 GB18030）")
    cmd.add_argument("--good-rows-only", action="store_true", help="只写入合格行，列出其余行")
    cmd.set_defaults(run=_import_incidents)

    cmd = commands.add_parser("import-history", help="导入事件办理记录 CSV", description="导入事件的办理记录（受理之后的每一步："
                              "办理、反馈、办结、退回、上报……），按流转规则逐条检查；默认有任何坏行则全部不写入；"
                              "已有办理记录的事件保持不变，重复导入不会重复写入", examples=(
                                  "wangge import-history data/demo/incident_history.csv",
                                  "wangge import-history history.csv --good-rows-only"))
    cmd.add_argument("path", type=Path, help="CSV 文件（UTF-8 或 GB18030）：request_id, at, actor, action，"
                                             "可选 note, feedback_way, satisfied, deadline, co_departments")
    cmd.add_argument("--good-rows-only", action="store_true", help="只写入没有坏行的事件，列出其余事件及原因")
    cmd.set_defaults(run=_import_history)

    cmd = commands.add_parser("reassign", help="重新把全部事件分派到网格", description="网格边界变化后，重新分派全部有坐标的事件"
                              "（人工分派的除外）", examples=("wangge reassign",))
    cmd.set_defaults(run=_reassign)


def _url() -> str:
    if not (os.environ.get("DATABASE_URL") or os.environ.get("WANGGE_DB_URL")):
        raise DatabaseUnavailable("未设置 DATABASE_URL（如 postgresql://用户@主机:端口/库名）；"
                                  "在项目目录中可用 export DATABASE_URL=$(scripts/localdb.sh url)")
    return DatabaseSettings().url


def _migrate(args: argparse.Namespace) -> int:
    settings = DatabaseSettings()
    with connect(_url()) as conn:
        applied = migrate(conn)
        if settings.reader_password:
            reader.set_password(conn, settings.reader_password)
            conn.commit()
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
            with bar("导入图层", "个文件") as progress:
                reports = loader.load_directory(conn, args.path, options, progress=progress)
            if ignored:
                print("未作为图层导入的文件：" + "、".join(p.name for p in ignored))
        else:
            reports = [loader.load_file(conn, args.path, args.layer, options)]
            if args.public_attrs is not None:
                from geo.layers import export
                from geo.layers.schema import get_layer

                names = [n.strip() for n in args.public_attrs.split(",") if n.strip()]
                export.declare_public(conn, get_layer(reports[0].layer), names)
                conn.commit()
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
    with connect(_url()) as conn, conn.transaction(), bar("导入路网") as progress:
        bounds = (box.west, box.south, box.east, box.north) if box else None
        edges, nodes = osm.import_pbf(conn, args.path, bounding_box=bounds, progress=progress)
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
    detail = {"minutes": list(params.minutes), "speed_kmh": params.speed_kmh, "buffer_m": params.buffer_m,
              "full": args.full}
    with (connect(_url()) as conn, job(conn, "circles", "步行圈重算", "walk_circles", detail),
          tqdm(unit="站", desc="步行圈", disable=None) as line):
        report = circle_store.recompute(conn, params, full=args.full, workers=args.workers,
                                        progress=line.update, on_total=lambda n: line.reset(total=n))
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

    detail = {"at": args.at, "include_planned": args.include_planned}
    with connect(_url()) as conn, job(conn, "access", "可达性重算", "access_runs", detail), \
            bar("步行可达性", "类") as progress:
        report = access.recompute(conn, at=args.at, include_planned=args.include_planned, progress=progress)
    when = f"{args.at:%H:%M}开放的" if args.at else ""
    print(f"可达性：{report.buildings}栋楼、{report.nodes}个路网节点到最近{when}驿站（共{report.stations}个）的步行距离已更新")
    return 0


def _import_incidents(args: argparse.Namespace) -> int:
    from geo.incidents.csv_import import import_csv

    with connect(_url()) as conn, bar("检查事件", "行") as progress:
        report = import_csv(conn, args.path, good_rows_only=args.good_rows_only, progress=progress)
    methods = "，".join(f"{METHOD_LABELS.get(k, k)}{v}件" for k, v in sorted(report.assignment.items()))
    print(f"事件：读取{report.rows_read}行，新增{report.stored}件，已存在{report.already_present}件"
          f"，跳过{len({p.row for p in report.skipped})}行（{methods or '无新增'}）")
    for problem in report.skipped[:20]:
        print(f"  跳过 {problem}")
    if len(report.skipped) > 20:
        print(f"  ……另有{len(report.skipped) - 20}个问题")
    return 0


def _import_history(args: argparse.Namespace) -> int:
    from geo.incidents.history_import import import_history

    with connect(_url()) as conn, bar("检查办理记录", "行") as progress:
        report = import_history(conn, args.path, good_rows_only=args.good_rows_only, progress=progress)
    print(f"办理记录：读取{report.rows_read}行，{report.incidents}件事件写入{report.events}条记录，"
          f"已有办理记录（未改动）{report.already_present}件，跳过{len(report.skipped_incidents)}件")
    if report.skipped_incidents:
        shown = report.skipped_incidents[:20]
        print("  跳过的事件：" + "、".join(shown) + (f"……共{len(report.skipped_incidents)}件" if len(shown) <
                                                      len(report.skipped_incidents) else ""))
    for problem in report.skipped[:20]:
        print(f"  问题 {problem}")
    if len(report.skipped) > 20:
        print(f"  ……另有{len(report.skipped) - 20}个问题")
    return 0


def _reassign(args: argparse.Namespace) -> int:
    from geo.incidents.intake import reassign

    with connect(_url()) as conn, bar("重新分派") as progress:
        counts = reassign(conn, progress=progress)
    print("事件已重新分派：" + "，".join(f"{METHOD_LABELS.get(k, k)}{v}件" for k, v in counts.items()))
    return 0


def _serve(args: argparse.Namespace) -> int:
    import logging

    import uvicorn

    from api.app import create_app

    # Our access log (api/access_log.py) leaves out query strings, which may carry personal data.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run(create_app(), host=args.host, port=args.port, access_log=False)
    return 0
