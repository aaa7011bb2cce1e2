"""The FastAPI application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from api import errors
from api.routes import ROUTERS
from api.settings import ApiSettings
from geo.db import open_pool
from geo.settings import DatabaseSettings
from web.offline import STATIC_DIR, STATIC_URL


def create_app(db_settings: DatabaseSettings | None = None, api_settings: ApiSettings | None = None) -> FastAPI:
    """Build the app; settings default to the environment. The pool opens with the app."""
    db_settings = db_settings or DatabaseSettings()
    api_settings = api_settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = open_pool(db_settings)
        # Everything loaded so far (FastAPI, pydantic, GEOS bindings, pandas) lives as long as the
        # process: keep it out of the cyclic collector, whose full passes over it (75–100 ms) paused requests.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            app.state.pool.close()

    app = FastAPI(title=api_settings.title, lifespan=lifespan, docs_url="/docs")
    app.state.api_settings = api_settings
    errors.install(app)
    # Maps and GeoJSON are text that compresses 4-6x; small answers (intake) pass through as they are.
    app.add_middleware(GZipMiddleware, minimum_size=4096)
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")  # vendored Leaflet & co (web/offline.py)
    return app
