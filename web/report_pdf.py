"""The monthly district report as a PDF (A4, Chinese), drawn by matplotlib from a MonthlyReport given to it.

Six pages: title with the key figures against the month before and their definitions; the twelve
months' trend; the streets; the walking-coverage map; the incidents map (per 1,000 residents per
grid); the worst units. Drawn without pyplot (matplotlib.figure.Figure, no global figure state) in
the one CJK font the project installs (WenQuanYi Micro Hei, Debian fonts-wqy-microhei), embedded
as TrueType; colours from web/palette.py. The PDF carries no creation date: the same report gives
the same bytes.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections.abc import Callable

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path

from geo.clock import CHINA_TZ
from geo.incidents import figures as f
from geo.incidents.report import WORST_MIN_BASE, MonthlyReport
from web import palette
from web.dashboard import BAR_COLOUR, RATE_COLOURS, change_text, figure_text
from web.map_base import SHARE_CLASSES, share_colour

FONT_FAMILY = "WenQuanYi Micro Hei"
A4_INCHES = (8.27, 11.69)
GREY = palette.RINGS[10.0]
OUTLINE = palette.RINGS[5.0]
# Incidents per 1,000 residents in a month per grid: fixed class breaks, so months compare.
PER_1000_STEPS = (2.5, 5.0, 10.0, 20.0)
PER_1000_COLOURS = palette.ramp(5)
_RC = {"font.family": "sans-serif", "font.sans-serif": [FONT_FAMILY], "axes.unicode_minus": False,
       "pdf.fonttype": 42, "font.size": 9}
# rc_context sets matplotlib's process-wide settings: reports are drawn one at a time.
_LOCK = threading.Lock()
LEVEL_NAMES = {"street": "街道", "community": "社区", "grid": "网格", "department": "部门"}


def font_path() -> str:
    """The file of FONT_FAMILY; RuntimeError saying what to install when it is missing."""
    try:
        return font_manager.findfont(font_manager.FontProperties(family=FONT_FAMILY), fallback_to_default=False)
    except ValueError:
        raise RuntimeError(f"font {FONT_FAMILY!r} is missing: install Debian fonts-wqy-microhei "
                           "(scripts/install-system.sh)") from None


def render(report: MonthlyReport) -> bytes:
    """The report as PDF bytes."""
    font_path()
    pages: tuple[Callable[[Figure, MonthlyReport], None], ...] = (
        _title_page, _trend_page, _streets_page, _coverage_page, _incidents_page, _worst_page)
    out = io.BytesIO()
    with _LOCK, matplotlib.rc_context(_RC), PdfPages(out, metadata={
            "Title": f"{report.district}网格化治理月报 {report.month.label}", "Creator": "wangge",
            "CreationDate": None}) as pdf:
        for number, draw in enumerate(pages, start=1):
            fig = Figure(figsize=A4_INCHES)
            draw(fig, report)
            fig.text(0.5, 0.02, f"{report.district} · {report.month.label} · 第{number}页／共{len(pages)}页",
                     ha="center", size=7, color=GREY)
            pdf.savefig(fig)
    return out.getvalue()


def _heading(fig: Figure, text: str, note: str = "") -> None:
    fig.text(0.07, 0.95, text, size=15)
    if note:
        fig.text(0.07, 0.925, note, size=8, color=GREY)


def _title_page(fig: Figure, report: MonthlyReport) -> None:
    month, row = report.month, report.district_row
    fig.text(0.5, 0.86, f"{report.district}网格化治理月报", ha="center", size=24)
    fig.text(0.5, 0.81, f"{month.label}（{month.first_day:%Y-%m-%d} 至 {month.last_day:%Y-%m-%d}）",
             ha="center", size=14)
    made = report.generated_at.astimezone(CHINA_TZ)
    fig.text(0.5, 0.78, f"生成于 {made:%Y-%m-%d %H:%M}（北京时间）；本月上报的事件按生成时的状态统计",
             ha="center", size=9, color=GREY)
    before = row["previous"] or {}
    cells = [[f.FIGURE_LABELS[k], figure_text(k, row.get(k)), figure_text(k, before.get(k)), change_text(k, row)]
             for k in ("incidents", "per_1000", *f.RATES, "median_hours_to_close")]
    share = report.coverage_share
    cells.append(["步行15分钟覆盖率", "—" if share is None else f"{100 * share:.1f}%", "—", "（现状，不分月）"])
    ax = fig.add_axes((0.12, 0.47, 0.76, 0.27))
    ax.axis("off")
    ax.set_title("主要指标", loc="left", size=12)
    table = ax.table(cellText=cells, colLabels=["指标", "本月", "上月", "较上月"], loc="upper center",
                     colWidths=[0.4, 0.2, 0.2, 0.2], cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(10)
    table.scale(1, 1.6)
    notes = _highlights(report)
    fig.text(0.12, 0.52, "\n".join(f"· {n}" for n in notes), size=9.5, va="top", linespacing=1.8)
    lines = ["指标口径："] + [f"{term}：{text}" for term, text in f.DEFINITIONS_ZH]
    wrapped = "\n".join(w for line in lines for w in textwrap.wrap(line, 52))
    fig.text(0.12, 0.36, wrapped, size=7.5, va="top", color=OUTLINE, linespacing=1.6)


def _highlights(report: MonthlyReport) -> list[str]:
    levels = report.overview["levels"]
    notes = [f"全区（落入网格）事件 {int(report.district_row['incidents']):,} 件，覆盖常住人口 "
             f"{int(report.district_row['residents'] or 0):,} 人"]
    streets = levels["street"]
    if streets:
        busiest = max(streets, key=lambda r: (float(r["per_1000"] or 0), r["code"]))
        notes.append(f"每千人事件数最高的街道：{busiest['name']}（{figure_text('per_1000', busiest['per_1000'])}）")
        late = max(streets, key=lambda r: (float(r["overdue_rate"] or 0), r["code"]))
        notes.append(f"超期率最高的街道：{late['name']}（{figure_text('overdue_rate', late['overdue_rate'])}，"
                     f"超期 {late['overdue']} / {late['incidents']} 件）")
    departments = levels["department"]
    if departments:
        top = max(departments, key=lambda r: (int(r["incidents"]), r["code"]))
        notes.append(f"办件最多的部门（含协办）：{top['name']}（{int(top['incidents']):,} 件）")
    return notes


def _trend_page(fig: Figure, report: MonthlyReport) -> None:
    trend = report.overview["trend"]
    months = [r["month"] for r in trend]
    x = np.arange(len(months))
    _heading(fig, "近12个月的趋势", "各月上报的事件，按生成时的状态统计")
    ax = fig.add_axes((0.1, 0.56, 0.82, 0.32))
    for key in f.RATES:
        values = [np.nan if r[key] is None else float(r[key]) for r in trend]
        ax.plot(x, values, marker="o", markersize=3, color=RATE_COLOURS[key], label=f.RATE_LABELS[key])
    ax.set_ylim(-3, 103)  # a rate at 0 % or 100 % stays clear of the frame
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("%")
    ax.set_title("响应率、解决率、满意率、超期率", loc="left", size=11)
    _month_axis(ax, x, months)
    ax.legend(ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False)
    ax.grid(axis="y", color=palette.RAMP[1])
    bars = fig.add_axes((0.1, 0.12, 0.82, 0.3))
    bars.bar(x, [int(r["incidents"]) for r in trend], color=BAR_COLOUR, label="事件数")
    bars.set_ylabel("件")
    bars.set_title("事件数与每千人事件数", loc="left", size=11)
    _month_axis(bars, x, months)
    rate = bars.twinx()
    rate.plot(x, [np.nan if r["per_1000"] is None else float(r["per_1000"]) for r in trend], marker="o",
              markersize=3, color=palette.INCIDENT, label="每千人事件数")
    rate.set_ylim(bottom=0)
    rate.set_ylabel("每千人")
    bars.legend(handles=[Patch(color=BAR_COLOUR, label="事件数"), Line2D([], [], color=palette.INCIDENT,
                                                                     marker="o", label="每千人事件数")],
                ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False)


def _month_axis(ax, x: np.ndarray, months: list[str]) -> None:
    ax.set_xticks(x, months, rotation=45, ha="right", size=7.5)
    ax.set_xlim(-0.6, len(months) - 0.4)


def _streets_page(fig: Figure, report: MonthlyReport) -> None:
    streets = report.overview["levels"]["street"]
    _heading(fig, f"{report.month.label}各街道", "条形为本月数值；表中箭头为较上月的变化")
    names = [r["name"] for r in streets]
    y = np.arange(len(streets))[::-1]
    for k, (key, colour, title) in enumerate((("per_1000", BAR_COLOUR, "每千人事件数"),
                                              ("overdue_rate", RATE_COLOURS["overdue_rate"], "超期率（%）"))):
        ax = fig.add_axes((0.2 + 0.4 * k, 0.6, 0.32, 0.3))
        ax.barh(y, [float(r[key] or 0) for r in streets], color=colour)
        ax.set_yticks(y, names if k == 0 else [""] * len(names), size=8)
        ax.set_title(title, loc="left", size=10)
    columns = ("incidents", "per_1000", *f.RATES, "median_hours_to_close")
    cells = [[r["name"], *(figure_text(c, r.get(c)) + (" " + change_text(c, r) if change_text(c, r) else "")
                           for c in columns)] for r in streets]
    ax = fig.add_axes((0.05, 0.08, 0.9, 0.45))
    ax.axis("off")
    table = ax.table(cellText=cells or [["—"] * (len(columns) + 1)],
                     colLabels=["街道", "事件数", "每千人", "响应率", "解决率", "满意率", "超期率", "办结用时（时）"],
                     loc="upper center", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1, 1.5)


def _paths(geom) -> Path:
    """A shapely (multi)polygon as one matplotlib path, holes included."""
    vertices, codes = [], []
    for polygon in getattr(geom, "geoms", [geom]):
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            vertices.append(xy)
            codes.append([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY])
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _map_axes(fig: Figure, report: MonthlyReport):
    """An axes fitted to the grids, degrees shown at their true proportion, with streets, names and a scale bar."""
    ax = fig.add_axes((0.05, 0.14, 0.9, 0.76))
    ax.axis("off")
    bounds = np.array([g["geom"].bounds for g in report.grids] or [(0, 0, 1, 1)])
    west, south, east, north = bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()
    middle = (south + north) / 2
    ax.set_aspect(1 / math.cos(math.radians(middle)))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    km = 1 / (111.32 * math.cos(math.radians(middle)))  # degrees of longitude per kilometre
    x0, y0 = west + 0.02 * (east - west), south + 0.02 * (north - south)
    ax.plot([x0, x0 + 2 * km], [y0, y0], color=palette.MARK, linewidth=2)
    ax.text(x0 + km, y0 + 0.01 * (north - south), "2 公里", ha="center", size=8)
    ax.annotate("北", xy=(east, north), xytext=(east, north - 0.06 * (north - south)), ha="center", size=10,
                arrowprops={"arrowstyle": "-|>", "color": palette.MARK})
    return ax


def _draw_areas(ax, report: MonthlyReport, colours: list[str]) -> None:
    ax.add_collection(PatchCollection([PathPatch(_paths(g["geom"])) for g in report.grids], facecolors=colours,
                                      edgecolors="white", linewidths=0.15))
    ax.add_collection(PatchCollection([PathPatch(_paths(s["geom"])) for s in report.streets], facecolors="none",
                                      edgecolors=OUTLINE, linewidths=0.9))
    for s in report.streets:
        ax.text(s["lon"], s["lat"], s["name"], ha="center", va="center", size=7.5,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.7})


def _coverage_page(fig: Figure, report: MonthlyReport) -> None:
    share = report.coverage_share
    _heading(fig, "驿站步行15分钟覆盖",
             "网格内居民中，步行1000米（约15分钟）内有驿站（任一类型、全天、现有）的比例；"
             + ("全区 " + f"{100 * share:.1f}%" if share is not None else "未载入步行路网，无法计算"))
    ax = _map_axes(fig, report)
    colours = [share_colour(g["coverage"]) for g in report.grids]
    _draw_areas(ax, report, colours)
    for kind, colour in palette.KINDS.items():
        points = [(s["lon"], s["lat"]) for s in report.stations if s["kind"] == kind]
        if points:
            xs, ys = zip(*points, strict=True)
            ax.scatter(xs, ys, s=9, color=colour, edgecolors="white", linewidths=0.4, zorder=3)
    handles = [Patch(facecolor=c, label=label) for _, c, label in reversed(SHARE_CLASSES)]
    handles.append(Patch(facecolor=palette.NO_DATA, label="无居民或未计算"))
    handles += [Line2D([], [], marker="o", linestyle="", color=c, label=k) for k, c in palette.KINDS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.005), ncols=5, frameon=False, fontsize=7.5)


def _incidents_page(fig: Figure, report: MonthlyReport) -> None:
    _heading(fig, f"{report.month.label}事件分布：每千人事件数（按网格）",
             "网格内本月上报事件数 ÷ 网格内楼栋常住人口 × 1000；无事件的网格计为0")
    ax = _map_axes(fig, report)
    colours = []
    for g in report.grids:
        if not g["residents"]:
            colours.append(palette.NO_DATA)
            continue
        per_1000 = 1000 * (int(g["row"]["incidents"]) if g["row"] else 0) / g["residents"]
        colours.append(PER_1000_COLOURS[sum(per_1000 >= s for s in PER_1000_STEPS)])
    _draw_areas(ax, report, colours)
    bounds = ("0", *(f"{s:g}" for s in PER_1000_STEPS))
    labels = [f"< {PER_1000_STEPS[0]:g}", *(f"{a}–{b}" for a, b in zip(bounds[1:], bounds[2:], strict=False)),
              f"≥ {PER_1000_STEPS[-1]:g}"]
    handles = [Patch(facecolor=c, label=label) for c, label in zip(PER_1000_COLOURS, labels, strict=True)]
    handles.append(Patch(facecolor=palette.NO_DATA, label="无常住人口"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.005), ncols=6, frameon=False, fontsize=7.5,
              title="每千人事件数", title_fontsize=8)


def _worst_page(fig: Figure, report: MonthlyReport) -> None:
    _heading(fig, f"{report.month.label}需关注的单位",
             "超期率最高、满意率最低的各5个；只排本月事件（满意率为有评价的事件）不少于门槛数的单位")
    for row, level in enumerate(report.worst):
        for col, (figure, title) in enumerate((("overdue_rate", "超期率最高"), ("satisfaction_rate", "满意率最低"))):
            ax = fig.add_axes((0.06 + 0.47 * col, 0.7 - 0.205 * row, 0.42, 0.17))
            ax.axis("off")
            ax.set_title(f"{LEVEL_NAMES[level]}：{title}（门槛 {WORST_MIN_BASE[level]} 件）", loc="left", size=9.5)
            rows = report.worst[level][figure]
            if not rows:
                ax.text(0, 0.8, "无符合门槛的单位", size=8.5, color=GREY)
                continue
            count = ("overdue", "incidents") if figure == "overdue_rate" else ("satisfied", "rated")
            cells = [[_short(str(r["name"])), figure_text(figure, r[figure]),
                      f"{r[count[0]]} / {r[count[1]]}"] for r in rows]
            table = ax.table(cellText=cells, colLabels=["单位", f.RATE_LABELS[figure],
                                                        "超期/事件" if figure == "overdue_rate" else "满意/评价"],
                             loc="upper center", colWidths=[0.55, 0.2, 0.25], cellLoc="center")
            table.auto_set_font_size(False)
            table.set_fontsize(8)
            table.scale(1, 1.25)


def _short(name: str, width: int = 14) -> str:
    """`name` cut to `width` characters with an ellipsis (Chinese has no spaces to cut at)."""
    return name if len(name) <= width else name[:width - 1] + "…"
