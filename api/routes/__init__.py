"""One router per resource; `ROUTERS` collects them for the app factory."""

from api.routes import figures, health, incidents, layers, login, maps, open311, pages, planning, users, walking

ROUTERS = (pages.router, login.router, users.router, health.router, layers.router, walking.router, incidents.router, figures.router,
           open311.router, planning.router, maps.router)
