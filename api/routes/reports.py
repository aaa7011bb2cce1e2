"""GET /reports/monthly: the monthly district report as a PDF, made on request (nothing stored)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter, Response

from api.deps import Pool
from api.routes.dashboard import MonthParam
from geo.incidents import figures as incident_figures
from geo.incidents import report
from geo.incidents.figures import Month
from web import report_pdf

router = APIRouter(tags=["领导驾驶舱与月报"])


@router.get("/reports/monthly", summary="月报（PDF）：主要指标、趋势、各街道、覆盖与事件地图、需关注的单位",
            response_class=Response, responses={200: {"content": {"application/pdf": {}}, "description": "PDF"},
                                                404: {"description": "该月没有落入网格的事件"}})
def monthly(pool: Pool, month: MonthParam = None) -> Response:
    """The report of `month` (default: the latest month with incidents), drawn when asked; six A4 pages."""
    now = dt.datetime.now(dt.UTC)
    with pool.connection() as conn:
        chosen = incident_figures.month_or_latest(conn, Month.parse(month) if month else None, now)
        content = report.gather(conn, chosen, now=now)
    return Response(report_pdf.render(content), media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename=\"report-{chosen}.pdf\"; filename*=UTF-8''{quote(content.file_name)}"})
