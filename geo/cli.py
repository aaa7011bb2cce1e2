"""The `wangge` command line: migrate, generate the demo, load layers, serve the app."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geo import loader
from geo.db import connect
from geo.errors import WanggeError
from geo.migrate import migrate
from geo.settings import DatabaseSettings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `wangge` console script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
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

    cmd = commands.add_parser("serve", help="serve the web app and API")
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--port", type=int, default=8000)
    cmd.set_defaults(run=_serve)
    return parser


def _url() -> str:
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


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port)
    return 0
