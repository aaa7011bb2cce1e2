"""GET /health: is the database there, with PostGIS and pgRouting."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import Pool
from geo.db import status

router = APIRouter(tags=["状态"])


@router.get("/health", summary="服务与数据库状态")
def health(pool: Pool) -> dict[str, object]:
    """Database, PostGIS and pgRouting versions; 503 when any is missing."""
    with pool.connection() as conn:
        return {"status": "ok", **status.versions(conn)}
