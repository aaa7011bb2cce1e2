"""One router per resource; `ROUTERS` collects them for the app factory."""

from api.routes import figures, health, incidents, layers, maps, open311, pages, planning, walking

ROUTERS = (pages.router, health.router, layers.router, walking.router, incidents.router, figures.router,
           open311.router, planning.router, maps.router)
