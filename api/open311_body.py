"""Open311 POST bodies: form-encoded (the spec's) or JSON, decoded to their fields, or refused with a status."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field

MAX_BODY = 64 * 1024  # bytes


@dataclass
class BodyError(Exception):
    """A body refused before its fields are read: the HTTP status and the spec's descriptions."""

    status: int
    descriptions: list[str] = field(default_factory=list)


def _no_constant(name: str) -> object:
    raise BodyError(400, [f"JSON不能含{name}：数值须为有限数"])


def decode_body(content_type: str, body: bytes) -> dict[str, object]:
    """The fields of a POST body: form-encoded (the spec's) or a JSON object (UTF-8 both)."""
    if len(body) > MAX_BODY:
        raise BodyError(413, [f"请求体超过{MAX_BODY // 1024} KB"])
    media = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError(400, ["请求体须为UTF-8编码"]) from None
    if media in ("application/x-www-form-urlencoded", ""):
        fields: dict[str, object] = {}
        for name, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
            fields.setdefault(name, value)  # the first of repeated fields counts
        return fields
    if media == "application/json" or media.endswith("+json"):
        try:
            data = json.loads(text, parse_constant=_no_constant) if text.strip() else {}
        except json.JSONDecodeError as exc:
            raise BodyError(400, [f"JSON无法解析（第{exc.lineno}行第{exc.colno}列）"]) from None
        except RecursionError:
            raise BodyError(400, ["JSON嵌套过深"]) from None
        if not isinstance(data, dict):
            raise BodyError(400, ["JSON请求体须为对象，如 {\"service_code\": \"CAT01\", \"lat\": 36.18, \"long\": 113.11}"])
        return data
    raise BodyError(415, [f"不支持的Content-Type“{media}”：请用application/x-www-form-urlencoded或application/json"])
