"""GET /dashboard: the leader's dashboard of incident handling for one month (HTML)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.access import ALLOWED
from api.deps import CurrentUser, Pool, Settings
from api.models import Text
from geo.incidents import figures as incident_figures
from geo.incidents.figures import Month
from web import dashboard

router = APIRouter(tags=["领导驾驶舱与月报"], default_response_class=HTMLResponse)

MonthParam = Annotated[Text | None, Query(max_length=20, description="月份 YYYY-MM；默认为有事件的最近一个月")]
UnitParam = Annotated[Text | None, Query(max_length=100, description="趋势图所示单位：街道、社区、网格编码或部门名称；"
                                                                   "默认为全区")]


def incidents_url(user: CurrentUser) -> str:
    """Where the incidents behind a figure are listed for `user`: the desk for dispatchers and admins,
    the incidents map (no personal data) for everyone else."""
    return "/desk" if user.role in ALLOWED["dispatcher"] else "/maps/incidents"


@router.get("/dashboard", summary="领导驾驶舱：各单位各月的响应率、解决率、满意率、超期率等")
def dashboard_page(pool: Pool, settings: Settings, user: CurrentUser, month: MonthParam = None,
                   unit: UnitParam = None) -> HTMLResponse:
    """Key figures with the change from the month before, twelve months' trend (of the district or of `unit`),
    streets, top categories, tables per street, department, community and grid (figures as `/figures`),
    each figure linked to its incidents."""
    now = dt.datetime.now(dt.UTC)
    with pool.connection() as conn:
        on_record = incident_figures.months_on_record(conn)
        chosen = incident_figures.month_or_latest(conn, Month.parse(month) if month else None, now)
        followed = incident_figures.unit(conn, unit) if unit else None
        data = incident_figures.overview(conn, chosen, followed=followed, now=now)
    return HTMLResponse(dashboard.page(data, title=settings.title, incidents_url=incidents_url(user),
                                       on_record=on_record, now=now))
