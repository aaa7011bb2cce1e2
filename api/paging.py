"""Pages of a list or a GeoJSON collection: never cut silently (OGC API - Features, Part 1 style).

Every page states `numberMatched` (all that match), `numberReturned`, the window applied and the
largest allowed (`paging`: offset, limit, maxLimit), and `links`: `self`, `next` while more remain,
`prev` when not at the start. A GeoJSON page is a FeatureCollection with the same members and a
`timeStamp`, as an OGC API Features `items` response.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request, Response

from api.deps import Settings
from geo.errors import BadRequest

MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000
DEFAULT_LIMIT = 100  # lists (users, tokens, scenarios…); GeoJSON collections take theirs from the settings
GEOJSON = "application/geo+json"
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"每页条数（1～{MAX_LIMIT:,}）")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="跳过条数")]
# The counts a FeatureCollection made in SQL carries before its features.
_COUNT = re.compile(rb'"(numberMatched|numberReturned)"\s*:\s*(\d+)')


@dataclass(frozen=True)
class Window:
    """Which part of a collection a request asks for: `limit` items from `offset`, at most `max_limit`."""

    offset: int
    limit: int
    max_limit: int

    def slice(self, items: list) -> list:
        """The window's part of a whole list."""
        return items[self.offset:self.offset + self.limit]

    def stated(self) -> dict[str, int]:
        """The window as every page states it."""
        return {"offset": self.offset, "limit": self.limit, "maxLimit": self.max_limit}


async def list_window(limit: Limit = DEFAULT_LIMIT, offset: Offset = 0) -> Window:
    """The window of a JSON list: `limit` (default DEFAULT_LIMIT, at most MAX_LIMIT) from `offset`."""
    return Window(offset, limit, MAX_LIMIT)


async def feature_window(
    settings: Settings,
    limit: Annotated[int | None, Query(ge=1, description="每页要素数（默认与上限见 paging；不填为默认值）")] = None,
    offset: Offset = 0,
) -> Window:
    """The window of a GeoJSON collection: the settings' default and maximum page size; above it, 400."""
    if limit is not None and limit > settings.max_page_size:
        raise BadRequest(f"limit 不能超过 {settings.max_page_size}（每页要素数上限）；请按 links 中的 next 翻页")
    return Window(offset, settings.default_page_size if limit is None else limit, settings.max_page_size)


ListWindow = Annotated[Window, Depends(list_window)]
FeatureWindow = Annotated[Window, Depends(feature_window)]


def by_offset(offset: int, limit: int) -> dict[str, int]:
    """The query parameters of a window: `offset` and `limit`."""
    return {"offset": offset, "limit": limit}


def links(request: Request, *, matched: int, returned: int, window: Window, media_type: str,
          query: Callable[[int, int], dict[str, int]] = by_offset) -> list[dict[str, str]]:
    """self, next (while more remain) and prev (when not at the start), as OGC API links.

    `query(offset, limit)` gives the parameters that replace those of the request's URL.
    """
    def to(start: int, rel: str, title: str) -> dict[str, str]:
        href = str(request.url.include_query_params(**query(start, window.limit)))
        return {"rel": rel, "type": media_type, "title": title, "href": href}

    found = [{"rel": "self", "type": media_type, "title": "本页", "href": str(request.url)}]
    if window.offset + returned < matched:
        found.append(to(window.offset + window.limit, "next", "下一页"))
    if window.offset > 0:
        # Past the end, prev goes to the last full page rather than to another empty one.
        found.append(to(max(0, min(window.offset - window.limit, matched - window.limit)), "prev", "上一页"))
    return found


def page(request: Request, items: list, *, total: int, limit: int, offset: int,
         max_limit: int = MAX_LIMIT) -> dict[str, object]:
    """`items` (one page of `total`) with numberMatched, numberReturned, paging and links."""
    window = Window(offset, limit, max_limit)
    return {"numberMatched": total, "numberReturned": len(items), "items": items, "paging": window.stated(),
            "links": links(request, matched=total, returned=len(items), window=window, media_type="application/json")}


def list_page(request: Request, items: list, *, total: int, window: Window) -> dict[str, object]:
    """`page` for a route that took a ListWindow."""
    return page(request, items, total=total, limit=window.limit, offset=window.offset, max_limit=window.max_limit)


def _members(request: Request, matched: int, returned: int, window: Window) -> dict[str, object]:
    return {"timeStamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "paging": window.stated(),
            "links": links(request, matched=matched, returned=returned, window=window, media_type=GEOJSON)}


def geojson_page(request: Request, body: bytes, window: Window) -> Response:
    """A page made in SQL: a FeatureCollection (UTF-8 bytes) whose numberMatched and numberReturned come
    before its features; timeStamp, paging and links are added without parsing the features."""
    head = body[:body.find(b'"features"')]
    counts = {name.decode(): int(value) for name, value in _COUNT.findall(head)}
    if set(counts) != {"numberMatched", "numberReturned"}:
        raise ValueError("the FeatureCollection has no numberMatched and numberReturned before its features")
    extra = json.dumps(_members(request, counts["numberMatched"], counts["numberReturned"], window),
                       ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body.rstrip()[:-1] + b"," + extra[1:], media_type=GEOJSON)


def geojson_slice(request: Request, collection: dict, window: Window) -> Response:
    """The window's page of a whole FeatureCollection computed in memory (its other members are kept)."""
    features = collection["features"]
    part = window.slice(features)
    body = {**collection, "numberMatched": len(features), "numberReturned": len(part),
            **_members(request, len(features), len(part), window), "features": part}
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                    media_type=GEOJSON)


def link_header(found: list[dict[str, str]]) -> str:
    """RFC 8288 Link header of the next and prev links (self is the request itself)."""
    return ", ".join(f'<{link["href"]}>; rel="{link["rel"]}"' for link in found if link["rel"] != "self")
