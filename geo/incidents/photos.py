"""Photos taken on the spot: stored with their incident, served only to staff in scope.

A photo is personal data (faces, number plates, doorways): it is never published, never in
Open311, maps or exports, and the reader role cannot read its table (geo/db/reader.py).
"""

from __future__ import annotations

import hashlib

import psycopg
from psycopg.types.json import Jsonb

from geo.errors import BadRequest, NotFound

MAX_BYTES = 8 * 1024 * 1024  # a phone's JPEG at full resolution is 2–6 MB
MAX_PER_INCIDENT = 10
# Content types by the file's first bytes: what the file is, whatever the client says.
_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


def sniff(data: bytes) -> str | None:
    """The image type of `data` from its signature (JPEG, PNG, WebP), or None."""
    for prefix, kind in _SIGNATURES:
        if data.startswith(prefix):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def add(conn: psycopg.Connection, incident_id: int, data: bytes, *, actor: str) -> int:
    """Store one photo of incident `incident_id`; its id. BadRequest for non-images, empty or too many. Caller commits."""
    kind = sniff(data)
    if kind is None:
        raise BadRequest("照片须为 JPEG、PNG 或 WebP 图片")
    if len(data) > MAX_BYTES:
        raise BadRequest(f"照片过大（最大{MAX_BYTES // (1024 * 1024)} MB）")
    count = conn.execute("SELECT photo_count FROM incidents WHERE id = %s FOR UPDATE", (incident_id,)).fetchone()
    if count is None:
        raise NotFound(f"没有编号为{incident_id}的事件")
    if count[0] >= MAX_PER_INCIDENT:
        raise BadRequest(f"每件事件最多{MAX_PER_INCIDENT}张照片")
    digest = hashlib.sha256(data).hexdigest()
    photo_id = conn.execute(
        "INSERT INTO incident_photos (incident_id, content_type, bytes, sha256, uploaded_by) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING id", (incident_id, kind, data, digest, actor)).fetchone()[0]
    conn.execute("UPDATE incidents SET photo_count = photo_count + 1 WHERE id = %s", (incident_id,))
    conn.execute("INSERT INTO incident_events (incident_id, actor, action, from_status, to_status, note, detail) "
                 "SELECT id, %s, '上传照片', status, status, '', %s FROM incidents WHERE id = %s",
                 (actor, Jsonb({"photo": photo_id, "bytes": len(data)}), incident_id))
    return int(photo_id)


def read(conn: psycopg.Connection, incident_id: int, photo_id: int) -> tuple[str, bytes]:
    """(content type, bytes) of photo `photo_id` of incident `incident_id`; NotFound otherwise."""
    row = conn.execute("SELECT content_type, bytes FROM incident_photos WHERE id = %s AND incident_id = %s",
                       (photo_id, incident_id)).fetchone()
    if row is None:
        raise NotFound(f"事件{incident_id}没有编号为{photo_id}的照片")
    return row[0], bytes(row[1])
