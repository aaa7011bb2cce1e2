"""GET /: the Chinese front page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import Pool, Settings
from geo.db import status
from geo.errors import EmptyNetwork
from geo.layers.schema import LAYERS
from geo.walking import coverage
from web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(pool: Pool, settings: Settings) -> HTMLResponse:
    """Key figures and links to every layer, the API docs and the health check."""
    with pool.connection() as conn:
        summary = status.summary(conn)
        try:  # residents within 1,000 m of any existing station at any hour, computed on request
            share = coverage.totals(coverage.by_area(conn, "street"))["share"]
        except EmptyNetwork:
            share = None
        summary["coverage_percent"] = None if share is None else round(100 * share, 1)
        return HTMLResponse(render("index.html", title=settings.title, summary=summary,
                                   counts=status.layer_counts(conn), layers=LAYERS))
