"""The API documentation pages (Swagger UI at /docs, ReDoc at /redoc) from vendored assets, never a CDN."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from web.offline import VENDOR_URL

router = APIRouter(include_in_schema=False)
OAUTH2_REDIRECT = "/docs/oauth2-redirect"


def _lang(page: HTMLResponse) -> HTMLResponse:
    """The page with `lang="zh-CN"` on its <html> (FastAPI writes none)."""
    body = page.body.decode("utf-8").replace("<html>", '<html lang="zh-CN">', 1)
    return HTMLResponse(body)


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json; no validator badge (it would call validator.swagger.io)."""
    return _lang(get_swagger_ui_html(
        openapi_url="/openapi.json", title=f"{request.app.title} · 接口文档",
        swagger_js_url=f"{VENDOR_URL}swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{VENDOR_URL}swagger-ui/swagger-ui.css",
        swagger_favicon_url=f"{VENDOR_URL}swagger-ui/favicon-32x32.png",
        oauth2_redirect_url=OAUTH2_REDIRECT, swagger_ui_parameters={"validatorUrl": None}))


@router.get(OAUTH2_REDIRECT)
def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 redirect page."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over /openapi.json, without Google Fonts."""
    return _lang(get_redoc_html(
        openapi_url="/openapi.json", title=f"{request.app.title} · 接口文档（ReDoc）",
        redoc_js_url=f"{VENDOR_URL}redoc/redoc.standalone.js",
        redoc_favicon_url=f"{VENDOR_URL}swagger-ui/favicon-32x32.png", with_google_fonts=False))
