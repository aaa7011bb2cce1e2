"""GET /figures: figures of incident handling per district, street, community, grid, department or category."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import psycopg
from fastapi import APIRouter, Query

from api.deps import Pool
from api.models import Moment, Text
from geo.errors import BadRequest
from geo.incidents import figures as incident_figures
from geo.incidents.figures import Level, Month

router = APIRouter(tags=["事件"])

MonthParam = Annotated[Text | None, Query(max_length=20, description="月份 YYYY-MM（北京时间的自然月）；"
                                                                    "与 start、end 二选一；都不给则为有事件的最近一个月")]


def period(conn: psycopg.Connection, month: str | None, start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime,
                                                                                                  dt.datetime]:
    """[start, end) from `month` or from `start` and `end`; the latest month with incidents without either."""
    if month is not None:
        if start is not None or end is not None:
            raise BadRequest("month 与 start、end 不能同时给出")
        chosen = Month.parse(month)
        return chosen.start, chosen.end
    if (start is None) != (end is None):
        raise BadRequest("start 与 end 须同时给出（或改用 month）")
    if start is not None and end is not None:
        return start, end
    on_record = incident_figures.months_on_record(conn)
    if on_record is None:
        raise BadRequest("还没有事件：请用 month 或 start、end 指定时段")
    return on_record[1].start, on_record[1].end


@router.get("/figures", summary="各区、街道、社区、网格、部门、类别的办件指标")
def figures(
    pool: Pool,
    start: Annotated[Moment | None, Query(description="起（含），带时区，2000～2100年")] = None,
    end: Annotated[Moment | None, Query(description="止（不含），带时区，2000～2100年")] = None,
    month: MonthParam = None,
    level: Annotated[Level, Query(description="district 区、street 街道、community 社区、grid 网格、"
                                              "department 部门（含协办部门）、category 类别")] = "street",
    per_month: Annotated[bool, Query(description="按月分列（每月每单位一行，带 month）")] = False,
) -> list[dict[str, object]]:
    """Per unit with incidents reported in the period: the counts (incidents, responded, closed, rated,
    satisfied, overdue), 响应率, 解决率, 满意率, 超期率 (percent), median hours to close, residents and
    incidents per 1,000 residents. Definitions: geo/incidents/figures.py and the README ("Figures").

    The list is complete, never cut: one row per unit (per month with `per_month`) that has incidents in
    the period, at most one per street, community, grid, department or category of the district.
    """
    with pool.connection() as conn:
        first, last = period(conn, month, start, end)
        return incident_figures.figures(conn, level, first, last, per_month=per_month)
