"""Open311 GeoReport v2 (JSON only) under /open311/v2: services, intake, public reads (paged by an extension).

Errors use the spec's format, `[{"code": 400, "description": "…"}]`, with the same HTTP
status. The logic is in geo/incidents/open311.py and geo/incidents/open311_input.py; bodies are decoded in
api/open311_body.py; this module only passes arguments along.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Annotated, ParamSpec

import psycopg
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from api.deps import Pool
from api.open311_body import BodyError, decode_body
from api.paging import Window, link_header, links
from geo.incidents import open311, open311_input

router = APIRouter(prefix="/open311/v2", tags=["Open311"])
P = ParamSpec("P")


class Open311JSON(JSONResponse):
    """JSON with the charset the spec asks for."""

    media_type = "application/json; charset=utf-8"


ERRORS = {400: {"description": "参数缺失或无效：[{code, description}]"},
          404: {"description": "没有该服务或请求：[{code, description}]"}}


# The HTTP status of each kind of Open311Error.
STATUS = {"invalid": 400, "not_found": 404, "conflict": 409}


def _spec_list(status: int, descriptions: list[str]) -> Open311JSON:
    """The spec's error list: one {code, description} per problem, with the same HTTP status."""
    return Open311JSON([{"code": status, "description": d} for d in descriptions], status_code=status)


def spec_errors(handler: Callable[P, JSONResponse]) -> Callable[P, JSONResponse]:
    """Turn Open311Error and refused bodies into the spec's error list with their HTTP status."""

    @wraps(handler)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> JSONResponse:
        try:
            return handler(*args, **kwargs)
        except open311_input.Open311Error as exc:
            return _spec_list(STATUS[exc.kind], exc.descriptions)
        except BodyError as exc:
            return _spec_list(exc.status, exc.descriptions)

    return wrapper


Jurisdiction = Annotated[str | None, Query(description="辖区编号：本服务只有一个辖区，可省略")]


@router.get("/services.json", summary="服务列表（事项类别）", response_class=Open311JSON)
@spec_errors
def services(pool: Pool, jurisdiction_id: Jurisdiction = None) -> JSONResponse:
    """Every category of the responsibility list as a GeoReport v2 service."""
    with pool.connection() as conn:
        return Open311JSON(open311.services(conn))


@router.get("/services/{service_code}.json", summary="服务定义", response_class=Open311JSON, responses=ERRORS)
@spec_errors
def service_definition(service_code: str, pool: Pool, jurisdiction_id: Jurisdiction = None) -> JSONResponse:
    """The service's extra attributes: none, so `attributes` is always empty."""
    open311_input.refuse_nul({"service_code": service_code})
    with pool.connection() as conn:
        return Open311JSON(open311.service_definition(conn, service_code))


async def _body(request: Request) -> tuple[str, bytes]:
    return request.headers.get("content-type", ""), await request.body()


FORM_FIELDS = {
    "service_code": {"type": "string", "description": "服务编码（事项类别），必填"},
    "lat": {"type": "number", "description": "纬度（WGS84），必填"},
    "long": {"type": "number", "description": "经度（WGS84），必填"},
    "address_string": {"type": "string", "description": "地址（仅存档，不用于定位）"},
    "description": {"type": "string", "maxLength": open311_input.MAX_DESCRIPTION},
    "first_name": {"type": "string", "description": "名（个人信息：只有调度员可见）"},
    "last_name": {"type": "string", "description": "姓（个人信息：只有调度员可见）"},
    "phone": {"type": "string", "description": "电话（个人信息：只有调度员可见）"},
    "email": {"type": "string", "description": "接受但不保存"},
    "media_url": {"type": "string", "description": "图片网址（http/https）"},
    "request_id": {"type": "string", "description": "客户端请求号（也可用请求头Idempotency-Key）：重试时返回同一请求"},
    "api_key": {"type": "string", "description": "可省略：公众均可提交"},
}
FORM_SCHEMA = {"type": "object", "required": ["service_code", "lat", "long"], "properties": FORM_FIELDS}


@router.post(
    "/requests.json", summary="提交服务请求（事件）", status_code=201, response_class=Open311JSON,
    responses={200: {"description": "重试：同一Idempotency-Key已提交过，返回原请求"},
               409: {"description": "Idempotency-Key已用于另一条内容不同的请求"}, **ERRORS},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/x-www-form-urlencoded": {"schema": FORM_SCHEMA}, "application/json": {"schema": FORM_SCHEMA}}}},
)
@spec_errors
def create_request(
    request: Request,
    pool: Pool,
    body: Annotated[tuple[str, bytes], Depends(_body)],
    idempotency_key: Annotated[str | None, Header(description="客户端请求号：重试时返回同一请求")] = None,
) -> JSONResponse:
    """Store the request as an incident of channel 网络; the database assigns its grid at once.

    Without a client key the server makes one, so that when the COMMIT's answer is lost (the
    database went away just then) a second connection can tell whether it was stored: the
    client then gets 201 for a stored request and 503 only for one that was not.
    """
    request.app.state.open311_limit.check(request, "提交")
    submission = open311_input.parse_submission(decode_body(*body), idempotency_key, dt.datetime.now(dt.UTC))
    if submission.incident.request_id is None:
        submission = open311_input.with_server_key(submission)
    with pool.connection() as conn:
        try:
            response, created = open311.submit(conn, submission)
        except open311_input.Open311Error:
            conn.rollback()  # spec_errors answers normally, so the pool would commit otherwise
            raise
        try:
            conn.commit()
        except psycopg.OperationalError:
            stored = _stored_id(pool, str(submission.incident.request_id))
            if stored is None:
                raise
            response[0]["service_request_id"] = str(stored)
        return Open311JSON(response, status_code=201 if created else 200)


def _stored_id(pool: Pool, request_id: str) -> int | None:
    """The id of the incident stored under `request_id`, asked on a fresh connection; raises if it cannot tell."""
    with pool.connection() as conn:
        row = conn.execute("SELECT id FROM incidents WHERE request_id = %s", (request_id,)).fetchone()
        return row[0] if row else None


PAGE_SIZE = open311_input.MAX_RESULTS  # default and largest page: the spec's 1,000
MAX_PAGE = 1_000_000
PAGING = (
    "分页（本服务的扩展，GeoReport v2 未规定）：响应体仍是数组；`page`（从1起）与 `page_size`"
    f"（默认且至多{PAGE_SIZE:,}）选页；响应头 `Link`（RFC 8288，rel=\"next\"/\"prev\"）给出下一页、上一页，"
    "`X-Number-Matched` 为符合条件的总数，`X-Number-Returned` 为本页条数，`X-Page-Size`、`X-Max-Page-Size` "
    "为本页条数上限与允许的最大值，`X-Requested-Datetime-Range` 为所用的报告时间范围。"
)


def _open311_page(offset: int, limit: int) -> dict[str, int]:
    """The Open311 extension's parameters of a window (a page past the end rounds up to the last one)."""
    return {"page": -(-offset // limit) + 1, "page_size": limit}


def _window(page: str | None, page_size: str | None) -> Window:
    """The window of `page` and `page_size` (whole numbers in range), or the spec's error list naming them."""
    def number(text: str | None, name: str, default: int, top: int) -> int:
        if text is None or not text.strip():
            return default
        if not re.fullmatch(r"[0-9]{1,9}", text.strip()) or not 1 <= int(text) <= top:
            raise open311_input.bad_request(f"{name}：须为1～{top}的整数，收到“{text[:20]}”")
        return int(text)

    size = number(page_size, "page_size", PAGE_SIZE, PAGE_SIZE)
    return Window(offset=(number(page, "page", 1, MAX_PAGE) - 1) * size, limit=size, max_limit=PAGE_SIZE)


def _paging_headers(request: Request, query: open311_input.RequestQuery, window: Window, matched: int,
                    returned: int) -> dict[str, str]:
    """Link (next, prev) and the counts and limits of a page of GET requests."""
    found = links(request, matched=matched, returned=returned, window=window, media_type=Open311JSON.media_type,
                  query=_open311_page)
    headers = {"X-Number-Matched": str(matched), "X-Number-Returned": str(returned),
               "X-Page-Size": str(window.limit), "X-Max-Page-Size": str(window.max_limit)}
    if query.start is not None and query.end is not None:
        headers["X-Requested-Datetime-Range"] = f"{query.start.isoformat()}/{query.end.isoformat()}"
    if link_header(found):
        headers["Link"] = link_header(found)
    return headers


@router.get("/requests.json", summary="查询服务请求（分页见说明）", response_class=Open311JSON, responses=ERRORS,
            description="按报告时间从新到旧列出服务请求；默认最近90天。\n\n" + PAGING)
@spec_errors
def list_requests(
    request: Request,
    pool: Pool,
    service_request_id: Annotated[str | None, Query(description="以逗号分隔的编号；给出时忽略其他条件")] = None,
    service_code: Annotated[str | None, Query(description="以逗号分隔的服务编码")] = None,
    start_date: Annotated[str | None, Query(description="最早报告时间（ISO 8601，带时区）")] = None,
    end_date: Annotated[str | None, Query(description="最晚报告时间（ISO 8601，带时区）；与start_date相距不超过90天")] = None,
    status: Annotated[str | None, Query(description="open、closed（办结为closed，其余为open）")] = None,
    jurisdiction_id: Jurisdiction = None,
    page: Annotated[str | None, Query(description="页码（从1起；扩展参数）")] = None,
    page_size: Annotated[str | None, Query(description=f"每页条数（默认且至多{PAGE_SIZE}；扩展参数）")] = None,
) -> JSONResponse:
    """A page of requests, newest first (by default those reported in the last 90 days); the body is the
    spec's array, the paging is in the headers."""
    window = _window(page, page_size)
    with pool.connection() as conn:
        query = open311_input.parse_query(conn, service_request_id=service_request_id, service_code=service_code,
                                          start_date=start_date, end_date=end_date, status=status,
                                          now=dt.datetime.now(dt.UTC))
        query = dataclasses.replace(query, limit=window.limit)
        matched, found = open311.requests(conn, query, offset=window.offset)
    return Open311JSON(found, headers=_paging_headers(request, query, window, matched, len(found)))


@router.get("/requests/{service_request_id}.json", summary="查看服务请求", response_class=Open311JSON,
            responses=ERRORS)
@spec_errors
def get_request(service_request_id: str, pool: Pool, jurisdiction_id: Jurisdiction = None) -> JSONResponse:
    """A one-element list, as the spec has it."""
    with pool.connection() as conn:
        return Open311JSON(open311.request(conn, service_request_id))


@router.api_route("/{rest:path}", methods=["GET", "POST"], include_in_schema=False)
def unknown(rest: str) -> JSONResponse:
    """Anything else under /open311/v2, in the spec's error format (XML is not served)."""
    if rest.endswith(".xml"):
        description = "本服务只提供JSON格式：请把.xml换成.json"
    else:
        description = f"没有“/open311/v2/{rest}”：可用 services.json、services/{{service_code}}.json、requests.json、" \
                      "requests/{service_request_id}.json"
    return Open311JSON([{"code": 404, "description": description}], status_code=404)
