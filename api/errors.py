"""One table from domain errors to HTTP status codes; messages never leak internals."""

from __future__ import annotations

import logging

import psycopg
import psycopg_pool
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.auth import RETRY_AFTER_S, unavailable
from geo.errors import (
    BadRequest,
    Busy,
    Conflict,
    CRSError,
    DatabaseUnavailable,
    EmptyNetwork,
    IllegalTransition,
    ImportRejected,
    InvalidIncident,
    NotFound,
    OutOfScope,
    WanggeError,
)

log = logging.getLogger("wangge.api")

STATUS: dict[type[WanggeError], int] = {
    NotFound: 404,
    BadRequest: 400,
    ImportRejected: 422,
    InvalidIncident: 422,
    CRSError: 422,
    EmptyNetwork: 409,
    IllegalTransition: 409,
    Conflict: 409,
    OutOfScope: 403,
    DatabaseUnavailable: 503,
}


# Problems listed in an error answer; `problems_total` counts them all.
MAX_PROBLEMS = 200

def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Where and why, never the input itself: it may be NaN (not JSON), huge, or personal.
        detail = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
                  for e in exc.errors()[:MAX_PROBLEMS]]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(WanggeError)
    async def domain_error(request: Request, exc: WanggeError) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, ImportRejected | InvalidIncident):
            body["problems"] = [p.as_dict() for p in exc.problems[:MAX_PROBLEMS]]
            body["problems_total"] = len(exc.problems)
        if isinstance(exc, Busy):
            body["holder"] = exc.holder
        headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(psycopg_pool.PoolTimeout)
    @app.exception_handler(psycopg.OperationalError)
    async def database_down(request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable: %s", type(exc).__name__)
        return unavailable()
