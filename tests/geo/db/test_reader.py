"""The role `wangge_reader` (QGIS, ArcGIS): reads every layer and result, never personal data, writes nothing."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from geo.db import reader
from geo.incidents import intake
from geo.layers.export import declare_public
from geo.layers.schema import LAYERS

# Names of columns that carry personal data or secrets, wherever they might appear.
PERSONAL = ("reporter_name", "reporter_phone", "request_id", "password_hash", "token_sha256", "csrf", "phone",
            "id_card", "photo", "media_url")
TEST_PASSWORD = "wangge-reader-test"  # noqa: S105 - a throwaway test cluster's reader


@pytest.fixture(scope="module")
def database(make_demo_database) -> str:
    """The demo district, plus one incident with a phone in it and a building attribute declared private."""
    url = make_demo_database("reader")
    with psycopg.connect(url) as conn:
        when = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        lon, lat = conn.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) AS c FROM grids "
                                "ORDER BY code LIMIT 1) AS g").fetchone()
        category = conn.execute("SELECT min(code) FROM categories").fetchone()[0]
        intake.receive(conn, intake.IncidentIn(
            request_id="reader-test-1", channel="12345热线", category_code=category, reported_at=when, lon=lon,
            lat=lat, description="楼道堆物，联系13812345678", reporter_name="张三", reporter_phone="13812345678"))
        conn.execute("UPDATE buildings SET attrs = attrs || '{\"leader_phone\": \"13900001111\", \"floors\": 6}'")
        declare_public(conn, LAYERS["buildings"], ["floors"])
        reader.set_password(conn, os.environ.get("WANGGE_DB_READER_PASSWORD") or TEST_PASSWORD)
        conn.commit()
    return url


@pytest.fixture
def as_reader(database: str) -> Iterator[psycopg.Connection]:
    params = {**conninfo_to_dict(database), "user": reader.READER_ROLE,
              "password": os.environ.get("WANGGE_DB_READER_PASSWORD") or TEST_PASSWORD}
    with psycopg.connect(make_conninfo(**params)) as conn:
        yield conn


def test_reads_every_layer_and_result_through_the_reader_schema(as_reader: psycopg.Connection) -> None:
    views = {r[0] for r in as_reader.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reader'")}
    assert {"districts", "streets", "communities", "grids", "stations", "buildings", "incidents",
            "walk_circles", "categories"} <= views
    assert as_reader.execute("SELECT count(*) FROM reader.grids").fetchone()[0] > 0
    row = as_reader.execute("SELECT category_code, status, ST_AsText(geom) FROM reader.incidents "
                            "WHERE category_code IS NOT NULL LIMIT 1").fetchone()
    assert row is not None


def test_is_refused_reporter_phone_everywhere(as_reader: psycopg.Connection) -> None:
    with pytest.raises(errors.UndefinedColumn):
        as_reader.execute("SELECT reporter_phone FROM reader.incidents")
    as_reader.rollback()
    with pytest.raises(errors.InsufficientPrivilege):
        as_reader.execute("SELECT reporter_phone FROM public.incidents")
    as_reader.rollback()
    for table in ("users", "api_tokens", "sessions", "audit_log", "incident_events"):
        with pytest.raises(errors.InsufficientPrivilege):
            as_reader.execute(sql.SQL("SELECT * FROM public.{} LIMIT 1").format(sql.Identifier(table)))
        as_reader.rollback()


def test_no_view_shows_a_personal_column(as_reader: psycopg.Connection) -> None:
    columns = as_reader.execute("SELECT table_name, column_name FROM information_schema.columns "
                                "WHERE table_schema = 'reader'").fetchall()
    assert columns
    assert [(t, c) for t, c in columns if c in PERSONAL] == []
    # Free text written by citizens (descriptions of reference tables are the district's own).
    assert ("incidents", "description") not in columns


def test_attrs_keep_only_the_declared_public_keys(as_reader: psycopg.Connection) -> None:
    keys = {k for (k,) in as_reader.execute("SELECT DISTINCT jsonb_object_keys(attrs) FROM reader.buildings")}
    assert "floors" in keys and "leader_phone" not in keys
    text = " ".join(str(r[0]) for r in as_reader.execute("SELECT row_to_json(i) FROM reader.incidents AS i"))
    assert "13812345678" not in text and "张三" not in text and "reader-test-1" not in text


@pytest.mark.parametrize("statement", [
    "INSERT INTO reader.categories (code, name) VALUES ('X', 'x')",
    "UPDATE reader.grids SET name = 'x'",
    "DELETE FROM reader.incidents",
    "UPDATE public.grids SET name = 'x'",
    "CREATE TABLE public.mine (id int)",
    "CREATE TABLE reader.mine (id int)",
])
def test_writes_nothing(as_reader: psycopg.Connection, statement: str) -> None:
    with pytest.raises(errors.InsufficientPrivilege):
        as_reader.execute(statement)
