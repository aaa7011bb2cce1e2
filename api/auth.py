"""Authentication and the access decision, before a request's body is read.

A pure ASGI middleware: it finds the operation's decision in api/access.py, identifies the
caller (an `Authorization: Bearer` token, else the session cookie of a login), and refuses
with 401 or 403 before the route runs, so an anonymous caller cannot make the server read,
parse or work on anything. Cookie-authenticated changes need the session's CSRF token (header
`X-CSRF-Token`, or on the routes of FORM_ROUTES the form field `csrf_token`, checked there).
"""

from __future__ import annotations

import logging
import urllib.parse

import psycopg
import psycopg_pool
from anyio import to_thread
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.access import ALLOWED, decide
from geo.accounts import credentials
from geo.accounts.roles import User

SESSION_COOKIE = "wangge_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Routes whose HTML forms carry the CSRF token as the field `csrf_token` and check it themselves.
FORM_ROUTES = frozenset({"/logout"})
RETRY_AFTER_S = 5
log = logging.getLogger("wangge.api")


def unavailable() -> JSONResponse:
    """503 with Retry-After: the database is away; nothing of this request was stored."""
    return JSONResponse({"detail": "数据库暂不可用，请稍后重试"}, status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER_S)})


def _identify(pool: psycopg_pool.ConnectionPool, token: str | None, cookie: str | None) -> tuple[User | None, str]:
    """(user, session CSRF token or '') of a bearer token, else of a session cookie."""
    with pool.connection() as conn:
        if token is not None:
            return credentials.user_for_token(conn, token), ""
        found = credentials.session_user(conn, cookie) if cookie else None
        return (found[0], found[1]) if found else (None, "")


def _refuse(status: int, detail: str, scope: Scope) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="wangge"'} if status == 401 else {}
    accept = Headers(scope=scope).get("accept", "")
    if status == 401 and scope["method"] == "GET" and "text/html" in accept:
        target = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else "")
        return RedirectResponse("/login?" + urllib.parse.urlencode({"next": target}), status_code=303)
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class AccessControl:
    """Decide every HTTP request by api/access.ACCESS; put the caller in `request.state.user`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        decided = decide(scope["method"], scope["path"])
        headers = Headers(scope=scope)
        authorization = headers.get("authorization")
        cookie = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        token = None
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                await _refuse(401, "Authorization 须为“Bearer 令牌”", scope)(scope, receive, send)
                return
            token = token.strip()
        user, csrf = None, ""
        if token is not None or cookie is not None:
            try:
                user, csrf = await to_thread.run_sync(_identify, scope["app"].state.pool, token, cookie)
            except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
                log.error("database unavailable: %s", type(exc).__name__)
                await unavailable()(scope, receive, send)
                return
            if user is None and token is not None:
                await _refuse(401, "令牌无效、已过期或已吊销", scope)(scope, receive, send)
                return
        state = scope.setdefault("state", {})
        state["user"], state["csrf"] = user, csrf
        if decided is not None:
            refusal = self._refusal(scope, headers, decided[1], user, csrf, via_cookie=token is None)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _refusal(scope: Scope, headers: Headers, decision: str, user: User | None, csrf: str, *,
                 via_cookie: bool) -> Response | None:
        if decision == "public":
            return None
        if user is None:
            return _refuse(401, "请先登录，或在请求头 Authorization 中提供“Bearer 令牌”", scope)
        if user.role not in ALLOWED[decision]:  # type: ignore[index]
            return _refuse(403, f"角色“{user.role}”无权执行此操作（需要：{decision}）", scope)
        form = scope["path"] in FORM_ROUTES and headers.get("content-type", "").split(";")[0].strip() in FORM_TYPES
        if via_cookie and scope["method"] not in SAFE_METHODS and not form and headers.get(CSRF_HEADER) != csrf:
            return _refuse(403, "缺少或错误的 CSRF 令牌（请求头 X-CSRF-Token）", scope)
        return None


def _cookie(header: str, name: str) -> str | None:
    """The value of cookie `name` in a Cookie header, if any."""
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None
