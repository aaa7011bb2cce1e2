"""Apply the ordered SQL migrations in geo/db/migrations, recording each in the database."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from geo.db import reader
from geo.errors import MigrationError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant works; it keeps two processes from migrating the same database at once.
MIGRATION_LOCK_KEY = 7_226_404_030
_HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One migration file: `NNNN_name.sql`."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text, to notice edits to applied migrations."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files in version order."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = re.fullmatch(r"(\d{4})_(\w+)\.sql", path.name)
        if not match:
            raise MigrationError(f"迁移文件名不合规：{path.name}（应为 NNNN_名称.sql）")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"迁移版本号重复：{versions}")
    return found


def migrate(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply pending migrations, each in its own transaction; return those applied.

    Safe to re-run: applied versions are skipped, and an applied migration whose file
    changed since raises MigrationError instead of being silently ignored. The reader views
    (geo/db/reader.py) are dropped before and made anew after.
    """
    applied_now = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        conn.execute(_HISTORY_DDL)
        reader.drop_views(conn)
        done = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
        for migration in available(directory):
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"已执行的迁移 {migration.version:04d}_{migration.name} 被修改过；"
                        "请新增迁移文件，而不是修改旧文件"
                    )
                continue
            with conn.transaction():
                conn.execute(migration.sql)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                    (migration.version, migration.name, migration.checksum),
                )
            applied_now.append(migration)
        reader.make_views(conn)
    return applied_now
