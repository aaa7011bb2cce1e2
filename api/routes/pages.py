"""GET /: the Chinese front page."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import Pool, Settings
from geo.db import status
from geo.layers.schema import LAYERS
from web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(pool: Pool, settings: Settings) -> HTMLResponse:
    """Key figures and links to every layer, the API docs and the health check."""
    with pool.connection() as conn:
        return HTMLResponse(render("index.html", title=settings.title, summary=status.summary(conn),
                                   counts=status.layer_counts(conn), layers=LAYERS))
