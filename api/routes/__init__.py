"""One router per resource; `ROUTERS` collects them for the app factory."""

from api.routes import (
    casework,
    dashboard,
    desk,
    docs,
    figures,
    health,
    incidents,
    layers,
    login,
    maps,
    open311,
    pages,
    planning,
    reach,
    reports,
    siting_jobs,
    tiles,
    users,
    walking,
)

ROUTERS = (pages.router, docs.router, login.router, users.router, health.router, layers.router, walking.router,
           reach.router, incidents.router, figures.router, open311.router, planning.router, maps.router,
           tiles.router, siting_jobs.router, casework.router, desk.router,
           dashboard.router, reports.router)
