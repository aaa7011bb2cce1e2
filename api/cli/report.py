"""`wangge report`: the monthly district report as a PDF file, the same as GET /reports/monthly."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from geo.db import connect
from geo.errors import BadRequest
from geo.incidents import figures as incident_figures
from geo.incidents import report
from geo.incidents.figures import Month


def month(text: str) -> Month:
    """--month YYYY-MM, with argparse's error in Chinese on anything else."""
    try:
        return Month.parse(text)
    except BadRequest as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_commands(commands: argparse._SubParsersAction, url: Callable[[], str]) -> None:
    """Register `report`; `url` gives DATABASE_URL."""
    cmd = commands.add_parser("report", help="生成月报（PDF）", description="生成某月的区网格化治理月报（PDF）：主要指标及较上月"
                              "的变化、近12个月趋势、各街道、步行覆盖地图、事件地图、需关注的单位；与网页 /reports/monthly 相同",
                              examples=("wangge report --month 2026-10", "wangge report --month 2026-10 --out 十月月报.pdf"))
    cmd.add_argument("--month", type=month, default=None, help="月份 YYYY-MM（默认为有事件的最近一个月）")
    cmd.add_argument("--out", type=Path, default=None, help="输出文件（默认为当前目录下的“区名网格化治理月报-月份.pdf”）")
    cmd.set_defaults(run=lambda args: _report(args, url()))


def _report(args: argparse.Namespace, url: str) -> int:
    from web import report_pdf  # matplotlib: loaded only by this command

    now = dt.datetime.now(dt.UTC)
    with connect(url) as conn:
        content = report.gather(conn, incident_figures.month_or_latest(conn, args.month, now), now=now)
    pdf = report_pdf.render(content)
    out = args.out or Path(content.file_name)
    out.write_bytes(pdf)
    print(f"已写入 {out}（{content.month.label}，{len(pdf) / 1024:.0f} KB）")
    return 0
