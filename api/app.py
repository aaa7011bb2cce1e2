"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import psycopg
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles
from psycopg_pool import PoolTimeout

from api import access, errors
from api.access_log import AccessLog
from api.auth import AccessControl
from api.inflight import InFlightLimit
from api.ratelimit import SlidingWindow
from api.routes import ROUTERS
from api.settings import ApiSettings
from geo.db import open_pool
from geo.planning import siting_jobs
from geo.settings import DatabaseSettings
from web.offline import STATIC_DIR, STATIC_URL

log = logging.getLogger("wangge.api")


def create_app(db_settings: DatabaseSettings | None = None, api_settings: ApiSettings | None = None) -> FastAPI:
    """Build the app; settings default to the environment. The pool opens with the app."""
    db_settings = db_settings or DatabaseSettings()
    api_settings = api_settings or ApiSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = open_pool(db_settings)
        app.state.database_url = db_settings.url
        try:  # jobs a stopped server left behind would never finish: say so
            with app.state.pool.connection() as conn:
                siting_jobs.interrupted(conn)
                conn.commit()
        except (psycopg.OperationalError, PoolTimeout):
            log.warning("database unavailable at start: interrupted siting jobs left as they are")
        # Siting jobs run here, one at a time, beside the requests (geo/planning/siting_jobs.py).
        app.state.background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="siting")
        # Everything loaded so far (FastAPI, pydantic, GEOS bindings, pandas) lives as long as the
        # process: keep it out of the cyclic collector, whose full passes over it (75–100 ms) paused requests.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            app.state.background.shutdown(wait=False, cancel_futures=True)
            app.state.pool.close()

    # Bodies above the limit are refused (413) as soon as Content-Length or the stream shows it.
    app = FastAPI(title=api_settings.title, lifespan=lifespan, docs_url=None, redoc_url=None,
                  max_body_size=api_settings.max_body_bytes)
    app.state.api_settings = api_settings
    app.state.open311_limit = SlidingWindow(api_settings.open311_per_minute, 60.0)
    errors.install(app)
    # Maps and GeoJSON are text that compresses 4-6x; small answers (intake) pass through as they are.
    app.add_middleware(GZipMiddleware, minimum_size=4096)
    # Who may do what is decided before any body is read (api/access.py, api/auth.py).
    app.add_middleware(AccessControl)
    # Past this many requests in progress, 503 at once rather than a growing wait (api/inflight.py).
    app.add_middleware(InFlightLimit, limit=api_settings.max_in_flight)
    app.add_middleware(AccessLog)
    for router in ROUTERS:
        app.include_router(router)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="static")  # vendored Leaflet & co (web/offline.py)
    access.check_complete(app)
    access.document(app)
    return app
