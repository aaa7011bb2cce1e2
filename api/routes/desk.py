"""Pages for casework: the dispatcher's desk (/desk) and the grid worker's phone (/m), each within one's area.

Both accept the login session or an `Authorization: Bearer` token; their actions go through the JSON API
(api/routes/incidents.py, api/routes/casework.py), so a page never writes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from api.access import PERSONAL_DATA_ROLES
from api.deps import CurrentUser, Pool, Settings
from api.paging import Offset
from api.routes.incidents import IncidentId
from geo import map_data
from geo.incidents import desk
from geo.incidents.filters import IncidentFilter
from web import desk as desk_page

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
PHONE_PAGE = 20
Sort = Annotated[str, Query(max_length=20)]
PageSize = Annotated[int, Query(ge=1, le=max(desk_page.PAGE_SIZES))]


def _filter(request: Request) -> IncidentFilter:
    return IncidentFilter.from_query({k: request.query_params.getlist(k) for k in request.query_params})


@router.get("/desk")
def queue(request: Request, pool: Pool, settings: Settings, user: CurrentUser, sort: Sort = "deadline",
          limit: PageSize = 50, offset: Offset = 0) -> HTMLResponse:
    """The queue of one's area with filters, counts, paging and bulk actions; bare, the open incidents."""
    filt = _filter(request) if request.query_params else IncidentFilter(open_only=True)
    now = dt.datetime.now(dt.UTC)
    with pool.connection() as conn:
        found = desk.queue(conn, filt, area=user.area_code, personal=True, sort=sort, limit=limit, offset=offset,
                           now=now)
        page = desk_page.queue_page(title=settings.title, csrf=request.state.csrf, area=user.area_code,
                                    area_name=desk.area_name(conn, user.area_code), filt=filt, found=found,
                                    sort=sort, limit=limit, offset=offset, now=now,
                                    choices=desk.choices(conn, user.area_code))
    return HTMLResponse(page)


@router.get("/desk/incidents/{incident_id}")
def incident(incident_id: IncidentId, request: Request, pool: Pool, settings: Settings,
             user: CurrentUser) -> HTMLResponse:
    """One incident with its map, trail, nearby and duplicate incidents and the actions it allows."""
    return HTMLResponse(_incident(incident_id, request, pool, settings.title, user, compact=False))


@router.get("/m")
def phone(request: Request, pool: Pool, settings: Settings, user: CurrentUser, offset: Offset = 0) -> HTMLResponse:
    """The grid worker's phone: report from the spot and the open incidents of one's grids, soonest deadline first."""
    now = dt.datetime.now(dt.UTC)
    with pool.connection() as conn:
        found = desk.queue(conn, IncidentFilter(open_only=True), area=user.area_code,
                           personal=user.role in PERSONAL_DATA_ROLES, limit=PHONE_PAGE, offset=offset, now=now)
        page = desk_page.phone_page(title=settings.title, csrf=request.state.csrf, area=user.area_code,
                                    area_name=desk.area_name(conn, user.area_code), found=found, offset=offset,
                                    limit=PHONE_PAGE, now=now, categories=desk.categories(conn))
    return HTMLResponse(page)


@router.get("/m/incidents/{incident_id}")
def phone_incident(incident_id: IncidentId, request: Request, pool: Pool, settings: Settings,
                   user: CurrentUser) -> HTMLResponse:
    """One incident on the phone: the same facts and actions, without the reporter for grid workers."""
    return HTMLResponse(_incident(incident_id, request, pool, settings.title, user, compact=True))


def _incident(incident_id: int, request: Request, pool, title: str, user, *, compact: bool) -> str:
    personal = user.role in PERSONAL_DATA_ROLES
    with pool.connection() as conn:
        data = desk.incident(conn, incident_id, area=user.area_code, personal=personal)
        return desk_page.incident_page(
            title=title, csrf=request.state.csrf, incident=data, now=dt.datetime.now(dt.UTC), personal=personal,
            can_dispatch=personal, compact=compact, grids=desk.grids_in(conn, user.area_code) if personal else [],
            district=map_data.district_bounds(conn))
