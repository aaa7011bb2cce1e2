"""Users, API tokens and the audit log, for admins (paged, never the secrets)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from pydantic import Field

from api.deps import CurrentUser, Pool
from api.models import StrictBody, Text
from api.paging import ListWindow, list_page
from geo.accounts import audit, credentials, users
from geo.accounts.roles import Role

router = APIRouter(tags=["用户与审计"])


class UserBody(StrictBody):
    """A new user: role and area; a password for the login page, or none (tokens only)."""

    username: Annotated[Text, Field(min_length=1, max_length=64, description="用户名（字母、数字、_ . -）")]
    role: Role = Field(description="viewer、planner、dispatcher、grid_worker、admin")
    area_code: Annotated[Text, Field(max_length=15, description="辖区：6位区县、9位街道、12位社区或15位网格编码")]
    display_name: Annotated[Text, Field(default="", max_length=64, description="姓名")] = ""
    password: Annotated[Text | None, Field(default=None, min_length=8, max_length=256, description="密码（可不设）")] = None


class TokenBody(StrictBody):
    """A new token: what it is for and how long it lives."""

    purpose: Annotated[Text, Field(default="", max_length=200, description="用途")] = ""
    days: int = Field(default=90, ge=1, le=credentials.MAX_TOKEN_DAYS, description="有效天数")


@router.get("/users", summary="用户列表")
def list_users(request: Request, pool: Pool, window: ListWindow) -> dict[str, object]:
    """Users by name, with role, area and whether disabled."""
    with pool.connection() as conn:
        total, rows = users.page(conn, limit=window.limit, offset=window.offset)
    return list_page(request, jsonable_encoder(rows), total=total, window=window)


@router.post("/users", summary="新增用户", status_code=201, responses={409: {"description": "用户名已存在"}})
def add_user(body: UserBody, pool: Pool, admin: CurrentUser) -> dict[str, object]:
    """Create the user; the audit log records who did."""
    with pool.connection() as conn:
        user = users.add(conn, body.username, body.role, body.area_code, actor=admin.label,
                         password=body.password, display_name=body.display_name)
        conn.commit()
    return {"username": user.username, "role": user.role, "area_code": user.area_code}


@router.post("/users/{username}/disable", summary="停用用户", responses={404: {"description": "没有该用户"}})
def disable_user(username: str, pool: Pool, admin: CurrentUser) -> dict[str, object]:
    """Disable the user: sessions end and tokens stop working at once."""
    with pool.connection() as conn:
        users.disable(conn, username, actor=admin.label)
        conn.commit()
    return {"username": username, "disabled": True}


@router.post("/users/{username}/tokens", summary="签发 API 令牌", status_code=201,
             responses={404: {"description": "没有该用户"}})
def issue_token(username: str, body: TokenBody, pool: Pool, admin: CurrentUser) -> dict[str, object]:
    """A new token, shown this once (only its hash is stored)."""
    with pool.connection() as conn:
        token = credentials.issue_token(conn, username, actor=admin.label, name=body.purpose, days=body.days)
        conn.commit()
    return {"username": username, "token": token, "days": body.days}


@router.get("/tokens", summary="令牌列表")
def list_tokens(request: Request, pool: Pool, window: ListWindow) -> dict[str, object]:
    """Tokens with owner, purpose and dates; never the token itself."""
    with pool.connection() as conn:
        total, rows = credentials.tokens_page(conn, limit=window.limit, offset=window.offset)
    return list_page(request, jsonable_encoder(rows), total=total, window=window)


@router.post("/tokens/{token_id}/revoke", summary="吊销令牌", responses={404: {"description": "没有该令牌"}})
def revoke_token(token_id: Annotated[int, Field(ge=1, le=2**62)], pool: Pool, admin: CurrentUser) -> dict[str, object]:
    """Revoke the token at once."""
    with pool.connection() as conn:
        credentials.revoke_token(conn, token_id, actor=admin.label)
        conn.commit()
    return {"id": token_id, "revoked": True}


@router.get("/audit", summary="审计日志")
def audit_log(request: Request, pool: Pool, window: ListWindow) -> dict[str, object]:
    """Who changed what, newest first."""
    with pool.connection() as conn:
        total, rows = audit.page(conn, limit=window.limit, offset=window.offset)
    return list_page(request, jsonable_encoder(rows), total=total, window=window)
