"""The Chinese login page, login and logout: a session cookie (HttpOnly, SameSite=Strict) with CSRF checks.

The login form is protected by a double-submit token (cookie `wangge_login_csrf` equal to the
form's `csrf_token`); after login, the session's own CSRF token guards every change.
"""

from __future__ import annotations

import secrets
import urllib.parse
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import SESSION_COOKIE, _cookie
from api.deps import CurrentUser, Pool, Settings
from api.ratelimit import SlidingWindow
from geo.accounts import audit, credentials, users
from web.render import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "wangge_login_csrf"
MAX_FORM_BYTES = 4096
_ATTEMPTS = SlidingWindow(limit=10, window_s=60)


def _safe_next(target: str) -> str:
    """A local path to go to after login (never another site)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def _form(body: bytes) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(body[:MAX_FORM_BYTES].decode("utf-8", "replace")):
        fields.setdefault(key, value)
    return fields


def _page(settings: Settings, next_path: str, error: str = "", status: int = 200) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    page = HTMLResponse(render("login.html", title=settings.title, csrf=csrf, next=_safe_next(next_path), error=error),
                        status_code=status)
    page.set_cookie(LOGIN_CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=settings.cookie_secure,
                    max_age=3600)
    return page


@router.get("/login", response_class=HTMLResponse)
def login_page(settings: Settings, next: str = "/") -> HTMLResponse:  # noqa: A002 - the query's name
    """The login form."""
    return _page(settings, next)


@router.post("/login")
def login(request: Request, pool: Pool, settings: Settings,
          body: Annotated[bytes, Body(media_type="application/x-www-form-urlencoded")] = b"") -> Response:
    """Check the password; on success set the session cookie and go to `next`."""
    fields = _form(body)
    next_path = fields.get("next", "/")
    expected = _cookie(request.headers.get("cookie", ""), LOGIN_CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, fields.get("csrf_token", "")):
        return _page(settings, next_path, "页面已过期，请重新登录", status=403)
    _ATTEMPTS.check(request, "登录")
    with pool.connection() as conn:
        user = users.check_password(conn, fields.get("username", ""), fields.get("password", ""))
        if user is None:
            return _page(settings, next_path, "用户名或密码错误，或账户已停用", status=401)
        secret, _ = credentials.start_session(conn, user)
        audit.record(conn, user.label, "登录")
        conn.commit()
    done = RedirectResponse(_safe_next(next_path), status_code=303)
    done.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="strict", secure=settings.cookie_secure,
                    max_age=credentials.SESSION_HOURS * 3600)
    done.delete_cookie(LOGIN_CSRF_COOKIE)
    return done


@router.post("/logout")
def logout(request: Request, user: CurrentUser, pool: Pool,
           body: Annotated[bytes, Body(media_type="application/x-www-form-urlencoded")] = b"") -> Response:
    """End the session (the form carries the session's CSRF token) and go to the front page.

    A caller with a token and no session has nothing to end: it goes to the front page too.
    """
    secret = _cookie(request.headers.get("cookie", ""), SESSION_COOKIE)
    if secret is None:
        return RedirectResponse("/", status_code=303)
    csrf = request.headers.get("x-csrf-token") or _form(body).get("csrf_token", "")
    if not secrets.compare_digest(csrf, request.state.csrf or ""):
        return Response("缺少或错误的 CSRF 令牌", status_code=403, media_type="text/plain; charset=utf-8")
    with pool.connection() as conn:
        credentials.end_session(conn, secret)
        audit.record(conn, user.label, "退出登录")
        conn.commit()
    done = RedirectResponse("/", status_code=303)
    done.delete_cookie(SESSION_COOKIE)
    return done
