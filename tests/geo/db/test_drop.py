"""Dropping a throwaway database ends its sessions."""

from __future__ import annotations

import os
import uuid

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from geo.db import drop_database


def test_drop_database_ends_its_sessions_and_tolerates_a_missing_one() -> None:
    admin_url = os.environ["DATABASE_URL"]
    name = f"wangge_test_drop_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        session = psycopg.connect(make_conninfo(**{**conninfo_to_dict(admin_url), "dbname": name}))
        drop_database(admin, name)
        assert admin.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,)).fetchone()[0] == 0
        drop_database(admin, name)  # already gone: nothing to do
    session.close()
