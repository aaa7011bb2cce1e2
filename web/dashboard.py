"""/dashboard: the leader's dashboard of one month's incident handling, rendered from the figures given to it.

Key figures of the district with the change from the month before, charts (Chart.js, vendored: the
twelve months' rates and incidents of the district or of one unit followed, the streets, the top
categories), and tables per street, department, community and grid (a unit's name opens its trend). Every figure links to the incidents behind it: `incidents_url`
(the desk for dispatchers, the incidents map for everyone else) with the filter of
geo.incidents.figures.behind() as URL parameters.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from geo.clock import CHINA_TZ
from geo.incidents import figures as f
from geo.incidents.figures import Month
from web import palette
from web.render import render

# The four rates' series (Okabe–Ito colours of web/palette.py): overdue in the overdue colour, response
# in the incidents' colour, the other two in the kinds' bluish green and the proposals' reddish purple.
RATE_COLOURS = {"response_rate": palette.INCIDENT, "resolution_rate": palette.KINDS["暖新驿站"],
                "satisfaction_rate": palette.PROPOSED, "overdue_rate": palette.OVERDUE}
BAR_COLOUR = palette.RAMP[4]  # counts: the ranks' ramp
COLUMNS = ("incidents", "per_1000", "response_rate", "resolution_rate", "satisfaction_rate", "overdue_rate",
           "median_hours_to_close")
TABLES = (("street", "各街道"), ("department", "各部门（含协办，按事件数）"), ("community", "各社区"))
HOT_GRIDS = 20
TOP_CATEGORIES = 10


def figure_text(figure: str, value: object) -> str:
    """A figure as shown: counts with thousands separators, rates in percent, '—' when there is none."""
    if value is None:
        return "—"
    if figure == "incidents":
        return f"{int(value):,}"
    if figure in f.RATES:
        return f"{float(value):.1f}%"
    if figure == "per_1000":
        return f"{float(value):.2f}"
    return f"{float(value):.1f}"


def change_text(figure: str, row: dict[str, object]) -> str:
    """The change from the month before ('↑1.2', '↓3', '→0'; '' without both months' values)."""
    before = row.get("previous")
    now, then = row.get(figure), before.get(figure) if before else None
    if now is None or then is None:
        return ""
    diff = round(float(now) - float(then), 0 if figure == "incidents" else 2 if figure == "per_1000" else 1)
    arrow = "↑" if diff > 0 else "↓" if diff < 0 else "→"
    return arrow + (f"{abs(int(diff)):,}" if figure == "incidents" else f"{abs(diff):g}")


def _tooltip(figure: str, row: dict[str, object]) -> str:
    n = int(row["incidents"])
    return {"incidents": f"本月上报 {n:,} 件",
            "per_1000": f"{n:,} 件 ÷ 常住人口 {int(row['residents'] or 0):,} 人 × 1000",
            "response_rate": f"已响应 {row['responded']} / {n} 件（链接为全部事件）",
            "resolution_rate": f"已办结 {row['closed']} / {n} 件（链接为已办结事件）",
            "satisfaction_rate": f"满意 {row['satisfied']} / 有评价 {row['rated']} 件（链接为满意事件）",
            "overdue_rate": f"超期 {row['overdue']} / {n} 件（链接为超期事件）",
            "median_hours_to_close": f"已办结 {row['closed']} 件的用时中位数（小时；链接为已办结事件）"}[figure]


def link(incidents_url: str, level: str, code: str, month: Month, figure: str = "incidents") -> str:
    """The URL of the incidents behind `figure` of unit `code` in `month`."""
    return incidents_url + "?" + urlencode(f.behind(level, code, month, figure).query(), doseq=True)


def _cells(row: dict[str, object], level: str, month: Month, incidents_url: str) -> list[dict[str, object]]:
    return [{"figure": fig, "value": row.get(fig), "text": figure_text(fig, row.get(fig)),
             "change": change_text(fig, row), "title": _tooltip(fig, row),
             "href": link(incidents_url, level, str(row["code"]), month, fig)} for fig in COLUMNS]


def trend_link(month: Month | str, unit: str | None = None) -> str:
    """The dashboard of `month` with the trend of `unit` (a code or department; None: the district)."""
    return "/dashboard?" + urlencode({"month": str(month), **({"unit": unit} if unit else {})})


def _table(rows: list[dict[str, object]], level: str, month: Month, incidents_url: str) -> list[dict[str, object]]:
    return [{"code": r["code"], "name": r["name"], "trend": trend_link(month, str(r["code"])),
             "cells": _cells(r, level, month, incidents_url)} for r in rows]


def _charts(data: dict[str, object], month: Month, incidents_url: str) -> dict[str, object]:
    """What dashboard.js draws: series, labels, colours and, per bar or point, the link a click follows."""
    trend = data["trend"]
    streets = data["levels"]["street"]
    categories = sorted(data["levels"]["category"], key=lambda r: (-int(r["incidents"]), r["code"]))[:TOP_CATEGORIES]
    return {
        "rates": [{"key": k, "label": f.RATE_LABELS[k], "colour": RATE_COLOURS[k]} for k in f.RATES],
        "bar": BAR_COLOUR,
        "trend": {"months": [r["month"] for r in trend],
                  "links": [trend_link(r["month"], data["unit"].code if data["unit"] else None) for r in trend],
                  "incidents": [r["incidents"] for r in trend], "per_1000": [r["per_1000"] for r in trend],
                  **{k: [r[k] for r in trend] for k in f.RATES}},
        "streets": {"labels": [r["name"] for r in streets], "per_1000": [r["per_1000"] for r in streets],
                    "overdue_rate": [r["overdue_rate"] for r in streets],
                    "links": [link(incidents_url, "street", r["code"], month) for r in streets],
                    "overdue_links": [link(incidents_url, "street", r["code"], month, "overdue_rate")
                                      for r in streets]},
        "categories": {"labels": [r["name"] for r in categories], "incidents": [r["incidents"] for r in categories],
                       "links": [link(incidents_url, "category", r["code"], month) for r in categories]},
    }


def _ordered(rows: list[dict[str, object]], level: str) -> list[dict[str, object]]:
    """Areas in code order (west to east, north to south); departments by incidents, most first."""
    return sorted(rows, key=lambda r: (-int(r["incidents"]), r["code"])) if level == "department" else rows


def page(data: dict[str, object], *, title: str, incidents_url: str, on_record: tuple[Month, Month] | None,
         now: dt.datetime) -> str:
    """The dashboard as HTML for `data` (geo.incidents.figures.overview), figures as of `now` (aware)."""
    month: Month = data["month"]
    levels = data["levels"]
    district = levels["district"][0] if levels["district"] else None
    grids = levels["grid"]
    hot = sorted(grids, key=lambda r: (-int(r["incidents"]), -float(r["per_1000"] or 0), r["code"]))[:HOT_GRIDS]
    key = None
    if district is not None:
        key = [{"label": f.FIGURE_LABELS[c["figure"]], **c}
               for c in _cells(district, "district", month, incidents_url)]
    first, last = on_record if on_record else (month, month)
    return render(
        "dashboard.html", title=title, month=month, month_text=str(month), labels=f.FIGURE_LABELS,
        columns=COLUMNS, district=district, key=key, definitions=f.DEFINITIONS_ZH,
        tables=[(label, level, _table(_ordered(levels[level], level), level, month, incidents_url))
                for level, label in TABLES],
        hot=_table(hot, "grid", month, incidents_url), grids=_table(grids, "grid", month, incidents_url),
        charts=_charts(data, month, incidents_url), first=str(first), last=str(last),
        previous=str(month.shift(-1)) if month > first else None, following=str(month.shift(1)) if month < last else None,
        as_of=now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"), desk=incidents_url == "/desk",
        followed=data["unit"], unit_query=f"&unit={quote(data['unit'].code)}" if data["unit"] else "")
