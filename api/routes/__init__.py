"""One router per resource; `ROUTERS` collects them for the app factory."""

from api.routes import figures, health, incidents, layers, pages, walking

ROUTERS = (pages.router, health.router, layers.router, walking.router, incidents.router, figures.router)
