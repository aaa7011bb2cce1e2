"""Pages of a list: never cut silently, always with counts and a `next` link while more remain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request

MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="跳过条数")]


def page(request: Request, items: list, *, total: int, limit: int, offset: int) -> dict[str, object]:
    """`items` with numberMatched, numberReturned and links (self, next while more remain)."""
    links = [{"rel": "self", "href": str(request.url)}]
    if offset + len(items) < total:
        links.append({"rel": "next", "href": str(request.url.include_query_params(offset=offset + limit,
                                                                                     limit=limit))})
    return {"numberMatched": total, "numberReturned": len(items), "items": items, "links": links}
