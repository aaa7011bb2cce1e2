"""GET /figures: per street, community or grid figures of incidents for a period."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Pool
from api.models import Moment
from geo.errors import BadRequest
from geo.incidents import handling

router = APIRouter(tags=["事件"])


@router.get("/figures", summary="各街道、社区、网格的办件指标")
def figures(
    pool: Pool,
    start: Annotated[Moment, Query(description="起（含），带时区，2000～2100年")],
    end: Annotated[Moment, Query(description="止（不含），带时区，2000～2100年")],
    level: Annotated[handling.Level, Query(description="street、community 或 grid")] = "street",
) -> list[dict[str, object]]:
    """Counts, 响应率, 解决率, 满意率 (percent), overdue and median hours to close, per unit."""
    with pool.connection() as conn:
        if start.tzinfo is None or end.tzinfo is None or end <= start:
            raise BadRequest("start、end 须带时区，且 end 晚于 start")
        return [{k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}
                for row in handling.figures(conn, level, start, end)]
