"""Migrations: ordered, recorded, re-runnable, and edits to applied ones are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from geo.db.migrate import MIGRATIONS_DIR, available, migrate
from geo.errors import MigrationError


def test_rerun_applies_nothing_and_history_is_recorded(database_url: str) -> None:
    with psycopg.connect(database_url) as conn:
        assert migrate(conn) == []
        recorded = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert recorded == [(m.version, m.name) for m in available()]


def test_extensions_and_spatial_indexes_exist(conn) -> None:
    extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
    assert {"postgis", "pgrouting"} <= extensions
    geometry_tables = {r[0] for r in conn.execute(
        "SELECT f_table_name FROM geometry_columns WHERE f_table_schema = 'public'")}
    indexed = {r[0] for r in conn.execute(
        "SELECT t.relname FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_am a ON a.oid = x.relam WHERE a.amname = 'gist'")}
    assert geometry_tables and geometry_tables <= indexed


def test_edited_migration_is_refused(conn, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy)
    first = sorted(copy.glob("*.sql"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    with pytest.raises(MigrationError, match="被修改过"):
        migrate(conn, copy)


def test_new_migration_is_applied_once_in_order(conn, tmp_path: Path) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, copy)
    (copy / "9999_probe.sql").write_text("CREATE TABLE probe (id int);", encoding="utf-8")
    assert [m.version for m in migrate(conn, copy)] == [9999]
    assert migrate(conn, copy) == []


def test_badly_named_migration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "add_things.sql").write_text("SELECT 1;", encoding="utf-8")
    with pytest.raises(MigrationError, match="文件名不合规"):
        available(tmp_path)
