"""Figures of incident handling: the one definition of 响应率, 解决率, 满意率, 超期率 and the others.

`/figures`, the leader's dashboard (`/dashboard`) and the monthly report (`/reports/monthly`,
`wangge report`) all read them from `figures()`, whose SQL (geo/db/sql/incidents/incident_figures.sql)
is their only implementation. For the incidents *reported* in a period (a calendar month of
Asia/Shanghai, or [start, end)), as the incidents stand when asked (`now`):

- incidents (事件数): how many were reported in the period.
- responded (已响应): left 受理 at least once (办理, 上报, 退回 or a direct 办结: `responded_at` is set).
  响应率 `response_rate` = responded / incidents, in percent.
- closed (已办结): in state 办结 now (a reopened incident is no longer closed).
  解决率 `resolution_rate` = closed / incidents, in percent.
- rated, satisfied: closed incidents whose closing recorded the citizen's satisfaction, and those satisfied.
  满意率 `satisfaction_rate` = satisfied / rated, in percent; None when none was rated.
- overdue (超期): open (not 办结) past its deadline at `now`, or closed after its deadline; the deadline
  is the one in force (a 上报 sets a new one). 超期率 `overdue_rate` = overdue / incidents, in percent.
  The same condition as the incident filter's `late=1`.
- median_hours_to_close (办结用时中位数): median of closed_at − reported_at over the closed ones, in hours.
- residents: residents of the buildings on the unit's grids (sum of buildings.residents through
  buildings.grid_id; 0 when none); per_1000 (每千人事件数) = incidents / residents × 1,000 in the period,
  None for units without residents. Both None for departments and categories.

Rates are rounded to 0.1 percentage point, hours to 0.1 h, per_1000 to 0.01. A unit appears only
when it has incidents in the period (or month). Units:

- district, street, community, grid: the grid the incident is assigned to (incidents on no grid,
  outside the district or without a location, are in no area's figures);
- department: the responsible department and every co-handling department (协办部门) of a 协办件, so
  that a department answers for what it handles jointly too: department rows add up to more than
  the district's incidents;
- category: the category of the responsibility list (职责清单), for the top categories.

Every figure links to the incidents behind it (`behind()`), an `IncidentFilter` selecting exactly
the unit's incidents of the period, narrowed to the figure's numerator where the filter can say it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from decimal import Decimal
from typing import Literal

import psycopg
from psycopg.rows import dict_row

from geo.clock import CHINA_TZ, FIRST_YEAR, LAST_YEAR
from geo.db import sql as sql_file
from geo.errors import BadRequest, NotFound
from geo.incidents.filters import IncidentFilter

Level = Literal["district", "street", "community", "grid", "department", "category"]
LEVELS: tuple[Level, ...] = ("district", "street", "community", "grid", "department", "category")
AREA_LEVELS: tuple[Level, ...] = ("district", "street", "community", "grid")
LEVEL_LABELS: dict[str, str] = {"district": "区", "street": "街道", "community": "社区", "grid": "网格",
                                "department": "部门", "category": "类别"}
RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "overdue_rate")
RATE_LABELS = {"response_rate": "响应率", "resolution_rate": "解决率", "satisfaction_rate": "满意率",
               "overdue_rate": "超期率"}
# Every figure of a row, as the pages and the report name it.
FIGURE_LABELS = {"incidents": "事件数", "per_1000": "每千人事件数", **RATE_LABELS,
                 "median_hours_to_close": "办结用时中位数（小时）"}
# The definitions above in Chinese, as the dashboard and the report print them under their figures.
DEFINITIONS_ZH = (
    ("统计范围", "本期（自然月，北京时间）上报的事件，按现时状态统计；区、街道、社区、网格只计已落入网格的事件，"
                "部门计主办及协办部门（故各部门之和大于全区），类别按职责清单"),
    ("响应率", "已响应（离开“受理”：办理、上报、退回或即办办结）事件数 ÷ 事件数"),
    ("解决率", "现为“办结”的事件数 ÷ 事件数（重新打开的不计）"),
    ("满意率", "办结时评价“满意”的事件数 ÷ 办结时有评价的事件数"),
    ("超期率", "超期事件数 ÷ 事件数；超期＝未办结且已过时限，或办结晚于时限（上报后按新时限）"),
    ("办结用时中位数", "已办结事件从上报到办结的小时数的中位数"),
    ("每千人事件数", "事件数 ÷ 单位内楼栋常住人口 × 1000"),
)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


@dataclasses.dataclass(frozen=True, order=True)
class Month:
    """A calendar month of Asia/Shanghai (China has one zone and no daylight saving)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """YYYY-MM, 2000–2100; BadRequest (Chinese) otherwise."""
        match = _MONTH.fullmatch(text.strip())
        if not match or not 1 <= int(match[2]) <= 12:
            raise BadRequest(f"月份须为 YYYY-MM（如 2026-10），收到“{text[:20]}”")
        if not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
            raise BadRequest(f"月份须在{FIRST_YEAR}～{LAST_YEAR}年之间，收到“{text[:20]}”")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, moment: dt.datetime) -> Month:
        """The month `moment` (aware) falls in, in Asia/Shanghai."""
        local = moment.astimezone(CHINA_TZ)
        return cls(local.year, local.month)

    def shift(self, months: int) -> Month:
        """The month `months` later (earlier when negative)."""
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def start(self) -> dt.datetime:
        """Its first instant: the 1st, 00:00 in Asia/Shanghai (aware)."""
        return dt.datetime(self.year, self.month, 1, tzinfo=CHINA_TZ)

    @property
    def end(self) -> dt.datetime:
        """The first instant after it (the next month's start)."""
        return self.shift(1).start

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        return self.end.date() - dt.timedelta(days=1)

    @property
    def label(self) -> str:
        """In Chinese: 2026年10月."""
        return f"{self.year}年{self.month}月"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def figures(conn: psycopg.Connection, level: Level, start: dt.datetime, end: dt.datetime, *,
            now: dt.datetime | None = None, per_month: bool = False) -> list[dict[str, object]]:
    """One row per unit of `level` with incidents reported in [start, end) (aware), in code order.

    Each row: code, name, the counts incidents, responded, closed, rated, satisfied, overdue, the rates
    (percent, None without a base), median_hours_to_close, residents and per_1000 (module docstring), as
    plain ints and floats. With `per_month`, one row per month and unit, with `month` ('YYYY-MM'), in
    month then code order. `now` (aware; default the current time) decides what is overdue while open.
    """
    if level not in LEVELS:
        raise BadRequest(f"level 应为 {'、'.join(LEVELS)} 之一，实际为“{level}”")
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise BadRequest("start、end 须带时区，且 end 晚于 start")
    rows = conn.cursor(row_factory=dict_row).execute(sql_file("incident_figures"), {
        "level": level, "start": start, "end": end, "now": now or dt.datetime.now(dt.UTC),
        "per_month": per_month}).fetchall()
    return [{k: float(v) if isinstance(v, Decimal) else v for k, v in row.items() if per_month or k != "month"}
            for row in rows]


def months_on_record(conn: psycopg.Connection) -> tuple[Month, Month] | None:
    """(first, latest) month with incidents reported (Asia/Shanghai); None when there are none."""
    first, last = conn.execute("SELECT min(reported_at), max(reported_at) FROM incidents").fetchone()
    return None if last is None else (Month.of(first), Month.of(last))


def month_or_latest(conn: psycopg.Connection, month: Month | None, now: dt.datetime | None = None) -> Month:
    """`month`; without one the latest month with incidents, else the current month (Asia/Shanghai)."""
    if month is not None:
        return month
    on_record = months_on_record(conn)
    return on_record[1] if on_record else Month.of(now or dt.datetime.now(dt.UTC))


def behind(level: Level, code: str, month: Month, figure: str = "incidents") -> IncidentFilter:
    """The incidents behind `figure` of unit `code` of `level` in `month`, as an incident filter.

    The unit's incidents of the month for incidents, per_1000 and 响应率 (being responded is not a
    filter condition: its base); narrowed to the numerator for 解决率 and the hours to close (办结),
    满意率 (satisfied) and 超期率 (late).
    """
    unit = {"department": {"department": code}, "category": {"category": code}}.get(level, {"area": code})
    narrow = {"resolution_rate": {"status": ("办结",)}, "median_hours_to_close": {"status": ("办结",)},
              "satisfaction_rate": {"status": ("办结",), "satisfied": True},
              "overdue_rate": {"late": True}}.get(figure, {})
    return IncidentFilter(start=month.first_day, end=month.last_day, **unit, **narrow)


@dataclasses.dataclass(frozen=True)
class Unit:
    """One unit whose figures are followed: a district, street, community, grid or department."""

    level: Level
    code: str
    name: str


_UNIT_NAMES = {
    "district": "SELECT name FROM districts WHERE code = %s",
    "street": "SELECT name FROM streets WHERE code = %s",
    "community": "SELECT name FROM communities WHERE code = %s",
    "grid": "SELECT g.name FROM grids AS g JOIN assignment_settings AS s ON s.grid_system = g.system WHERE g.code = %s",
    "department": "SELECT department FROM categories WHERE department = %s LIMIT 1",
}
_AREA_DIGITS = {6: "district", 9: "street", 12: "community", 15: "grid"}


def unit(conn: psycopg.Connection, code: str) -> Unit:
    """The unit of `code`: 6, 9, 12 or 15 digits name a district, street, community or grid (of the
    assignment grid system), anything else a department of the responsibility list; NotFound otherwise."""
    level = _AREA_DIGITS.get(len(code), "department") if code.isdigit() else "department"
    row = conn.execute(_UNIT_NAMES[level], (code,)).fetchone()
    if row is None:
        raise NotFound(f"没有编码或名称为“{code[:40]}”的{LEVEL_LABELS[level]}")
    return Unit(level, code, row[0])


def overview(conn: psycopg.Connection, month: Month, *, levels: tuple[Level, ...] = LEVELS,
             trend_months: int = 12, followed: Unit | None = None, now: dt.datetime | None = None
             ) -> dict[str, object]:
    """What the dashboard and the report show of `month`: each level's rows and a trend.

    {"month", "previous" (Months), "levels": {level: rows of `month`, each with `previous`, the unit's
    row of the month before or None}, "unit": `followed` (None: the district), "trend": its rows per
    month, the `trend_months` months up to `month`, a month without incidents as a row of zeros}.
    `now` is one instant for every figure.
    """
    now = now or dt.datetime.now(dt.UTC)
    previous = month.shift(-1)
    out: dict[str, object] = {"month": month, "previous": previous, "levels": {}, "unit": followed}
    for level in levels:
        rows = figures(conn, level, previous.start, month.end, now=now, per_month=True)
        before = {r["code"]: _plain(r) for r in rows if r["month"] == str(previous)}
        out["levels"][level] = [{**_plain(r), "previous": before.get(r["code"])}
                                for r in rows if r["month"] == str(month)]
    first = month.shift(1 - trend_months)
    found = {r["month"]: _plain(r) for r in figures(conn, followed.level if followed else "district", first.start,
                                                       month.end, now=now, per_month=True)
             if followed is None or r["code"] == followed.code}
    months = [first.shift(k) for k in range(trend_months)]
    out["trend"] = [{"month": str(m), **found.get(str(m), _EMPTY)} for m in months]
    return out


def worst(rows: list[dict[str, object]], figure: str, *, count: int = 5, min_base: int = 10,
          highest: bool = True) -> list[dict[str, object]]:
    """The `count` rows with the highest (or lowest) `figure`, among rows whose base has at least
    `min_base` incidents (rated ones for 满意率); ties by more incidents, then code."""
    base = "rated" if figure == "satisfaction_rate" else "incidents"
    eligible = [r for r in rows if r.get(figure) is not None and int(r[base]) >= min_base]
    sign = -1 if highest else 1
    return sorted(eligible, key=lambda r: (sign * float(r[figure]), -int(r["incidents"]), str(r["code"])))[:count]


_EMPTY = {"incidents": 0, "responded": 0, "closed": 0, "rated": 0, "satisfied": 0, "overdue": 0,
          "response_rate": None, "resolution_rate": None, "satisfaction_rate": None, "overdue_rate": None,
          "median_hours_to_close": None, "residents": None, "per_1000": None}


def _plain(row: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in row.items() if k != "month"}
