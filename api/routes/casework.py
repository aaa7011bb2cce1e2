"""Casework beyond one step: bulk actions, manual placement, duplicate links and photos of incidents.

Each operation stays within the caller's area (geo.incidents.desk); photos go to staff in scope only.
"""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Request, Response
from pydantic import Field

from api.deps import CurrentUser, Pool
from api.models import Moment, StrictBody, Text
from api.routes.incidents import SCOPE, IncidentId, ShortText
from geo.accounts import audit
from geo.errors import BadRequest
from geo.incidents import desk, handling, photos

router = APIRouter(prefix="/incidents", tags=["事件"])


class BulkBody(StrictBody):
    """One action applied to several incidents, each on its own."""

    ids: list[IncidentId] = Field(min_length=1, max_length=desk.MAX_BULK, description="事件编号")
    action: ShortText = Field(description="办理、反馈、办结、退回、重新受理、重新打开、上报")
    note: Annotated[Text, Field(max_length=2000)] = ""
    satisfied: bool | None = Field(default=None, description="办结时群众是否满意")
    feedback_way: ShortText | None = Field(default=None, description="反馈时必填：" + "、".join(handling.FEEDBACK_WAYS))
    deadline: Moment | None = Field(default=None, description="上报时必填：街道办理时限（带时区）")


@router.post("/actions", summary="批量办理", responses={400: {"description": "未选择事件或超过上限"}})
def act_many(body: BulkBody, pool: Pool, user: CurrentUser) -> dict[str, object]:
    """Apply the action to each incident; the answer lists each one's new state or why it was refused."""
    with pool.connection() as conn:
        results = desk.act_many(conn, body.ids, body.action, area=user.area_code, actor=user.label, note=body.note,
                                satisfied=body.satisfied, feedback_way=body.feedback_way, deadline=body.deadline)
        conn.commit()
    done = sum(r["ok"] for r in results)  # type: ignore[misc]
    return {"action": body.action, "applied": done, "refused": len(results) - done, "results": results}


class PlacementBody(StrictBody):
    """A dispatcher's placement of an incident on a grid."""

    grid_code: Annotated[Text, Field(pattern=r"^[0-9]{6,15}$", description="网格编码")]
    reason: Annotated[Text, Field(min_length=1, max_length=desk.MAX_REASON, description="理由（必填）")]


@router.post("/{incident_id}/placement", summary="人工分派到网格", responses=SCOPE)
def place(incident_id: IncidentId, body: PlacementBody, pool: Pool, user: CurrentUser) -> dict[str, object]:
    """Put the incident on a grid of the caller's area by hand; kept until its location changes."""
    with pool.connection() as conn:
        name = desk.place(conn, incident_id, body.grid_code, body.reason, area=user.area_code, actor=user.label)
        audit.record(conn, user.label, "人工分派", f"事件{incident_id}", {"grid": body.grid_code})
        conn.commit()
    return {"id": incident_id, "grid_code": body.grid_code, "grid_name": name, "assign_method": "manual"}


class DuplicateBody(StrictBody):
    """Which earlier incident this one repeats; null to unlink."""

    of: IncidentId | None = Field(description="重复于哪件事件；null 为取消关联")


@router.post("/{incident_id}/duplicate", summary="关联或取消重复件", responses=SCOPE)
def duplicate(incident_id: IncidentId, body: DuplicateBody, pool: Pool, user: CurrentUser) -> dict[str, object]:
    """Link the incident to the one it repeats, or unlink it; recorded in its trail."""
    with pool.connection() as conn:
        desk.link_duplicate(conn, incident_id, body.of, area=user.area_code, actor=user.label)
        conn.commit()
    return {"id": incident_id, "duplicate_of": body.of}


@router.post("/{incident_id}/photos", summary="上传现场照片", status_code=201,
             max_body_size=photos.MAX_BYTES, responses={**SCOPE, 413: {"description": "照片过大"}},
             openapi_extra={"requestBody": {"content": {"image/jpeg": {"schema": {"type": "string",
                                                                                  "format": "binary"}}}}})
async def upload(incident_id: IncidentId, request: Request, pool: Pool, user: CurrentUser) -> dict[str, object]:
    """The body is the image itself (JPEG, PNG or WebP); stored with the incident, shown to staff only."""
    data = bytearray()
    async for chunk in request.stream():  # beyond MAX_BYTES, FastAPI answers 413
        data.extend(chunk)
        if len(data) > photos.MAX_BYTES:
            raise BadRequest("照片过大")
    photo_id = await to_thread.run_sync(_store, pool, incident_id, bytes(data), user)
    return {"id": photo_id, "incident_id": incident_id, "href": f"/incidents/{incident_id}/photos/{photo_id}"}


def _store(pool, incident_id: int, data: bytes, user) -> int:
    with pool.connection() as conn:
        desk.check_scope(conn, incident_id, user.area_code)
        photo_id = photos.add(conn, incident_id, data, actor=user.label)
        conn.commit()
    return photo_id


@router.get("/{incident_id}/photos/{photo_id}", summary="查看现场照片", responses=SCOPE,
            response_class=Response)
def photo(incident_id: IncidentId, photo_id: Annotated[int, Field(ge=1, le=2**62)], pool: Pool,
          user: CurrentUser) -> Response:
    """The photo, for staff in scope; never cached by shared caches."""
    with pool.connection() as conn:
        desk.check_scope(conn, incident_id, user.area_code)
        kind, data = photos.read(conn, incident_id, photo_id)
    return Response(data, media_type=kind, headers={"Cache-Control": "private, no-store",
                                                    "X-Content-Type-Options": "nosniff"})
